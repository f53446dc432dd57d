"""KioskApp: the candidate kiosk on the shared shell (``kiosk.ui.shell``) — global keys, the
lazily loaded settings, the warm-up, the idle wipe, the end of a session, lockdown.

Pages live beside this module (one per portal page); where a login leads is in
``kiosk.ui.kiosk.navigation``. This module keeps what spans them: the settings (loaded in a thread
after the first paint, so the login page paints before pydantic and SQLAlchemy are imported), the
signed-in candidate, the idle timer and, with ``--kiosk``, the lockdown (nothing a candidate presses
quits, suspends or opens a palette; the operator leaves with F12 and the PIN from settings).
"""

from __future__ import annotations

import gc
import importlib
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from kiosk.infra import config_files
from kiosk.infra.i18n import LANGUAGES
from kiosk.ui.shell import ShellApp, StoreUnavailable

if TYPE_CHECKING:
    from kiosk.core.accounts import CandidateView, LoginResult
    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store
    from kiosk.ui.kiosk.navigation import Step

OPERATOR_REST_SECONDS = 60
__all__ = ["KioskApp", "StoreUnavailable"]


def warm_up_steps() -> list[Callable[[], object]]:
    """What the first keystrokes and the first login would otherwise load on the event loop, in
    small steps for a thread (it yields between them): the common-password list, e-mail and
    phone rules, the romanization table, the store's modules, the pages after login."""
    from kiosk.core import rules

    def module(name: str) -> Callable[[], object]:
        return lambda: importlib.import_module(name)

    return [
        lambda: rules.check("password", "Warm#Up2026xyz", account="warmup", email="w@example.com"),
        lambda: rules.check("email", "warm@example.com"),
        lambda: rules.check("mobile", "0912345678"),
        lambda: importlib.import_module("kiosk.core.romanize").english_name("王小明"),
        module("sqlalchemy"),
        module("sqlalchemy.orm"),
        module("sqlmodel"),
        module("kiosk.infra.tables"),
        module("kiosk.core.accounts"),
        *(module(page) for page in PAGES_AFTER_LOGIN),  # registration alone is ≈ 20 ms
    ]


def warm_up() -> None:
    """All of :func:`warm_up_steps` at once (a process that warms up before any app runs, such
    as a parent that forks sessions)."""
    for step in warm_up_steps():
        step()


# Collections of the oldest generation only after this many of the middle one (Python's default
# is 10): see KioskApp._warm_up.
FULL_COLLECTION_EVERY = 1000

PAGES_AFTER_LOGIN = (
    "kiosk.ui.kiosk.registration",
    "kiosk.ui.kiosk.credential_query",
    "kiosk.ui.kiosk.email_query",
    "kiosk.ui.kiosk.change_password",
    "kiosk.ui.kiosk.home",
    "kiosk.ui.kiosk.basic_data",
)


