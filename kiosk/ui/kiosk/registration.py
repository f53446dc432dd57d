"""註冊 Registration: a first-time candidate's account, ID number, profile and password.

Opened by the login when the account+name combination does not exist, carrying the account, the
Chinese name and the password over (the password is confirmed again here). Every field is
required (註1). Before saving, a confirmation shows the account and the masked ID number, which
can never change afterwards (註2); the use case checks everything again and answers per field
(duplicate account or ID number included). Saved: the candidate is signed in and greeted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, Static

from kiosk.core import national_id
from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.profile_form import (
    NEXT_FIELD,
    ChoiceField,
    ProfileForm,
    in_form_order,
    relabel_select,
)
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain
from kiosk.ui.widgets.toggles import NarrowCheckbox

from .base import KioskScreen
from .modals import ConfirmScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import RegisterResult, Registration


def nationality_options(language: str) -> list[tuple[Any, str]]:
    return [
        (plain(t("ui.field.nationality_tw", language)), "TW"),
        (plain(t("ui.field.nationality_foreign", language)), "foreign"),
    ]


class RegistrationScreen(KioskScreen):
    TITLE_KEY = "ui.registration.title"
    ROW_PER_FRAME = True
    DEFAULT_CSS = """
    RegistrationScreen #password-show { margin: 0 0 1 20; }
    RegistrationScreen #immutable-note { margin: 0 0 1 0; }
    """

    def __init__(self, prefill: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.prefill = dict(prefill or {})
        self._confirming = False

    def compose_body(self) -> ComposeResult:
        p = self.prefill.get
        yield TLabel("ui.registration.heading", classes="page-heading")
        if self.prefill:
            yield TLabel("ui.registration.intro", classes="note")
        yield TLabel("ui.registration.note1", classes="note")
        yield TLabel("ui.registration.note2", classes="note", id="immutable-note")
        yield LabelledField(
            "account",
            "ui.field.account",
            rule_field="account",
            rules_open=True,
            max_length=60,  # a 31st character shows, with the length rule's ✗
            value=p("account", ""),
        )

    def compose_later(self) -> Iterable[Widget]:
        """The other rows, one at a time after the first paint (about 150 widgets in all: built
        at once they would hold the event loop for a third of a second)."""
        p = self.prefill.get
        nationality: Select[str] = Select(
            nationality_options(current_language()),
            allow_blank=False,
            value="TW",
            id="nationality",
            compact=True,
        )
        yield ChoiceField("nationality", "ui.field.nationality", nationality)
        yield LabelledField(
            "national-id",
            self._id_label(),  # built after the nationality row: it may have changed already
            rule_field="national_id",
            rules_open=True,
            max_length=14,
            context=self._id_context,
        )
        passwords = [
            LabelledField(
                "password",
                "ui.field.password",
                rule_field="password",
                rules_open=True,
                password=True,
                max_length=72,
                value=p("password", ""),
                context=self._password_context,
            ),
            NarrowCheckbox(self._show_label(), id="password-show", compact=True),
            LabelledField(
                "password-confirm",
                "ui.field.password_confirm",
                rule_field="password_confirm",
                rules_open=True,
                password=True,
                max_length=72,
                context=lambda: {"password": self._text("password")},
            ),
        ]
        yield ProfileForm(
            {"chinese_name": p("chinese_name", "")},
            after_email=passwords,
            sliced=True,
            rules_open=True,
        )
        yield Horizontal(
            TButton("ui.registration.submit", "primary", id="submit"),
            TButton("ui.registration.cancel", id="cancel"),
            classes="buttons",
        )
        yield Static("", id="message", classes="message -empty", markup=False)
        yield TLabel("ui.registration.note3", classes="note")

    def page_completed(self) -> None:
        self.recheck("password", now=True)
        self.recheck("password-confirm", now=True)
        empty = [box for box in self.query(Input) if not box.value]
        (empty or list(self.query(Input)))[0].focus()

    # ------------------------------------------------------------------ live rules

    def _text(self, input_id: str) -> str:
        try:
            return self.query_one(f"#{input_id}", Input).value
        except NoMatches:  # still composing
            return ""

    @property
    def nationality(self) -> str:
        try:
            value = self.query_one("#nationality", Select).value
        except NoMatches:
            return "TW"
        return "foreign" if value == "foreign" else "TW"

    def _id_context(self) -> dict[str, str]:
        return {"nationality": self.nationality}

    def _password_context(self) -> dict[str, str]:
        return {
            "account": self._text("account"),
            "chinese_name": self._text("chinese-name"),
            "email": self._text("email"),
            "national_id": national_id.normalize(self._text("national-id")),
        }

    @on(Input.Changed, "#national-id")
    def _national_id_changed(self, event: Input.Changed) -> None:
        # Rules judge the stored form: upper case, half-width, no spaces.
        # The box's value now, not the event's: keys typed ahead may already be in it.
        box = event.input
        normalized = national_id.normalize(box.value)
        if normalized != box.value:
            cursor = len(national_id.normalize(box.value[: box.cursor_position]))
            box.value = normalized
            box.cursor_position = cursor
            return
        self._context_changed()

    @on(Input.Changed, "#account")
    @on(Input.Changed, "#chinese-name")
    @on(Input.Changed, "#email")
    def _context_changed(self) -> None:
        if self.ready:  # page_completed checks the password once every row is there
            self.recheck("password")

    @on(Input.Changed, "#password")
    def _password_changed(self) -> None:
        self.recheck("password-confirm")

    def _id_label(self) -> str:
        return "ui.field.resident_id" if self.nationality == "foreign" else "ui.field.national_id"

    @on(Select.Changed, "#nationality")
    def _nationality_changed(self) -> None:
        rows = self.query("#national-id-field")
        if not rows:
            return  # the next row, still to be built, takes its label from the choice
        row = cast(LabelledField, rows.first())
        row.query_one(".field-label", TLabel).set_key(self._id_label())
        row.recheck(now=True)

    @on(Checkbox.Changed, "#password-show")
    def _toggle_password(self, event: Checkbox.Changed) -> None:
        for input_id in ("password", "password-confirm"):
            self.query_one(f"#{input_id}", Input).password = not event.value

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next(NEXT_FIELD)

    def _show_label(self) -> str:
        return t("ui.field.show_password", current_language())

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        # query, not query_one: the language may change before this screen is composed
        for box in self.query("#password-show").results(Checkbox):
            box.label = self._show_label()
        for select in self.query("#nationality").results(Select):
            relabel_select(select, nationality_options(language), "")

    # ------------------------------------------------------------------ saving

    def registration(self) -> Registration:
        from kiosk.core.accounts import Registration

        return Registration(
            account=self._text("account"),
            nationality=self.nationality,
            national_id=self._text("national-id"),
            password=self._text("password"),
            password_confirm=self._text("password-confirm"),
            **self.query_one(ProfileForm).values(),
        )

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if not self.ready or self._confirming or self.query_one("#submit", Button).loading:
            return
        data = self.registration()
        language = current_language()
        id_key = "resident_id" if data.nationality == "foreign" else "national_id"
        empty = t("ui.registration.empty", language)
        account = data.account.strip() or empty
        # in full: the candidate is asked to check it, on their own form
        whole = national_id.normalize(data.national_id) or empty
        lines = [
            t("ui.registration.confirm_account", language, account=account),
            t(f"ui.registration.confirm_{id_key}", language, national_id=whole),
            t("ui.registration.confirm_note", language),
        ]

        def confirmed(yes: bool | None) -> None:
            self._confirming = False
            if yes:
                self.show_message(None)
                self.set_busy("submit", True)
                self.save(data)

        self._confirming = True
        self.app.push_screen(
            ConfirmScreen(
                "ui.registration.confirm_title",
                lines,
                yes_key="ui.registration.confirm_yes",
                no_key="ui.registration.confirm_no",
            ),
            confirmed,
        )

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="register")
    def save(self, data: Registration) -> None:
        from kiosk.core import accounts

        app = self.kiosk
        result = self.call_store(
            accounts.register, data=data, settings=app.settings, clock=app.clock
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: RegisterResult | None) -> None:
        self.set_busy("submit", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        if not result.ok:
            self.show_message(result.message_key)
            self.show_field_errors(in_form_order(self, result.field_errors))
            return
        self.kiosk.continue_to("home", result.candidate)
