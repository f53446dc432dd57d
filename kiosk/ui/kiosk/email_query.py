"""查詢信箱 Email query: account, Chinese name and the registered mobile → the registered e-mail,
masked (``si****@example.com``): the kiosk screen is public.

Buttons as on the portal: 查詢信箱, 取消 (empties the form), 查詢帳號及密碼 (this page is replaced
by the credential query, so the stack stays login + one page) and 回登入頁面.
The account field has no live rules: the account exists already, and some were assigned before
today's rules (the legacy import), so a rule line would only mislead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.text import TButton, TLabel, plain

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import QueryResult

FIELDS = ("account", "chinese-name", "mobile", "captcha-input")


class EmailQueryScreen(KioskScreen):
    TITLE_KEY = "ui.email_query.title"
    AUTO_FOCUS = "#account"
    DEFAULT_CSS = """
    EmailQueryScreen #message.-empty { display: none; }
    EmailQueryScreen CaptchaWidget { layout: vertical; }
    EmailQueryScreen #captcha-refresh { margin: 0 0 0 1; }
    EmailQueryScreen #masked-note { margin: 0 0 1 0; }
    EmailQueryScreen .buttons { margin: 0 0 1 0; }
    EmailQueryScreen #result { height: auto; margin: 0 0 1 0; text-style: bold; color: $success; }
    EmailQueryScreen #result.-empty { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._masked_email = ""

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.email_query.heading", classes="page-heading")
        yield TLabel("ui.email_query.intro", classes="note")
        yield TLabel("ui.email_query.masked", id="masked-note", classes="note")
        yield LabelledField("account", "ui.field.account", max_length=30)
        yield LabelledField(
            "chinese-name", "ui.field.chinese_name", rule_field="chinese_name", max_length=20
        )
        yield LabelledField(
            "mobile", "ui.email_query.field.mobile", rule_field="mobile", max_length=20
        )
        yield from self.compose_captcha()
        # The answer sits above the buttons: focusing 回登入頁面 afterwards keeps it in view.
        yield Static("", id="result", classes="-empty", markup=False)
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("ui.email_query.submit", "primary", id="submit")
            yield TButton("ui.email_query.cancel", id="cancel")
        with Horizontal(classes="buttons", id="navigation"):
            yield TButton("ui.email_query.to_credential_query", id="to-credential-query")
            yield TButton("ui.email_query.to_login", id="to-login")

    # ------------------------------------------------------------------ state

    def show_email(self, masked: str) -> None:
        """The answer line; ``masked`` came from the database, so it is shown as plain text."""
        self._masked_email = masked
        result = self.query_one("#result", Static)
        text = t("accounts.email_query.found", self.kiosk.language, email=masked) if masked else ""
        result.update(plain(text))
        result.set_class(not masked, "-empty")

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self.show_email(self._masked_email)

    def wipe(self) -> None:
        super().wipe()
        self.show_email("")

    # ------------------------------------------------------------------ events

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "captcha-input":
            self.submit()
        elif event.input.id in FIELDS:
            self.query_one(f"#{FIELDS[FIELDS.index(event.input.id) + 1]}", Input).focus()

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).disabled:
            return  # Enter in the last field while the query runs
        self.show_message(None)
        self.show_email("")
        self.set_busy("submit", True)
        self.query_email(
            account=self.value("account"),
            chinese_name=self.value("chinese-name"),
            mobile=self.value("mobile"),
            captcha_answer=self.value("captcha-input"),
        )

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.wipe()

    @on(Button.Pressed, "#to-credential-query")
    def to_credential_query(self) -> None:
        from .credential_query import CredentialQueryScreen

        self.app.switch_screen(CredentialQueryScreen())

    # ------------------------------------------------------------------ worker

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def query_email(
        self, *, account: str, chinese_name: str, mobile: str, captcha_answer: str
    ) -> None:
        from kiosk.core import accounts

        assert self.captcha is not None  # made with the page (compose_captcha)
        app = self.kiosk
        result = self.call_store(
            accounts.query_email,
            captcha=self.captcha,
            captcha_answer=captcha_answer,
            account=account,
            chinese_name=chinese_name,
            mobile=mobile,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: QueryResult | None) -> None:
        from kiosk.core.accounts import QueryOutcome

        if not self.after_captcha_attempt("submit", result) or result is None:
            return
        outcome = result.outcome
        if outcome is QueryOutcome.FOUND:
            for row in self.query(LabelledField):
                row.clear()
            self.show_email(result.masked_email)
            to_login = self.query_one("#to-login", Button)
            to_login.focus()
            # the answer and the focused button together, in one scroll once laid out
            self.call_after_refresh(self.show_together, self.query_one("#result"), to_login)
        elif outcome is QueryOutcome.INVALID:
            self.show_message(result.message_key)
            self.show_field_errors(result.field_errors)
        else:
            self.show_message(result.message_key)
