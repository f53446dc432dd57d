"""The frame every kiosk screen shares: a top bar with the page title, the language and
end-session buttons (for touch screens), and a footer with the keys and the service contact."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from kiosk.i18n import t
from kiosk.widgets.text import TButton, TLabel, current_language, plain


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
        yield TButton("ui.chrome.language", id="language", compact=True)
        yield TButton("ui.chrome.end_session", id="end-session", compact=True, variant="warning")


class FooterBar(Static):
    DEFAULT_CSS = """
    FooterBar { height: 1; dock: bottom; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__("", id="footer-bar", markup=False)

    def _text(self, language: str) -> Content:
        settings = getattr(self.app, "settings", None)
        phone = getattr(settings, "service_phone", "03-5917544")
        email = getattr(settings, "service_email", "iPAS@itri.org.tw")
        return plain(t("ui.chrome.footer", language, phone=phone, email=email))

    def on_mount(self) -> None:
        self.update(self._text(current_language()))

    def apply_language(self, language: str) -> None:
        self.update(self._text(language))
