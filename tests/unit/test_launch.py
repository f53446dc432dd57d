"""``ipas-kiosk`` is ``kiosk.launch:main``: ``run`` and ``run --kiosk`` go straight to the kiosk
without building the typer app; everything else is answered by the typer app as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TYPER = [
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'ipas-kiosk'; from kiosk.cli import main; main()",
]
LAUNCH = [str(BIN / "ipas-kiosk")]

FAKE_RUN = (
    "import sys\n"
    "import kiosk.ui.kiosk.start as start\n"
    "code = int(sys.argv.pop())\n"
    "def fake(**options):\n"
    "    print('run_kiosk', options, 'typer' in sys.modules, flush=True)\n"
    "    return code\n"
    "start.run_kiosk = fake\n"
    "sys.argv = ['ipas-kiosk', *sys.argv[1:]]\n"
    "from kiosk.launch import main\n"
    "main()\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("IPAS_KIOSK_")},
        "IPAS_KIOSK_LOG_DIR": str(tmp_path / "logs"),
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
    }


@pytest.mark.parametrize(("args", "kiosk_mode"), [(["run"], False), (["run", "--kiosk"], True)])
def test_run_takes_the_fast_path_without_typer(
    tmp_path: Path, args: list[str], kiosk_mode: bool
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FAKE_RUN, *args, "0"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"run_kiosk {{'kiosk_mode': {kiosk_mode}}} False"
    assert " run: pid " in (tmp_path / "logs" / "ipas-kiosk.log").read_text()  # the operator log


def test_the_kiosks_exit_code_is_the_commands(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FAKE_RUN, "run", "143"], capture_output=True, env=_env(tmp_path)
    )
    assert done.returncode == 143


def test_an_unwritable_log_is_said_on_stderr_as_typer_says_it(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    env = {**_env(tmp_path), "IPAS_KIOSK_LOG_DIR": str(blocked / "logs")}
    done = subprocess.run(
        [sys.executable, "-c", FAKE_RUN, "run", "0"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0
    assert f"warning: no operator log: cannot write into {blocked / 'logs'}" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--help"],
        ["--help"],
        ["run", "--kiosk", "--help"],
        ["run", "--nonsense"],
        ["run", "extra"],
        ["nonsense"],
        ["db", "--help"],
        ["staff", "--help"],
        [],
    ],
)
def test_anything_else_is_answered_as_the_typer_app_answers_it(
    tmp_path: Path, args: list[str]
) -> None:
    env = _env(tmp_path)
    typer = subprocess.run([*TYPER, *args], capture_output=True, text=True, env=env)
    launch = subprocess.run([*LAUNCH, *args], capture_output=True, text=True, env=env)
    assert launch.returncode == typer.returncode
    assert (launch.stdout, launch.stderr) == (typer.stdout, typer.stderr)


def test_the_apps_start_without_automatic_collection_until_they_settle() -> None:
    code = (
        "import gc, sys\n"
        "from kiosk.ui.interpreter import quiet_interpreter, settle_collector\n"
        "with quiet_interpreter():\n"
        "    assert not gc.isenabled() and sys.getswitchinterval() == 0.001\n"
        "    kept = [object() for _ in range(10)]\n"
        "    settle_collector(1000)\n"
        "    assert gc.isenabled() and gc.get_threshold()[2] == 1000\n"
        "    assert gc.get_freeze_count() > 0\n"
        "    gc.disable()  # an app that ended before its warm-up settled the collector\n"
        "assert gc.isenabled() and sys.getswitchinterval() == 0.005\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
