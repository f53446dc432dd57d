"""終端機登入限制: the terminals and browser sources whose failed sign-ins are counted
(``kiosk.core.accounts.login_budget``), with their wait in Taiwan time; the help desk clears one
with a reason (for instance after checking a venue's terminal in person)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table
from .modals import PLACE_PRESETS, ReasonScreen

if TYPE_CHECKING:
    from kiosk.core.accounts.login_budget import PlaceView
    from kiosk.core.helpdesk.actions import ActionResult

COLUMNS = (
    ("place", "staff.places.column.place"),
    ("kind", "staff.places.column.kind"),
    ("failures", "staff.places.column.failures"),
    ("last", "staff.places.column.last"),
    ("until", "staff.places.column.until"),
)


def taiwan(moment: datetime | None) -> str:
    from kiosk.core.taiwan_time import shown

    return shown(moment)


class PlacesScreen(StaffScreen):
    TITLE_KEY = "staff.places.title"
    KEYS_KEY = "staff.keys.places"
    DEFAULT_CSS = """
    PlacesScreen #body { padding: 0 1; height: 1fr; }
    PlacesScreen #places-table { height: 1fr; }
    PlacesScreen #places-status { height: 1; color: $text-muted; }
    PlacesScreen .buttons { height: auto; margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("f5", "refresh", "Refresh"),
    ]
    AUTO_FOCUS = "#places-table"

    def __init__(self) -> None:
        super().__init__()
        self._places: list[PlaceView] | None = None

    def compose_frame(self) -> ComposeResult:
        with Vertical(id="body"):
            yield TLabel("staff.places.note", classes="note")
            yield Static("", id="places-status", markup=False)
            yield Static("", id="message", classes="message -empty", markup=False)
            yield DataTable(id="places-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield TButton("staff.places.clear", "warning", id="clear-place", compact=True)
                yield TButton("staff.places.refresh", id="refresh", compact=True)
                yield TButton("staff.action.back", id="back", compact=True)

    def on_mount(self) -> None:
        self._show()
        self.action_refresh()

    @on(Button.Pressed, "#refresh")
    def action_refresh(self) -> None:
        self.start_work()
        self.fetch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="places")
    def fetch(self) -> None:
        from kiosk.core.helpdesk import actions as helpdesk_actions

        app = self.staff_app
        staff = app.staff
        found = None
        if staff is not None:
            found = self.call_store(
                helpdesk_actions.list_places, staff=staff, settings=app.settings, clock=app.clock
            )
        self.deliver(self._fetched, found)

    def _fetched(self, places: list[PlaceView] | None) -> None:
        if places is None:
            self.show_message("staff.error.store")
        self._places = places or []
        self._show()

    def _show(self) -> None:
        language = current_language()
        rows = self._places or []
        fill_table(
            self.query_one("#places-table", DataTable),
            COLUMNS,
            (
                (
                    p.key,
                    (
                        p.name,
                        t(f"staff.places.kind.{p.kind}", language),
                        str(p.failures),
                        taiwan(p.last_failure_at),
                        taiwan(p.locked_until),
                    ),
                )
                for p in rows
            ),
        )
        status = ""
        if self._places is not None:
            status = t(
                "staff.places.count" if rows else "staff.places.none",
                language,
                count=str(len(rows)),
            )
        self.query_one("#places-status", Static).update(plain(status))

    def selected(self) -> PlaceView | None:
        table = self.query_one("#places-table", DataTable)
        rows = self._places or []
        if not rows or table.cursor_row < 0 or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    @on(Button.Pressed, "#clear-place")
    def clear(self) -> None:
        place = self.selected()
        if place is None:
            self.show_message("staff.places.pick")
            return

        def done(reason: str | None) -> None:
            if reason:
                self.start_work()
                self.act(place.key, reason)

        self.app.push_screen(
            ReasonScreen("staff.places.clear_title", presets=PLACE_PRESETS, place=place.key), done
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def act(self, key: str, reason: str) -> None:
        from kiosk.core.helpdesk import actions as helpdesk_actions

        app = self.staff_app
        staff = app.staff
        if staff is None:
            return
        result = self.call_store(
            helpdesk_actions.clear_place,
            staff=staff,
            key=key,
            reason=reason,
            settings=app.settings,
            clock=app.clock,
        )
        self.deliver(self._acted, result)

    def _acted(self, result: ActionResult | None) -> None:
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
