"""One candidate for the help desk, laid out for a phone call: a status band at the top (sign-in
lock and until when, failures, the outstanding temporary password, the profile's state), the
actions on function keys with the focus on the first, then the profile, origin, recent audit
events, deliveries (masked) and exam registrations. Every action asks for a reason first. The
page reloads itself every :attr:`CandidateScreen.REFRESH_SECONDS` (a lock set at a kiosk or by
the CLI shows without a key) and on F5; a reload is not audited as a new look-up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import StaffScreen, fill_table, when
from .modals import ProfileEditScreen, ReasonScreen

if TYPE_CHECKING:
    from kiosk.core.accounts import CandidateView
    from kiosk.core.helpdesk import CandidateDetail
    from kiosk.core.helpdesk.actions import ActionResult, Channel

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
BAND_LABEL_WIDTH = 10


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


def status_band(detail: CandidateDetail, language: str) -> str:
    """The lines at the top of the page: what a caller's account is doing now."""
    if detail.locked:
        state = t("staff.band.locked", language, until=when(detail.locked_until))
    else:
        state = t("staff.band.open", language)
    failures = t("staff.band.failures", language, count=str(detail.failed_logins))
    temporary = detail.temporary
    if temporary is None:
        sent = t("staff.band.temporary_none", language)
    else:
        channel = t(f"staff.channel.{temporary.channel}", language) if temporary.channel else ""
        status = temporary.status if temporary.status in ("sent", "sending", "failed") else ""
        sent = t(
            f"staff.band.temporary_{status or 'unknown'}",
            language,
            channel=channel,
            at=when(temporary.sent_at),
            until=when(temporary.expires_at),
        )
    c = detail.candidate
    if c is None:  # a detail that was not found has no band
        return ""
    account = [
        t("staff.band.complete" if c.profile_complete else "staff.band.incomplete", language),
        t("staff.band.has_password" if detail.has_password else "staff.band.no_password", language),
    ]
    if detail.must_change_password:
        account.append(t("staff.band.must_change", language))
    rows = [
        ("staff.band.signin", f"{state} · {failures}"),
        ("staff.band.temporary", sent),
        ("staff.band.account", " · ".join(account)),
    ]
    out = []
    for key, value in rows:
        label = t(key, language)
        out.append(label + " " * max(1, BAND_LABEL_WIDTH - cell_len(label)) + value)
    return "\n".join(out)


