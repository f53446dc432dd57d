"""One candidate for the help desk: profile, origin, lockout, actions, recent audit events,
deliveries (masked) and exam registrations. Every action asks for a reason first."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table
from .modals import ProfileEditScreen, ReasonScreen

EVENT_COLUMNS = (
    ("at", "staff.column.at"),
    ("kind", "staff.column.kind"),
    ("outcome", "staff.column.outcome"),
    ("staff", "staff.column.staff"),
    ("terminal", "staff.column.terminal"),
    ("detail", "staff.column.detail"),
)
REGISTRATION_COLUMNS = (
    ("starts_at", "staff.column.exam_time"),
    ("subject", "staff.column.subject"),
    ("level", "staff.column.level"),
    ("venue", "staff.column.venue"),
    ("status", "staff.column.status"),
)
DELIVERY_COLUMNS = (
    ("at", "staff.column.at"),
    ("channel", "staff.column.channel"),
    ("to", "staff.column.to"),
    ("purpose", "staff.column.purpose"),
    ("status", "staff.column.status"),
)
PROFILE = (
    "account",
    "chinese_name",
    "english_name",
    "nationality",
    "national_id",
    "email",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
)
LABEL_WIDTH = 16


def when(moment: datetime | None) -> str:
    """A stored (naive UTC) moment as people read it: Taiwan time."""
    from kiosk.core.taiwan_time import shown

    return shown(moment)


def local(moment: datetime | None) -> str:
    """A moment already in Taiwan time (``kiosk.core.exams`` gives exam times so)."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def lines(pairs: list[tuple[str, str]], language: str) -> str:
    """``label  value`` lines with the labels padded to one width (CJK counts two cells)."""
    out = []
    for key, value in pairs:
        label = t(key, language)
        out.append(label + " " * max(1, LABEL_WIDTH - cell_len(label)) + value)
    return "\n".join(out)


