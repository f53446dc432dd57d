"""成績複查 queue: the re-check applications still to decide, oldest first; staff decide each with
a reason — 成績無誤 (the score stands) or 更正成績 (a corrected score) — and the decision is
audited with their account (``kiosk.core.results.recheck``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import KioskInput
from kiosk.ui.widgets.modal import MODAL_CSS
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table
from .modals import REASON_MAX, ReasonScreen

if TYPE_CHECKING:
    from kiosk.core.results.recheck import DecideResult, QueueRow

COLUMNS = (
    ("account", "staff.column.account"),
    ("name", "staff.column.chinese_name"),
    ("exam", "staff.queue.column.exam"),
    ("part", "staff.queue.column.part"),
    ("score", "staff.queue.column.score"),
    ("fee", "staff.queue.column.fee"),
    ("at", "staff.queue.column.applied_at"),
)


class CorrectScoreScreen(ModalScreen[tuple[int, str] | None]):
    """The corrected score and the reason; dismisses with both, or None when cancelled."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="CorrectScoreScreen")
        + """
    CorrectScoreScreen Input { width: 1fr; background: $boost; margin: 1 0 0 0; }
    CorrectScoreScreen #correct-error { color: $error; text-style: bold; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, line: str) -> None:
        super().__init__(id="correct-modal")
        self.line = line

    def compose(self) -> ComposeResult:
        language = current_language()
        with Vertical():
            yield TLabel("staff.queue.correct_title", classes="modal-title")
            yield Static(plain(self.line), classes="modal-line", markup=False)
            yield KioskInput(
                id="new-score",
                max_length=3,
                placeholder=t("staff.queue.new_score", language),
                compact=True,
            )
            yield TLabel("staff.reason.label", classes="modal-line")
            yield KioskInput(
                id="reason",
                max_length=REASON_MAX,
                placeholder=t("staff.reason.placeholder", language),
                select_on_focus=False,
                compact=True,
            )
            yield Static("", id="correct-error", markup=False)
            with Horizontal():
                yield TButton("staff.reason.confirm", "primary", id="confirm")
                yield TButton("staff.reason.cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#new-score", Input).focus()

    def _say(self, key: str) -> None:
        self.query_one("#correct-error", Static).update(plain(t(key, current_language())))

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#new-score", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        if not (text.isascii() and text.isdigit() and 0 <= int(text) <= 100):
            self._say("results.decide.invalid_score")
            self.query_one("#new-score", Input).focus()
            return
        if not reason:
            self._say("staff.reason.required")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss((int(text), reason))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class RecheckQueueScreen(StaffScreen):
    TITLE_KEY = "staff.queue.recheck_title"
    KEYS_KEY = "staff.keys.queue"
    DEFAULT_CSS = """
    RecheckQueueScreen #body { padding: 0 1; height: 1fr; }
    RecheckQueueScreen #queue-table { height: 1fr; }
    RecheckQueueScreen #queue-status { height: 1; color: $text-muted; }
    RecheckQueueScreen .buttons { height: auto; margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("f5", "refresh", "Refresh"),
    ]
    AUTO_FOCUS = "#queue-table"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] | None = None

    def compose_frame(self) -> ComposeResult:
        with Vertical(id="body"):
            yield TLabel("staff.queue.recheck_note", classes="note")
            yield Static("", id="queue-status", markup=False)
            yield Static("", id="message", classes="message -empty", markup=False)
            yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield TButton(
                    "staff.queue.unchanged", "primary", id="recheck-unchanged", compact=True
                )
                yield TButton("staff.queue.correct", "warning", id="recheck-correct", compact=True)
                yield TButton("staff.places.refresh", id="refresh", compact=True)
                yield TButton("staff.action.back", id="back", compact=True)

    def on_mount(self) -> None:
        self._show()
        self.action_refresh()

    @on(Button.Pressed, "#refresh")
    def action_refresh(self) -> None:
        self.start_work()
        self.fetch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def fetch(self) -> None:
        from kiosk.core.results import recheck

        app = self.staff_app
        found = self.call_store(recheck.open_applications, settings=app.settings, clock=app.clock)
        self.deliver(self._fetched, found)

    def _fetched(self, found: list[QueueRow] | None) -> None:
        if found is None:
            self.show_message("staff.error.store")
        self.rows = found or []
        self._show()

    def _show(self) -> None:
        language = current_language()
        rows = self.rows or []
        fill_table(
            self.query_one("#queue-table", DataTable),
            COLUMNS,
            (
                (
                    str(r.id),
                    (
                        r.account,
                        r.chinese_name,
                        f"{r.subject} {r.level}".strip(),
                        r.part,
                        str(r.old_score),
                        f"NT${r.fee:,}",
                        r.applied_at.strftime("%Y-%m-%d %H:%M"),
                    ),
                )
                for r in rows
            ),
        )
        status = ""
        if self.rows is not None:
            key = "staff.queue.count" if rows else "staff.queue.none"
            status = t(key, language, count=str(len(rows)))
        self.query_one("#queue-status", Static).update(plain(status))

    def selected(self) -> QueueRow | None:
        table = self.query_one("#queue-table", DataTable)
        rows = self.rows or []
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def _line(self, row: QueueRow) -> str:
        return t(
            "staff.queue.recheck_line",
            current_language(),
            account=row.account,
            exam=f"{row.subject} {row.level}".strip(),
            part=row.part,
            score=str(row.old_score),
        )

    @on(Button.Pressed, "#recheck-unchanged")
    def unchanged(self) -> None:
        row = self.selected()
        if row is None:
            self.show_message("staff.queue.pick")
            return

        def done(reason: str | None) -> None:
            if reason:
                self.start_work()
                self.decide(row.id, None, reason)

        self.app.push_screen(ReasonScreen("staff.queue.unchanged_title", [self._line(row)]), done)

    @on(Button.Pressed, "#recheck-correct")
    def correct(self) -> None:
        row = self.selected()
        if row is None:
            self.show_message("staff.queue.pick")
            return

        def done(answer: tuple[int, str] | None) -> None:
            if answer is not None:
                self.start_work()
                self.decide(row.id, answer[0], answer[1])

        self.app.push_screen(CorrectScoreScreen(self._line(row)), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-decide")
    def decide(self, application_id: int, score: int | None, reason: str) -> None:
        from kiosk.core.results import recheck

        app = self.staff_app
        if app.staff is None:
            return
        result = self.call_store(
            recheck.decide,
            staff=app.staff,
            application_id=application_id,
            corrected_score=score,
            reason=reason,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self._decided, result)

    def _decided(self, result: DecideResult | None) -> None:
        if result is None:
            self.show_message("staff.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **result.values)
        self.action_refresh()

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self._show()

    def action_back(self) -> None:
        self.app.pop_screen()
