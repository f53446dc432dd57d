"""Staff's exam sessions: add one (checked), list them all, move a registration along.

``ipas-kiosk sessions add | list | registrations | set-status`` uses these until the staff console
does. Staff type times in Taiwan time; the store keeps UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core import audit, text_safety
from kiosk.core.exams import (
    ACTIVE,
    STATUSES,
    Clock,
    SessionView,
    is_known_subject,
    lock_candidate,
    now_of,
)
from kiosk.core.taiwan_time import to_utc
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate, ExamRegistration, ExamSession

MAX_SEATS = 10_000


def all_sessions(
    session: Session, *, subject: str = "", clock: Clock | None = None
) -> list[SessionView]:
    """Every session (staff's list), soonest first; ``subject`` narrows it."""
    now = now_of(clock)
    query = select(ExamSession).order_by(col(ExamSession.starts_at), col(ExamSession.id))
    if subject:
        query = query.where(ExamSession.subject == subject)
    return [SessionView.of(row, now) for row in session.exec(query)]


@dataclass(frozen=True)
class StatusResult:
    ok: bool
    message_key: str
    old_status: str = ""


def set_status(
    session: Session,
    *,
    registration_id: int,
    status: str,
    settings: Settings,
    staff: str,
    clock: Clock | None = None,
) -> StatusResult:
    """Staff move an active registration to ``status`` (one of :data:`STATUSES`); ``cancelled``
    gives the seat back in the same transaction, as :func:`kiosk.core.exams.cancel` does.

    A cancelled registration stays cancelled (registering again goes through
    :func:`kiosk.core.exams.register`, which takes a seat). The change is one conditional UPDATE
    (``WHERE status IN ACTIVE``), so a cancel that committed after this function read the row
    makes it refuse instead of being overwritten. Like register and cancel, the first write
    locks the candidate's row: the same lock order everywhere, and SQLite's busy timeout applies.
    """
    now = now_of(clock)
    row = session.get(ExamRegistration, registration_id)
    candidate = session.get(Candidate, row.candidate_id) if row is not None else None

    trail = audit.Trail(session, settings, now, "exam_status", staff=staff)

    def answer(outcome: str, change: str = "") -> StatusResult:
        trail(
            outcome,
            candidate=candidate,
            detail=f"registration={registration_id}; " + (change or f"to={status[:20]}"),
        )
        return StatusResult(outcome == "ok", f"exams.status_change.{outcome}", old)

    old = ""
    if status not in STATUSES:
        return answer("invalid")
    if row is None or candidate is None:
        return answer("not_found")
    lock_candidate(session, row.candidate_id)
    session.refresh(row)  # under the lock: the status as it is now
    old = row.status
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status == "cancelled":
        values["cancelled_at"] = now
    done = session.execute(
        update(ExamRegistration)
        .where(col(ExamRegistration.id) == registration_id)
        .where(col(ExamRegistration.status).in_(ACTIVE))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return answer("refused", f"{old}->{status}")
    if status == "cancelled":
        session.execute(
            update(ExamSession)
            .where(col(ExamSession.id) == row.session_id)
            .where(col(ExamSession.seats_taken) > 0)
            .values(seats_taken=col(ExamSession.seats_taken) - 1)
            .execution_options(synchronize_session=False)
        )
    session.refresh(row)
    return answer("ok", f"{old}->{status}")


@dataclass(frozen=True)
class NewSession:
    """A session as staff type it: times are Taiwan wall-clock times."""

    subject: str
    level: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    address: str
    seats: int
    opens_at: datetime
    closes_at: datetime
    bring: str = ""


@dataclass(frozen=True)
class AddSessionResult:
    ok: bool
    message_key: str
    session: SessionView | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def check_new_session(data: NewSession) -> dict[str, list[str]]:
    """Every problem with ``data``, keyed by field, as catalog keys."""
    errors: dict[str, list[str]] = {}

    def add(name: str, key: str) -> None:
        errors.setdefault(name, []).append(key)

    if not is_known_subject(data.subject, data.level):
        add("subject", "exams.add.unknown_subject")
    if not data.venue.strip():
        add("venue", "exams.add.required")
    for name, value, limit in (("venue", data.venue, 80), ("address", data.address, 200)):
        if len(value.strip()) > limit:
            add(name, "exams.add.too_long")
    if len(data.bring.strip()) > 500:
        add("bring", "exams.add.too_long")
    for name in ("subject", "level", "venue", "address", "bring"):
        if text_safety.has_unsafe(getattr(data, name)):
            add(name, "exams.add.unsafe_chars")
    if not 1 <= data.seats <= MAX_SEATS:
        add("seats", "exams.add.seats")
    if data.ends_at <= data.starts_at:
        add("ends_at", "exams.add.ends_before_start")
    if data.closes_at <= data.opens_at:
        add("closes_at", "exams.add.closes_before_open")
    if data.closes_at > data.starts_at:
        add("closes_at", "exams.add.closes_after_start")
    return errors


def add_session(
    session: Session,
    *,
    data: NewSession,
    settings: Settings,
    actor: str = "",
    clock: Clock | None = None,
) -> AddSessionResult:
    """Add an exam session after checking it; a duplicate (same subject, level, start and venue)
    is refused by the database."""
    now = now_of(clock)
    errors = check_new_session(data)

    trail = audit.Trail(session, settings, now, "exam_session")

    def note(outcome: str, session_id: int | None = None) -> None:
        trail(
            outcome,
            detail=(f"by={actor}; " if actor else "")
            + f"{data.subject[:40]} {data.level[:8]} {data.starts_at:%Y-%m-%d %H:%M}"
            + (f"; id={session_id}" if session_id else "")
            + ("; fields=" + ",".join(sorted(errors)) if errors else ""),
        )

    if errors:
        note("invalid")
        return AddSessionResult(False, "exams.add.invalid", errors=errors)
    row = ExamSession(
        subject=data.subject,
        level=data.level,
        starts_at=to_utc(data.starts_at),
        ends_at=to_utc(data.ends_at),
        venue=data.venue.strip(),
        address=data.address.strip(),
        seats=data.seats,
        seats_taken=0,
        registration_opens_at=to_utc(data.opens_at),
        registration_closes_at=to_utc(data.closes_at),
        bring=data.bring.strip(),
        created_at=now,
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()
        errors = {"session": ["exams.add.duplicate"]}
        note("duplicate")
        return AddSessionResult(False, "exams.add.duplicate", errors=errors)
    note("ok", row.id)
    return AddSessionResult(True, "exams.add.ok", SessionView.of(row, now))
