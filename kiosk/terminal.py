"""Leave when the terminal is gone.

When the terminal of a running app hangs up (a closed terminal window, a killed tmux server, a
dropped ssh session), Textual's input thread keeps reading end-of-file from it, in a loop that
never ends: the app stays alive, invisible, taking most of a core. This module is written by
hand because neither Textual nor a library covers it. ``watch(app)`` makes the app exit once a
poll of its terminal reports a hang-up.
"""

from __future__ import annotations

import os
import select
import sys
from typing import Any

HUNG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL
EXIT_CODE = 128 + 1  # as a process ended by SIGHUP reports itself


def hung_up(fd: int) -> bool:
    """True when ``fd``'s other end has hung up (a poll that waits for nothing)."""
    poller = select.poll()
    poller.register(fd, 0)  # hang-ups and errors are reported whatever one asks for
    return any(mask & HUNG_UP for _, mask in poller.poll(0))


def terminal_fd() -> int | None:
    """The terminal the app reads its keys from, or None (piped, headless, a test)."""
    stdin = sys.__stdin__
    if stdin is None:
        return None
    try:
        fd = stdin.fileno()
    except (OSError, ValueError):
        return None
    return fd if os.isatty(fd) else None


def watch(app: Any, *, every: float = 1.0) -> None:
    """Make a Textual ``app`` exit (code 129) once its terminal has hung up."""
    fd = terminal_fd()
    if fd is None or app.is_headless:
        return

    def check() -> None:
        if hung_up(fd):
            app.exit(return_code=EXIT_CODE)

    app.set_interval(every, check)
