"""Leave when the terminal is gone, or when told to stop, and leave it as it was.

When the terminal of a running app hangs up (a closed terminal window, a killed tmux server, a
dropped ssh session), Textual's input thread keeps reading end-of-file from it, in a loop that
never ends: the app stays alive, invisible, taking most of a core. And SIGTERM (``kill``, a
service manager stopping the kiosk) or SIGHUP end the process on the spot: the kiosk's last
picture, mouse reporting and a hidden cursor stay in the terminal. This module is written by
hand because neither Textual nor a library covers it. ``watch(app)`` makes the app exit through
Textual's own shutdown, which restores the terminal, once a poll of its terminal reports a
hang-up (code 129), on SIGHUP (129) and on SIGTERM (143) — the codes a shell reports for a
process those signals ended. Textual's ``TEXTUAL_ALLOW_SIGNALS`` is not involved: keys still
send no signal (ctrl+c and ctrl+z stay keys, which ``--kiosk`` ignores). A signal that arrives
before the app is mounted still ends the process the default way.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import sys
from typing import Any

HUNG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL
EXIT_CODE = 128 + signal.SIGHUP  # as a process ended by SIGHUP reports itself
TERMINATED = 128 + signal.SIGTERM
EXIT_CODES = {signal.SIGHUP: EXIT_CODE, signal.SIGTERM: TERMINATED}


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


def exit_on_signals(app: Any) -> None:
    """Make a running Textual ``app`` exit cleanly on SIGTERM (code 143) and SIGHUP (129).

    Call it from the app's event loop (``on_mount``); the loop's own handlers are replaced and
    given back to the default when the loop closes.
    """
    loop = asyncio.get_running_loop()
    for number, code in EXIT_CODES.items():
        try:
            loop.add_signal_handler(number, app.exit, None, code)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            return


def watch(app: Any, *, every: float = 1.0) -> None:
    """Make a Textual ``app`` exit once its terminal has hung up (code 129), or on SIGHUP (129)
    or SIGTERM (143). Nothing for a headless app (tests): its process is not its own."""
    if app.is_headless:
        return
    exit_on_signals(app)
    fd = terminal_fd()
    if fd is None:
        return

    def check() -> None:
        if hung_up(fd):
            app.exit(return_code=EXIT_CODE)

    app.set_interval(every, check)
