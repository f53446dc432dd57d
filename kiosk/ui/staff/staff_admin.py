"""人員管理: an admin lists the staff accounts and disables, enables, unlocks, resets a password
or changes a role (``kiosk.core.helpdesk.staff_admin``), each with a reason. Opened with F8 from
the search page; a help-desk account is told it is for admins, and the domain refuses anyway."""

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
from .modals import STAFF_PRESETS, PasswordResetScreen, ReasonScreen

if TYPE_CHECKING:
    from kiosk.core.helpdesk.staff_admin import AdminResult, StaffRow

COLUMNS = (
    ("account", "staff.admin.column.account"),
    ("role", "staff.admin.column.role"),
    ("state", "staff.admin.column.state"),
    ("failures", "staff.admin.column.failures"),
    ("locked_until", "staff.admin.column.locked_until"),
    ("last_login", "staff.admin.column.last_login"),
)


class StaffAdminScreen(StaffScreen):
    TITLE_KEY = "staff.admin.title"
    KEYS_KEY = "staff.keys.staff_admin"
    AUTO_FOCUS = "#staff-table"
    DEFAULT_CSS = """
    StaffAdminScreen #body { padding: 0 1; height: 1fr; }
    StaffAdminScreen #staff-table { height: 1fr; }
    StaffAdminScreen #staff-admin-status { height: 1; color: $text-muted; }
    StaffAdminScreen .buttons { height: auto; margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("f5", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[StaffRow] | None = None

    def compose_frame(self) -> ComposeResult:
        with Vertical(id="body"):
            yield TLabel("staff.admin.note", classes="note")
            yield Static("", id="staff-admin-status", markup=False)
            yield Static("", id="message", classes="message -empty", markup=False)
            yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield TButton("staff.admin.disable", "warning", id="staff-toggle", compact=True)
                yield TButton("staff.admin.unlock", id="staff-unlock", compact=True)
                yield TButton("staff.admin.reset_password", id="staff-reset", compact=True)
                yield TButton("staff.admin.make_admin", id="staff-role", compact=True)
                yield TButton("staff.action.back", id="back", compact=True)

    def on_mount(self) -> None:
        self._show()
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ------------------------------------------------------------------ the list

    @on(Button.Pressed, "#refresh")
    def action_refresh(self) -> None:
        self.start_work()
        self.fetch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff-list")
    def fetch(self) -> None:
        from kiosk.core.helpdesk import staff_admin

        app = self.staff_app
        staff = app.staff
        found: list[StaffRow] | bool | None = False
        if staff is not None:
            found = self.call_store(
                staff_admin.list_staff, actor=staff, settings=app.settings, clock=app.clock
            )
        self.deliver(self._fetched, found)

    def _fetched(self, rows: list[StaffRow] | bool | None) -> None:
        if rows is False:
            self.show_message("staff.error.store")
            rows = None
        elif rows is None:
            self.show_message("staff.admin.denied")
        self._rows = rows if isinstance(rows, list) else []
        self._show()

    def _show(self) -> None:
        from kiosk.core.clock import now
        from kiosk.core.taiwan_time import shown

        language = current_language()
        moment = now(self.staff_app.clock)
        rows = self._rows or []
        table = self.query_one("#staff-table", DataTable)
        cursor = table.cursor_row
        fill_table(
            table,
            COLUMNS,
            (
                (
                    row.account,
                    (
                        row.account,
                        t(f"staff.role.{row.role}", language),
                        t("staff.admin.active" if row.active else "staff.admin.inactive", language),
                        str(row.failed_logins),
                        shown(row.locked_until) if row.locked(moment) else "",
                        shown(row.last_login_at),
                    ),
                )
                for row in rows
            ),
        )
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
        status = t("staff.admin.count", language, count=str(len(rows))) if self._rows else ""
        self.query_one("#staff-admin-status", Static).update(plain(status))
        self._label_buttons(language)

    def selected(self) -> StaffRow | None:
        table = self.query_one("#staff-table", DataTable)
        rows = self._rows or []
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#staff-table")
    def _highlighted(self) -> None:
        self._label_buttons(current_language())

    def _label_buttons(self, language: str) -> None:
        """The toggle and role buttons say what they would do to the highlighted account."""
        row = self.selected()
        toggle = self.query_one("#staff-toggle", TButton)
        toggle.key = (
            "staff.admin.enable" if row is not None and not row.active else "staff.admin.disable"
        )
        role = self.query_one("#staff-role", TButton)
        is_admin = row is not None and row.role == "admin"
        role.key = "staff.admin.make_helpdesk" if is_admin else "staff.admin.make_admin"
        for button in (toggle, role):
            button.apply_language(language)

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self._show()

    # ------------------------------------------------------------------ changes

    def _picked(self) -> StaffRow | None:
        row = self.selected()
        if row is None:
            self.show_message("staff.admin.pick")
        return row

    @on(Button.Pressed, "#staff-toggle")
    def _toggle(self) -> None:
        row = self._picked()
        if row is not None:
            name = "disable" if row.active else "enable"
            self._ask(name, f"staff.admin.{name}_title", row.account)

    @on(Button.Pressed, "#staff-unlock")
    def _unlock(self) -> None:
        row = self._picked()
        if row is not None:
            self._ask("unlock", "staff.admin.unlock_title", row.account)

    @on(Button.Pressed, "#staff-role")
    def _role(self) -> None:
        row = self._picked()
        if row is not None:
            self._ask("set-role", "staff.admin.role_title", row.account, role=self._other_role(row))

    @staticmethod
    def _other_role(row: StaffRow) -> str:
        return "helpdesk" if row.role == "admin" else "admin"

    @on(Button.Pressed, "#staff-reset")
    def _reset(self) -> None:
        row = self._picked()
        if row is None:
            return

        def done(result: AdminResult | None) -> None:
            if result is not None:
                self._acted(result)

        self.app.push_screen(PasswordResetScreen(row.account), done)

    def _ask(self, name: str, title_key: str, account: str, *, role: str = "") -> None:
        role_name = t(f"staff.role.{role}", current_language()) if role else ""

        def done(reason: str | None) -> None:
            if reason:
                self.start_work()
                self.act(name, account, reason, {"role": role} if role else {})

        self.app.push_screen(
            ReasonScreen(title_key, presets=STAFF_PRESETS, account=account, role=role_name), done
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def act(self, name: str, account: str, reason: str, extra: dict[str, str]) -> None:
        from kiosk.core.helpdesk import staff_admin

        app = self.staff_app
        staff = app.staff
        if staff is None:
            return
        result = self.call_store(
            staff_admin.CHANGES[name],
            actor=staff,
            account=account,
            reason=reason,
            settings=app.settings,
            clock=app.clock,
            **extra,
        )
        self.deliver(self._acted, result)

    def _acted(self, result: AdminResult | None) -> None:
        if result is None:
            self.show_message("staff.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **result.values)
        self.action_refresh()
