"""成績查詢 Scores: each released result, part by part — the score, the pass mark, 通過 /
未通過 — the result, the certificate number when it passed, and until when a re-check may be
applied for. Nothing shows before a release (``kiosk.core.results``)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.core.exams import display_name
from kiosk.core.results import ResultView
from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .area import AreaScreen


def verdict(passed: bool, language: str) -> str:
    return t("ui.scores.passed" if passed else "ui.scores.failed", language)


def result_lines(view: ResultView, language: str) -> list[str]:
    """The block of one result: title, exam, each part, the result, certificate, re-check."""
    s = view.session
    lines = [
        view.title(language),
        t("ui.scores.exam", language, date=s.starts_at.strftime("%Y-%m-%d"), venue=s.venue),
    ]
    for part in view.parts:
        lines.append(
            t(
                "ui.scores.part",
                language,
                part=display_name(part.part, language),
                score=str(part.score),
                mark=str(part.pass_mark),
                verdict=verdict(part.passed, language),
            )
        )
    lines.append(t("ui.scores.overall", language, verdict=verdict(view.passed, language)))
    if view.certificate_number:
        lines.append(t("ui.scores.certificate", language, number=view.certificate_number))
    if view.recheck_open:
        until = view.recheck_until.strftime("%Y-%m-%d %H:%M")
        lines.append(t("ui.scores.recheck_until", language, until=until))
    return lines


class ResultBlock(Static):
    """One result as plain lines (nothing from the database is read as markup)."""

    DEFAULT_CSS = """
    ResultBlock { height: auto; border: round $primary; padding: 0 1; margin: 0 0 1 0; }
    ResultBlock.-passed { border: round $success; }
    """

    def __init__(self, view: ResultView) -> None:
        super().__init__(
            "", id=f"result-{view.id}", classes="result -passed" if view.passed else "result"
        )
        self.view = view
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        self.update(plain("\n".join(result_lines(self.view, language))))


class ScoresScreen(AreaScreen):
    BODY_TAKES_FOCUS = True  # a page to read: the arrow keys scroll it
    TITLE_KEY = "ui.scores.title"
    DEFAULT_CSS = """
    ScoresScreen #scores { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[ResultView] = []
        self.loaded = False

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.scores.heading", classes="page-heading")
        yield TLabel("ui.scores.intro", classes="note")
        yield Static("", id="message", classes="message -empty", markup=False)
        yield Vertical(id="scores")
        yield TLabel("ui.scores.none", id="scores-none", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#scores-none").display = False
        # The page itself takes the focus (the arrow keys scroll it; Tab reaches 返回): 返回,
        # focused here, kept the body scrolled to the bottom once the results arrived above it.
        self.query_one("#body").focus()
        self._worker_token = self.kiosk.session_token
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="scores")
    def load(self) -> None:
        from kiosk.core import results

        app = self.kiosk
        candidate = app.candidate
        found = (
            self.call_store(
                results.list_results,
                candidate_id=candidate.id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_results, found)

    def show_results(self, found: list[ResultView] | None) -> None:
        if found is None:
            self.show_message("ui.error.store")
            return
        self.call_later(self._rebuild, list(found))

    async def _rebuild(self, found: list[ResultView]) -> None:
        self.results = found
        box = self.query_one("#scores", Vertical)
        await box.remove_children()
        await box.mount_all(ResultBlock(view) for view in found)
        self.query_one("#scores-none").display = not found
        self.loaded = True

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
