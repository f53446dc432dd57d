"""`ipas-kiosk run` in a real terminal (tmux): the login screen is read back from the pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it)")


def tmux(socket: str, *args: str) -> str:
    assert TMUX is not None
    done = subprocess.run([TMUX, "-L", socket, *args], capture_output=True, text=True, timeout=20)
    return done.stdout


def wait_for_pane(socket: str, needle: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = tmux(socket, "capture-pane", "-p", "-t", "kiosk")
        if needle in pane:
            return pane
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared; the pane shows:\n{pane}")


def test_run_shows_the_login_screen_in_a_real_terminal(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
        "TERM": "xterm-256color",
    }
    for args in (("db", "upgrade"), ("seed", "--demo")):
        subprocess.run(
            [sys.executable, "-m", "kiosk", *args],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    socket = f"kiosk-test-{uuid.uuid4().hex[:8]}"
    command = " ".join([sys.executable, "-m", "kiosk", "run"])
    environment = [
        arg
        for name in (
            "IPAS_KIOSK_DATABASE_URL",
            "IPAS_KIOSK_OUTBOX_DIR",
            "IPAS_KIOSK_CONFIG_FILE",
            "IPAS_KIOSK_BCRYPT_ROUNDS",
        )
        for arg in ("-e", f"{name}={env[name]}")
    ]
    tmux(socket, "new-session", "-d", "-s", "kiosk", "-x", "100", "-y", "32", *environment, command)
    try:
        wait_for_pane(socket, "考生登入")
        pane = wait_for_pane(socket, "▀")  # the captcha picture follows the first paint
        for text in ("帳號", "中文姓名", "密碼", "驗證碼", "報名步驟", "03-5917544"):
            assert text in pane, text
        tmux(socket, "send-keys", "-t", "kiosk", "wang2026")
        wait_for_pane(socket, "wang2026")
        tmux(socket, "send-keys", "-t", "kiosk", "F2")
        wait_for_pane(socket, "Candidate login")
        tmux(socket, "send-keys", "-t", "kiosk", "C-q")
        deadline = time.monotonic() + 10
        while "kiosk" in tmux(socket, "list-sessions") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "kiosk" not in tmux(socket, "list-sessions")
    finally:
        tmux(socket, "kill-server")
