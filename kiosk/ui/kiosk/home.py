"""考生專區 Candidate home: greets the signed-in candidate and opens the candidate area's menus.

A candidate whose basic data is incomplete (a group or legacy candidate) is sent to the basic
data first, whichever menu they pick: nothing else works until it is complete (the domain refuses
an exam registration too).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import KioskScreen

MENU = (
    ("basic-data", "ui.home.basic_data"),
    ("exam-registration", "ui.candidate_area.exam_registration"),
    ("menu-group", "ui.candidate_area.group"),
    ("progress", "ui.candidate_area.progress"),
    ("exam-notice", "ui.candidate_area.exam_notice"),
    ("menu-scores", "ui.candidate_area.scores"),
    ("menu-recheck", "ui.candidate_area.recheck"),
    ("menu-documents", "ui.candidate_area.documents"),
    ("service-desks", "ui.candidate_area.service_desks"),
    ("change-password", "ui.home.change_password"),
)


class CandidateHomeScreen(KioskScreen):
    IS_HOME = True
    TITLE_KEY = "ui.home.title"
    AUTO_FOCUS = "#basic-data"
    DEFAULT_CSS = """
    CandidateHomeScreen #menu { grid-size: 3; grid-gutter: 0 1; height: auto; margin: 1 0 0 0; }
    CandidateHomeScreen #menu > Button { width: 100%; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static("", id="greeting", classes="page-heading", markup=False)
        yield TLabel("ui.candidate_area.intro", classes="note")
        with Grid(id="menu"):
            for button_id, key in MENU:
                yield TButton(key, id=button_id)
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

    def _open(self, screen: Screen[None]) -> None:
        candidate = self.kiosk.candidate
        if candidate is None:
            return
        if not candidate.profile_complete:  # held on the basic data, which returns home
            self.kiosk.continue_to("complete_profile")
            return
        self.app.push_screen(screen)

    @on(Button.Pressed, "#basic-data")
    def basic_data(self) -> None:
        from .basic_data import BasicDataScreen

        if self.kiosk.candidate is not None:
            self._open(BasicDataScreen(self.kiosk.candidate))

    @on(Button.Pressed, "#change-password")
    def change_password(self) -> None:
        from .change_password import ChangePasswordScreen

        if self.kiosk.candidate is not None:
            self.app.push_screen(ChangePasswordScreen(self.kiosk.candidate))

    @on(Button.Pressed, "#exam-registration")
    def exam_registration(self) -> None:
        from .exam_registration import ExamRegistrationScreen

        self._open(ExamRegistrationScreen())

    @on(Button.Pressed, "#progress")
    def progress(self) -> None:
        from .exam_progress import RegistrationProgressScreen

        self._open(RegistrationProgressScreen())

    @on(Button.Pressed, "#exam-notice")
    def exam_notice(self) -> None:
        from .exam_notice import ExamNoticeScreen

        self._open(ExamNoticeScreen())

    @on(Button.Pressed, "#service-desks")
    def service_desks(self) -> None:
        from .service_desks import ServiceDesksScreen

        self.app.push_screen(ServiceDesksScreen())  # contacts only: open to everyone

    @on(Button.Pressed, "#menu-scores")
    def scores(self) -> None:
        from .scores import ScoresScreen

        self._open(ScoresScreen())

    @on(Button.Pressed, "#menu-recheck")
    def score_recheck(self) -> None:
        from .recheck import RecheckScreen

        self._open(RecheckScreen())

    @on(Button.Pressed, "#menu-documents")
    def documents(self) -> None:
        from .documents import DocumentsScreen

        self._open(DocumentsScreen())

    @on(Button.Pressed, "#menu-group")
    def group_registration(self) -> None:
        from .group_registration import GroupRegistrationScreen

        self._open(GroupRegistrationScreen())
