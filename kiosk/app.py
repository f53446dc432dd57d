"""KioskApp: the shell around the portal's screens — global keys, language, store wiring.

Until the screens land this shows a start page that proves the wiring: it reads the store in a
worker thread and reports how many candidates it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from kiosk.config import Settings
from kiosk.i18n import t

if TYPE_CHECKING:
    from kiosk.store import Store


class KioskApp(App[None], inherit_bindings=False):
    """The candidate kiosk. Everything is injectable so tests and demos are deterministic."""

    TITLE = "iPAS"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True)
    ]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
        captcha_source: Callable[[], str] | None = None,
        kiosk_mode: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._store = store
        self.clock = clock
        self.captcha_source = captcha_source
        self.kiosk_mode = kiosk_mode
        self.language = self.settings.language

    @property
    def store(self) -> Store:
        if self._store is None:
            from kiosk.store import Store

            self._store = Store(self.settings.effective_database_url)
        return self._store

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("ui.app.title", self.language), id="title", markup=False)
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = t("ui.app.title", self.language)
        self.count_candidates()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def count_candidates(self) -> None:
        from sqlalchemy import func
        from sqlmodel import select

        from kiosk.store import Candidate

        try:
            with self.store.session() as session:
                count = session.exec(select(func.count()).select_from(Candidate)).one()
            text = t("ui.app.store_ok", self.language, backend=self.store.backend, count=count)
        except Exception as error:
            text = t("ui.app.store_error", self.language, error=type(error).__name__)
        self.call_from_thread(self.query_one("#status", Static).update, text)

    def action_quit(self) -> None:  # type: ignore[override]
        if not self.kiosk_mode:
            self.exit()
