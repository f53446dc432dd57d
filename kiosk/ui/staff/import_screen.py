"""團體報名匯入: the help desk checks a unit's group file, sees each bad row and why, imports.

Pushed by the staff console's search screen (button ``#import``) as
``GroupImportScreen(store, settings, staff)``; it needs nothing else of the app, so it also
runs on any small App. Widget ids: ``#path #sheet #unit #preview #import #upload #back #message
#progress #rows #page #reasons #report``. The file is read and checked in a worker thread
(:func:`kiosk.core.group_import.preview_file`, its progress shown as rows are checked); the
import runs in another and feeds ``#progress`` batch by batch. Bad rows are listed first, a page
of :data:`PAGE_ROWS` at a time (PgUp/PgDn): a table of 50,000 rows took 22 s to build, and was
built again at every language switch. Nothing from the file is read as markup; ID numbers are
shown masked.

After an import the unit's report (every row: created with its account, already present, bad and
why) is written to the exports folder in the console's language; in a browser (``ipas-kiosk
serve --app staff``) it is also delivered to the staff member's own machine
(``App.deliver_binary``: textual-serve hands it to the browser as a download). There, a file can
also come from that machine: 上傳 opens the upload page of ``serve`` in a new tab
(``App.open_url``) and the file lands in this connection's own folder (``Settings.upload_dir``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

if TYPE_CHECKING:
    from kiosk.core.group_import import ImportResult, Preview, RowCheck
    from kiosk.core.helpdesk.staff_accounts import StaffView
    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store

log = logging.getLogger(__name__)

_ORDER = {"bad": 0, "present": 1, "ok": 2}
PAGE_ROWS = 100
UPLOAD_POLL_SECONDS = 1.0


def _cell(text: str) -> Text:
    """A table cell as plain text: DataTable would read a ``str`` as markup."""
    return Text("".join(ch for ch in text if ch.isprintable()), no_wrap=True)


class GroupImportScreen(Screen[None]):
    """Check a group registration file, then import its good rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("pagedown", "page(1)", "Next page", show=False, priority=True),
        Binding("pageup", "page(-1)", "Previous page", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    GroupImportScreen { layout: vertical; }
    GroupImportScreen #title { text-style: bold; color: $accent; padding: 0 1; }
    GroupImportScreen #intro { color: $text-muted; padding: 0 1; }
    GroupImportScreen .form-row { height: 1; margin: 0 1; }
    GroupImportScreen .form-row > Static { width: 14; }
    GroupImportScreen .form-row > Input { width: 1fr; }
    GroupImportScreen #buttons { height: 1; margin: 1 1 0 1; }
    GroupImportScreen #buttons > Button { margin: 0 1 0 0; }
    GroupImportScreen #message { height: auto; padding: 0 1; }
    GroupImportScreen #message.-error { color: $error; text-style: bold; }
    GroupImportScreen #message.-ok { color: $success; text-style: bold; }
    GroupImportScreen #progress { margin: 0 1; height: 1; }
    GroupImportScreen #rows { height: 1fr; margin: 0 1; }
    GroupImportScreen #page { height: 1; padding: 0 1; color: $text-muted; }
    GroupImportScreen #reasons { height: auto; max-height: 3; padding: 0 1; color: $warning; }
    GroupImportScreen #report { height: auto; padding: 0 1; }
    """

    def __init__(self, store: Store, settings: Settings, staff: StaffView) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.staff = staff  # re-checked by group_import.import_file against the database
        self.preview: Preview | None = None
        self.previewed: tuple[str, str, str] = ("", "", "")  # path, sheet, unit checked
        self.result: ImportResult | None = None
        self.report_path: Path | None = None
        self._message: tuple[str, str, dict[str, Any]] | None = None
        self._shown: list[RowCheck] = []  # every row, bad ones first
        self.page = 0
        self.busy = False  # a check or an import runs
        self.importing = False  # the console's idle lock waits while this is True
        self._uploads_seen: set[str] = set()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        language = current_language()
        yield TLabel("group_import.title", id="title")
        yield TLabel("group_import.intro", id="intro")
        with Horizontal(classes="form-row"):
            yield TLabel("group_import.path")
            yield Input(
                id="path", compact=True, placeholder=t("group_import.path_placeholder", language)
            )
        with Horizontal(classes="form-row"):
            yield TLabel("group_import.sheet")
            yield Input(
                id="sheet",
                compact=True,
                max_length=31,  # Excel's longest sheet name
                placeholder=t("group_import.sheet_placeholder", language),
            )
        with Horizontal(classes="form-row"):
            yield TLabel("group_import.unit")
            yield Input(
                id="unit",
                compact=True,
                max_length=80,
                placeholder=t("group_import.unit_placeholder", language),
            )
        with Horizontal(id="buttons"):
            yield TButton("group_import.preview", "primary", id="preview", compact=True)
            yield TButton("group_import.import", "success", id="import", compact=True)
            yield TButton("group_import.upload", id="upload", compact=True)
            yield TButton("group_import.back", id="back", compact=True)
        yield Static("", id="message", markup=False)
        yield ProgressBar(id="progress", show_eta=False)
        with Vertical(id="table-box"):
            yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
        yield Static("", id="page", markup=False)
        yield Static("", id="reasons", markup=False)
        yield Static("", id="report", markup=False)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#rows", DataTable)

    @property
    def progress(self) -> ProgressBar:
        return self.query_one("#progress", ProgressBar)

    @property
    def import_button(self) -> Button:
        return self.query_one("#import", Button)

    def on_mount(self) -> None:
        self.import_button.disabled = True
        self.progress.display = False
        # a file from the staff member's own machine: only in a browser, with serve's upload page
        self.query_one("#upload", Button).display = self._upload_url() is not None
        if self._upload_url() is not None:
            self.set_interval(UPLOAD_POLL_SECONDS, self._look_for_upload)
        self._columns(current_language())
        self.query_one("#path", Input).focus()

    def _columns(self, language: str) -> None:
        table = self.table
        table.clear(columns=True)
        # Fixed widths: an auto-width column is sized on the table's idle event, so it would
        # first show narrow; the status is cut at 42 cells (#reasons shows it in full).
        for key, width in (("line", 6), ("national_id", 11), ("name", 10), ("status", 42)):
            table.add_column(_cell(t(f"group_import.column.{key}", language)), key=key, width=width)

    # ------------------------------------------------------------------ messages

    def show_message(self, key: str | None, *, kind: str = "error", **values: Any) -> None:
        self._message = (key, kind, values) if key else None
        message = self.query_one("#message", Static)
        message.update(plain(t(key, current_language(), **values)) if key else "")
        message.set_class(kind == "error", "-error")
        message.set_class(kind == "ok", "-ok")

    def apply_language(self, language: str) -> None:
        for widget_id, key in (
            ("#path", "path_placeholder"),
            ("#sheet", "sheet_placeholder"),
            ("#unit", "unit_placeholder"),
        ):
            self.query_one(widget_id, Input).placeholder = t(f"group_import.{key}", language)
        if self._message:
            key, kind, values = self._message
            self.show_message(key, kind=kind, **values)
        self._columns(language)
        self._fill(language)  # one page: the language switch costs what a page costs
        self._show_report(language)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()

    @on(Button.Pressed, "#back")
    def _back(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    def _typed(self) -> tuple[str, str, str]:
        return (
            self.query_one("#path", Input).value.strip(),
            self.query_one("#sheet", Input).value.strip(),
            self.query_one("#unit", Input).value.strip(),
        )

    @on(Input.Changed)
    def _stale(self, event: Input.Changed) -> None:
        """Another file, sheet or unit than the one checked: check again before importing."""
        if self.preview is not None and self._typed() != self.previewed:
            self.import_button.disabled = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#preview")
    def _check(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        path, sheet, unit = self._typed()
        if not path:
            self.show_message("group_import.no_path")
            self.query_one("#path", Input).focus()
            return
        if not unit:
            self.show_message("group_import.no_unit")
            self.query_one("#unit", Input).focus()
            return
        if self.busy:
            return
        self._set_busy(True)
        self.show_message("group_import.checking", kind="info")
        self.check_file(path, sheet, unit)

    @on(Button.Pressed, "#import")
    def _import(self, event: Button.Pressed) -> None:
        event.stop()
        if self.preview is None or not self.preview.ok or self.busy:
            return
        path, sheet, unit = self.previewed
        self._set_busy(True)
        self.importing = True
        total = self.preview.total
        self.progress.update(total=max(total, 1), progress=0)
        self.progress.display = True
        self.show_message("group_import.importing", kind="info", done=0, total=total)
        self.import_file(path, sheet, unit, current_language())

    def _set_busy(self, busy: bool) -> None:
        # a flag, not the workers' state: a worker is still "running" for a moment after it
        # handed its result over, and a click in that moment must not be lost
        self.busy = busy
        if not busy:
            self.importing = False
        for button_id in ("#preview", "#back", "#upload"):
            self.query_one(button_id, Button).disabled = busy
        self.import_button.disabled = busy or not (self.preview and self.preview.ok)

    def action_page(self, step: int) -> None:
        pages = self._pages()
        page = min(max(self.page + step, 0), pages - 1)
        if page != self.page:
            self.page = page
            self._fill(current_language())

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, exit_on_error=False, group="group-import")
    def check_file(self, path: str, sheet: str, unit: str) -> None:
        from kiosk.core import group_import

        def progress(done: int, total: int) -> None:
            self._deliver(self._checking, done, total)

        try:
            with self.store.session() as session:
                preview = group_import.preview_file(
                    session, path=Path(path), unit=unit, sheet=sheet or None, progress=progress
                )
        except Exception as error:  # locked, gone, unreachable: a message, not a traceback
            log.error("group import preview failed: %s", type(error).__name__, exc_info=error)
            self._deliver(self._failed)
            return
        # sorted here, in the worker: the event loop only ever handles a page of it
        shown = sorted(preview.rows, key=lambda row: (_ORDER[row.status.value], row.line))
        self._deliver(self._previewed, preview, shown, (path, sheet, unit))

    @work(thread=True, exclusive=True, exit_on_error=False, group="group-import")
    def import_file(self, path: str, sheet: str, unit: str, language: str) -> None:
        from kiosk.core import group_import

        def progress(done: int, total: int) -> None:
            self._deliver(self._progress, done, total)

        report_path = self._report_path(unit)
        try:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            with (
                report_path.open("x", encoding="utf-8-sig", newline="") as handle,
                self.store.session() as session,
            ):
                result = group_import.import_file(
                    session,
                    path=Path(path),
                    unit=unit,
                    staff=self.staff,
                    settings=self.settings,
                    clock=getattr(self.app, "clock", None),
                    progress=progress,
                    sheet=sheet or None,
                    on_row=group_import.ImportReport(handle, language),
                )
        except Exception as error:
            log.error("group import failed: %s", type(error).__name__, exc_info=error)
            self._deliver(self._failed)
            return
        self._deliver(self._imported, result, report_path)

    def _report_path(self, unit: str) -> Path:
        """A new file in the exports folder (beside the audit exports), named by time and staff."""
        from kiosk.core.clock import now
        from kiosk.core.taiwan_time import to_local

        moment = to_local(now(getattr(self.app, "clock", None)))
        stem = f"import-{moment:%Y%m%d-%H%M%S}-{self.staff.account}"
        folder = Path(self.settings.outbox_dir).parent / "exports"
        for n in range(1, 1000):
            candidate = folder / (f"{stem}.csv" if n == 1 else f"{stem}-{n}.csv")
            if not candidate.exists():
                return candidate
        return folder / f"{stem}-{id(unit)}.csv"

    def _deliver(self, callback: Callable[..., None], *args: Any) -> None:
        """From a worker thread: run ``callback`` on the event loop while this screen is still
        shown (the console may have locked meanwhile; the import itself runs to its end)."""

        def run() -> None:
            if self.is_attached:
                callback(*args)

        self.app.call_from_thread(run)

    # ------------------------------------------------------------------ results (event loop)

    def _checking(self, done: int, total: int) -> None:
        if self.busy and not self.importing:
            self.show_message("group_import.checking_rows", kind="info", done=done, total=total)

    def _previewed(self, preview: Preview, shown: list[RowCheck], typed: tuple[str, ...]) -> None:
        self.preview = preview
        self.report_path = None  # a new check: the last import's report is not this one's
        self._show_report(current_language())
        self.previewed = (typed[0], typed[1], typed[2])
        self._shown = shown
        self.page = 0
        self.result = None
        self.progress.display = False
        self._set_busy(False)
        if preview.file_error:
            self.show_message(preview.file_error, **dict(preview.file_error_values))
        elif preview.ok:
            ignored = ", ".join(preview.ignored_columns)
            key = "group_import.previewed_ignored" if ignored else "group_import.previewed"
            if preview.sheet and not ignored:
                key = "group_import.previewed_sheet"
            self.show_message(
                key,
                kind="ok",
                ok=preview.ok,
                present=preview.present,
                bad=preview.bad,
                columns=ignored[:60],
                sheet=preview.sheet,
            )
        elif not preview.total:
            self.show_message("group_import.no_rows")
        elif not preview.bad:  # all there already: nothing is wrong with the file
            self.show_message("group_import.nothing_present", kind="ok", present=preview.present)
        elif preview.present:
            self.show_message(
                "group_import.nothing_mixed", present=preview.present, bad=preview.bad
            )
        else:
            self.show_message("group_import.nothing", bad=preview.bad)
        self._fill(current_language())
        if preview.ok:
            self.import_button.focus()

    def _progress(self, done: int, total: int) -> None:
        self.progress.update(total=max(total, 1), progress=done)
        self.show_message("group_import.importing", kind="info", done=done, total=total)

    def _imported(self, result: ImportResult, report_path: Path) -> None:
        self.result = result
        self.report_path = report_path
        self.preview = None  # imported: the next import needs a new check
        self._set_busy(False)
        if result.file_error:
            self.show_message(result.file_error, **dict(result.file_error_values))
            return
        self.show_message(
            "group_import.summary",
            kind="ok",
            created=result.created,
            present=result.present,
            bad=result.bad,
        )
        self._show_report(current_language())
        if self.app.is_web:  # the staff member's own machine gets it as a download
            self.app.deliver_binary(report_path, mime_type="text/csv", name="import-report")

    def _show_report(self, language: str) -> None:
        path = self.report_path
        text = t("group_import.report_saved", language, path=str(path)) if path else ""
        self.query_one("#report", Static).update(plain(text))

    def _failed(self) -> None:
        self._set_busy(False)
        self.show_message("group_import.store_error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a bug, not a user mistake: never a traceback
            from kiosk.core import oplog

            oplog.worker_failed(event.worker.name, event.worker.error)  # with its traceback
            self._set_busy(False)
            self.show_message("group_import.store_error")

    # ------------------------------------------------------------------ uploads (browser)

    def _upload_url(self) -> str | None:
        url = getattr(self.settings, "upload_url", "")
        return url if url and getattr(self.settings, "upload_dir", None) else None

    @on(Button.Pressed, "#upload")
    def _upload(self, event: Button.Pressed) -> None:
        event.stop()
        url = self._upload_url()
        if url is not None:
            self.app.open_url(url, new_tab=True)

    def _look_for_upload(self) -> None:
        """A file the browser uploaded for this connection: its path goes into the box."""
        folder = getattr(self.settings, "upload_dir", None)
        if folder is None or self.busy:
            return
        try:
            found = sorted(Path(folder).glob("upload-*"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        fresh = [path for path in found if path.name not in self._uploads_seen]
        if fresh:
            newest = fresh[-1]
            self._uploads_seen.update(path.name for path in fresh)
            self.query_one("#path", Input).value = str(newest)
            self.show_message("group_import.uploaded", kind="ok", name=newest.name)

    # ------------------------------------------------------------------ the table

    def _pages(self) -> int:
        return max(1, -(-len(self._shown) // PAGE_ROWS))

    def _fill(self, language: str) -> None:
        table = self.table
        table.clear()
        start = self.page * PAGE_ROWS
        page = self._shown[start : start + PAGE_ROWS]
        table.add_rows(
            [
                (
                    _cell(str(row.line)),
                    _cell(row.national_id_masked),
                    _cell(row.chinese_name),
                    _cell(self._status_text(row, language)),
                )
                for row in page
            ]
        )
        count = len(self._shown)
        text = ""
        if count > PAGE_ROWS:
            text = t(
                "group_import.page",
                language,
                page=self.page + 1,
                pages=self._pages(),
                first=start + 1,
                last=start + len(page),
                count=count,
            )
        self.query_one("#page", Static).update(plain(text))
        self._show_reasons(0)

    def _status_text(self, row: RowCheck, language: str) -> str:
        from kiosk.core.group_import import reason_text

        if row.status.value == "bad":
            reasons = "; ".join(reason_text(reason, language) for reason in row.reasons)
            return t("group_import.status.bad_with", language, reasons=reasons)
        if row.status.value == "ok" and not row.profile_complete:
            return t("group_import.status.ok_incomplete", language)
        return t(f"group_import.status.{row.status.value}", language)

    @on(DataTable.RowHighlighted, "#rows")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_reasons(event.cursor_row)

    def _show_reasons(self, index: int) -> None:
        """The whole reason list of the highlighted bad row, wrapped under the table."""
        from kiosk.core.group_import import reason_text

        text = ""
        index += self.page * PAGE_ROWS
        if 0 <= index < len(self._shown) and self._shown[index].reasons:
            row = self._shown[index]
            language = current_language()
            text = f"{row.line}: " + "; ".join(reason_text(r, language) for r in row.reasons)
        self.query_one("#reasons", Static).update(plain(text))
