"""StaffScreen: the console's frame (title bar, body, key line) and its worker plumbing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker, WorkerState

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

if TYPE_CHECKING:
    from kiosk.ui.staff.app import StaffApp

STORE_BUSY = "staff.error.store_busy"
STAFF_CSS = """
StaffTopBar { height: 1; background: $primary; color: $text; dock: top; }
StaffTopBar > #page-title { width: 1fr; padding: 0 1; text-style: bold; }
StaffTopBar > #signed-in { width: auto; padding: 0 1; }
StaffTopBar > Button { min-width: 8; margin: 0 0 0 1; }
StaffKeys { height: 1; dock: bottom; background: $panel; color: $text-muted; padding: 0 1; }
"""


def cell(value: object) -> Text:
    """A table cell shown exactly as it is (DataTable reads a plain ``str`` as markup)."""
    text = "" if value is None else str(value)
    return Text("".join(ch for ch in text if ch.isprintable()), no_wrap=True, end="")


def fill_table(
    table: DataTable[Any],
    columns: Sequence[tuple[str, str]],
    rows: Iterable[tuple[str, Sequence[object]]],
) -> None:
    """Replace a table's columns (catalog keys, translated now) and rows (key, cells).

    Each column gets the width of its widest cell here, at once: a DataTable left to size its
    own columns does it on a later idle event, so a table drawn before then (a snapshot, a
    loaded machine) showed every column at the width of its label."""
    language = current_language()
    labels = [cell(t(label_key, language)) for _, label_key in columns]
    body = [(row_key, [cell(v) for v in values]) for row_key, values in rows]
    widths = [label.cell_len for label in labels]
    for _, cells in body:
        widths = [max(width, c.cell_len) for width, c in zip(widths, cells, strict=False)]
    table.clear(columns=True)
    for (key, _), label, width in zip(columns, labels, widths, strict=True):
        table.add_column(label, key=key, width=width)
    for row_key, cells in body:
        table.add_row(*cells, key=row_key)


class StaffTopBar(Horizontal):
    DEFAULT_CSS = STAFF_CSS

    def __init__(self, title_key: str) -> None:
        super().__init__(id="topbar")
        self.title_key = title_key

    def compose(self) -> ComposeResult:
        yield TLabel(self.title_key, id="page-title")
        yield Static("", id="signed-in", markup=False)
        yield TButton("staff.chrome.language", id="language", compact=True)
        yield TButton("staff.chrome.lock", id="lock", compact=True, variant="warning")

    def on_mount(self) -> None:
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        staff = getattr(self.app, "staff", None)
        text = (
            t(
                "staff.chrome.signed_in",
                language,
                account=staff.account,
                role=t(f"staff.role.{staff.role}", language),
            )
            if staff is not None
            else ""
        )
        self.query_one("#signed-in", Static).update(plain(text))
        self.query_one("#lock", Button).display = staff is not None  # nothing to lock before


class StaffKeys(Static):
    """The key line at the bottom: which keys do what on this page."""

    def __init__(self, key: str) -> None:
        super().__init__("", id="keys", markup=False)
        self.key = key

    def on_mount(self) -> None:
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        self.update(plain(t(self.key, language)))


class StaffScreen(Screen[None]):
    """A console page. Subclasses set ``TITLE_KEY`` / ``KEYS_KEY`` and implement
    :meth:`compose_body`."""

    TITLE_KEY: ClassVar[str] = "staff.app.title"
    KEYS_KEY: ClassVar[str] = "staff.keys.default"
    _worker_token = -1
    DEFAULT_CSS = """
    StaffScreen #body { padding: 0 1; }
    StaffScreen .page-heading { text-style: bold; color: $accent; margin: 1 0 0 0; }
    StaffScreen .note { color: $text-muted; }
    StaffScreen .buttons { height: auto; margin: 1 0 0 0; }
    StaffScreen .buttons > Button { margin: 0 1 0 0; }
    StaffScreen .message { height: auto; }
    StaffScreen .message.-empty { display: none; }
    StaffScreen .message.-error { color: $error; text-style: bold; }
    StaffScreen .message.-ok { color: $success; text-style: bold; }
    StaffScreen .message.-busy { color: $warning; text-style: bold; }
    """

    @property
    def staff_app(self) -> StaffApp:
        return cast("StaffApp", self.app)

    def compose(self) -> ComposeResult:
        yield StaffTopBar(self.TITLE_KEY)
        yield from self.compose_frame()
        yield StaffKeys(self.KEYS_KEY)

    def compose_frame(self) -> ComposeResult:
        with VerticalScroll(id="body"):
            yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def show_message(self, key: str | None, *, kind: str = "error", **values: str) -> None:
        """The page's one-line answer (``#message``), from the catalog; None clears it."""
        message = self.query_one("#message", Static)
        message.update(plain(t(key, current_language(), **values)) if key else "")
        message.set_class(not key, "-empty")
        message.set_class(kind == "error", "-error")
        message.set_class(kind == "ok", "-ok")
        message.set_class(kind == "busy", "-busy")
        self._message = (key, kind, values)

    def apply_language(self, language: str) -> None:
        key, kind, values = getattr(self, "_message", (None, "error", {}))
        if key:
            self.show_message(key, kind=kind, **values)

    def call_store(self, use_case: Callable[..., Any], /, **values: Any) -> Any:
        """From a worker thread: run a domain function; None when the store is unavailable. A
        call still running after ``store_wait.BUSY_AFTER_SECONDS`` says the database is busy."""
        from kiosk.ui.staff.app import StoreUnavailable
        from kiosk.ui.widgets import store_wait

        token = self._worker_token
        try:
            return store_wait.run(
                self,
                lambda: self.staff_app.use(use_case, **values),
                lambda: self._store_busy(token),
            )
        except StoreUnavailable:
            return None

    def _store_busy(self, token: int) -> None:
        if token == self.staff_app.session_token and self.query("#message"):
            self.show_message(STORE_BUSY, kind="busy")

    def start_work(self) -> None:
        """Remember which sign-in a worker belongs to (call on the event loop, before it)."""
        self._worker_token = self.staff_app.session_token

    def deliver(self, callback: Callable[[Any], None], result: Any) -> None:
        """From a worker thread: hand ``result`` to ``callback`` on the event loop — unless the
        console was locked meanwhile."""
        token = self._worker_token

        def run() -> None:
            if self.is_attached and getattr(self, "_message", (None,))[0] == STORE_BUSY:
                self.show_message(None)  # the busy message of call_store goes with the answer
            if token == self.staff_app.session_token and self.is_attached:
                callback(result)

        self.app.call_from_thread(run)

    def offer_download(self, path: Path) -> None:
        """In a browser (``serve --app staff``), hand a file this console wrote to the staff
        member's own machine: textual-serve turns ``deliver_binary`` into a download. In a
        terminal the file is on this machine already, where the page says."""
        if self.app.is_web:
            self.app.deliver_binary(path, mime_type="text/csv", name=path.name)

    def set_busy(self, button_id: str, busy: bool) -> None:
        button = self.query_one(f"#{button_id}", Button)
        button.disabled = busy
        button.loading = busy
        if busy:
            self.start_work()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "language":
            event.stop()
            self.staff_app.action_toggle_language()
        elif event.button.id == "lock":
            event.stop()
            self.staff_app.action_lock()
        elif event.button.id == "back":
            event.stop()
            self.app.pop_screen()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            from kiosk.infra import oplog

            oplog.worker_failed(event.worker.name, event.worker.error)  # with its traceback
            for button in self.query(TButton):
                if button.loading:
                    button.loading = False
                    button.disabled = False
            if self.query("#message"):
                self.show_message("staff.error.unexpected")
