"""考生基本資料維護 Basic data: the signed-in candidate checks and corrects the profile.

The account and the ID number are shown, never editable (註2; the ID masked, the screen is
public). A group (團報) or legacy candidate arrives here with ``required=True`` after the first
login and cannot go on until the profile is complete: no back button then (the top bar's end
session still works); once saved they go to the candidate home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.core.accounts import PROFILE_FIELDS, CandidateView
from kiosk.ui.widgets.profile_form import NEXT_FIELD, ProfileForm, in_form_order
from kiosk.ui.widgets.text import TButton, TLabel, plain

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import UpdateResult


class BasicDataScreen(KioskScreen):
    TITLE_KEY = "ui.basic_data.title"
    DEFAULT_CSS = """
    BasicDataScreen .fixed-row { height: 1; }
    BasicDataScreen .fixed-row > .field-label { width: 20; text-style: bold; }
    BasicDataScreen .fixed-row > .fixed-value { width: 1fr; }
    BasicDataScreen #immutable-note { margin: 0 0 1 0; }
    """

    def __init__(self, candidate: CandidateView, *, required: bool = False) -> None:
        super().__init__()
        self.candidate = candidate
        self.required = required

    def compose_body(self) -> ComposeResult:
        c = self.candidate
        yield TLabel("ui.basic_data.heading", classes="page-heading")
        yield TLabel(self._intro_key(), classes="note", id="intro")
        id_key = "ui.field.resident_id" if c.nationality == "foreign" else "ui.field.national_id"
        for row_id, key, value in (
            ("account", "ui.field.account", c.account),
            ("national-id", id_key, c.national_id_masked),
        ):
            with Horizontal(classes="fixed-row"):
                yield TLabel(key, classes="field-label", prefix="  ")
                yield Static(plain(value), id=f"{row_id}-text", classes="fixed-value")
        yield TLabel("ui.basic_data.immutable", classes="note", id="immutable-note")
        yield ProfileForm({name: getattr(c, name) for name in PROFILE_FIELDS})
        with Horizontal(classes="buttons"):
            yield TButton("ui.basic_data.submit", "primary", id="submit")
            if not self.required:
                yield TButton("ui.common.back", id="back")
        yield Static("", id="message", classes="message -empty", markup=False)

    def _intro_key(self) -> str:
        """A legacy certificate holder is no group candidate: each gets the guide's own words."""
        if not self.required:
            return "ui.basic_data.intro"
        if self.candidate.origin == "legacy":
            return "ui.basic_data.required_legacy"
        return "ui.basic_data.required"

    def on_mount(self) -> None:
        self.query_one("#chinese-name").focus()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next(NEXT_FIELD)

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).loading:
            return
        self.show_message(None)
        self.set_busy("submit", True)
        self.save(self.query_one(ProfileForm).values())

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile")
    def save(self, changes: dict[str, str]) -> None:
        from kiosk.core import accounts

        app = self.kiosk
        result = self.call_store(
            accounts.update_profile,
            candidate_id=self.candidate.id,
            changes=changes,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: UpdateResult | None) -> None:
        self.set_busy("submit", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        if not result.ok:
            self.show_message(result.message_key)
            self.show_field_errors(in_form_order(self, result.field_errors))
            return
        assert result.candidate is not None  # a saved profile comes back with the candidate
        self.candidate = result.candidate
        if self.required:
            self.kiosk.continue_to("home", result.candidate)
            return
        self.kiosk.signed_in(result.candidate)
        self.query_one(ProfileForm).load(
            {name: getattr(result.candidate, name) for name in PROFILE_FIELDS}
        )
        self.show_message(result.message_key, kind="ok")
