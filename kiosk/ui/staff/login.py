"""Staff sign-in: account and password; one generic answer for every failure (lockout as for
candidates, counted in the database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.text import TButton, TLabel

from .base import StaffScreen

if TYPE_CHECKING:
    from kiosk.core.helpdesk.staff_accounts import StaffResult


class StaffLoginScreen(StaffScreen):
    TITLE_KEY = "staff.login.title"
    KEYS_KEY = "staff.keys.login"
    AUTO_FOCUS = "#staff-account"

    def compose_body(self) -> ComposeResult:
        yield TLabel("staff.login.heading", classes="page-heading")
        yield TLabel("staff.login.note", classes="note")
        yield Static("")
        yield LabelledField("staff-account", "staff.field.account", max_length=30)
        yield LabelledField("staff-password", "staff.field.password", password=True, max_length=72)
        with Horizontal(classes="buttons"):
            yield TButton("staff.login.submit", "primary", id="staff-login")
        yield Static("", id="message", classes="message -empty", markup=False)

    def field(self, input_id: str) -> LabelledField:
        return self.query_one(f"#{input_id}-field", LabelledField)

    @on(Input.Submitted, "#staff-account")
    def _next(self) -> None:
        self.query_one("#staff-password", Input).focus()

    @on(Input.Submitted, "#staff-password")
    @on(Button.Pressed, "#staff-login")
    def submit(self) -> None:
        if self.query_one("#staff-login", Button).disabled:
            return
        self.show_message(None)
        self.set_busy("staff-login", True)
        self.sign_in(
            account=self.field("staff-account").value,
            password=self.field("staff-password").value,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="auth")
    def sign_in(self, *, account: str, password: str) -> None:
        from kiosk.core.helpdesk import staff_accounts

        app = self.staff_app
        result = self.call_store(
            staff_accounts.staff_login,
            account=account,
            password=password,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: StaffResult | None) -> None:
        self.set_busy("staff-login", False)
        self.field("staff-password").clear()
        if result is None:
            self.show_message("staff.error.store")
            return
        if not result.ok or result.staff is None:
            self.show_message(result.message_key)
            self.query_one("#staff-password", Input).focus()
            return
        self.wipe()
        self.staff_app.signed_in(result.staff)

    def wipe(self) -> None:
        if not self.query("#staff-login"):
            return  # not composed yet, or being taken down as the console closes
        # a sign-in in flight when the console locks never delivers (its token is stale), so
        # the button it made busy is given back here
        self.set_busy("staff-login", False)
        for row in self.query(LabelledField):
            row.clear()
        self.show_message(None)
        self.query_one("#staff-account", Input).focus()
