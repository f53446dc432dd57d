"""團體報名 Group registration, as iPAS runs it and as this kiosk can.

iPAS's registration notes (the stored 電磁相容工程師 報名須知 page, ``assets/DATA-SOURCES.md``)
say that since 2023 a unit's group contact gets group-management access and a unit verification
code from the operator, and the unit's candidates register online themselves with that code; the
contact pays for them. Nobody registers candidates for sessions on their behalf, so this kiosk
has no such form: the help desk imports a unit's list (group import) and each candidate registers
under 考試報名. This page says so, and shows a group candidate their unit (their own record only:
a candidate area never lists other people).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from kiosk.ui.widgets.text import TButton, TLabel

from .area import AreaScreen


class GroupRegistrationScreen(AreaScreen):
    BODY_TAKES_FOCUS = True
    TITLE_KEY = "ui.group.title"

    def compose_body(self) -> ComposeResult:
        candidate = self.kiosk.candidate
        unit = candidate.group_unit if candidate is not None else ""
        yield TLabel("ui.group.heading", classes="page-heading")
        yield TLabel("ui.group.intro", classes="note")
        if unit:
            yield TLabel("ui.group.unit", id="group-unit", unit=unit)
        else:
            yield TLabel("ui.group.no_unit", id="group-unit")
        yield TLabel("ui.group.how", id="group-how")
        yield TLabel("ui.group.kiosk", id="group-kiosk")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
