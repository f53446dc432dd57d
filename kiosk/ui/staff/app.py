"""StaffApp: the help-desk console's shell — staff sign-in, language, idle lock, the store.

Screens live beside this module; this one keeps what spans them: the store (opened lazily), the
signed-in staff user, the language (zh-TW by default, F2 switches) and the idle lock (after
``settings.idle_seconds`` without a key or a click the console drops every screen and asks for
the staff password again; not while a group import runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from kiosk.infra.config import Settings
from kiosk.ui import terminal
from kiosk.ui.widgets.text import relabel

if TYPE_CHECKING:
    from kiosk.core.helpdesk.staff_accounts import StaffView
    from kiosk.infra.store import Store

T = TypeVar("T")
INPUT_EVENTS = (
    events.Key,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)


class StoreUnavailable(Exception):
    """The database is locked, gone or unreachable; screens show a message instead."""


class StaffApp(App[None]):
    """The help-desk console. Everything is injectable so tests are deterministic."""

    TITLE = "iPAS help desk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_language", "中文/English", priority=True),
        Binding("f9", "lock", "Lock", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]
    language: reactive[str] = reactive("zh-TW", init=False)

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._store = store
        self.clock = clock
        self._staff: StaffView | None = None
        self.session_token = 0  # bumped by every lock: late worker results of a past sign-in drop
        self.set_reactive(StaffApp.language, self.settings.language)
        self.last_input = time.monotonic()

    # ------------------------------------------------------------------ store

    @property
    def store(self) -> Store:
        if self._store is None:
            from kiosk.infra.store import Store

            try:
                self._store = Store.from_settings(self.settings)
            except (OSError, ImportError, ValueError) as error:
                raise StoreUnavailable(type(error).__name__) from error
        return self._store

    def use(self, use_case: Callable[..., T], /, **values: Any) -> T:
        """Run a domain function in one transaction (from a worker thread); the audit events of
        a transaction that fails wait in the spool (``kiosk.core.audit``)."""
        from sqlalchemy.exc import SQLAlchemyError

        from kiosk.core import audit

        def work(session: Any) -> T:
            return use_case(session, **values)

        try:
            return audit.audited_transaction(
                self.store,
                audit.spool_for(self.settings),
                work,
                attempt=audit.Attempt(
                    getattr(use_case, "__name__", "store"),
                    self.settings.terminal_id,
                    staff=self.staff.account if self.staff else "",
                    clock=self.clock,
                ),
            )
        except (SQLAlchemyError, OSError, ImportError) as error:
            raise StoreUnavailable(type(error).__name__) from error

    # ------------------------------------------------------------------ who is signed in

    @property
    def staff(self) -> StaffView | None:
        """The staff member signed in now (None at the sign-in)."""
        return self._staff

    @staff.setter
    def staff(self, staff: StaffView | None) -> None:
        # every top bar in the stack says who is signed in now: the sign-in page under the
        # others was drawn for whoever signed in first, and is what a lock shows
        self._staff = staff
        for screen in self.screen_stack:
            for bar in screen.query("StaffTopBar"):
                bar.apply_language(self.language)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ screens

    def get_default_screen(self) -> Screen[Any]:
        from kiosk.ui.staff.login import StaffLoginScreen

        return StaffLoginScreen()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._check_idle)
        terminal.watch(self)  # a terminal that hangs up ends the app (no invisible spinning)

    def signed_in(self, staff: StaffView) -> None:
        from kiosk.ui.staff.search import SearchScreen

        self.staff = staff
        self.last_input = time.monotonic()
        self.push_screen(SearchScreen())

    async def lock(self) -> None:
        """Back to the staff sign-in: every screen above it dropped, every value wiped."""
        self.staff = None
        self.session_token += 1
        self.language = self.settings.language  # the next staff member starts in the default
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        if not self.screen_stack:
            return  # the app is closing
        wipe = getattr(self.screen_stack[0], "wipe", None)
        if wipe is not None:
            wipe()
        self.last_input = time.monotonic()

    # ------------------------------------------------------------------ idle

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, INPUT_EVENTS):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if any(getattr(screen, "importing", False) for screen in self.screen_stack):
            # a lock would drop the import's screen and its summary: the idle time counts
            # from the end of the import instead
            self.last_input = time.monotonic()
            return
        if time.monotonic() - self.last_input < self.settings.idle_seconds:
            return
        self.last_input = time.monotonic()
        if self.staff is not None or len(self.screen_stack) > 1:
            self.action_lock()
        else:
            wipe = getattr(self.screen_stack[0], "wipe", None)
            if wipe is not None:
                wipe()  # a password half typed at an empty desk does not stay

    # ------------------------------------------------------------------ actions

    def watch_language(self, language: str) -> None:
        relabel(self.screen_stack, language)

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "zh-TW" else "zh-TW"

    def action_lock(self) -> None:
        self.run_worker(self.lock(), exclusive=True, group="lock")
