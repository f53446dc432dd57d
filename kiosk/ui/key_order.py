"""Keys land where the person sees the focus: a key typed right after Enter or Tab waits until
that Enter or Tab has moved the focus.

Textual hands each key to the widget that has the focus when the app reads the key, but it
resolves Enter's and Tab's bindings only once the key has bubbled back up to the app, and an
Enter's submission moves the focus later still (a page's ``Input.Submitted`` handler). Keys that
arrive together — a fast typist on a busy loop, a barcode scanner, a terminal sending a burst —
went into the box being left: ``wang2026⏎abc`` gave the account box ``wang2026abc``. Textual has
nothing for this, so it is written here: while a key that may move the focus is in flight, the
app holds the keys (and pastes) read after it, in order, and hands them on once that key has
been handled — its bubbling, its binding, and whatever it queued on the way from the widget that
had the focus up to the screen (each level drained twice: a message a widget posts to itself
while handling the key, such as ``Input.Submitted``, is queued behind the first round). A key
stopped on the way never comes back to the app; a drain stuck behind a long handler ends after
:data:`HOLD_AT_MOST`: held keys are late then, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

MOVES_FOCUS = frozenset({"enter", "tab", "shift+tab"})
HOLD_AT_MOST = 1.0
"""Seconds a key in flight may hold the keys after it."""


class KeysSettled(Message):
    """Posted to the app when the key in flight has been handled (``returned``: it came back up
    to the app and its binding ran), or when its first drain found it stopped on the way."""

    def __init__(self, key: events.Key, *, returned: bool) -> None:
        super().__init__()
        self.key = key
        self.returned = returned


async def drain(node: DOMNode | None) -> None:
    """Until ``node`` and each ancestor up to its screen have handled what they had queued."""
    while node is not None and not isinstance(node, App):
        for _ in range(2):
            done = asyncio.Event()
            if not node.call_later(done.set):
                break  # closed: nothing more will be handled there
            await done.wait()
        if isinstance(node, Screen):
            return
        node = node.parent


class KeyOrder:
    """The app's key in flight and the keys held behind it."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.in_flight: events.Key | None = None
        self.target: DOMNode | None = None  # what had the focus when the key was sent
        self.returned = False
        self.held: deque[events.Key | events.Paste] = deque()
        self._tasks: set[asyncio.Task[None]] = set()

    def hold(self, event: events.Key | events.Paste) -> bool:
        """Keep a key or paste read while another key is in flight; True if kept."""
        if self.in_flight is None and not self.held:
            return False
        self.held.append(event)
        return True

    def sent(self, event: events.Key | events.Paste, target: DOMNode | None) -> bool:
        """A key was handed to ``target``; True if it now holds the keys after it."""
        if not isinstance(event, events.Key) or event.key not in MOVES_FOCUS:
            return False
        self.in_flight, self.target, self.returned = event, target, False
        self._settle(event, target, returned=False)
        return True

    def came_back(self, event: events.Key) -> None:
        """The key in flight came back up to the app and its binding ran."""
        if event is self.in_flight and not self.returned:
            self.returned = True
            self._settle(event, self.target, returned=True)

    async def settled(
        self, message: KeysSettled, forward: Callable[[events.Event], Awaitable[None]]
    ) -> None:
        """Hand on the held keys, in order, once the key in flight is done with."""
        if message.key is not self.in_flight or (self.returned and not message.returned):
            return  # an older key's, or the first drain of a key that came back after all
        self.in_flight = self.target = None
        while self.held and self.in_flight is None:
            event = self.held.popleft()
            target = self.app.focused or self.app.screen
            await forward(event)
            self.sent(event, target)

    def _settle(self, key: events.Key, target: DOMNode | None, *, returned: bool) -> None:
        async def settle() -> None:
            with contextlib.suppress(TimeoutError):  # late then, never lost
                await asyncio.wait_for(drain(target), HOLD_AT_MOST)
            self.app.post_message(KeysSettled(key, returned=returned))

        task = asyncio.get_running_loop().create_task(settle())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
