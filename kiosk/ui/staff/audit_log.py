"""The audit log: filter by candidate, staff, kind and date; export what is shown as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Select, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import KioskInput
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table, when

if TYPE_CHECKING:
    from kiosk.core.helpdesk import AuditFilter, AuditLog
    from kiosk.core.helpdesk.audit_log import ExportResult
    from kiosk.core.helpdesk.staff_accounts import StaffView

FILTERS = ("candidate", "staff", "kind", "from", "to")
GROUPS = ("staff", "logins", "queries", "exams", "import")  # kiosk.core.helpdesk.KIND_GROUPS
COLUMNS = (
    ("at", "staff.column.at"),
    ("kind", "staff.column.kind"),
    ("outcome", "staff.column.outcome"),
    ("account", "staff.column.account"),
    ("staff", "staff.column.staff"),
    ("terminal", "staff.column.terminal"),
    ("detail", "staff.column.detail"),
)


class AuditLogScreen(StaffScreen):
    TITLE_KEY = "staff.audit.title"
    KEYS_KEY = "staff.keys.audit"
    AUTO_FOCUS = "#audit-filter-candidate"
    DEFAULT_CSS = """
    AuditLogScreen #body { padding: 0 1; height: 1fr; }
    AuditLogScreen .filters { height: 2; margin: 1 0 0 0; }
    AuditLogScreen .filter { width: 1fr; height: 2; margin: 0 1 0 0; }
    AuditLogScreen .filter > TLabel { height: 1; text-style: bold; }
    AuditLogScreen .filter > Input { background: $boost; }
    AuditLogScreen .filter > Input:focus { background: $primary 30%; }
    AuditLogScreen .filter.group { width: 16; }
    AuditLogScreen #audit-status { height: 1; color: $text-muted; }
    AuditLogScreen #export-path { height: auto; }
    AuditLogScreen #audit-table { height: 1fr; }
    AuditLogScreen .buttons { height: auto; margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]

    def __init__(self, candidate: str = "") -> None:
        super().__init__()
        self.initial_candidate = candidate
        self._log: AuditLog | None = None
        self.export_result: ExportResult | None = None  # the last export, shown again on F2
        self._request = 0  # numbers each query: a slower older one must not overwrite a newer

    def compose_frame(self) -> ComposeResult:
        with Vertical(id="body"):
            with Horizontal(classes="filters"):
                for name in FILTERS:
                    with Vertical(classes="filter"):
                        yield TLabel(f"staff.audit.filter.{name}")
                        yield KioskInput(
                            self.initial_candidate if name == "candidate" else "",
                            id=f"audit-filter-{name}",
                            max_length=40,
                            placeholder=self._placeholder(name),
                            select_on_focus=False,
                            compact=True,
                        )
                with Vertical(classes="filter group"):
                    yield TLabel("staff.audit.filter.group")
                    yield Select(
                        self._group_options(current_language()),
                        id="audit-filter-group",
                        allow_blank=False,
                        value="",
                        compact=True,
                    )
            with Horizontal(classes="buttons"):
                yield TButton("staff.audit.apply", "primary", id="audit-apply", compact=True)
                yield TButton("staff.audit.export", id="export-csv", compact=True)
                yield TButton("staff.action.back", id="back", compact=True)
            yield Static("", id="audit-status", markup=False)
            yield Static("", id="message", classes="message -empty", markup=False)
            yield Static("", id="export-path", markup=False)
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)

    def _placeholder(self, name: str) -> str:
        if name in ("candidate", "staff", "kind"):
            return t(f"staff.audit.{name}_placeholder", current_language())
        return "YYYY-MM-DD"

    @staticmethod
    def _group_options(language: str) -> list[tuple[str, str]]:
        return [(t("staff.audit.group.any", language), "")] + [
            (t(f"staff.audit.group.{group}", language), group) for group in GROUPS
        ]

    def on_mount(self) -> None:
        self._show(None)
        self.apply()

    def filters(self) -> AuditFilter | None:
        """The typed filters, or None (with a message) when a date cannot be read."""
        from kiosk.core.helpdesk import AuditFilter, parse_day

        values = {n: self.query_one(f"#audit-filter-{n}", Input).value for n in FILTERS}
        days = {n: parse_day(values[n]) for n in ("from", "to")}
        for name, day in days.items():
            if day is False:
                # nothing listed: rows of the last query under a filter that was not applied
                # would read as its answer
                self._request += 1  # a query still running answers for older filters
                self._show(None)
                self.show_message(
                    "staff.audit.bad_date",
                    field=t(f"staff.audit.filter.{name}", current_language()),
                    value=values[name].strip()[:20],
                )
                self.query_one(f"#audit-filter-{name}", Input).focus()
                return None
        group = self.query_one("#audit-filter-group", Select).value
        return AuditFilter(
            candidate=values["candidate"],
            staff=values["staff"],
            kind=values["kind"],
            date_from=days["from"] or None,
            date_to=days["to"] or None,
            group=group if isinstance(group, str) else "",
        )

    @on(Select.Changed, "#audit-filter-group")
    @on(Input.Submitted)
    @on(Button.Pressed, "#audit-apply")
    def apply(self) -> None:
        filters = self.filters()
        if filters is None:
            return
        self.show_message(None)
        self.start_work()
        self._request += 1
        self.fetch(filters, self._request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def fetch(self, filters: AuditFilter, request: int) -> None:
        # exclusive=True cancels an older worker but cannot stop its thread: its result still
        # arrives, and is dropped by number in _fetched
        from kiosk.core import helpdesk

        app = self.staff_app
        staff = app.staff
        log = None
        if staff is not None:
            log = self.call_store(
                helpdesk.audit_log,
                filters=filters,
                staff=staff,
                settings=app.settings,
                clock=app.clock,
            )
        self.deliver(lambda found: self._fetched(request, found), log)

    def _fetched(self, request: int, log: AuditLog | None) -> None:
        if request != self._request:
            return  # an older query that finished late
        if log is None:
            self.show_message("staff.error.store")
            return
        if log.message_key:
            self.show_message(log.message_key)
        self._show(log)

    def _show(self, log: AuditLog | None) -> None:
        self._log = log
        rows = log.rows if log is not None else ()
        fill_table(
            self.query_one("#audit-table", DataTable),
            COLUMNS,
            (
                (
                    str(n),
                    (when(e.at), e.kind, e.outcome, e.account, e.staff, e.terminal_id, e.detail),
                )
                for n, e in enumerate(rows)
            ),
        )
        language = current_language()
        if log is None:
            text = ""
        else:
            key = "staff.audit.more" if log.more else "staff.audit.count"
            text = t(key, language, count=str(len(rows)))
        self.query_one("#audit-status", Static).update(plain(text))

    @on(Button.Pressed, "#export-csv")
    def export(self) -> None:
        filters = self.filters()
        staff = self.staff_app.staff
        if filters is None or staff is None:
            return
        self.set_busy("export-csv", True)
        self.write_csv(filters, staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def write_csv(self, filters: AuditFilter, staff: StaffView) -> None:
        from kiosk.core import helpdesk

        app = self.staff_app
        result = self.call_store(
            helpdesk.export_audit_csv,
            filters=filters,
            directory=app.settings.outbox_dir.parent / "exports",
            staff=staff,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self._exported, result)

    def _exported(self, result: ExportResult | None) -> None:
        self.set_busy("export-csv", False)
        if result is None:
            self.show_message("staff.error.store")
            return
        self.export_result = result
        self._show_export(current_language())
        if result.ok:
            self.offer_download(Path(result.path))
            self.apply()  # the export itself is now in the log

    def _show_export(self, language: str) -> None:
        result = self.export_result
        if result is None:
            return
        if result.ok:
            self.show_message(result.message_key, kind="ok", count=str(result.count))
        else:
            self.show_message(result.message_key)
        self.query_one("#export-path", Static).update(plain(result.path))

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        for name in ("candidate", "staff", "kind"):
            self.query_one(f"#audit-filter-{name}", Input).placeholder = self._placeholder(name)
        group = self.query_one("#audit-filter-group", Select)
        chosen = group.value
        with self.prevent(Select.Changed):  # the same filter in other words: no new query
            group.set_options(self._group_options(language))
            group.value = chosen
        self._show(self._log)

    def action_back(self) -> None:
        self.app.pop_screen()
