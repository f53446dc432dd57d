"""StaffScreen: the console's frame (title bar, body, key line) and its worker plumbing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from kiosk.infra.i18n import t
from kiosk.ui.shell import ShellScreen
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


def when(moment: datetime | None) -> str:
    """A stored (naive UTC) moment as people read it: Taiwan time."""
    from kiosk.core.taiwan_time import shown

    return shown(moment)


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


class StaffScreen(ShellScreen):
    """A console page. Subclasses set ``TITLE_KEY`` / ``KEYS_KEY`` and implement
    :meth:`compose_body`."""

    TITLE_KEY: ClassVar[str] = "staff.app.title"
    KEYS_KEY: ClassVar[str] = "staff.keys.default"
    STORE_ERROR = "staff.error.store"
    STORE_BUSY = "staff.error.store_busy"
    UNEXPECTED = "staff.error.unexpected"
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.built = asyncio.Event()
        """Set once the page is whole: every group of :meth:`compose_later` is mounted (at once
        on a page without any). Tests await it instead of polling or sleeping."""
        if not self._builds_later():
            self.built.set()

    @property
    def staff_app(self) -> StaffApp:
        return cast("StaffApp", self.app)

    def compose(self) -> ComposeResult:
        yield StaffTopBar(self.TITLE_KEY)
        yield from self.compose_frame()
        yield StaffKeys(self.KEYS_KEY)

    def compose_later(self) -> Iterable[Sequence[Widget]]:
        """Groups of widgets appended to ``#body`` after the first paint, one group per frame
        (default: none). Composing, styling and laying out a whole page in one go held the
        event loop for 60–100 ms (the search page, a candidate's page): a page paints what is
        used first and builds the rest a frame at a time, keys and painting going on between."""
        return ()

    def _builds_later(self) -> bool:
        return type(self).compose_later is not StaffScreen.compose_later

    def on_mount(self) -> None:
        if self._builds_later():
            self.run_worker(self._mount_later(), group="build", exit_on_error=True)

    async def _mount_later(self) -> None:
        """Mount :meth:`compose_later`, awaiting the screen's refresh before and after each group
        (``wait_for_refresh`` needs a task other than the screen's: a worker)."""
        body = self.query_one("#body")
        await self.wait_for_refresh()  # the first rows are on screen before any more is built
        for group in self.compose_later():
            if not self.is_attached:
                return  # the console locked or closed while the page was being built
            await body.mount(*group)
            await self.wait_for_refresh()
        self.built.set()
        self.page_completed()  # in the same step: nothing runs between the two

    def page_completed(self) -> None:
        """Called once every group of :meth:`compose_later` is mounted."""

    def compose_frame(self) -> ComposeResult:
        with VerticalScroll(id="body"):
            yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def offer_download(self, path: Path) -> None:
        """In a browser (``serve --app staff``), hand a file this console wrote to the staff
        member's own machine: textual-serve turns ``deliver_binary`` into a download. In a
        terminal the file is on this machine already, where the page says."""
        if self.app.is_web:
            self.app.deliver_binary(path, mime_type="text/csv", name=path.name)

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
