"""Exam use cases: 考試報名 (register, cancel) and 報名進度查詢, with the views the screens show.
The exam notice lives in ``kiosk.core.exams.notices``, staff's sessions in
``kiosk.core.exams.sessions``.

Like ``kiosk.core.accounts``: a ``Session`` and plain values in, a small result dataclass out,
nothing raised for a user's mistake, an audit event for every change. Reads (session lists,
progress, notices) write no audit row: they change nothing and show the candidate only their own
data.

Seats are counted in ``exam_session.seats_taken`` and move only by conditional UPDATEs — ``SET
seats_taken = seats_taken + 1 WHERE seats_taken < seats`` in the same transaction as the
registration — so the database decides who gets the last seat. On PostgreSQL the row lock
serialises the UPDATEs and the WHERE is re-checked after the wait. A CHECK constraint refuses
anything outside ``0..seats`` as well.

One candidate on two terminals: the first write of register, cancel and staff's status change
is ``UPDATE candidate SET updated_at = updated_at WHERE id = …``, a lock on the candidate's row
taken before the "already registered for this subject" checks, so those checks see what the
other terminal committed. On SQLite that UPDATE is the transaction's first write (pysqlite
begins the transaction there; the reads before it hold no snapshot), so a busy file makes it
wait on the busy timeout rather than fail on a stale snapshot; call these with a fresh session.
On PostgreSQL every transaction that touches a registration takes the candidate's lock first:
one lock order, no deadlock.

Times in the store are naive UTC; exam times are shown and typed in Taiwan time (UTC+8, no DST).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core import audit
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.taiwan_time import to_local
from kiosk.infra import assets
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t
from kiosk.infra.tables import EXAM_STATUSES, Candidate, ExamRegistration, ExamSession

STATUSES = EXAM_STATUSES
ACTIVE = ("registered", "documents_pending", "paid", "confirmed")
CANCELLABLE = ("registered", "documents_pending")  # paid or confirmed: the service desk refunds


# --------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class SubjectChoice:
    """A subject and level from ``assets/ipas-subjects.csv`` (level may be empty there)."""

    subject: str
    level: str

    def label(self, language: str) -> str:
        name = display_name(self.subject, language)
        if not self.level:
            return name
        key = f"exams.level.{self.level}"
        level = t(key, language)
        return f"{name} {self.level if level == key else level}"


def english_rendering(name_zh: str, language: str) -> str:
    """Only the rendering of :func:`display_name` (``"(AI Application Planner, translation)"``),
    for a line that must keep something else next to the Chinese name (a score); "" in Chinese
    or when none is listed."""
    english = assets.english_name(name_zh)
    if language == "zh-TW" or english is None:
        return ""
    key = "exams.name.official" if english.official else "exams.name.translated"
    return t(key, language, zh="", en=english.name_en).strip()


def display_name(name_zh: str, language: str) -> str:
    """An iPAS certification or exam-part name as a screen shows it: the official Chinese name;
    in English, followed by its English rendering, marked as a translation unless iPAS publishes
    it (``assets/ipas-names-en.csv``). A name without a rendering stays Chinese."""
    english = assets.english_name(name_zh)
    if language == "zh-TW" or english is None:
        return name_zh
    key = "exams.name.official" if english.official else "exams.name.translated"
    return t(key, language, zh=name_zh, en=english.name_en)


def subject_choices() -> tuple[SubjectChoice, ...]:
    seen: dict[tuple[str, str], SubjectChoice] = {}
    for row in assets.subjects():
        seen.setdefault((row.subject_zh, row.level), SubjectChoice(row.subject_zh, row.level))
    return tuple(seen.values())


def is_known_subject(subject: str, level: str) -> bool:
    return any(c.subject == subject and c.level == level for c in subject_choices())


@dataclass(frozen=True)
class SessionView:
    """An exam session for a screen; times in Taiwan time. ``state`` is one of ``upcoming``
    (registration not open yet), ``open``, ``full`` (open, no seat left) or ``closed``."""

    id: int
    subject: str
    level: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    address: str
    seats: int
    seats_left: int
    opens_at: datetime
    closes_at: datetime
    bring: str
    state: str

    @classmethod
    def of(cls, row: ExamSession, now: datetime) -> SessionView:
        assert row.id is not None
        left = max(0, row.seats - row.seats_taken)
        if now < row.registration_opens_at:
            state = "upcoming"
        elif now >= row.registration_closes_at:
            state = "closed"
        else:
            state = "open" if left else "full"
        return cls(
            id=row.id,
            subject=row.subject,
            level=row.level,
            starts_at=to_local(row.starts_at),
            ends_at=to_local(row.ends_at),
            venue=row.venue,
            address=row.address,
            seats=row.seats,
            seats_left=left,
            opens_at=to_local(row.registration_opens_at),
            closes_at=to_local(row.registration_closes_at),
            bring=row.bring,
            state=state,
        )

    def title(self, language: str) -> str:
        return SubjectChoice(self.subject, self.level).label(language)

    def when(self, language: str) -> str:
        """``2026-12-20（日）09:30-11:00`` in the catalog's form."""
        return t(
            "exams.when",
            language,
            date=self.starts_at.strftime("%Y-%m-%d"),
            weekday=t(f"exams.weekday.{self.starts_at.weekday()}", language),
            start=self.starts_at.strftime("%H:%M"),
            end=self.ends_at.strftime("%H:%M"),
        )

    def window(self, language: str) -> str:
        return t(
            "exams.window",
            language,
            opens=self.opens_at.strftime("%Y-%m-%d %H:%M"),
            closes=self.closes_at.strftime("%Y-%m-%d %H:%M"),
        )


