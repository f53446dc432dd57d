"""考生專區 Candidate home: greets the signed-in candidate by name and ends the session.

The candidate-area menus (basic data, exam registration, progress, notices) arrive with the
candidate-area issue; until then this page is the end of a successful login.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from kiosk.i18n import t
from kiosk.widgets.text import TButton, TLabel, current_language, plain

from .base import KioskScreen


class CandidateHomeScreen(KioskScreen):
    TITLE_KEY = "ui.home.title"
    AUTO_FOCUS = "#basic-data"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="greeting", classes="page-heading", markup=False)
        yield TLabel("ui.home.intro", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.home.basic_data", id="basic-data")
            yield TButton("ui.home.change_password", id="change-password")
            yield TButton("ui.home.logout", "warning", id="logout")
        yield Static("", id="message", classes="message", markup=False)

    def on_mount(self) -> None:
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        candidate = self.kiosk.candidate
        name = candidate.chinese_name if candidate else ""
        self.query_one("#greeting", Static).update(
            plain(t("ui.home.greeting", language, name=name))
        )

    @on(Button.Pressed, "#logout")
    def logout(self) -> None:
        self.kiosk.action_end_session()

    @on(Button.Pressed, "#basic-data")
    def basic_data(self) -> None:
        from .basic_data import BasicDataScreen

        if self.kiosk.candidate is not None:
            self.app.push_screen(BasicDataScreen(self.kiosk.candidate))

    @on(Button.Pressed, "#change-password")
    def change_password(self) -> None:
        from .change_password import ChangePasswordScreen

        if self.kiosk.candidate is not None:
            self.app.push_screen(ChangePasswordScreen(self.kiosk.candidate))
