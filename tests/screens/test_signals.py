"""SIGTERM and SIGHUP end the kiosk and the console through Textual's shutdown, on a real pty:
the terminal gets its main screen, mouse reporting off and the cursor back, and the exit code is
the one a shell reports for the signal (143, 129). ``--kiosk`` still ignores ctrl+c and ctrl+z."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui import terminal
from tests.screens.test_hangup import _read_until

# What Textual's Linux driver writes when it stops application mode (stop_application_mode and
# _disable_mouse_support): leave the alternate screen, show the cursor, stop mouse reports.
RESTORE = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_LOG_DIR": str(tmp_path / "logs"),
        "TERM": "xterm-256color",
    }
    env.pop("TEXTUAL_ALLOW_SIGNALS", None)
    subprocess.run(
        [sys.executable, "-m", "kiosk", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _read_to_end(fd: int, timeout: float = 30) -> bytes:
    """Everything the app writes until its side of the pty is closed (EIO on Linux)."""
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"the app never closed its terminal; last: {seen[-300:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: no process holds the terminal any more
            return seen
        if not chunk:
            return seen
        seen += chunk


@pytest.mark.parametrize(
    ("command", "number", "code"),
    [
        (["run"], signal.SIGTERM, 143),
        (["run"], signal.SIGHUP, 129),
        (["staff"], signal.SIGTERM, 143),
        (["staff"], signal.SIGHUP, 129),
    ],
    ids=["run-term", "run-hup", "staff-term", "staff-hup"],
)
def test_a_signal_ends_the_app_and_restores_the_terminal(
    tmp_path: Path, command: list[str], number: signal.Signals, code: int
) -> None:
    env = _environment(tmp_path)
    main, tty = os.openpty()
    app = subprocess.Popen(
        [sys.executable, "-m", "kiosk", *command],
        stdin=tty,
        stdout=tty,
        stderr=tty,
        env=env,
        start_new_session=True,
    )
    os.close(tty)
    try:
        # the first frame: painted after the app's on_mount, where the handlers are installed
        _read_until(main, b"iPAS", timeout=60)
        app.send_signal(number)
        rest = _read_to_end(main)
        assert app.wait(timeout=30) == code
    finally:
        os.close(main)
        if app.poll() is None:
            app.kill()
            app.wait()
    for sequence in RESTORE:
        assert sequence in rest, sequence
    log = (tmp_path / "logs" / "ipas-kiosk.log").read_text(encoding="utf-8")
    assert f"{command[0]} ended (exit code {code})" in log


def test_the_locked_down_kiosk_ignores_ctrl_c_and_ctrl_z_but_not_sigterm(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    main, tty = os.openpty()
    app = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--kiosk"],
        stdin=tty,
        stdout=tty,
        stderr=tty,
        env=env,
        start_new_session=True,
    )
    os.close(tty)
    try:
        _read_until(main, b"iPAS", timeout=60)
        os.write(main, b"\x03\x1a")  # ctrl+c, ctrl+z: keys, not signals
        os.write(main, b"\x1bOQ")  # F2: English; read in order, so the keys above came first
        _read_until(main, b"Candidate", timeout=30)
        assert app.poll() is None
        app.send_signal(signal.SIGTERM)
        rest = _read_to_end(main)
        assert app.wait(timeout=30) == terminal.TERMINATED
    finally:
        os.close(main)
        if app.poll() is None:
            app.kill()
            app.wait()
    assert b"\x1b[?1049l" in rest and b"\x1b[?25h" in rest
