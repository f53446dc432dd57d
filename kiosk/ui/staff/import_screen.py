"""團體報名匯入: the help desk checks a unit's group file, sees each bad row and why, imports.

Pushed by the staff console's search screen (button ``#import``) as
``GroupImportScreen(store, settings, staff)``; it needs nothing else of the app, so it also
runs on any small App. Widget ids: ``#path #unit #preview #import #back #message #progress #rows
#reasons``. The file is read and checked in a worker thread (:func:`kiosk.core.group_import.
preview_file`); the import runs in another and feeds ``#progress`` batch by batch. Bad rows are
listed first. Nothing from the file is read as markup; ID numbers are shown masked.
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


def _cell(text: str) -> Text:
    """A table cell as plain text: DataTable would read a ``str`` as markup."""
    return Text("".join(ch for ch in text if ch.isprintable()), no_wrap=True)


class GroupImportScreen(Screen[None]):
    """Check a group registration file, then import its good rows."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]
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
    GroupImportScreen #reasons { height: auto; max-height: 3; padding: 0 1; color: $warning; }
    """

    def __init__(self, store: Store, settings: Settings, staff: StaffView) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.staff = staff  # re-checked by group_import.import_file against the database
        self.preview: Preview | None = None
        self.previewed: tuple[str, str] = ("", "")  # the path and unit the preview is for
        self.result: ImportResult | None = None
        self._message: tuple[str, str, dict[str, Any]] | None = None
        self._shown: list[RowCheck] = []
        self.busy = False  # a check or an import runs
        self.importing = False  # the console's idle lock waits while this is True

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
            yield TButton("group_import.back", id="back", compact=True)
        yield Static("", id="message", markup=False)
        yield ProgressBar(id="progress", show_eta=False)
        with Vertical(id="table-box"):
            yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
        yield Static("", id="reasons", markup=False)

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
        for widget_id, key in (("#path", "path_placeholder"), ("#unit", "unit_placeholder")):
            self.query_one(widget_id, Input).placeholder = t(f"group_import.{key}", language)
        if self._message:
            key, kind, values = self._message
            self.show_message(key, kind=kind, **values)
        self._columns(language)
        self._fill(language)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()

    @on(Button.Pressed, "#back")
    def _back(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Input.Changed)
    def _stale(self, event: Input.Changed) -> None:
        """Another file or unit than the one checked: check again before importing."""
        current = (self.query_one("#path", Input).value, self.query_one("#unit", Input).value)
        if self.preview is not None and current != self.previewed:
            self.import_button.disabled = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#preview")
    def _check(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        path = self.query_one("#path", Input).value.strip()
        unit = self.query_one("#unit", Input).value.strip()
        if not path:
            self.show_message("group_import.no_path")
            self.query_one("#path", Input).focus()
            return
        if not unit:
            self.show_message("group_import.no_unit")
            self.query_one("#unit", Input).focus()
            return
        if self._busy():
            return
        self._set_busy(True)
        self.show_message("group_import.checking", kind="info")
        self.check_file(path, unit)

    @on(Button.Pressed, "#import")
    def _import(self, event: Button.Pressed) -> None:
        event.stop()
        if self.preview is None or not self.preview.ok or self._busy():
            return
        path, unit = self.previewed
        self._set_busy(True)
        self.importing = True
        self.progress.update(total=self.preview.ok, progress=0)
        self.progress.display = True
        self.show_message("group_import.importing", kind="info", done=0, total=self.preview.ok)
        self.import_file(path, unit)

    def _busy(self) -> bool:
        return self.busy

    def _set_busy(self, busy: bool) -> None:
        # a flag, not the workers' state: a worker is still "running" for a moment after it
        # handed its result over, and a click in that moment must not be lost
        self.busy = busy
        if not busy:
            self.importing = False
        for button_id in ("#preview", "#back"):
            self.query_one(button_id, Button).disabled = busy
        self.import_button.disabled = busy or not (self.preview and self.preview.ok)

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, exit_on_error=False, group="group-import")
    def check_file(self, path: str, unit: str) -> None:
        from kiosk.core import group_import

        try:
            with self.store.session() as session:
                preview = group_import.preview_file(session, path=Path(path), unit=unit)
        except Exception as error:  # locked, gone, unreachable: a message, not a traceback
            log.error("group import preview failed: %s", type(error).__name__, exc_info=error)
            self._deliver(self._failed)
            return
        self._deliver(self._previewed, preview, path, unit)

    @work(thread=True, exclusive=True, exit_on_error=False, group="group-import")
    def import_file(self, path: str, unit: str) -> None:
        from kiosk.core import group_import

        def progress(done: int, total: int) -> None:
            self._deliver(self._progress, done, total)

        try:
            with self.store.session() as session:
                result = group_import.import_file(
                    session,
                    path=Path(path),
                    unit=unit,
                    staff=self.staff,
                    settings=self.settings,
                    clock=getattr(self.app, "clock", None),
                    progress=progress,
                )
        except Exception as error:
            log.error("group import failed: %s", type(error).__name__, exc_info=error)
            self._deliver(self._failed)
            return
        self._deliver(self._imported, result)

    def _deliver(self, callback: Callable[..., None], *args: Any) -> None:
        """From a worker thread: run ``callback`` on the event loop while this screen is still
        shown (the console may have locked meanwhile; the import itself runs to its end)."""

        def run() -> None:
            if self.is_attached:
                callback(*args)

        self.app.call_from_thread(run)

    # ------------------------------------------------------------------ results (event loop)

    def _previewed(self, preview: Preview, path: str, unit: str) -> None:
        self.preview = preview
        self.previewed = (path, unit)
        self.result = None
        self.progress.display = False
        self._set_busy(False)
        if preview.file_error:
            self.show_message(preview.file_error, **dict(preview.file_error_values))
        elif preview.ok:
            ignored = ", ".join(preview.ignored_columns)
            self.show_message(
                "group_import.previewed_ignored" if ignored else "group_import.previewed",
                kind="ok",
                ok=preview.ok,
                present=preview.present,
                bad=preview.bad,
                columns=ignored[:60],
            )
        else:
            self.show_message("group_import.nothing")
        self._fill(current_language())
        if preview.ok:
            self.import_button.focus()

    def _progress(self, done: int, total: int) -> None:
        self.progress.update(total=max(total, 1), progress=done)
        self.show_message("group_import.importing", kind="info", done=done, total=total)

    def _imported(self, result: ImportResult) -> None:
        self.result = result
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

    def _failed(self) -> None:
        self._set_busy(False)
        self.show_message("group_import.store_error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a bug, not a user mistake: never a traceback
            from kiosk.core import oplog

            oplog.worker_failed(event.worker.name, event.worker.error)  # with its traceback
            self._set_busy(False)
            self.show_message("group_import.store_error")

    # ------------------------------------------------------------------ the table

    def _fill(self, language: str) -> None:
        table = self.table
        table.clear()
        rows = self.preview.rows if self.preview else ()
        self._shown = sorted(rows, key=lambda row: (_ORDER[row.status.value], row.line))
        table.add_rows(
            [
                (
                    _cell(str(row.line)),
                    _cell(row.national_id_masked),
                    _cell(row.chinese_name),
                    _cell(self._status_text(row, language)),
                )
                for row in self._shown
            ]
        )
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
        if 0 <= index < len(self._shown) and self._shown[index].reasons:
            row = self._shown[index]
            language = current_language()
            text = f"{row.line}: " + "; ".join(reason_text(r, language) for r in row.reasons)
        self.query_one("#reasons", Static).update(plain(text))
