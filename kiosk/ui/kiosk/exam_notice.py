"""考試通知/考場 Exam notice: for each confirmed registration the date, time, venue, address and
what to bring, readable on screen; 寄到我的信箱 sends them to the registered e-mail (shown masked:
the screen is public)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.core.exams.notices import Notices, notice_text
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.exams.notices import NoticeResult


class ExamNoticeScreen(KioskScreen):
    BODY_TAKES_FOCUS = True  # a page to read: the arrow keys scroll it
    TITLE_KEY = "ui.notice.title"
    DEFAULT_CSS = """
    ExamNoticeScreen .notice { height: auto; border: round $success; padding: 0 1;
                               margin: 0 0 1 0; }
    ExamNoticeScreen #notices { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.notices = Notices()

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.notice.heading", classes="page-heading")
        yield TLabel("ui.notice.intro", classes="note")
        yield Vertical(id="notices")
        yield TLabel("ui.notice.none", id="notices-none", classes="note")
        yield TLabel("ui.notice.send_to", id="notice-email", classes="note", email="")
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("ui.notice.send", "primary", id="send-notice")
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        for widget_id in ("#notices-none", "#notice-email"):
            self.query_one(widget_id).display = False
        self.query_one("#send-notice", Button).disabled = True
        self.query_one("#back", Button).focus()
        self.start_work()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-notice")
    def load(self) -> None:
        from kiosk.core.exams import notices as exam_notices

        app = self.kiosk
        candidate = app.candidate
        result = (
            self.call_store(
                exam_notices.exam_notices,
                candidate_id=candidate.id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_notices, result)

    def show_notices(self, result: Notices | None) -> None:
        if result is None:
            self.show_message("ui.error.store")
            return
        self.notices = result
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        language = current_language()
        box = self.query_one("#notices", Vertical)
        await box.remove_children()
        await box.mount_all(
            Static(plain(notice_text(view, language)), classes="notice", markup=False)
            for view in self.notices.notices
        )
        found = bool(self.notices.notices)
        self.query_one("#notices-none").display = not found
        email = self.query_one("#notice-email", TLabel)
        if self.notices.email_masked:
            email.set_key("ui.notice.send_to", email=self.notices.email_masked)
        else:
            email.set_key("ui.notice.no_email")
        email.display = found
        self.query_one("#send-notice", Button).disabled = not (found and self.notices.email_masked)

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        if self.is_mounted and self.notices.notices:
            for static, view in zip(
                self.query(".notice").results(Static), self.notices.notices, strict=False
            ):
                static.update(plain(notice_text(view, language)))

    @on(Button.Pressed, "#send-notice")
    def send(self) -> None:
        candidate = self.kiosk.candidate
        if candidate is None or self.is_busy("send-notice"):
            return
        self.show_message(None)
        self.set_busy("send-notice", True)
        self.send_notice(candidate.id, current_language())

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-notice-send")
    def send_notice(self, candidate_id: int, language: str) -> None:
        from kiosk.core.exams import notices as exam_notices

        app = self.kiosk
        result = self.call_store(
            exam_notices.send_notice,
            candidate_id=candidate_id,
            language=language,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_sent, result)

    def show_sent(self, result: NoticeResult | None) -> None:
        self.set_busy("send-notice", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        self.show_message(
            result.message_key,
            kind="ok" if result.ok else "error",
            masked=result.destination_masked,
        )

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
