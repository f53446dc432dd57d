"""查詢帳號/密碼 Credential query: 寄送類型 (e-mail or SMS), ID number, Chinese name, the registered
e-mail or mobile, captcha; the account and a new temporary password go to that address.

The answer on screen is the same whether or not anything matched (the use case pads its time too),
so the page tells a passer-by nothing about who is registered. After an answer the form is
emptied: the kiosk is public.

The ID number's live rules get a nationality derived from the value itself (2nd character 8, 9 or
A-D: a resident number, else Taiwanese): this page has no nationality field and the query accepts
any kind of ID, so the kind rule only objects to a shape that is no ID at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from kiosk.core import national_id
from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain
from kiosk.ui.widgets.toggles import NarrowRadioButton

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import Channel, QueryResult

CHANNELS = ("email", "sms")
RESIDENT_SECOND_CHARACTERS = frozenset("89ABCD")


def validity(minutes: int, language: str) -> str:
    """How long a temporary password works (no space inside the Chinese, so a line never breaks
    between the number and its unit)."""
    if minutes >= 60 and minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    key = f"{unit}_one" if n == 1 else f"{unit}s"
    return t(f"ui.credential_query.validity.{key}", language, n=n)


class CredentialQueryScreen(KioskScreen):
    TITLE_KEY = "ui.credential_query.title"
    AUTO_FOCUS = "#national-id"
    DEFAULT_CSS = """
    CredentialQueryScreen #message.-empty { display: none; }
    CredentialQueryScreen .choice-row { height: 1; margin: 1 0 0 0; }
    CredentialQueryScreen .choice-row > .field-label { width: 20; text-style: bold; }
    CredentialQueryScreen #channel { layout: horizontal; width: auto; height: 1;
                                     overflow: hidden hidden; }
    CredentialQueryScreen #channel > RadioButton { width: auto; margin: 0 2 0 0; }
    CredentialQueryScreen #sms-hint { padding: 0 0 0 20; margin: 0 0 1 0; color: $warning; }
    CredentialQueryScreen CaptchaWidget { layout: vertical; }
    CredentialQueryScreen #captcha-refresh { margin: 0 0 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.credential_query.heading", classes="page-heading")
        yield TLabel("ui.credential_query.intro", classes="note")
        yield Static(
            self._temporary_note(current_language()),
            id="temporary-note",
            classes="note",
            markup=False,
        )
        with Horizontal(classes="choice-row"):
            yield TLabel("ui.credential_query.channel", classes="field-label", prefix="* ")
            with RadioSet(id="channel", compact=True):
                yield NarrowRadioButton(
                    self._label("channel_email"), value=True, id="channel-email", compact=True
                )
                yield NarrowRadioButton(self._label("channel_sms"), id="channel-sms", compact=True)
        yield TLabel("ui.credential_query.sms_hint", id="sms-hint")
        yield LabelledField(
            "national-id",
            "ui.credential_query.field.national_id",
            rule_field="national_id",
            context=self._id_context,
            max_length=14,
        )
        yield LabelledField(
            "chinese-name", "ui.field.chinese_name", rule_field="chinese_name", max_length=20
        )
        yield LabelledField(
            "email", "ui.credential_query.field.email", rule_field="email", max_length=254
        )
        yield LabelledField(
            "mobile", "ui.credential_query.field.mobile", rule_field="mobile", max_length=20
        )
        yield from self.compose_captcha()
        # The answer sits above the buttons: focusing 回登入頁面 afterwards keeps it in view.
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("ui.credential_query.submit", "primary", id="submit")
            yield TButton("ui.credential_query.to_login", id="to-login")

    def on_mount(self) -> None:
        self._show_channel("email")

    # ------------------------------------------------------------------ state

    @property
    def channel(self) -> Channel:
        pressed = self.query_one("#channel", RadioSet).pressed_button
        return "sms" if pressed is not None and pressed.id == "channel-sms" else "email"

    @property
    def address_id(self) -> str:
        """The input that carries the destination for the chosen channel."""
        return "mobile" if self.channel == "sms" else "email"

    def _label(self, name: str) -> Content:
        return plain(t(f"ui.credential_query.{name}", current_language()))

    def _temporary_note(self, language: str) -> Content:
        settings = self.kiosk.settings
        return plain(
            t(
                "ui.credential_query.temporary",
                language,
                email_validity=validity(settings.temp_password_email_minutes, language),
                sms_validity=validity(settings.temp_password_sms_minutes, language),
            )
        )

    def _id_context(self) -> dict[str, str]:
        second = self.value("national-id")[1:2]
        return {"nationality": "foreign" if second in RESIDENT_SECOND_CHARACTERS else "TW"}

    def _show_channel(self, channel: str) -> None:
        """Show the destination row of ``channel`` only; the hidden one's value is never sent."""
        self.field("email").display = channel == "email"
        self.field("mobile").display = channel == "sms"

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self.query_one("#temporary-note", Static).update(self._temporary_note(language))
        for name in CHANNELS:
            button = self.query_one(f"#channel-{name}", NarrowRadioButton)
            button.label = plain(t(f"ui.credential_query.channel_{name}", language))

    def wipe(self) -> None:
        super().wipe()
        self.query_one("#channel-email", RadioButton).value = True

    def _clear_values(self) -> None:
        for row in self.query(LabelledField):
            row.clear()

    # ------------------------------------------------------------------ events

    @on(RadioSet.Changed, "#channel")
    def _channel_changed(self) -> None:
        self._show_channel(self.channel)

    @on(Input.Changed, "#national-id")
    def _normalize_id(self, event: Input.Changed) -> None:
        """Upper-case and half-width as typed, so the live rules judge what will be sent."""
        normalized = national_id.normalize(event.value)
        if normalized != event.value:
            event.input.value = normalized

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = ["national-id", "chinese-name", self.address_id, "captcha-input"]
        if event.input.id == "captcha-input":
            self.submit()
        elif event.input.id in order:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).disabled:
            return  # Enter in the last field while the query runs
        self.show_message(None)
        self.set_busy("submit", True)
        channel = self.channel
        self.query_credentials(
            channel=channel,
            national_id_text=self.value("national-id"),
            chinese_name=self.value("chinese-name"),
            email=self.value("email") if channel == "email" else "",
            mobile=self.value("mobile") if channel == "sms" else "",
            captcha_answer=self.value("captcha-input"),
        )

    # ------------------------------------------------------------------ worker

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def query_credentials(
        self,
        *,
        channel: Channel,
        national_id_text: str,
        chinese_name: str,
        email: str,
        mobile: str,
        captcha_answer: str,
    ) -> None:
        from kiosk.core import accounts

        assert self.captcha is not None  # made with the page (compose_captcha)
        app = self.kiosk
        result = self.call_store(
            accounts.query_credentials,
            captcha=self.captcha,
            captcha_answer=captcha_answer,
            channel=channel,
            national_id_text=national_id_text,
            chinese_name=chinese_name,
            email=email,
            mobile=mobile,
            settings=app.settings,
            language=app.language,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: QueryResult | None) -> None:
        from kiosk.core.accounts import QueryOutcome

        if not self.after_captcha_attempt("submit", result) or result is None:
            return
        outcome = result.outcome
        if outcome is QueryOutcome.SENT:
            self._clear_values()
            self.show_message(result.message_key, kind="ok")
            self.query_one("#to-login", Button).focus()
        elif outcome is QueryOutcome.INVALID:
            self.show_message(result.message_key)
            self.show_field_errors(result.field_errors)
        else:
            self.show_message(result.message_key)
