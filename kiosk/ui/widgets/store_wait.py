"""A database call that runs long says so: "busy, retrying" on the page's message line.

A transaction waiting for another one's lock waits up to ``Settings.store_busy_seconds`` (see
``kiosk.infra.store``); a page whose worker has been in the store for :data:`BUSY_AFTER_SECONDS`
shows the page's busy message until the answer arrives. Both consoles use this from their base
screen's ``call_store`` (kiosk/screens/base.py, kiosk/staff/base.py), so no page does it itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.timer import Timer
from textual.widget import Widget

T = TypeVar("T")

BUSY_AFTER_SECONDS = 2.0
"""A login with bcrypt is well under this; past it the store is most likely waiting on a lock."""


class _Wait:
    """One store call: its timer (on the event loop) and whether it has ended (set from the
    worker thread before the worker hands its answer over, so a timer that fires after that
    shows nothing)."""

    def __init__(self, page: Widget, busy: Callable[[], None]) -> None:
        self.page = page
        self.busy = busy
        self.ended = False
        self.timer: Timer | None = None

    def arm(self) -> None:
        if not self.ended:
            self.timer = self.page.set_timer(BUSY_AFTER_SECONDS, self.fire)

    def fire(self) -> None:
        if not self.ended:
            self.busy()

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.stop()


def run(page: Widget, call: Callable[[], T], busy: Callable[[], None]) -> T:
    """From a worker thread: ``call()``, and ``busy()`` on the event loop once it has run
    :data:`BUSY_AFTER_SECONDS`. Whoever shows the answer takes the busy message away (it runs
    on the event loop after ``busy`` or instead of it: see ``_Wait``)."""
    wait = _Wait(page, busy)
    page.call_later(wait.arm)  # thread-safe, and never blocks the worker on a busy event loop
    try:
        return call()
    finally:
        wait.ended = True
        page.call_later(wait.disarm)
