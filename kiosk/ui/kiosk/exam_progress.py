"""報名進度查詢 Registration progress: each registration's status and what the candidate must
still do, with 取消報名 where the registration window still allows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from kiosk.core.exams import RegistrationView
from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.exams import CancelResult


def registration_lines(view: RegistrationView, language: str) -> list[str]:
    s = view.session
    return [
        s.title(language),
        f"{s.when(language)}  {s.venue}",
        t("ui.progress.status", language, status=t(view.status_key, language)),
        t("ui.progress.next", language, step=t(view.next_step_key, language)),
        t(
            "ui.progress.number",
            language,
            number=str(view.id),
            at=view.registered_at.strftime("%Y-%m-%d %H:%M"),
        ),
    ]


class RegistrationBlock(Vertical):
    """One registration: plain lines, and a cancel button when it may still be cancelled."""

    DEFAULT_CSS = """
    RegistrationBlock { height: auto; border: round $primary; padding: 0 1; margin: 0 0 1 0; }
    RegistrationBlock > .reg-title { text-style: bold; }
    RegistrationBlock > .reg-status { text-style: bold; color: $accent; }
    RegistrationBlock.-cancelled > .reg-status { color: $text-muted; }
    RegistrationBlock > Button { margin: 0; }
    """

    def __init__(self, view: RegistrationView) -> None:
        super().__init__(id=f"registration-{view.id}", classes=f"-{view.status}")
        self.view = view

    def compose(self) -> ComposeResult:
        classes = ("reg-title", "reg-when", "reg-status", "reg-next", "reg-number")
        for line, cls in zip(
            registration_lines(self.view, current_language()), classes, strict=True
        ):
            yield Static(plain(line), classes=cls, markup=False)
        if self.view.can_cancel:
            yield TButton("ui.progress.cancel", "error", id=f"cancel-{self.view.id}", compact=True)

    def apply_language(self, language: str) -> None:
        lines = registration_lines(self.view, language)
        for static, line in zip(self.query(Static), lines, strict=False):
            static.update(plain(line))


class RegistrationProgressScreen(KioskScreen):
    BODY_TAKES_FOCUS = True  # a list to read: the arrow keys scroll it; a cancel leaves it here
    TITLE_KEY = "ui.progress.title"

    def __init__(self) -> None:
        super().__init__()
        self.registrations: list[RegistrationView] = []

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.progress.heading", classes="page-heading")
        yield TLabel("ui.progress.intro", classes="note")
        # above the list: below five blocks a cancel's answer would sit off an 80x24 screen
        yield Static("", id="message", classes="message -empty", markup=False)
        yield Vertical(id="registrations")
        yield TLabel("ui.progress.none", id="registrations-none", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#registrations").styles.height = "auto"
        self.query_one("#registrations-none").display = False
        self.query_one("#back", Button).focus()
        self.reload()

    def reload(self) -> None:
        self.start_work()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-progress")
    def load(self) -> None:
        from kiosk.core import exams

        app = self.kiosk
        candidate = app.candidate
        result = (
            self.call_store(
                exams.list_registrations,
                candidate_id=candidate.id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_registrations, result)

    def show_registrations(self, result: list[RegistrationView] | None) -> None:
        if result is None:
            self.show_message("ui.error.store")
            return
        self.call_later(self._rebuild, list(result))

    async def _rebuild(self, registrations: list[RegistrationView]) -> None:
        self.registrations = registrations
        box = self.query_one("#registrations", Vertical)
        focused = self.focused
        # The pressed cancel button was busy (disabled) while the worker ran and so may have
        # lost the focus already, depending on when the confirmation handed it back: no focus on
        # the page is treated as focus in the list (it was there when the person confirmed).
        inside = focused is None or box in focused.ancestors
        if inside:  # its button goes: no focus in between (the top bar takes none either)
            self.set_focus(None)
        await box.remove_children()
        await box.mount_all(RegistrationBlock(view) for view in self.registrations)
        self.query_one("#registrations-none").display = not self.registrations
        if inside:  # the focus stays with the list, without scrolling the answer away
            buttons = self.query("#registrations Button").results(Button)
            target = next(iter(buttons), None) or self.query_one("#back", Button)
            target.focus(scroll_visible=False)
        message = self.query_one("#message", Static)
        if not message.has_class("-empty"):  # the answer to a cancel: bring it into view
            self.call_after_refresh(
                self.query_one("#body", VerticalScroll).scroll_to_widget, message, animate=False
            )

    @on(Button.Pressed, "#registrations Button")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        registration_id = int((event.button.id or "0").removeprefix("cancel-"))
        view = next((v for v in self.registrations if v.id == registration_id), None)
        if view is None or event.button.disabled:
            return
        from .modals import ConfirmScreen

        language = current_language()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.show_message(None)
                self.set_busy(event.button.id or "", True)
                self.cancel(registration_id)

        self.app.push_screen(
            ConfirmScreen(
                "ui.progress.confirm_title",
                registration_lines(view, language)[:2],
                yes_key="ui.progress.confirm_yes",
                no_key="ui.progress.confirm_no",
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-cancel")
    def cancel(self, registration_id: int) -> None:
        from kiosk.core import exams

        app = self.kiosk
        candidate = app.candidate
        result = (
            self.call_store(
                exams.cancel,
                candidate_id=candidate.id,
                registration_id=registration_id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_cancelled, result)

    def show_cancelled(self, result: CancelResult | None) -> None:
        if result is None:
            self.show_message("ui.error.store")
            for button in self.query("#registrations Button").results(Button):
                button.disabled = button.loading = False
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error")
        self.reload()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