@dataclass(frozen=True)
class RegistrationView:
    """One of a candidate's registrations, with what they must still do."""

    id: int
    candidate_id: int
    status: str
    registered_at: datetime
    session: SessionView
    can_cancel: bool

    @classmethod
    def of(cls, row: ExamRegistration, exam: ExamSession, now: datetime) -> RegistrationView:
        assert row.id is not None
        return cls(
            id=row.id,
            candidate_id=row.candidate_id,
            status=row.status,
            registered_at=to_local(row.registered_at),
            session=SessionView.of(exam, now),
            can_cancel=row.status in CANCELLABLE and now < exam.registration_closes_at,
        )

    @property
    def status_key(self) -> str:
        return f"exams.status.{self.status}"

    @property
    def next_step_key(self) -> str:
        return f"exams.next.{self.status}"


def list_sessions(
    session: Session,
    *,
    subject: str,
    level: str,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> list[SessionView]:
    """Sessions of a subject and level whose registration window is open now (full ones too, so
    the candidate sees why they cannot register), soonest first."""
    del settings
    now = now_of(clock)
    rows = session.exec(
        select(ExamSession)
        .where(ExamSession.subject == subject, ExamSession.level == level)
        .where(col(ExamSession.registration_opens_at) <= now)
        .where(col(ExamSession.registration_closes_at) > now)
        .order_by(col(ExamSession.starts_at), col(ExamSession.id))
    )
    return [SessionView.of(row, now) for row in rows]


def list_registrations(
    session: Session,
    *,
    candidate_id: int | None = None,
    session_id: int | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> list[RegistrationView]:
    """A candidate's registrations (報名進度) or a session's, soonest exam first."""
    del settings
    now = now_of(clock)
    query = select(ExamRegistration, ExamSession).where(
        ExamRegistration.session_id == ExamSession.id
    )
    if candidate_id is not None:
        query = query.where(ExamRegistration.candidate_id == candidate_id)
    if session_id is not None:
        query = query.where(ExamRegistration.session_id == session_id)
    query = query.order_by(col(ExamSession.starts_at), col(ExamRegistration.id))
    return [RegistrationView.of(reg, exam, now) for reg, exam in session.exec(query)]


# --------------------------------------------------------------------------------------------
# Register and cancel


class RegisterOutcome(StrEnum):
    REGISTERED = "registered"
    FULL = "full"
    ALREADY = "already"  # this session, or another of the same subject and level
    CLOSED = "closed"  # outside the registration window
    INCOMPLETE_PROFILE = "incomplete_profile"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class RegisterResult:
    outcome: RegisterOutcome
    message_key: str
    registration: RegistrationView | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is RegisterOutcome.REGISTERED


def register(
    session: Session,
    *,
    candidate_id: int,
    session_id: int,
    settings: Settings,
    clock: Clock | None = None,
) -> RegisterResult:
    """考試報名: take a seat if one is left, in one transaction with the registration row."""
    now = now_of(clock)
    candidate = session.get(Candidate, candidate_id)
    exam = session.get(ExamSession, session_id)
    account = candidate.account if candidate else ""

    trail = audit.Trail(session, settings, now, "exam_register")

    def answer(outcome: RegisterOutcome, row: ExamRegistration | None = None) -> RegisterResult:
        trail(
            outcome.value,
            account=account,
            candidate_id=candidate.id if candidate else None,
            detail=f"session={session_id}",
        )
        view = RegistrationView.of(row, exam, now) if row is not None and exam else None
        return RegisterResult(outcome, f"exams.register.{outcome.value}", view)

    if candidate is None or exam is None:
        return answer(RegisterOutcome.NOT_FOUND)
    if not candidate.profile_complete:
        return answer(RegisterOutcome.INCOMPLETE_PROFILE)
    if not exam.registration_opens_at <= now < exam.registration_closes_at:
        return answer(RegisterOutcome.CLOSED)
    lock_candidate(session, candidate_id)  # the first write: see the module docstring
    existing = session.exec(
        select(ExamRegistration).where(
            ExamRegistration.candidate_id == candidate_id,
            ExamRegistration.session_id == session_id,
        )
    ).first()
    if existing is not None and existing.status != "cancelled":
        return answer(RegisterOutcome.ALREADY)
    if _active_for_subject(session, candidate_id, exam, now):
        return answer(RegisterOutcome.ALREADY)

    # The seat before the registration row: a full session writes no row.
    taken = session.execute(
        update(ExamSession)
        .where(col(ExamSession.id) == session_id)
        .where(col(ExamSession.seats_taken) < col(ExamSession.seats))
        .values(seats_taken=col(ExamSession.seats_taken) + 1)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return answer(RegisterOutcome.FULL)
    if existing is not None:  # registering again after a cancellation: the same row
        again = session.execute(
            update(ExamRegistration)
            .where(col(ExamRegistration.id) == existing.id)
            .where(col(ExamRegistration.status) == "cancelled")
            .values(status="registered", registered_at=now, updated_at=now, cancelled_at=None)
            .execution_options(synchronize_session=False)
        )
        if not again.rowcount:  # type: ignore[attr-defined]
            session.rollback()  # another terminal was first: give the seat back
            return answer(RegisterOutcome.ALREADY)
        session.refresh(existing)
        session.refresh(exam)
        return answer(RegisterOutcome.REGISTERED, existing)
    row = ExamRegistration(
        candidate_id=candidate_id,
        session_id=session_id,
        status="registered",
        registered_at=now,
        updated_at=now,
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()  # the same candidate on another terminal: the seat goes back too
        return answer(RegisterOutcome.ALREADY)
    session.refresh(exam)
    return answer(RegisterOutcome.REGISTERED, row)


def lock_candidate(session: Session, candidate_id: int) -> None:
    """Lock the candidate's row until the transaction ends (a no-op UPDATE)."""
    session.execute(
        update(Candidate)
        .where(col(Candidate.id) == candidate_id)
        .values(updated_at=col(Candidate.updated_at))
        .execution_options(synchronize_session=False)
    )


def _active_for_subject(
    session: Session, candidate_id: int, exam: ExamSession, now: datetime
) -> bool:
    """An active registration for another coming session of the same subject and level."""
    found = session.exec(
        select(ExamRegistration.id)
        .where(ExamRegistration.session_id == ExamSession.id)
        .where(ExamRegistration.candidate_id == candidate_id)
        .where(col(ExamRegistration.status).in_(ACTIVE))
        .where(ExamSession.subject == exam.subject, ExamSession.level == exam.level)
        .where(col(ExamSession.id) != exam.id)
        .where(col(ExamSession.ends_at) > now)
    ).first()
    return found is not None


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    NOT_CANCELLABLE = "not_cancellable"  # paid, confirmed or already cancelled
    CLOSED = "closed"  # the registration window has closed
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CancelResult:
    outcome: CancelOutcome
    message_key: str

    @property
    def ok(self) -> bool:
        return self.outcome is CancelOutcome.CANCELLED


def cancel(
    session: Session,
    *,
    candidate_id: int,
    registration_id: int,
    settings: Settings,
    clock: Clock | None = None,
) -> CancelResult:
    """取消報名 within the registration window; the seat goes back in the same transaction."""
    now = now_of(clock)
    row = session.get(ExamRegistration, registration_id)
    candidate = session.get(Candidate, candidate_id)
    exam = session.get(ExamSession, row.session_id) if row is not None else None

    trail = audit.Trail(session, settings, now, "exam_cancel")

    def answer(outcome: CancelOutcome) -> CancelResult:
        trail(
            outcome.value,
            candidate=candidate,
            detail=f"registration={registration_id}",
        )
        return CancelResult(outcome, f"exams.cancel.{outcome.value}")

    if row is None or exam is None or candidate is None or row.candidate_id != candidate_id:
        return answer(CancelOutcome.NOT_FOUND)
    if row.status not in CANCELLABLE:
        return answer(CancelOutcome.NOT_CANCELLABLE)
    if now >= exam.registration_closes_at:
        return answer(CancelOutcome.CLOSED)
    lock_candidate(session, candidate_id)  # the first write: see the module docstring
    done = session.execute(
        update(ExamRegistration)
        .where(col(ExamRegistration.id) == registration_id)
        .where(col(ExamRegistration.status).in_(CANCELLABLE))
        .values(status="cancelled", cancelled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return answer(CancelOutcome.NOT_CANCELLABLE)
    session.execute(
        update(ExamSession)
        .where(col(ExamSession.id) == exam.id)
        .where(col(ExamSession.seats_taken) > 0)
        .values(seats_taken=col(ExamSession.seats_taken) - 1)
        .execution_options(synchronize_session=False)
    )
    return answer(CancelOutcome.CANCELLED)
