"""變更密碼 Change password: forced after a temporary password (authorised by the login's ticket),
or chosen from the candidate home (authorised by the current password). Rules live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.core.accounts import CandidateView
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.text import TButton, TLabel

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import ChangePasswordResult


class ChangePasswordScreen(KioskScreen):
    TITLE_KEY = "ui.change.title"

    def __init__(self, candidate: CandidateView, *, change_ticket: str = "") -> None:
        super().__init__()
        self.candidate = candidate
        self._ticket = change_ticket

    @property
    def forced(self) -> bool:
        return bool(self._ticket)

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.change.heading", classes="page-heading")
        yield TLabel("ui.change.forced" if self.forced else "ui.change.voluntary", classes="note")
        if not self.forced:
            yield LabelledField(
                "current-password", "ui.field.current_password", password=True, max_length=72
            )
        yield LabelledField(
            "password",
            "ui.field.new_password",
            rule_field="new_password",
            password=True,
            max_length=72,
            context=self._password_context,
        )
        yield LabelledField(
            "password-confirm",
            "ui.field.password_confirm",
            rule_field="password_confirm",
            password=True,
            max_length=72,
            context=lambda: {"password": self.value("password")},
        )
        with Horizontal(classes="buttons"):
            yield TButton("ui.change.submit", "primary", id="submit")
            if not self.forced:
                yield TButton("ui.common.back", id="back")
        yield Static("", id="message", classes="message", markup=False)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def _password_context(self) -> dict[str, str]:
        return {
            "account": self.candidate.account,
            "chinese_name": self.candidate.chinese_name,
            "email": self.candidate.email,
            "current_password": self.value("current-password"),  # "" when forced: no field
        }

    @on(Input.Changed, "#current-password")
    def _current_changed(self) -> None:
        self.recheck("password")

    @on(Input.Changed, "#password")
    def _password_changed(self) -> None:
        self.field("password-confirm").recheck()

    @on(Input.Submitted, "#password-confirm")
    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.is_busy("submit"):
            return
        self.show_message(None)
        self.set_busy("submit", True)
        self.change(
            current=None if self.forced else self.value("current-password"),
            new=self.value("password"),
            confirm=self.value("password-confirm"),
        )

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="auth")
    def change(self, *, current: str | None, new: str, confirm: str) -> None:
        from kiosk.core import accounts

        app = self.kiosk
        result = self.call_store(
            accounts.change_password,
            account=self.candidate.account,
            new_password=new,
            new_password_confirm=confirm,
            current_password=current,
            change_ticket=self._ticket or None,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: ChangePasswordResult | None) -> None:
        self.set_busy("submit", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        if not result.ok:
            self.show_message(result.message_key)
            errors = dict(result.field_errors)
            if "current_password" in errors and self.forced:
                errors.pop("current_password")
            self.show_field_errors(errors)
            return
        for row in self.query(LabelledField):
            row.clear()
        if self.forced:
            self._ticket = ""
            self.kiosk.continue_to(result.next_step, result.candidate)
        else:
            self.kiosk.signed_in(result.candidate)
            self.show_message(result.message_key, kind="ok")
