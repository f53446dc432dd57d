"""線上繳件申請 Online document submission: a registration in 待補件 (``documents_pending``)
gets its missing documents from the candidate; staff accept or reject each (a rejection's
reason is what the candidate reads), and accepting the last missing one moves the registration
to 已報名 (``registered``). The files themselves: ``kiosk.core.documents.files``.

What a registration needs is a row per document (``registration_document``: kind, status
missing → submitted → accepted | rejected → submitted …). Staff ask for them with
:func:`request` (``ipas-kiosk documents request``); a registration put in 待補件 without rows
(``sessions set-status``) needs one document of kind ``other``, made when it is submitted.

Like ``kiosk.core.exams``: a ``Session`` and plain values in, a small result out, an audit event
for every change (never a file's name: it may hold a name or an ID number; its SHA-256 instead).
Every write first locks the candidate's row (``kiosk.core.exams.lock_candidate``), as exam
registrations do: one lock order, so a submission, a decision and a status change of one
candidate never deadlock, and each status change is a conditional UPDATE: a submission and a
decision racing on one document cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core import audit
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.documents.files import StoredFile, is_kept
from kiosk.core.exams import RegistrationView, lock_candidate
from kiosk.core.helpdesk.actions import clean_reason
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff
from kiosk.core.taiwan_time import to_local
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate, ExamRegistration, ExamSession, RegistrationDocument

KINDS = ("id_proof", "education_proof", "experience_proof", "other")
"""What may be asked for: 身分證明文件, 學歷證明, 工作經驗證明, 其他證明文件 (our list: the
portal's own list was not found)."""
DEFAULT_KIND = "other"
SUBMITTABLE = ("missing", "rejected")


@dataclass(frozen=True)
class DocumentView:
    """One document a registration needs, with its review state (times in Taiwan time)."""

    id: int | None  # None: the one ``other`` document of a registration without rows
    registration_id: int
    kind: str
    status: str
    media_type: str
    size: int | None
    submitted_at: datetime | None
    reason: str
    can_submit: bool

    @property
    def kind_key(self) -> str:
        return f"documents.kind.{self.kind}"

    @property
    def status_key(self) -> str:
        return f"documents.status.{self.status}"


@dataclass(frozen=True)
class RegistrationDocuments:
    registration: RegistrationView
    documents: tuple[DocumentView, ...]


def _view(row: RegistrationDocument, pending: bool) -> DocumentView:
    return DocumentView(
        id=row.id,
        registration_id=row.registration_id,
        kind=row.kind,
        status=row.status,
        media_type=row.media_type,
        size=row.size,
        submitted_at=to_local(row.submitted_at) if row.submitted_at else None,
        reason=row.reason if row.status == "rejected" else "",
        can_submit=pending and row.status in SUBMITTABLE,
    )


def list_documents(
    session: Session,
    *,
    candidate_id: int,
    settings: Settings,
    clock: Clock | None = None,
) -> list[RegistrationDocuments]:
    """The candidate's registrations in 待補件, and those with documents on record, each with
    its documents; soonest exam first."""
    del settings
    now = now_of(clock)
    rows = session.exec(
        select(ExamRegistration, ExamSession)
        .where(ExamRegistration.session_id == ExamSession.id)
        .where(ExamRegistration.candidate_id == candidate_id)
        .order_by(col(ExamSession.starts_at), col(ExamRegistration.id))
    ).all()
    if not rows:
        return []
    ids = [registration.id for registration, _ in rows]
    documents: dict[int, list[RegistrationDocument]] = {}
    for document in session.exec(
        select(RegistrationDocument)
        .where(col(RegistrationDocument.registration_id).in_(ids))
        .order_by(col(RegistrationDocument.id))
    ):
        documents.setdefault(document.registration_id, []).append(document)
    out = []
    for registration, exam in rows:
        assert registration.id is not None
        pending = registration.status == "documents_pending"
        found = documents.get(registration.id, [])
        if not found and not pending:
            continue
        views = tuple(_view(row, pending) for row in found) or (
            DocumentView(
                id=None,
                registration_id=registration.id,
                kind=DEFAULT_KIND,
                status="missing",
                media_type="",
                size=None,
                submitted_at=None,
                reason="",
                can_submit=True,
            ),
        )
        out.append(RegistrationDocuments(RegistrationView.of(registration, exam, now), views))
    return out


class SubmitOutcome(StrEnum):
    SUBMITTED = "submitted"
    NOT_PENDING = "not_pending"  # the registration is not in 待補件 (any more)
    ALREADY = "already"  # submitted or accepted meanwhile
    NOT_KEPT = "not_kept"  # the checked file is not in the documents folder
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    message_key: str

    @property
    def ok(self) -> bool:
        return self.outcome is SubmitOutcome.SUBMITTED


def submit(
    session: Session,
    *,
    candidate_id: int,
    registration_id: int,
    kind: str,
    stored: StoredFile,
    settings: Settings,
    clock: Clock | None = None,
) -> SubmitResult:
    """Record a checked, kept file (``files.take``) as the registration's document of ``kind``."""
    now = now_of(clock)
    candidate = session.get(Candidate, candidate_id)
    registration = session.get(ExamRegistration, registration_id)
    trail = audit.Trail(session, settings, now, "document_submit")

    def answer(outcome: SubmitOutcome) -> SubmitResult:
        trail(
            outcome.value,
            candidate=candidate,
            detail=f"registration={registration_id}; kind={kind[:20]}; "
            f"sha256={stored.sha256[:16]}; size={stored.size}; type={stored.media_type[:20]}",
        )
        return SubmitResult(outcome, f"documents.submit.{outcome.value}")

    if (
        candidate is None
        or registration is None
        or registration.candidate_id != candidate_id
        or kind not in KINDS
    ):
        return answer(SubmitOutcome.NOT_FOUND)
    if not is_kept(settings, stored):
        return answer(SubmitOutcome.NOT_KEPT)
    lock_candidate(session, candidate_id)  # the first write: see the module docstring
    session.refresh(registration)
    if registration.status != "documents_pending":
        return answer(SubmitOutcome.NOT_PENDING)
    rows = session.exec(
        select(RegistrationDocument).where(RegistrationDocument.registration_id == registration_id)
    ).all()
    row = next((r for r in rows if r.kind == kind), None)
    values = {
        "status": "submitted",
        "sha256": stored.sha256,
        "size": stored.size,
        "media_type": stored.media_type,
        "submitted_at": now,
        "decided_at": None,
        "decided_by": "",
        "reason": "",
    }
    if row is None:
        if rows or kind != DEFAULT_KIND:
            return answer(SubmitOutcome.NOT_FOUND)  # not asked for
        try:
            with session.begin_nested():
                session.add(
                    RegistrationDocument(
                        registration_id=registration_id,
                        kind=kind,
                        requested_at=now,
                        **values,  # type: ignore[arg-type]
                    )
                )
        except IntegrityError:  # the same candidate on another terminal, just now
            return answer(SubmitOutcome.ALREADY)
        return answer(SubmitOutcome.SUBMITTED)
    done = session.execute(
        update(RegistrationDocument)
        .where(col(RegistrationDocument.id) == row.id)
        .where(col(RegistrationDocument.status).in_(SUBMITTABLE))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return answer(SubmitOutcome.ALREADY)
    return answer(SubmitOutcome.SUBMITTED)


# --------------------------------------------------------------------------------------------
# Staff: ask for documents, the review queue, the decision


@dataclass(frozen=True)
class StaffResult:
    ok: bool
    message_key: str
    values: dict[str, str] = field(default_factory=dict)


def request(
    session: Session,
    *,
    staff: StaffView,
    registration_id: int,
    kinds: Iterable[str],
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> StaffResult:
    """Ask a registration for documents: a missing row per kind not asked for yet, and the
    registration to 待補件 if it is 已報名 (or already there)."""
    now = now_of(clock)
    wanted = list(dict.fromkeys(kinds))
    reason = clean_reason(reason)
    registration = session.get(ExamRegistration, registration_id)
    candidate = session.get(Candidate, registration.candidate_id) if registration else None
    trail = audit.Trail(session, settings, now, "document_request", staff=staff.account)

    def answer(outcome: str, **values: str) -> StaffResult:
        trail(
            outcome,
            candidate=candidate,
            detail=f"registration={registration_id}; kinds={','.join(k[:20] for k in wanted)}; "
            f"reason={reason}",
        )
        return StaffResult(outcome == "ok", f"documents.request.{outcome}", values)

    if not reason:
        return StaffResult(False, "staff.reason.required")
    if not wanted or any(kind not in KINDS for kind in wanted):
        return answer("kinds", kinds=", ".join(KINDS))
    if current_staff(session, staff) is None:
        return answer("denied")
    if registration is None or candidate is None:
        return answer("not_found")
    lock_candidate(session, candidate.id or 0)
    session.refresh(registration)
    if registration.status not in ("registered", "documents_pending"):
        return answer("status", status=registration.status)
    have = set(
        session.exec(
            select(RegistrationDocument.kind).where(
                RegistrationDocument.registration_id == registration_id
            )
        )
    )
    for kind in wanted:
        if kind not in have:
            session.add(
                RegistrationDocument(registration_id=registration_id, kind=kind, requested_at=now)
            )
    if registration.status == "registered":
        registration.status = "documents_pending"
        registration.updated_at = now
        session.add(registration)
    session.flush()
    return answer("ok")


@dataclass(frozen=True)
class QueueRow:
    """A submitted document waiting for a decision, as the staff queue shows it."""

    id: int
    registration_id: int
    account: str
    chinese_name: str
    subject: str
    level: str
    kind: str
    media_type: str
    size: int
    sha256: str
    submitted_at: datetime  # Taiwan time


def open_documents(
    session: Session, *, settings: Settings, clock: Clock | None = None, limit: int = 500
) -> list[QueueRow]:
    """Submitted documents still to decide, oldest first."""
    del settings, clock
    rows = session.exec(
        select(RegistrationDocument, ExamRegistration, ExamSession, Candidate)
        .where(RegistrationDocument.registration_id == ExamRegistration.id)
        .where(ExamRegistration.session_id == ExamSession.id)
        .where(ExamRegistration.candidate_id == Candidate.id)
        .where(RegistrationDocument.status == "submitted")
        .order_by(col(RegistrationDocument.submitted_at), col(RegistrationDocument.id))
        .limit(limit)
    ).all()
    return [
        QueueRow(
            id=document.id or 0,
            registration_id=registration.id or 0,
            account=candidate.account,
            chinese_name=candidate.chinese_name,
            subject=exam.subject,
            level=exam.level,
            kind=document.kind,
            media_type=document.media_type,
            size=document.size or 0,
            sha256=document.sha256 or "",
            submitted_at=to_local(document.submitted_at or document.requested_at),
        )
        for document, registration, exam, candidate in rows
    ]


def decide(
    session: Session,
    *,
    staff: StaffView,
    document_id: int,
    accept: bool,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> StaffResult:
    """Accept or reject a submitted document; the reason is required (the candidate reads a
    rejection's). Accepting the last document a registration in 待補件 needs moves it to 已報名,
    in the same transaction."""
    now = now_of(clock)
    reason = clean_reason(reason)
    document = session.get(RegistrationDocument, document_id)
    registration = session.get(ExamRegistration, document.registration_id) if document else None
    candidate = session.get(Candidate, registration.candidate_id) if registration else None
    trail = audit.Trail(session, settings, now, "document_decide", staff=staff.account)

    def answer(outcome: str, detail: str = "") -> StaffResult:
        trail(
            outcome,
            candidate=candidate,
            detail="; ".join(
                p for p in (f"document={document_id}", detail, f"reason={reason}") if p
            ),
        )
        return StaffResult(outcome in ("accepted", "rejected"), f"documents.decide.{outcome}")

    if not reason:
        return StaffResult(False, "staff.reason.required")
    if current_staff(session, staff) is None:
        return answer("denied")
    if document is None or registration is None or candidate is None:
        return answer("not_found")
    lock_candidate(session, candidate.id or 0)
    status = "accepted" if accept else "rejected"
    done = session.execute(
        update(RegistrationDocument)
        .where(col(RegistrationDocument.id) == document_id)
        .where(col(RegistrationDocument.status) == "submitted")
        .values(status=status, decided_at=now, decided_by=staff.account[:40], reason=reason)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return answer("already")
    if not accept:
        return answer("rejected", f"registration={registration.id}")
    left = session.exec(
        select(RegistrationDocument.id)
        .where(RegistrationDocument.registration_id == registration.id)
        .where(col(RegistrationDocument.status) != "accepted")
    ).first()
    if left is not None:
        return answer("accepted", f"registration={registration.id}")
    moved = session.execute(
        update(ExamRegistration)
        .where(col(ExamRegistration.id) == registration.id)
        .where(col(ExamRegistration.status) == "documents_pending")
        .values(status="registered", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    change = "; documents_pending->registered" if moved.rowcount else ""  # type: ignore[attr-defined]
    return answer("accepted", f"registration={registration.id}{change}")
