"""考試報名 Exam registration: pick a certification and level, then one of its open sessions
(date, venue, seats left, registration window), confirm, and the seat is taken in the database.

The subjects and levels come from ``assets/ipas-subjects.csv``; the sessions from the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, OptionList, Select, Static
from textual.widgets.option_list import Option

from kiosk.core.exams import SessionView, SubjectChoice, subject_choices
from kiosk.infra.i18n import t
from kiosk.ui.widgets.profile_form import relabel_select
from kiosk.ui.widgets.text import TButton, TLabel, current_language

from .base import KioskScreen

if TYPE_CHECKING:
    from kiosk.core.exams import RegisterResult as ExamRegisterResult


def subject_options(language: str) -> list[tuple[Text, str]]:
    return [(Text(c.label(language)), str(i)) for i, c in enumerate(subject_choices())]


def session_prompt(view: SessionView, language: str) -> Text:
    """Three plain lines: when and seats, venue, registration window."""
    seats = (
        t("ui.exam_registration.seats_left", language, n=str(view.seats_left))
        if view.seats_left
        else t("ui.exam_registration.full", language)
    )
    lines = [
        f"{view.when(language)}  {seats}",
        t("ui.exam_registration.venue", language, venue=view.venue),
        view.window(language),
    ]
    return Text("\n".join(lines))


class ExamRegistrationScreen(KioskScreen):
    TITLE_KEY = "ui.exam_registration.title"
    DEFAULT_CSS = """
    ExamRegistrationScreen .choice-row { height: auto; margin: 1 0; }
    ExamRegistrationScreen .choice-row > .field-label { width: 14; text-style: bold; }
    ExamRegistrationScreen #subject { width: 1fr; max-width: 52; }
    ExamRegistrationScreen #sessions { height: auto; max-height: 14; margin: 0 0 1 0; }
    ExamRegistrationScreen #sessions-heading { text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[SessionView] = []
        self.choice: SubjectChoice | None = None
        self._on_arrival = ""  # what the next list does: "focus" (a subject chosen), "keep"

    def compose_body(self) -> ComposeResult:
        language = current_language()
        yield TLabel("ui.exam_registration.heading", classes="page-heading")
        yield TLabel("ui.exam_registration.intro", classes="note")
        with Horizontal(classes="choice-row"):
            yield TLabel("ui.exam_registration.subject", classes="field-label")
            yield Select(
                subject_options(language),
                prompt=t("ui.exam_registration.subject_prompt", language),
                id="subject",
                compact=True,
            )
        # above the list: below 14 rows of sessions the answer would sit off an 80x24 screen
        yield Static("", id="message", classes="message -empty", markup=False)
        yield TLabel("ui.exam_registration.sessions", id="sessions-heading")
        yield OptionList(id="sessions")
        yield TLabel("ui.exam_registration.none", id="sessions-none", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    @property
    def session_list(self) -> OptionList:
        return self.query_one("#sessions", OptionList)

    def on_mount(self) -> None:
        self.query_one("#sessions-heading").display = False
        self.session_list.display = False
        self.query_one("#sessions-none").display = False
        self.query_one("#subject", Select).focus()

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        for select in self.query("#subject").results(Select):
            relabel_select(
                select,
                subject_options(language),
                t("ui.exam_registration.subject_prompt", language),
            )
        if self.is_mounted:
            self._show_sessions(self.sessions, keep_highlight=True)

    @on(Select.Changed, "#subject")
    def _subject_changed(self, event: Select.Changed) -> None:
        if event.value == Select.NULL:
            return
        self.choice = subject_choices()[int(str(event.value))]
        self.show_message(None)
        self._on_arrival = "focus"
        self._reload()

    def _reload(self) -> None:
        if self.choice is None:
            return
        self.start_work()
        self.load(self.choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-sessions")
    def load(self, choice: SubjectChoice) -> None:
        from kiosk.core import exams

        app = self.kiosk
        result = self.call_store(
            exams.list_sessions,
            subject=choice.subject,
            level=choice.level,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self.show_sessions, (choice, result))

    def show_sessions(self, answer: tuple[SubjectChoice, list[SessionView] | None]) -> None:
        choice, result = answer
        if choice != self.choice:
            return  # the candidate picked another subject meanwhile
        if result is None:
            self.show_message("ui.error.store")
            return
        arrival, self._on_arrival = self._on_arrival, ""
        self._show_sessions(result, keep_highlight=arrival == "keep")
        if arrival == "focus":
            self._focus_first_open()

    def _focus_first_open(self) -> None:
        """The page says 再選擇場次並按 Enter 報名: once a subject is chosen, its list has the
        focus with the first open session highlighted, so Enter registers (after the confirm).
        Only while the focus is still on the subject (the candidate may have moved on), and
        only when there is a list (none: the focus stays on the subject)."""
        subject = self.query_one("#subject", Select)
        focused = self.focused
        on_subject = focused is None or focused is subject or subject in focused.ancestors
        if not self.sessions or not on_subject:
            return
        listing = self.session_list
        open_ones = [n for n, view in enumerate(self.sessions) if view.state == "open"]
        listing.highlighted = open_ones[0] if open_ones else 0
        listing.focus()

    def _show_sessions(self, sessions: list[SessionView], *, keep_highlight: bool = False) -> None:
        language = current_language()
        listing = self.session_list
        highlighted = listing.highlighted
        self.sessions = sessions
        listing.clear_options()
        listing.add_options(
            Option(session_prompt(view, language), id=str(view.id)) for view in sessions
        )
        if sessions and highlighted is not None and keep_highlight:
            listing.highlighted = min(highlighted, len(sessions) - 1)
        chosen = self.choice is not None
        self.query_one("#sessions-heading").display = chosen
        listing.display = chosen and bool(sessions)
        self.query_one("#sessions-none").display = chosen and not sessions

    @on(OptionList.OptionSelected, "#sessions")
    def _session_selected(self, event: OptionList.OptionSelected) -> None:
        if self.kiosk.candidate is None or self.is_busy("back"):
            return
        view = next((v for v in self.sessions if str(v.id) == event.option.id), None)
        if view is None:
            return
        if not view.seats_left:
            self.show_message("exams.register.full")
            self._reveal_message()
            return
        from .modals import ConfirmScreen

        language = current_language()
        lines = [
            view.title(language),
            view.when(language),
            t("ui.exam_registration.venue", language, venue=view.venue),
            view.address,
            view.window(language),
        ]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.show_message(None)
                self.set_busy("back", True)  # no second registration while this one runs
                self.register(view.id)

        self.app.push_screen(
            ConfirmScreen(
                "ui.exam_registration.confirm_title",
                [line for line in lines if line],
                yes_key="ui.exam_registration.confirm_yes",
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="exam-register")
    def register(self, session_id: int) -> None:
        from kiosk.core import exams

        app = self.kiosk
        candidate = app.candidate
        result = (
            self.call_store(
                exams.register,
                candidate_id=candidate.id,
                session_id=session_id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_result, result)

    def show_result(self, result: ExamRegisterResult | None) -> None:
        self.set_busy("back", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error")
        self._reveal_message()
        self._on_arrival = "keep"  # the same session stays highlighted
        self._reload()  # seats left changed, here or on another terminal

    def _reveal_message(self) -> None:
        """Scroll the body so the answer is on screen (the list may have scrolled it off)."""
        self.call_after_refresh(
            self.query_one("#body", VerticalScroll).scroll_to_widget,
            self.query_one("#message", Static),
            animate=False,
        )

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
