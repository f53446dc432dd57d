"""CaptchaWidget: the portal's 5-digit 驗證碼, drawn in half blocks, with a refresh button.

The challenge itself (drawing, single use, expiry) is ``kiosk.core.captcha.Captcha``; this widget
only shows it. Every verification consumes the challenge, so the screen calls :meth:`show_current`
after each attempt and the candidate always sees the one that is valid now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from kiosk.core.captcha import Captcha, Challenge
from kiosk.ui.widgets.text import TButton


class CaptchaWidget(Horizontal):
    """Shows the current challenge; ``f5`` or the button draws a new one.

    Posts :class:`CaptchaWidget.Refreshed` (handled as ``on_captcha_widget_refreshed``).
    """

    DEFAULT_CSS = """
    CaptchaWidget { height: auto; width: auto; layout: vertical; }
    CaptchaWidget #captcha-image { width: auto; height: auto; background: black; color: white;
                                   padding: 0 1; }
    CaptchaWidget #captcha-refresh { margin: 0 0 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "refresh", "New code", show=False)]
    can_focus = False

    @dataclass
    class Refreshed(Message):
        """The candidate asked for a new picture (F5 or the button); handled by
        ``KioskScreen``, which empties the code box and puts the focus in it."""

        widget: CaptchaWidget

        @property
        def control(self) -> CaptchaWidget:
            return self.widget

    def __init__(
        self,
        source: Callable[[], str] | None = None,
        *,
        seed: int | None = None,
        id: str = "captcha",
        captcha: Captcha | None = None,
    ) -> None:
        super().__init__(id=id)
        self.captcha = captcha if captcha is not None else Captcha(source, seed=seed)

    def compose(self) -> ComposeResult:
        yield Static("", id="captcha-image", markup=False)
        refresh = TButton("ui.captcha.refresh", id="captcha-refresh", compact=True)
        refresh.can_focus = False  # Tab goes from the password to the code box; F5 or a click
        yield refresh

    def on_mount(self) -> None:
        # After the first paint: nothing the login page needs first waits for the picture.
        self.call_after_refresh(self.show_current)

    def show_current(self) -> None:
        """Draw the challenge that is valid now (a new one if the last was used or expired).

        Drawn in a thread (glyphs of our own: about a millisecond), so the login screen is
        interactive at once and the picture follows a moment later.
        """
        self._draw()

    @work(thread=True, exclusive=True, exit_on_error=False, group="captcha")
    def _draw(self) -> None:
        self.app.call_from_thread(self._show, self.captcha.challenge)

    def _show(self, challenge: Challenge) -> None:
        if challenge is not self.captcha.challenge:
            return  # a newer challenge was issued meanwhile; its own draw will show it
        self.query_one("#captcha-image", Static).update(Text("\n".join(challenge.lines)))

    def renew(self) -> None:
        """A new challenge, drawn (a page being wiped; nobody asked for it)."""
        self.captcha.refresh()
        self.show_current()

    def action_refresh(self) -> None:
        """The candidate's F5 or click: a new picture, and the page is told (``Refreshed``)."""
        self.renew()
        self.post_message(self.Refreshed(self))

    def on_button_pressed(self, event: TButton.Pressed) -> None:
        if event.button.id == "captcha-refresh":
            event.stop()
            self.action_refresh()

    def verify(self, text: str) -> bool:
        return self.captcha.verify(text)
