"""The frame every kiosk screen shares: a top bar with the page title, the language and
end-session buttons (for touch screens), and a footer with the keys and the service contact."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from kiosk.infra.config_files import SERVICE_EMAIL, SERVICE_PHONE
from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar { height: 1; background: $primary; color: $text; dock: top; }
    TopBar > #page-title { width: 1fr; padding: 0 1; text-style: bold; }
    TopBar > Button { min-width: 10; margin: 0 0 0 1; }
    """

    def __init__(self, title_key: str) -> None:
        super().__init__(id="topbar")
        self.title_key = title_key

    def compose(self) -> ComposeResult:
        yield TLabel(self.title_key, id="page-title")

    def on_mount(self) -> None:
        # The touch buttons follow a frame later; the keys F2 and F9 work from the first frame.
        self.call_after_refresh(self._mount_buttons)

    async def _mount_buttons(self) -> None:
        if not self.is_attached:
            return  # the app is closing (a signal, a hang-up): mounting now would crash it
        language = TButton("ui.chrome.language", id="language", compact=True)
        end = TButton("ui.chrome.end_session", id="end-session", compact=True, variant="warning")
        # Reached by F2/F9 and by a tap, never by Tab: a Tab that wrapped onto 結束使用 and an
        # Enter ended a session by surprise (issue 12). Focus never lands in the top bar.
        language.can_focus = end.can_focus = False
        await self.mount(language, end)
        built = getattr(self.screen, "top_bar_built", None)
        if built is not None:
            built()  # the page's Built signal waits for these buttons too


class FooterBar(Static):
    DEFAULT_CSS = """
    FooterBar { height: 1; dock: bottom; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__("", id="footer-bar", markup=False)

    def _text(self, language: str) -> Content:
        contact = getattr(self.app, "service_contact", None)
        phone, email = contact() if contact else (SERVICE_PHONE, SERVICE_EMAIL)
        return plain(t("ui.chrome.footer", language, phone=phone, email=email))

    def on_mount(self) -> None:
        self.update(self._text(current_language()))

    def apply_language(self, language: str) -> None:
        self.update(self._text(language))
