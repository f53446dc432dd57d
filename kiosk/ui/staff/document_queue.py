"""線上繳件 queue: submitted documents still to review, oldest first, with where each file is kept
(its SHA-256 names it: open it there with a viewer); staff accept or reject each with a reason
(a rejection's reason is what the candidate reads), audited with their account. Accepting a
registration's last missing document moves it from 待補件 to 已報名
(``kiosk.core.documents``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table
from .modals import ReasonScreen

if TYPE_CHECKING:
    from kiosk.core.documents import QueueRow, StaffResult

COLUMNS = (
    ("account", "staff.column.account"),
    ("name", "staff.column.chinese_name"),
    ("exam", "staff.queue.column.exam"),
    ("kind", "staff.queue.column.kind"),
    ("type", "staff.queue.column.type"),
    ("size", "staff.queue.column.size"),
    ("at", "staff.queue.column.submitted_at"),
)


class DocumentQueueScreen(StaffScreen):
    TITLE_KEY = "staff.queue.documents_title"
    KEYS_KEY = "staff.keys.queue"
    DEFAULT_CSS = """
    DocumentQueueScreen #body { padding: 0 1; height: 1fr; }
    DocumentQueueScreen #queue-table { height: 1fr; }
    DocumentQueueScreen #queue-status { height: 1; color: $text-muted; }
    DocumentQueueScreen #queue-file { height: auto; }
    DocumentQueueScreen .buttons { height: auto; margin: 0; }
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
            yield TLabel("staff.queue.documents_note", classes="note")
            yield Static("", id="queue-status", markup=False)
            yield Static("", id="message", classes="message -empty", markup=False)
            yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="queue-file", markup=False)
            with Horizontal(classes="buttons"):
                yield TButton("staff.queue.accept", "primary", id="document-accept", compact=True)
                yield TButton("staff.queue.reject", "warning", id="document-reject", compact=True)
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
        from kiosk.core import documents

        app = self.staff_app
        found = self.call_store(documents.open_documents, settings=app.settings, clock=app.clock)
        self.deliver(self._fetched, found)

    def _fetched(self, found: list[QueueRow] | None) -> None:
        if found is None:
            self.show_message("staff.error.store")
        self.rows = found or []
        self._show()

    def _show(self) -> None:
        from kiosk.ui.widgets.text import TYPE_NAMES, size_text

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
                        t(f"documents.kind.{r.kind}", language),
                        TYPE_NAMES.get(r.media_type, r.media_type),
                        size_text(r.size),
                        r.submitted_at.strftime("%Y-%m-%d %H:%M"),
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
        self._show_file()

    @on(DataTable.RowHighlighted, "#queue-table")
    def _show_file(self) -> None:
        from kiosk.core.documents.files import stored_path

        row = self.selected()
        text = ""
        if row is not None:
            path = stored_path(self.staff_app.settings, row.sha256)
            text = t("staff.queue.file", current_language(), path=str(path))
        self.query_one("#queue-file", Static).update(plain(text))

    def selected(self) -> QueueRow | None:
        table = self.query_one("#queue-table", DataTable)
        rows = self.rows or []
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    @on(Button.Pressed, "#document-accept")
    def accept(self) -> None:
        self._ask(True)

    @on(Button.Pressed, "#document-reject")
    def reject(self) -> None:
        self._ask(False)

    def _ask(self, accept: bool) -> None:
        row = self.selected()
        if row is None:
            self.show_message("staff.queue.pick")
            return
        language = current_language()
        line = t(
            "staff.queue.document_line",
            language,
            account=row.account,
            exam=f"{row.subject} {row.level}".strip(),
            kind=t(f"documents.kind.{row.kind}", language),
        )
        title = "staff.queue.accept_title" if accept else "staff.queue.reject_title"

        def done(reason: str | None) -> None:
            if reason:
                self.start_work()
                self.decide(row.id, accept, reason)

        self.app.push_screen(ReasonScreen(title, [line]), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-decide")
    def decide(self, document_id: int, accept: bool, reason: str) -> None:
        from kiosk.core import documents

        app = self.staff_app
        if app.staff is None:
            return
        result = self.call_store(
            documents.decide,
            staff=app.staff,
            document_id=document_id,
            accept=accept,
            reason=reason,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self._decided, result)

    def _decided(self, result: StaffResult | None) -> None:
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