class CandidateScreen(StaffScreen):
    TITLE_KEY = "staff.candidate.title"
    KEYS_KEY = "staff.keys.candidate"
    AUTO_FOCUS = "#resend-email"
    REFRESH_SECONDS: ClassVar[float] = 10.0
    DEFAULT_CSS = """
    CandidateScreen .section { text-style: bold; color: $accent; margin: 1 0 0 0; }
    CandidateScreen .facts { height: auto; }
    CandidateScreen #status-band { height: auto; background: $boost; padding: 0 1; }
    CandidateScreen #status-band.-locked { background: $error 25%; }
    CandidateScreen .buttons { height: auto; margin: 0; }
    CandidateScreen .buttons > Button { margin: 0 1 0 0; width: auto; }
    CandidateScreen DataTable { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        Binding("f3", "resend_email", "E-mail"),
        Binding("f4", "resend_sms", "SMS"),
        Binding("f6", "unlock", "Unlock"),
        Binding("f5", "refresh", "Refresh"),
        Binding("f8", "audit_log", "Audit log"),
    ]

    def __init__(self, candidate_id: int) -> None:
        super().__init__()
        self.candidate_id = candidate_id
        self.detail: CandidateDetail | None = None
        self._arrived: tuple[CandidateDetail | None] | None = None  # while the page is built

    def compose_body(self) -> ComposeResult:
        yield Static("", id="candidate-heading", classes="page-heading", markup=False)
        yield Static("", id="status-band", markup=False)
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("staff.action.resend_email", id="resend-email", compact=True)
            yield TButton("staff.action.resend_sms", id="resend-sms", compact=True)
            yield TButton("staff.action.unlock", id="unlock", compact=True)
            yield TButton("staff.action.refresh", id="refresh", compact=True)

    def compose_later(self) -> Iterable[Sequence[Widget]]:
        """The second row of actions and the sections under them, a few a frame (the whole page
        at once held the event loop for 65–100 ms); the candidate is shown once they are all
        there."""
        # offered once the candidate is known to be a group candidate (the only ones it applies to)
        mark_incomplete = TButton(
            "staff.action.mark_incomplete", id="mark-incomplete", compact=True
        )
        mark_incomplete.display = False
        yield (
            Horizontal(
                TButton("staff.action.edit_profile", id="edit-profile", compact=True),
                mark_incomplete,
                TButton("staff.action.audit_log", id="candidate-audit", compact=True),
                TButton("staff.action.back", id="back", compact=True),
                classes="buttons",
            ),
        )
        yield (
            TLabel("staff.candidate.profile", classes="section"),
            Static("", id="profile", classes="facts", markup=False),
            TLabel("staff.candidate.origin", classes="section"),
            Static("", id="origin", classes="facts", markup=False),
        )
        yield (
            TLabel("staff.candidate.events", classes="section"),
            DataTable(id="events-table", cursor_type="row", zebra_stripes=True),
        )
        yield (
            TLabel("staff.candidate.deliveries", classes="section"),
            DataTable(id="deliveries-table", cursor_type="row", zebra_stripes=True),
        )
        yield (
            TLabel("staff.candidate.registrations", classes="section"),
            Static("", id="registrations", classes="facts", markup=False),
            DataTable(id="registrations-table", cursor_type="row", zebra_stripes=True),
        )

    def on_mount(self) -> None:
        self.load(audited=True)
        self.set_interval(self.REFRESH_SECONDS, self._reload_by_itself)

    def page_completed(self) -> None:
        if self._arrived is not None:  # loaded while the tables were being mounted
            (detail,), self._arrived = self._arrived, None
            self._loaded(detail)

    # ------------------------------------------------------------------ loading

    def load(self, *, audited: bool = False) -> None:
        self.start_work()
        self.fetch(audited)

    def _reload_by_itself(self) -> None:
        """Reload while this page is the one shown and nothing of it is in flight (an action's
        own reload follows it; a modal on top keeps the page as the staff member left it)."""
        busy = any(
            not worker.is_finished and worker.group in ("detail", "action")
            for worker in self.workers
        )
        if self.is_current and not busy:
            self.load()

    @on(Button.Pressed, "#refresh")
    def action_refresh(self) -> None:
        self.load()

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

    def _loaded(self, detail: CandidateDetail | None) -> None:
        if not self.built.is_set():
            self._arrived = (detail,)  # shown by page_completed, with the whole page
            return
        if detail is None:
            self.show_message("staff.error.store")
            return
        if not detail.found:
            self.show_message(detail.message_key)
            return
        self.detail = detail
        self.render_detail(current_language())

    @property
    def candidate(self) -> CandidateView | None:
        """The candidate shown, once found."""
        return self.detail.candidate if self.detail is not None else None

    def render_detail(self, language: str) -> None:
        detail = self.detail
        c = detail.candidate if detail is not None else None
        if detail is None or c is None:
            return
        origin_name = t(f"staff.origin.{c.origin}", language)
        self.query_one("#candidate-heading", Static).update(
            plain(f"{c.chinese_name}  {c.account}  {c.national_id_masked}  {origin_name}")
        )
        band = self.query_one("#status-band", Static)
        band.update(plain(status_band(detail, language)))
        band.set_class(detail.locked, "-locked")
        self.query_one("#mark-incomplete", Button).display = c.origin == "group"
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

    @on(Button.Pressed, "#candidate-audit")
    def action_audit_log(self) -> None:
        """This candidate's whole audit trail (the view shows only the newest events)."""
        if self.candidate is None:
            return
        from .audit_log import AuditLogScreen

        self.app.push_screen(AuditLogScreen(candidate=self.candidate.account))

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#resend-email")
    def action_resend_email(self) -> None:
        self._ask("resend_email", "staff.action.resend_email_title")

    @on(Button.Pressed, "#resend-sms")
    def action_resend_sms(self) -> None:
        self._ask("resend_sms", "staff.action.resend_sms_title")

    @on(Button.Pressed, "#unlock")
    def action_unlock(self) -> None:
        self._ask("unlock", "staff.action.unlock_title")

    @on(Button.Pressed, "#mark-incomplete")
    def _mark_incomplete(self) -> None:
        if self.candidate is not None and self.candidate.origin == "group":
            self._ask("mark_incomplete", "staff.action.mark_incomplete_title")

    @on(Button.Pressed, "#edit-profile")
    def _edit_profile(self) -> None:
        staff = self.staff_app.staff
        candidate = self.candidate
        if candidate is None or staff is None:
            return

        def done(result: ActionResult | None) -> None:
            if result is not None:
                self.show_message(result.message_key, kind="ok", **result.values)
                self.load()

        self.app.push_screen(ProfileEditScreen(candidate, admin=staff.is_admin), done)

    def _ask(self, action: str, title_key: str) -> None:
        c = self.candidate
        if c is None:
            return

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
        who, settings, clock = self.candidate_id, app.settings, app.clock
        if action in ("resend_email", "resend_sms"):
            channel: Channel = "email" if action == "resend_email" else "sms"
            result = self.call_store(
                helpdesk_actions.resend_credentials,
                staff=staff,
                candidate_id=who,
                channel=channel,
                reason=reason,
                settings=settings,
                clock=clock,
            )
        else:
            change = (
                helpdesk_actions.unlock if action == "unlock" else helpdesk_actions.mark_incomplete
            )
            result = self.call_store(
                change, staff=staff, candidate_id=who, reason=reason, settings=settings, clock=clock
            )
        self.deliver(self._acted, result)

    def _acted(self, result: ActionResult | None) -> None:
        if result is None:
            self.show_message("staff.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **result.values)
        self.load()