class CandidateScreen(StaffScreen):
    TITLE_KEY = "staff.candidate.title"
    KEYS_KEY = "staff.keys.candidate"
    DEFAULT_CSS = """
    CandidateScreen .section { text-style: bold; color: $accent; margin: 1 0 0 0; }
    CandidateScreen .facts { height: auto; }
    CandidateScreen .buttons { height: auto; margin: 1 0 0 0; }
    CandidateScreen .buttons.second { margin: 0; }
    CandidateScreen .buttons > Button { margin: 0 1 0 0; width: 24; }
    CandidateScreen DataTable { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("f5", "audit_log", "Audit log"),
    ]

    def __init__(self, candidate_id: int) -> None:
        super().__init__()
        self.candidate_id = candidate_id
        self.detail: Any = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="candidate-heading", classes="page-heading", markup=False)
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("staff.action.resend_email", id="resend-email", compact=True)
            yield TButton("staff.action.resend_sms", id="resend-sms", compact=True)
            yield TButton("staff.action.unlock", id="unlock", compact=True)
        with Horizontal(classes="buttons second"):
            yield TButton("staff.action.edit_profile", id="edit-profile", compact=True)
            yield TButton("staff.action.mark_incomplete", id="mark-incomplete", compact=True)
            yield TButton("staff.action.back", id="back", compact=True)
        yield TLabel("staff.candidate.profile", classes="section")
        yield Static("", id="profile", classes="facts", markup=False)
        yield TLabel("staff.candidate.origin", classes="section")
        yield Static("", id="origin", classes="facts", markup=False)
        yield TLabel("staff.candidate.lockout", classes="section")
        yield Static("", id="lockout", classes="facts", markup=False)
        yield TLabel("staff.candidate.events", classes="section")
        yield DataTable(id="events-table", cursor_type="row", zebra_stripes=True)
        yield TLabel("staff.candidate.deliveries", classes="section")
        yield DataTable(id="deliveries-table", cursor_type="row", zebra_stripes=True)
        yield TLabel("staff.candidate.registrations", classes="section")
        yield Static("", id="registrations", classes="facts", markup=False)
        yield DataTable(id="registrations-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load(audited=True)

    # ------------------------------------------------------------------ loading

    def load(self, *, audited: bool = False) -> None:
        self.start_work()
        self.fetch(audited)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def fetch(self, audited: bool) -> None:
        from kiosk.core import helpdesk

        app = self.staff_app
        staff = app.staff
        result = None
        if staff is not None:
            result = self.call_store(
                helpdesk.candidate_detail,
                candidate_id=self.candidate_id,
                staff=staff,
                settings=app.settings,
                clock=app.clock,
                audited=audited,
            )
        self.deliver(self._loaded, result)

    def _loaded(self, detail: Any) -> None:
        if detail is None:
            self.show_message("staff.error.store")
            return
        if not detail.found:
            self.show_message(detail.message_key)
            return
        self.detail = detail
        self.render_detail(current_language())

    def render_detail(self, language: str) -> None:
        detail = self.detail
        if detail is None:
            return
        c = detail.candidate
        self.query_one("#candidate-heading", Static).update(
            plain(f"{c.chinese_name}  {c.account}  {c.national_id_masked}")
        )
        english = " ".join(p for p in (c.english_surname, c.english_given_name) if p)
        values = {
            "account": c.account,
            "chinese_name": c.chinese_name,
            "english_name": english,
            "nationality": t(f"staff.nationality.{c.nationality}", language),
            "national_id": c.national_id_masked,
            "email": c.email,
            "mobile": c.mobile,
            "gender": t(f"staff.gender.{c.gender}", language) if c.gender else "",
            "education": c.education,
            "school": c.school,
            "department": c.department,
        }
        profile = [(f"staff.profile.{name}", values[name]) for name in PROFILE]
        self.query_one("#profile", Static).update(plain(lines(profile, language)))
        yes, no = t("staff.common.yes", language), t("staff.common.no", language)
        origin = [
            ("staff.origin.label", t(f"staff.origin.{c.origin}", language)),
            ("staff.origin.group_unit", c.group_unit),
            ("staff.origin.profile_complete", yes if c.profile_complete else no),
            ("staff.origin.created", when(detail.created_at)),
        ]
        self.query_one("#origin", Static).update(plain(lines(origin, language)))
        if detail.locked:
            state = t("staff.lockout.locked_until", language, until=when(detail.locked_until))
        else:
            state = t("staff.lockout.open", language)
        lockout = [
            ("staff.lockout.state", state),
            ("staff.lockout.failures", str(detail.failed_logins)),
            ("staff.lockout.password", yes if detail.has_password else no),
            (
                "staff.lockout.temporary",
                when(detail.temp_password_expires_at) or t("staff.lockout.none", language),
            ),
            ("staff.lockout.must_change", yes if detail.must_change_password else no),
        ]
        self.query_one("#lockout", Static).update(plain(lines(lockout, language)))
        fill_table(
            self.query_one("#events-table", DataTable),
            EVENT_COLUMNS,
            (
                (str(n), (when(e.at), e.kind, e.outcome, e.staff, e.terminal_id, e.detail))
                for n, e in enumerate(detail.events)
            ),
        )
        fill_table(
            self.query_one("#deliveries-table", DataTable),
            DELIVERY_COLUMNS,
            (
                (str(n), (when(d.at), d.channel, d.destination_masked, d.purpose, d.status))
                for n, d in enumerate(detail.deliveries)
            ),
        )
        registrations = detail.registrations or ()
        if detail.registrations is None:
            text = t("staff.registrations.unavailable", language)
        elif not registrations:
            text = t("staff.registrations.none", language)
        else:
            text = ""
        note = self.query_one("#registrations", Static)
        note.update(plain(text))
        note.display = bool(text)
        table = self.query_one("#registrations-table", DataTable)
        table.display = bool(registrations)
        fill_table(
            table,
            REGISTRATION_COLUMNS,
            (
                (
                    str(n),
                    (
                        local(r.starts_at),
                        r.subject,
                        r.level,
                        r.venue,
                        t(r.status_key, language) if r.status_key else r.status,
                    ),
                )
                for n, r in enumerate(registrations)
            ),
        )

    def apply_language(self, language: str) -> None:
        super().apply_language(language)
        self.render_detail(language)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_audit_log(self) -> None:
        """This candidate's whole audit trail (the view shows only the newest events)."""
        if self.detail is None:
            return
        from .audit_log import AuditLogScreen

        self.app.push_screen(AuditLogScreen(candidate=self.detail.candidate.account))

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#resend-email")
    def _resend_email(self) -> None:
        self._ask("resend_email", "staff.action.resend_email_title")

    @on(Button.Pressed, "#resend-sms")
    def _resend_sms(self) -> None:
        self._ask("resend_sms", "staff.action.resend_sms_title")

    @on(Button.Pressed, "#unlock")
    def _unlock(self) -> None:
        self._ask("unlock", "staff.action.unlock_title")

    @on(Button.Pressed, "#mark-incomplete")
    def _mark_incomplete(self) -> None:
        self._ask("mark_incomplete", "staff.action.mark_incomplete_title")

    @on(Button.Pressed, "#edit-profile")
    def _edit_profile(self) -> None:
        staff = self.staff_app.staff
        if self.detail is None or staff is None:
            return

        def done(result: Any) -> None:
            if result is not None:
                self.show_message(result.message_key, kind="ok", **result.values)
                self.load()

        self.app.push_screen(ProfileEditScreen(self.detail.candidate, admin=staff.is_admin), done)

    def _ask(self, action: str, title_key: str) -> None:
        if self.detail is None:
            return
        c = self.detail.candidate

        def done(reason: str | None) -> None:
            if reason:
                self.start_work()
                self.act(action, reason)

        self.app.push_screen(ReasonScreen(title_key, account=c.account, name=c.chinese_name), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def act(self, action: str, reason: str) -> None:
        from kiosk.core.helpdesk import actions as helpdesk_actions

        app = self.staff_app
        staff = app.staff
        if staff is None:
            return
        values: dict[str, Any] = {
            "staff": staff,
            "candidate_id": self.candidate_id,
            "reason": reason,
            "settings": app.settings,
            "clock": app.clock,
        }
        if action == "resend_email":
            result = self.call_store(helpdesk_actions.resend_credentials, channel="email", **values)
        elif action == "resend_sms":
            result = self.call_store(helpdesk_actions.resend_credentials, channel="sms", **values)
        elif action == "unlock":
            result = self.call_store(helpdesk_actions.unlock, **values)
        else:
            result = self.call_store(helpdesk_actions.mark_incomplete, **values)
        self.deliver(self._acted, result)

    def _acted(self, result: Any) -> None:
        if result is None:
            self.show_message("staff.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **result.values)
        self.load()