class KioskApp(ShellApp, inherit_bindings=False):
    """The candidate kiosk. Everything is injectable so tests and demos are deterministic."""

    TITLE = "iPAS"
    ENABLE_COMMAND_PALETTE = False
    ESCAPE_TO_MINIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_language", "中文/English", priority=True),
        Binding("f9", "end_session", "End session", priority=True),
        Binding("f12", "operator", "Operator", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
        captcha_source: Callable[[], str] | None = None,
        captcha_seed: int | None = None,
        kiosk_mode: bool = False,
    ) -> None:
        super().__init__(store=store, clock=clock)
        self._settings = settings  # None: loaded in a thread after the first paint (pydantic)
        self._settings_lock = threading.Lock()
        self.captcha_source = captcha_source
        self.captcha_seed = captcha_seed
        self.kiosk_mode = kiosk_mode
        self.candidate: CandidateView | None = None
        self.session_started: datetime | None = None  # naive UTC: the candidate's sign-in
        self.set_reactive(KioskApp.language, self.default_language())
        self._idle_open = False
        self._operator_resting_until = 0.0
        self.warmed = False  # True once the warm-up thread has loaded what the first login needs

    # ------------------------------------------------------------------ settings

    @property
    def settings(self) -> Settings:
        """The site's settings; the first use (normally the warm-up thread) loads them."""
        if self._settings is None:
            with self._settings_lock:
                if self._settings is None:
                    from kiosk.infra.config import Settings

                    self._settings = Settings()
        return self._settings

    def default_language(self) -> str:
        if self._settings is not None:
            return self._settings.language
        return config_files.peek("language", LANGUAGES[0], allowed=LANGUAGES)

    def service_contact(self) -> tuple[str, str]:
        """The footer's phone and e-mail, without waiting for the settings to load."""
        if self._settings is not None:
            return self._settings.service_phone, self._settings.service_email
        return (
            config_files.peek("service_phone", config_files.SERVICE_PHONE),
            config_files.peek("service_email", config_files.SERVICE_EMAIL),
        )

    # ------------------------------------------------------------------ screens

    def get_default_screen(self) -> Screen[Any]:
        """The login page is the base of the stack: every session starts and ends there."""
        from kiosk.ui.kiosk.login import LoginScreen

        return LoginScreen()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_timer(0.5, self._prewarm)  # after the first paint

    def _prewarm(self) -> None:
        self.run_worker(self._warm_up, thread=True, group="prewarm", exit_on_error=False)

    def _warm_up(self) -> None:
        try:
            self.settings  # noqa: B018  # loads them, off the event loop
        except Exception as error:  # a broken configuration: say so and stop, no traceback
            gc.enable()
            message = f"ipas-kiosk: configuration error: {error}"
            self.call_from_thread(self.exit, return_code=2, message=message)
            return
        from kiosk.core import oplog
        from kiosk.ui.interpreter import settle_collector

        oplog.started("run", self.settings)  # terminal and database, known only now
        try:
            for step in warm_up_steps():
                step()
                time.sleep(0)  # let the event loop have the GIL between steps
        except BaseException:
            gc.enable()  # a failed step (the worker reports it) must not leave collection off
            raise
        # What the warm-up loaded stays for the life of the kiosk: move it out of the garbage
        # collector's sight (a full collection that walks it freezes the screen), and collect
        # the oldest generation rarely: a full collection still walks every widget built since
        # (10–15 ms on registration, on top of a layout). During a candidate's session they are
        # rare; the kiosk collects in full when a session ends (reset_session), where a pause
        # costs nobody anything. `ipas-kiosk run` turned automatic collection off until now
        # (kiosk.ui.interpreter.quiet_interpreter).
        settle_collector(FULL_COLLECTION_EVERY)
        self.warmed = True

    async def reset_session(self) -> None:
        """Drop every screen above login, wipe every value, forget the candidate."""
        self.candidate = None
        self.session_started = None
        self.session_token += 1
        self._idle_open = False
        self.language = self.default_language()
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        base = self.screen_stack[0]
        wipe = getattr(base, "wipe", None)
        if wipe is not None:
            wipe()
        # What caches keep of the session's text once its pages are gone (kiosk.ui.textual_private)
        from kiosk.core import rules
        from kiosk.ui.textual_private import forget_rendered_text

        rules.forget_typed_values()
        forget_rendered_text()
        if self.clipboard:  # Textual's copy, and the terminal's (OSC 52): the next one may paste
            self.copy_to_clipboard("")
        self.last_input = time.monotonic()
        self.call_after_refresh(gc.collect)  # the last session's pages, once login is painted

    def signed_in(self, candidate: CandidateView | None) -> None:
        """The candidate the pages after login show (a fresh snapshot after each save); the
        first one of a session starts its clock (a shared scan folder lists only what arrived
        since)."""
        if self.candidate is None and candidate is not None:
            from kiosk.core.clock import now

            self.session_started = now(self.clock)
        self.candidate = candidate

    # Where a page leads is decided in one place, kiosk.ui.kiosk.navigation; pages ask the app,
    # so neither it nor the app is imported by a page (no import cycle through the pages).

    def after_login(self, result: LoginResult, *, login_page: Screen[None]) -> None:
        from kiosk.ui.kiosk import navigation

        navigation.after_login(self, result, login_page=login_page)

    def continue_to(self, step: Step, candidate: CandidateView | None = None) -> None:
        from kiosk.ui.kiosk import navigation

        navigation.continue_to(self, step, candidate)

    # ------------------------------------------------------------------ idle

    def session_is_pristine(self) -> bool:
        from kiosk.ui.kiosk.login import LoginScreen

        screen = self.screen
        return (
            self.candidate is None
            and len(self.screen_stack) == 1
            and isinstance(screen, LoginScreen)
            and screen.is_pristine()
        )

    def check_walked_away(self) -> None:
        if self._settings is None:
            return  # still loading (the warm-up thread): nobody has been idle that long yet
        if self._idle_open or time.monotonic() - self.last_input < self.settings.idle_seconds:
            return
        if self.session_is_pristine():
            self.last_input = time.monotonic()
            self.screen_stack[0].wipe()  # type: ignore[attr-defined]  # nothing typed: no modal
            return
        from kiosk.ui.kiosk.modals import IdleScreen

        self._idle_open = True

        async def done(wipe: bool | None) -> None:
            self._idle_open = False
            self.last_input = time.monotonic()
            if wipe:
                await self.reset_session()

        self.push_screen(IdleScreen(self.settings.idle_countdown_seconds), done)

    # ------------------------------------------------------------------ actions

    def action_end_session(self) -> None:
        self.run_worker(self.reset_session(), exclusive=True, group="reset")

    def action_operator(self) -> None:
        if not self.kiosk_mode:
            return
        pin = self.settings.operator_pin.get_secret_value() if self.settings.operator_pin else ""
        if not pin or time.monotonic() < self._operator_resting_until:
            return  # no PIN configured (nobody leaves from the keyboard), or too many wrong PINs
        from kiosk.ui.kiosk.modals import OperatorPinScreen

        def done(ok: bool | None) -> None:
            if ok:
                self.exit()
            elif ok is False:
                self._operator_resting_until = time.monotonic() + OPERATOR_REST_SECONDS

        self.push_screen(OperatorPinScreen(pin), done)

    async def action_quit(self) -> None:
        if not self.kiosk_mode:
            self.exit()

    def action_suspend_process(self) -> None:
        """Never suspend: a candidate must not reach the shell."""

    def action_command_palette(self) -> None:
        """No command palette on a kiosk."""
