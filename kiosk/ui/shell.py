"""The shell both apps share — the candidate kiosk (``ui.kiosk``) and the help-desk console
(``ui.staff``): the store and one typed ``use`` for the domain's use cases, the language, the
idle timer, the session token that drops answers of a session already over; and for their pages,
the one-line message, busy buttons and worker results.

A page calls the domain only from a worker thread, through :meth:`ShellScreen.call_store`::

    result = self.call_store(accounts.login, captcha=..., settings=app.settings, clock=app.clock)
    self.deliver(self.show_result, result)

``call_store`` is typed after the use case (``Callable[Concatenate[Session, P], T]``), so mypy
checks the keywords sent and the fields the handler reads back; it answers ``None`` when the store
is unavailable, and says "busy, retrying" on the page after two seconds. ``deliver`` hands the
answer to the handler on the event loop — unless the session ended meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, ParamSpec, TypeVar, cast

from textual import events
from textual.app import App
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from kiosk.infra.i18n import t
from kiosk.ui import lag_probe, terminal, threads
from kiosk.ui.key_order import KeyOrder, KeysSettled
from kiosk.ui.widgets.text import TButton, current_language, plain, relabel

if TYPE_CHECKING:
    from sqlmodel import Session

    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store

P = ParamSpec("P")
T = TypeVar("T")

INPUT_EVENTS = (
    events.Key,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)
"""What counts as someone at the terminal (the idle timer restarts)."""

AFTER_FIRST_FRAME: list[Callable[[], None]] = []
"""Run once an app's first frame is on the screen (Textual's ``Ready``). Empty in ``run`` and
``staff``; a session forked by ``serve`` steps down in CPU priority there
(``kiosk.cli.forkserver.settle_priority``)."""


class StoreUnavailable(Exception):
    """The database is locked, gone or unreachable; pages show a message instead."""


class ShellApp(App[None]):
    """What the kiosk and the console share. Subclasses give ``settings`` and
    :meth:`check_walked_away`; everything else is here."""

    language: reactive[str] = reactive("zh-TW", init=False)

    def __init__(self, *, store: Store | None, clock: Callable[[], Any] | None) -> None:
        super().__init__()
        self._store = store
        self.clock = clock
        self.session_token = 0  # bumped when a session ends: late worker results of it drop
        self.last_input = time.monotonic()
        self.key_order = KeyOrder(self)  # keys typed after Enter or Tab reach the new focus

    @property
    def settings(self) -> Settings:
        raise NotImplementedError

    # ------------------------------------------------------------------ store

    @property
    def store(self) -> Store:
        """The site's store, opened on first use (SQLAlchemy loads after the first paint)."""
        if self._store is None:
            from kiosk.infra.store import Store

            try:
                self._store = Store.from_settings(self.settings)
            except (OSError, ImportError, ValueError) as error:  # bad path or URL, no driver
                raise StoreUnavailable(type(error).__name__) from error
        return self._store

    def acting_staff(self) -> str:
        """The staff account the audit names for this app's calls ("" on the kiosk)."""
        return ""

    def use(
        self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a use case in one transaction (from a worker thread). The audit events of a
        transaction that fails wait in the spool (``kiosk.core.audit``).

        Raises:
            StoreUnavailable: the database is locked, gone or unreachable.
        """
        from sqlalchemy.exc import SQLAlchemyError

        from kiosk.core import audit

        try:
            return audit.audited_transaction(
                self.store,
                audit.spool_for(self.settings),
                lambda session: fn(session, *args, **kwargs),
                attempt=audit.Attempt(
                    getattr(fn, "__name__", "store"),
                    self.settings.terminal_id,
                    staff=self.acting_staff(),
                    clock=self.clock,
                ),
            )
        except (SQLAlchemyError, OSError, ImportError) as error:  # locked, gone, no driver
            raise StoreUnavailable(type(error).__name__) from error

    # ------------------------------------------------------------------ life

    def on_load(self) -> None:
        # Before any worker: thread workers must not leave themselves (and the page they saved)
        # in a pooled thread's context after the session ends (see kiosk.ui.threads).
        threads.install()
        lag_probe.install()  # only with IPAS_KIOSK_LAG_FILE set (make bench)

    def on_ready(self) -> None:
        for hook in AFTER_FIRST_FRAME:
            hook()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.check_walked_away)
        terminal.watch(self)  # a terminal that hangs up ends the app (no invisible spinning)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, INPUT_EVENTS):
            self.last_input = time.monotonic()
        if isinstance(event, events.Key | events.Paste):
            if event.is_forwarded:  # back up from the focused widget: its binding runs now
                await super().on_event(event)
                if isinstance(event, events.Key):
                    self.key_order.came_back(event)
                return
            if self.key_order.hold(event):  # behind an Enter or Tab that is moving the focus
                return
            target = self.focused or self.screen
            await super().on_event(event)
            self.key_order.sent(event, target)
            return
        await super().on_event(event)

    async def on_keys_settled(self, message: KeysSettled) -> None:
        await self.key_order.settled(message, super().on_event)

    def check_walked_away(self) -> None:
        """Called every second: end the session of someone who walked away."""

    # ------------------------------------------------------------------ language

    def watch_language(self, language: str) -> None:
        relabel(self.screen_stack, language)

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "zh-TW" else "zh-TW"


class ShellScreen(Screen[None]):
    """A page of either app: its one-line ``#message``, busy buttons and worker results."""

    STORE_ERROR: ClassVar[str] = "ui.error.store"
    STORE_BUSY: ClassVar[str] = "ui.error.store_busy"
    UNEXPECTED: ClassVar[str] = "ui.error.unexpected"
    _worker_token = -1
    _busy_focus: frozenset[str] = frozenset()  # busy buttons that had the focus

    @property
    def shell(self) -> ShellApp:
        return cast(ShellApp, self.app)

    # ------------------------------------------------------------------ the message line

    def show_message(self, key: str | None, *, kind: str = "error", **values: str) -> None:
        """The page's one-line answer (``#message``), from the catalog; None clears it."""
        message = self.query_one("#message", Static)
        message.update(plain(t(key, current_language(), **values)) if key else "")
        message.set_class(not key, "-empty")
        message.set_class(kind == "error", "-error")
        message.set_class(kind == "ok", "-ok")
        message.set_class(kind == "busy", "-busy")
        self._message = (key, kind, values)

    def apply_language(self, language: str) -> None:
        key, kind, values = getattr(self, "_message", (None, "error", {}))
        if key:
            self.show_message(key, kind=kind, **values)

    # ------------------------------------------------------------------ workers

    def start_work(self) -> None:
        """Remember which session a worker belongs to (on the event loop, before it starts)."""
        self._worker_token = self.shell.session_token

    def set_busy(self, button_id: str, busy: bool) -> None:
        """While a worker runs, its button shows progress and cannot be pressed again.

        A disabled button loses the focus (Textual hands it to a neighbour, which scrolls the
        page there: 返回, or a box above). So a button that had the focus gets it back when its
        work ends; an answer that names a field to fix moves it there afterwards."""
        button = self.query_one(f"#{button_id}", Button)
        had_focus = button.has_focus
        button.disabled = busy
        button.loading = busy
        if busy:
            self._busy_focus = self._busy_focus | {button_id} if had_focus else self._busy_focus
            self.start_work()
        elif button_id in self._busy_focus:
            self._busy_focus = self._busy_focus - {button_id}
            button.focus()

    def is_busy(self, button_id: str) -> bool:
        """True while the button's worker runs (Enter in a field must not start a second one)."""
        return self.query_one(f"#{button_id}", Button).disabled

    def call_store(
        self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """From a worker thread: ``fn(session, *args, **kwargs)`` in one transaction; None when
        the store is unavailable (the page answers :attr:`STORE_ERROR`). A call still running
        after ``store_wait.BUSY_AFTER_SECONDS`` says the database is busy, retrying."""
        from kiosk.ui.widgets import store_wait

        token = self._worker_token
        try:
            return store_wait.run(
                self,
                lambda: self.shell.use(fn, *args, **kwargs),
                lambda: self._store_busy(token),
            )
        except StoreUnavailable:
            return None

    def _store_busy(self, token: int) -> None:
        if token == self.shell.session_token and self.query("#message"):
            self.show_message(self.STORE_BUSY, kind="busy")

    def deliver(self, callback: Callable[[T], None], result: T) -> None:
        """From a worker thread: hand ``result`` to ``callback`` on the event loop — unless the
        session ended meanwhile (F9, idle, a lock): a late answer must not sign anyone back in.
        The busy message of ``call_store`` goes with the answer (or with the answer dropped)."""
        token = self._worker_token

        def run() -> None:
            if self.is_attached and getattr(self, "_message", (None,))[0] == self.STORE_BUSY:
                self.show_message(None)
            if token == self.shell.session_token and self.is_attached:
                callback(result)

        self.app.call_from_thread(run)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly: a message, never a traceback on screen; the
        traceback goes to the operator log."""
        if event.state is not WorkerState.ERROR:
            return
        from kiosk.core import oplog

        oplog.worker_failed(event.worker.name, event.worker.error)
        for button in self.query(TButton):
            if button.loading:
                button.loading = False
                button.disabled = False
        if self.query("#message"):
            self.show_message(self.UNEXPECTED)
        self.worker_failed()

    def worker_failed(self) -> None:
        """What else a page puts right after a failed worker (a captcha used up …)."""
