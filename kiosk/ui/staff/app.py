"""StaffApp: the help-desk console on the shared shell (``kiosk.ui.shell``) — staff sign-in, the
idle lock.

Screens live beside this module; this one keeps what spans them: the signed-in staff user (who
the audit names for every call) and the idle lock (after ``settings.idle_seconds`` without a key
or a click the console drops every screen and asks for the staff password again; not while a
group import runs). The store, ``use``, the language (zh-TW by default, F2 switches) and the
session token are the shell's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from kiosk.infra.config import Settings
from kiosk.ui.shell import ShellApp, StoreUnavailable

if TYPE_CHECKING:
    from kiosk.core.helpdesk.staff_accounts import StaffView
    from kiosk.infra.store import Store

__all__ = ["StaffApp", "StoreUnavailable"]

FULL_COLLECTION_EVERY = 1000
"""Collections of the oldest generation only after this many of the middle one (see
``kiosk.ui.interpreter.settle_collector``)."""


class StaffApp(ShellApp):
    """The help-desk console. Everything is injectable so tests are deterministic."""

    TITLE = "iPAS help desk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_language", "中文/English", priority=True),
        Binding("f9", "lock", "Lock", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(store=store, clock=clock)
        self._settings = settings or Settings()
        self._staff: StaffView | None = None
        self.set_reactive(StaffApp.language, self._settings.language)

    @property
    def settings(self) -> Settings:
        return self._settings

    def acting_staff(self) -> str:
        return self.staff.account if self.staff else ""

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

    # ------------------------------------------------------------------ collector

    def on_mount(self) -> None:
        super().on_mount()
        self.set_timer(0.5, self._settle)  # after the first paint

    def _settle(self) -> None:
        """What the console loaded to paint stays for its life: out of the collector's sight,
        collection back on (`ipas-kiosk staff` turned it off: ``kiosk.ui.interpreter``). No
        warm-up thread: one that imports the store while a person signs in held the loop so long
        that a password typed right after Enter began in the account box (before
        ``kiosk.ui.key_order``; and the thread bought no measurable stall either)."""
        from kiosk.ui.interpreter import settle_collector

        settle_collector(FULL_COLLECTION_EVERY)

    # ------------------------------------------------------------------ screens

    def get_default_screen(self) -> Screen[Any]:
        from kiosk.ui.staff.login import StaffLoginScreen

        return StaffLoginScreen()

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

    def check_walked_away(self) -> None:
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

    def action_lock(self) -> None:
        self.run_worker(self.lock(), exclusive=True, group="lock")
