"""The help desk's view of one candidate: profile, sign-in state, recent audit events,
deliveries and exam registrations; opening it is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.core import audit
from kiosk.core.accounts import CandidateView
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.common import DENIED, EventRow, _denied
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff
from kiosk.infra.config import Settings
from kiosk.infra.tables import AuditEvent, Candidate, Delivery

RECENT_EVENTS = 20
RECENT_DELIVERIES = 10


@dataclass(frozen=True)
class DeliveryRow:
    at: datetime
    channel: str
    destination_masked: str
    purpose: str
    status: str


@dataclass(frozen=True)
class RegistrationRow:
    """An exam registration from ``kiosk.core.exams``, reduced to text for the screen (exam times in
    Taiwan time, as ``kiosk.core.exams`` gives them)."""

    starts_at: datetime | None
    subject: str
    level: str
    venue: str
    status: str
    status_key: str


@dataclass(frozen=True)
class TemporaryPassword:
    """The temporary password still outstanding: how it went out (from the newest credentials
    delivery; empty when none is on record) and until when it works. Never the password."""

    expires_at: datetime
    channel: str = ""
    sent_at: datetime | None = None
    status: str = ""
    destination_masked: str = ""


@dataclass(frozen=True)
class CandidateDetail:
    found: bool
    message_key: str = ""
    candidate: CandidateView | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    has_password: bool = False
    must_change_password: bool = False
    temp_password_expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    events: tuple[EventRow, ...] = ()
    deliveries: tuple[DeliveryRow, ...] = ()
    registrations: tuple[RegistrationRow, ...] | None = None  # None: no exam module yet
    locked: bool = False
    now: datetime | None = None
    temporary: TemporaryPassword | None = None


def candidate_detail(
    session: Session,
    *,
    candidate_id: int,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    audited: bool = True,
) -> CandidateDetail:
    """Everything the help desk sees of one candidate; opening it is audited (``staff_view``;
    ``audited=False`` for the reload after an action, which wrote its own event). A staff
    account disabled since sign-in sees nothing (a "denied" event)."""
    now = now_of(clock)
    row = session.get(Candidate, candidate_id)
    if current_staff(session, staff) is None:
        _denied(session, "staff_view", staff, settings, now, row)
        return CandidateDetail(False, DENIED)
    if row is None:
        return CandidateDetail(False, "staff.candidate.not_found")
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.candidate_id == candidate_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(RECENT_EVENTS)
    ).all()
    deliveries = session.exec(
        select(Delivery)
        .where(Delivery.candidate_id == candidate_id)
        .order_by(col(Delivery.at).desc(), col(Delivery.id).desc())
        .limit(RECENT_DELIVERIES)
    ).all()
    temporary = None
    if (
        row.temp_password_hash
        and row.temp_password_expires_at
        and row.temp_password_expires_at > now
    ):
        sent = next((d for d in deliveries if d.purpose == "credentials"), None)
        if sent is None:  # older than the newest few deliveries
            sent = session.exec(
                select(Delivery)
                .where(Delivery.candidate_id == candidate_id, Delivery.purpose == "credentials")
                .order_by(col(Delivery.at).desc(), col(Delivery.id).desc())
                .limit(1)
            ).first()
        temporary = TemporaryPassword(
            expires_at=row.temp_password_expires_at,
            channel=sent.channel if sent else "",
            sent_at=sent.at if sent else None,
            status=sent.status if sent else "",
            destination_masked=sent.destination_masked if sent else "",
        )
    detail = CandidateDetail(
        True,
        candidate=CandidateView.of(row),
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        locked=row.locked_until is not None and row.locked_until > now,
        has_password=bool(row.password_hash),
        must_change_password=row.must_change_password,
        temp_password_expires_at=(
            row.temp_password_expires_at
            if row.temp_password_expires_at and row.temp_password_expires_at > now
            else None
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        events=tuple(EventRow.of(e) for e in events),
        deliveries=tuple(
            DeliveryRow(d.at, d.channel, d.destination_masked, d.purpose, d.status)
            for d in deliveries
        ),
        registrations=_registrations(session, candidate_id),
        now=now,
        temporary=temporary,
    )
    if not audited:
        return detail
    audit.Trail(session, settings, now, "staff_view", staff=staff.account)(
        "ok",
        candidate=row,
    )
    return detail


def _registrations(session: Session, candidate_id: int) -> tuple[RegistrationRow, ...] | None:
    """The candidate's exam registrations, when ``kiosk.core.exams`` provides them (None if not)."""
    try:
        from kiosk.core.exams import list_registrations
    except ImportError:
        return None
    rows = []
    for item in list_registrations(session, candidate_id=candidate_id):
        exam = getattr(item, "session", None)
        rows.append(
            RegistrationRow(
                starts_at=getattr(exam, "starts_at", None),
                subject=str(getattr(exam, "subject", "")),
                level=str(getattr(exam, "level", "")),
                venue=str(getattr(exam, "venue", "")),
                status=str(getattr(item, "status", "")),
                status_key=str(getattr(item, "status_key", "")),
            )
        )
    return tuple(rows)
