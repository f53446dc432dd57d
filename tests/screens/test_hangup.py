"""A kiosk whose terminal hangs up ends, instead of living on invisibly at full speed
(Textual's input thread reads end-of-file in a loop once its terminal is gone)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.ui import terminal


def test_hung_up_sees_the_other_end_close() -> None:
    main, tty = os.openpty()
    try:
        assert not terminal.hung_up(tty)
        os.close(main)
        assert terminal.hung_up(tty)
    finally:
        os.close(tty)


def _read_until(fd: int, text: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{text!r} never came; last output: {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            seen += os.read(fd, 65536)
    return seen


@pytest.mark.parametrize("command", ["run", "staff"])
def test_the_app_ends_when_its_terminal_hangs_up(tmp_path: Path, command: str) -> None:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TERM": "xterm-256color",
    }
    subprocess.run(
        [sys.executable, "-m", "kiosk", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    main, tty = os.openpty()
    app = subprocess.Popen(
        [sys.executable, "-m", "kiosk", command],
        stdin=tty,
        stdout=tty,
        stderr=tty,
        env=env,
        start_new_session=True,
    )
    os.close(tty)
    try:
        _read_until(main, b"\x1b[?1049h", timeout=60)  # it took the screen over
        _read_until(main, b"iPAS", timeout=60)  # and painted its first page (the top bar)
        assert app.poll() is None
        os.close(main)  # the terminal goes away
        main = -1
        assert app.wait(timeout=30) == terminal.EXIT_CODE
    finally:
        if main != -1:
            os.close(main)
        if app.poll() is None:
            app.kill()
            app.wait()
