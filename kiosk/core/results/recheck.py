"""成績複查申請 Score re-check: the candidate applies for parts of a released result within the
re-check window; staff decide each application (score unchanged, or corrected to a new score).

The window is ``Settings.recheck_days`` days from the release and the fee ``Settings.recheck_fee``
NT$ a part: iPAS's own rule could not be read in any source, so both are settings with our
defaults (``assets/DATA-SOURCES.md``). The fee in force when the candidate applies is kept on
the application.

A part is re-checked at most once: ``recheck_application.score_id`` is UNIQUE, so a second
application — a double press, or the same candidate on two terminals at once — fails in the
database and is answered "already applied", however the two interleave. A decision is one
conditional UPDATE (``WHERE status = 'submitted'``): two staff deciding at once, one wins.
A corrected score rejudges its result at the pass mark it was released with; a result that now
passes gets its certificate number, one that no longer passes loses it.
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
from kiosk.core.exams import lock_candidate
from kiosk.core.helpdesk.actions import clean_reason
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff
from kiosk.core.results import certificate_number, judge, recheck_deadline
from kiosk.core.taiwan_time import to_local
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate, ExamResult, ExamScore, ExamSession, RecheckApplication

MAX_PARTS = 10  # no result has more parts; a longer list is refused before any work


class ApplyOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY = "already"  # every chosen part has an application already
    CLOSED = "closed"  # the window has ended
    NONE_CHOSEN = "none_chosen"
    NOT_FOUND = "not_found"  # not this candidate's released score


@dataclass(frozen=True)
class ApplyResult:
    outcome: ApplyOutcome
    message_key: str
    applied: int = 0
    already: int = 0
    fee_total: int = 0
    values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome is ApplyOutcome.APPLIED


def apply(
    session: Session,
    *,
    candidate_id: int,
    score_ids: Iterable[int],
    settings: Settings,
    clock: Clock | None = None,
) -> ApplyResult:
    """Apply for a re-check of each chosen part (each a score of one released result of this
    candidate, within its window); parts applied for before are counted, not applied again."""
    now = now_of(clock)
    chosen = sorted(set(score_ids))[: MAX_PARTS + 1]
    candidate = session.get(Candidate, candidate_id)
    trail = audit.Trail(session, settings, now, "recheck_apply")

    def answer(outcome: ApplyOutcome, applied: int = 0, already: int = 0) -> ApplyResult:
        trail(
            outcome.value,
            candidate=candidate,
            account=candidate.account if candidate else "",
            candidate_id=candidate_id if candidate else None,
            detail=f"scores={','.join(map(str, chosen))}; applied={applied}; already={already}",
        )
        fee = applied * settings.recheck_fee
        return ApplyResult(
            outcome,
            f"results.recheck.{outcome.value}",
            applied=applied,
            already=already,
            fee_total=fee,
            values={"count": str(applied), "fee": f"{fee:,}", "already": str(already)},
        )

    if not chosen:
        return answer(ApplyOutcome.NONE_CHOSEN)
    if candidate is None or len(chosen) > MAX_PARTS:
        return answer(ApplyOutcome.NOT_FOUND)
    rows = session.exec(
        select(ExamScore, ExamResult)
        .where(ExamScore.result_id == ExamResult.id)
        .where(col(ExamScore.id).in_(chosen))
        .where(ExamResult.candidate_id == candidate_id)
        .where(col(ExamResult.released_at).is_not(None))
    ).all()
    if len(rows) != len(chosen):
        return answer(ApplyOutcome.NOT_FOUND)
    if any(
        result.released_at is None or now >= recheck_deadline(result.released_at, settings)
        for _, result in rows
    ):
        return answer(ApplyOutcome.CLOSED)
    lock_candidate(session, candidate_id)  # one candidate's applications one at a time
    applied = already = 0
    for score, _ in rows:
        assert score.id is not None
        try:
            with session.begin_nested():
                session.add(
                    RecheckApplication(
                        score_id=score.id,
                        candidate_id=candidate_id,
                        fee=settings.recheck_fee,
                        status="submitted",
                        old_score=score.score,
                        applied_at=now,
                    )
                )
            applied += 1
        except IntegrityError:  # applied before, here or on another terminal
            already += 1
    if not applied:
        return answer(ApplyOutcome.ALREADY, already=already)
    return answer(ApplyOutcome.APPLIED, applied, already)


# --------------------------------------------------------------------------------------------
# Staff: the queue and the decision


@dataclass(frozen=True)
class QueueRow:
    """An application waiting for a decision, as the staff queue shows it."""

    id: int
    account: str
    chinese_name: str
    subject: str
    level: str
    part: str
    old_score: int
    fee: int
    applied_at: datetime  # Taiwan time


def open_applications(
    session: Session, *, settings: Settings, clock: Clock | None = None, limit: int = 500
) -> list[QueueRow]:
    """The applications still to decide, oldest first."""
    del settings, clock
    rows = session.exec(
        select(RecheckApplication, ExamScore, ExamSession, Candidate)
        .where(RecheckApplication.score_id == ExamScore.id)
        .where(ExamScore.result_id == ExamResult.id)
        .where(ExamResult.session_id == ExamSession.id)
        .where(RecheckApplication.candidate_id == Candidate.id)
        .where(RecheckApplication.status == "submitted")
        .order_by(col(RecheckApplication.applied_at), col(RecheckApplication.id))
        .limit(limit)
    ).all()
    return [
        QueueRow(
            id=application.id or 0,
            account=candidate.account,
            chinese_name=candidate.chinese_name,
            subject=exam.subject,
            level=exam.level,
            part=score.part,
            old_score=application.old_score,
            fee=application.fee,
            applied_at=to_local(application.applied_at),
        )
        for application, score, exam, candidate in rows
    ]


@dataclass(frozen=True)
class DecideResult:
    ok: bool
    message_key: str
    values: dict[str, str] = field(default_factory=dict)


def decide(
    session: Session,
    *,
    staff: StaffView,
    application_id: int,
    corrected_score: int | None,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> DecideResult:
    """Decide an application: ``corrected_score`` None means the score stands (unchanged), a
    number is the corrected score. The reason is required and audited with the staff account."""
    now = now_of(clock)
    reason = clean_reason(reason)
    application = session.get(RecheckApplication, application_id)
    candidate = session.get(Candidate, application.candidate_id) if application else None
    trail = audit.Trail(session, settings, now, "recheck_decide", staff=staff.account)

    def answer(outcome: str, detail: str = "", **values: str) -> DecideResult:
        trail(
            outcome,
            candidate=candidate,
            detail="; ".join(
                p for p in (f"application={application_id}", detail, f"reason={reason}") if p
            ),
        )
        return DecideResult(
            outcome in ("unchanged", "corrected"), f"results.decide.{outcome}", values
        )

    if not reason:
        return DecideResult(False, "staff.reason.required")
    if current_staff(session, staff) is None:
        return answer("denied")
    if application is None or candidate is None:
        return answer("not_found")
    if corrected_score is not None and not 0 <= corrected_score <= 100:
        return answer("invalid_score")
    if corrected_score == application.old_score:
        corrected_score = None  # the same score is no correction
    status = "unchanged" if corrected_score is None else "corrected"
    lock_candidate(session, candidate.id or 0)  # the same lock order as the candidate's side
    done = session.execute(
        update(RecheckApplication)
        .where(col(RecheckApplication.id) == application_id)
        .where(col(RecheckApplication.status) == "submitted")
        .values(
            status=status,
            new_score=corrected_score,
            decided_at=now,
            decided_by=staff.account[:40],
            reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return answer("already")
    if corrected_score is None:
        return answer("unchanged", f"score={application.old_score}")
    score = session.get(ExamScore, application.score_id)
    assert score is not None
    score.score = corrected_score
    score.updated_at = now
    session.add(score)
    session.flush()
    result = session.get(ExamResult, score.result_id)
    exam = session.get(ExamSession, result.session_id) if result else None
    assert result is not None and exam is not None
    was = bool(result.passed)
    scores = list(session.exec(select(ExamScore.score).where(ExamScore.result_id == result.id)))
    mark = result.pass_mark if result.pass_mark is not None else settings.pass_mark
    result.passed = judge(scores, mark)
    result.certificate_number = (
        result.certificate_number or certificate_number(result, exam) if result.passed else None
    )
    result.updated_at = now
    session.add(result)
    change = f"score={application.old_score}->{corrected_score}"
    if was != result.passed:
        change += f"; passed={was}->{result.passed}"
    return answer("corrected", change, score=str(corrected_score))
