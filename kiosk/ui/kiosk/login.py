"""考生登入 Login: account, Chinese name, password, captcha; 登入 / 忘記帳號或密碼 / 查詢信箱.

An unknown account whose values pass the rules opens registration with them carried over; a
temporary password leads to the forced change; an incomplete group/legacy profile to the basic
data; anyone else to the candidate home.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.text import TLabel

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import LoginResult

FIELDS = ("account", "chinese-name", "password", "captcha-input")
ACCOUNT_BOX = 60
"""The account box takes more than the rule's 30 characters, so a 31st shows (and its ✗) instead
of being dropped without a word."""


class LoginScreen(KioskScreen):
    TITLE_KEY = "ui.login.title"
    AUTO_FOCUS = "#account"
    DEFAULT_CSS = """
    LoginScreen #password-show { margin: 0 0 1 20; }
    """

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.login.heading", classes="page-heading")
        yield TLabel(("ui.login.steps", "ui.login.first_time"), classes="note")
        yield LabelledField(
            "account", "ui.field.account", rule_field="account", max_length=ACCOUNT_BOX
        )

    def compose_later(self) -> Iterable[Widget]:
        """The rows below the account box, a frame after it: the first paint already takes keys
        in the focused account box, and nothing above it moves when these arrive."""
        from textual.containers import Horizontal, Vertical

        from kiosk.ui.widgets.text import TButton
        from kiosk.ui.widgets.toggles import NarrowCheckbox

        yield LabelledField(
            "chinese-name", "ui.field.chinese_name", rule_field="chinese_name", max_length=20
        )
        yield LabelledField(
            "password",
            "ui.field.password",
            rule_field="password",
            password=True,
            max_length=72,
            context=self._password_context,
        )
        yield NarrowCheckbox(self._show_label(), id="password-show", compact=True)
        yield from self.compose_captcha()
        yield Horizontal(
            TButton("ui.login.submit", "primary", id="login"),
            TButton("ui.login.forgot", id="forgot"),
            TButton("ui.login.email_query", id="email-query"),
            classes="buttons",
        )
        yield Static("", id="message", classes="message", markup=False)
        yield Vertical(
            TLabel("ui.rules_box.title", classes="field-label"),
            *(TLabel(f"ui.rules_box.rule{n}", classes="note") for n in (1, 2, 3, 4)),
            classes="rules-box",
        )

    def _show_label(self) -> str:
        from kiosk.infra.i18n import t
        from kiosk.ui.widgets.text import current_language

        return t("ui.field.show_password", current_language())

    def _password_context(self) -> dict[str, str]:
        return {"account": self.value("account"), "chinese_name": self.value("chinese-name")}

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        for box in self.query("#password-show"):
            box.label = self._show_label()  # type: ignore[attr-defined]

    def wipe(self) -> None:
        super().wipe()
        for box in self.query("#password-show"):
            box.value = False  # type: ignore[attr-defined]

    def is_pristine(self) -> bool:
        return not any(self.value(name) for name in FIELDS)

    def on_checkbox_changed(self, event: Any) -> None:  # Checkbox is imported after the paint
        if event.checkbox.id == "password-show":
            self.query_one("#password", Input).password = not event.value

    @on(Input.Changed, "#account")
    @on(Input.Changed, "#chinese-name")
    def _context_changed(self) -> None:
        self.recheck("password")  # mounted a frame after the account box

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = list(FIELDS)
        if event.input.id == "captcha-input":
            self.submit()
        elif event.input.id in order:
            following = self.query(f"#{order[order.index(event.input.id) + 1]}")
            if following:  # Enter in the account box before the rows below it are built
                following.first().focus()

    @on(Button.Pressed, "#login")
    def submit(self) -> None:
        if self.is_busy("login"):
            return  # Enter in a field while the login runs
        self.show_message(None)
        self.set_busy("login", True)
        self.login(
            account=self.value("account"),
            chinese_name=self.value("chinese-name"),
            password=self.value("password"),
            captcha_answer=self.value("captcha-input"),
        )

    @on(Button.Pressed, "#forgot")
    def forgot(self) -> None:
        from .credential_query import CredentialQueryScreen

        self.app.push_screen(CredentialQueryScreen())

    @on(Button.Pressed, "#email-query")
    def email_query(self) -> None:
        from .email_query import EmailQueryScreen

        self.app.push_screen(EmailQueryScreen())

    @work(thread=True, exclusive=True, exit_on_error=False, group="auth")
    def login(self, *, account: str, chinese_name: str, password: str, captcha_answer: str) -> None:
        from kiosk.core import accounts

        assert self.captcha is not None  # made with the page (compose_captcha)
        app = self.kiosk
        result = self.call_store(
            accounts.login,
            captcha=self.captcha,
            captcha_answer=captcha_answer,
            account=account,
            chinese_name=chinese_name,
            password=password,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: LoginResult | None) -> None:
        from kiosk.core.accounts import LoginOutcome

        if not self.after_captcha_attempt("login", result) or result is None:
            return
        if result.outcome in (LoginOutcome.FAILED, LoginOutcome.INVALID):
            self.show_message(result.message_key, **result.message_values)
            self.show_field_errors(result.field_errors)
            self.field("password").clear()
            if not result.field_errors:  # the box to type again, not the (new) captcha's
                self.field("password").input.focus()
        else:
            self.kiosk.after_login(result, login_page=self)
