"""Find a candidate: one box, results as you type (debounced, searched in a worker thread).

A search that settles on exactly one candidate opens it (a caller gives an account or a name and
the desk is on their page without another key), once per text typed: coming back from that
candidate, or the same text searched again, opens nothing."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import KioskInput
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table

if TYPE_CHECKING:
    from kiosk.core.helpdesk import SearchResult

DEBOUNCE_SECONDS = 0.15
AUTO_OPEN_SECONDS = 0.25
"""After a single hit arrives, how long the text must stay as it is before the hit opens: a typist
pausing within a word keeps the page; any key cancels."""
COLUMNS = (
    ("account", "staff.column.account"),
    ("chinese_name", "staff.column.chinese_name"),
    ("national_id", "staff.column.national_id"),
    ("email", "staff.column.email"),
    ("mobile", "staff.column.mobile"),
    ("origin", "staff.column.origin"),
)


class SearchScreen(StaffScreen):
    TITLE_KEY = "staff.search.title"
    KEYS_KEY = "staff.keys.search"
    AUTO_FOCUS = "#search"
    DEFAULT_CSS = """
    SearchScreen #body { padding: 0 1; height: 1fr; }
    SearchScreen .search-row { height: 1; margin: 1 0 0 0; }
    SearchScreen .search-row > .field-label { width: auto; text-style: bold; padding: 0 1 0 0; }
    SearchScreen #search { width: 1fr; background: $boost; }
    SearchScreen #search:focus { background: $primary 30%; }
    SearchScreen #search-status { height: 1; color: $text-muted; }
    SearchScreen #results { height: 1fr; }
    SearchScreen .buttons { height: auto; margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("f3", "focus_search", "Search"),
        ("f5", "audit_log", "Audit log"),
        ("f6", "group_import", "Import"),
        ("f7", "places", "Terminals"),
        ("f8", "recheck_queue", "Re-checks"),
        ("f4", "document_queue", "Documents"),
        ("f10", "staff_admin", "Staff"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._debounce: Timer | None = None
        self._result: SearchResult | None = None
        self._asked = ""
        self._audited_id = ""  # the last whole national ID whose look-up was audited
        self._opened_for = ""  # the text whose single hit was opened by itself
        self._auto_open: Timer | None = None

    def compose_frame(self) -> ComposeResult:
        with Vertical(id="body"):
            with Horizontal(classes="search-row"):
                yield TLabel("staff.search.label", classes="field-label")
                yield KioskInput(
                    id="search",
                    max_length=80,
                    placeholder=t("staff.search.placeholder", current_language()),
                    select_on_focus=False,
                    compact=True,
                )
            yield Static("", id="search-status", markup=False)
            table: DataTable[Any] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="message", classes="message -empty", markup=False)

    def compose_later(self) -> Iterable[Sequence[Widget]]:
        """The button rows, a frame after the box and the table (what a search needs)."""
        yield (
            Horizontal(
                TButton("staff.search.open", "primary", id="open", compact=True),
                TButton("staff.search.audit", id="audit-log", compact=True),
                TButton("staff.search.import", id="import", compact=True),
                TButton("staff.search.places", id="places", compact=True),
                classes="buttons",
            ),
        )
        staff_admin = TButton("staff.search.staff_admin", id="staff-admin", compact=True)
        staff = self.staff_app.staff
        staff_admin.display = staff is not None and staff.is_admin
        yield (
            Horizontal(  # the queues, and the admins' staff page
                TButton("staff.queue.open_rechecks", id="recheck-queue", compact=True),
                TButton("staff.queue.open_documents", id="document-queue", compact=True),
                staff_admin,
                classes="buttons",
            ),
        )

    def on_mount(self) -> None:
        self._show(None)

    def page_completed(self) -> None:
        """The page is whole: a candidate's page, the usual next one, is loaded now (importing
        it when a search opens it held the event loop for ≈ 25 ms)."""
        self.call_after_refresh(importlib.import_module, "kiosk.ui.staff.modals")
        self.call_after_refresh(
            lambda: self.call_after_refresh(importlib.import_module, "kiosk.ui.staff.candidate")
        )

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#results", DataTable)

    # ------------------------------------------------------------------ typing

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._cancel_auto_open()
        self._debounce = self.set_timer(
            DEBOUNCE_SECONDS, lambda: self._search(event.value, typed=True)
        )

    def _search(self, text: str, *, typed: bool = False) -> None:
        from kiosk.core import helpdesk

        self._asked = text
        self.start_work()
        whole_id = helpdesk.audits_search(text, self._audited_id)
        if whole_id:
            self._audited_id = whole_id  # one audit event per ID typed, not per refresh
        self.run_search(text, audit=bool(whole_id), typed=typed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def run_search(self, text: str, audit: bool = False, typed: bool = False) -> None:
        from kiosk.core import helpdesk

        app = self.staff_app
        result = self.call_store(
            helpdesk.search,
            query=text,
            audit_as=app.staff if audit else None,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(lambda found: self._arrived(text, found, typed), result)

    def _arrived(self, text: str, result: SearchResult | None, typed: bool = False) -> None:
        if text != self.query_one("#search", Input).value:
            return  # typed on meanwhile: a newer search is on its way
        if result is None:
            self.show_message("staff.error.store")
            return
        self.show_message(None)
        self._show(result)
        if typed and len(result.rows) == 1 and not result.more and text != self._opened_for:
            hit = result.rows[0].id
            self._cancel_auto_open()
            self._auto_open = self.set_timer(
                AUTO_OPEN_SECONDS, lambda: self._open_single(text, hit)
            )

    def _cancel_auto_open(self) -> None:
        if self._auto_open is not None:
            self._auto_open.stop()
            self._auto_open = None

    def _open_single(self, text: str, candidate_id: int) -> None:
        self._auto_open = None
        if not self.is_current or text != self.query_one("#search", Input).value:
            return
        self._opened_for = text
        self.open_candidate(candidate_id)

    def _show(self, result: SearchResult | None) -> None:
        self._result = result
        rows = []
        if result is not None:
            origin = {
                o: t(f"staff.origin.{o}", current_language()) for o in ("self", "group", "legacy")
            }
            rows = [
                (
                    str(r.id),
                    (
                        r.account,
                        r.chinese_name,
                        r.national_id_masked,
                        r.email_masked,
                        r.mobile_masked,
                        origin.get(r.origin, r.origin),
                    ),
                )
                for r in result.rows
            ]
        fill_table(self.table, COLUMNS, rows)
        self._status()

    def _status(self) -> None:
        language = current_language()
        result = self._result
        if result is None or not result.kind:
            text = t("staff.search.hint", language)
        elif not result.rows:
            text = t("staff.search.none", language, kind=t(f"staff.kind.{result.kind}", language))
        else:
            key = "staff.search.more" if result.more else "staff.search.count"
            text = t(
                key,
                language,
                count=str(len(result.rows)),
                kind=t(f"staff.kind.{result.kind}", language),
            )
        self.query_one("#search-status", Static).update(plain(text))

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self.query_one("#search", Input).placeholder = t("staff.search.placeholder", language)
        self._show(self._result)

    # ------------------------------------------------------------------ opening

    @on(Input.Submitted, "#search")
    def _enter(self) -> None:
        table = self.table
        if table.row_count == 1:  # nothing to choose: Enter opens it
            self.open_candidate(int(str(table.ordered_rows[0].key.value)))
        elif table.row_count:
            table.focus()

    @on(DataTable.RowSelected, "#results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_candidate(int(str(event.row_key.value)))

    @on(Button.Pressed, "#open")
    def _open(self) -> None:
        table = self.table
        if not table.row_count:
            self.show_message("staff.search.nothing_selected")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        self.open_candidate(int(str(key.value)))

    def open_candidate(self, candidate_id: int) -> None:
        from .candidate import CandidateScreen

        self._cancel_auto_open()
        self.app.push_screen(CandidateScreen(candidate_id))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Button.Pressed, "#audit-log")
    def action_audit_log(self) -> None:
        from .audit_log import AuditLogScreen

        self.app.push_screen(AuditLogScreen())

    @on(Button.Pressed, "#places")
    def action_places(self) -> None:
        from .places import PlacesScreen

        self.app.push_screen(PlacesScreen())

    @on(Button.Pressed, "#recheck-queue")
    def action_recheck_queue(self) -> None:
        from .recheck_queue import RecheckQueueScreen

        self.app.push_screen(RecheckQueueScreen())

    @on(Button.Pressed, "#document-queue")
    def action_document_queue(self) -> None:
        from .document_queue import DocumentQueueScreen

        self.app.push_screen(DocumentQueueScreen())

    @on(Button.Pressed, "#staff-admin")
    def action_staff_admin(self) -> None:
        """人員管理: for admins (the domain checks again, against the database)."""
        staff = self.staff_app.staff
        if staff is None or not staff.is_admin:
            self.show_message("staff.admin.denied")
            return
        from .staff_admin import StaffAdminScreen

        self.app.push_screen(StaffAdminScreen())

    @on(Button.Pressed, "#import")
    def action_group_import(self) -> None:
        """團報匯入: another engineer's screen (``kiosk.ui.staff.import_screen``)."""
        staff = self.staff_app.staff
        if staff is None:
            return
        try:
            from kiosk.ui.staff.import_screen import (  # type: ignore[import-not-found, unused-ignore]
                GroupImportScreen,
            )
        except ImportError:
            self.show_message("staff.search.import_missing")
            return
        app = self.staff_app
        self.app.push_screen(GroupImportScreen(app.store, app.settings, staff))

    def on_screen_resume(self) -> None:
        self.refresh_results()  # back from a candidate whose data may have changed

    def refresh_results(self) -> None:
        """Search again (a candidate was changed on the candidate view)."""
        text = self.query_one("#search", Input).value
        if text.strip():
            self._search(text)
