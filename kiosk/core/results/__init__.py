"""成績查詢 Scores: a candidate's released results, part by part, with the pass mark, 通過 /
未通過 and the certificate number of a result that passed. Staff's import and release are in
``kiosk.core.results.scores``, re-check applications in ``kiosk.core.results.recheck``.

Like ``kiosk.core.exams``: a ``Session`` and plain values in, small frozen views out; reads write
no audit row. A candidate sees only their own results, and only released ones: nothing of a
result exists for the candidate before ``scores release``.

The pass rule: a part passes at the pass mark or more, and a result passes when every part it
was judged on does. iPAS's own rule could not be read in any source (``assets/DATA-SOURCES.md``),
so the mark is a setting (``Settings.pass_mark``, our default 70), fixed on each result when it is
released (``exam_result.pass_mark``): a later change of the setting does not rejudge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.exams import SessionView
from kiosk.core.taiwan_time import to_local
from kiosk.infra.config import Settings
from kiosk.infra.tables import ExamResult, ExamScore, ExamSession, RecheckApplication


@dataclass(frozen=True)
class RecheckView:
    """A re-check application of one part: its status and, once decided, the outcome."""

    id: int
    status: str  # submitted | unchanged | corrected
    fee: int
    old_score: int
    new_score: int | None
    applied_at: datetime  # Taiwan time
    decided_at: datetime | None

    @classmethod
    def of(cls, row: RecheckApplication) -> RecheckView:
        assert row.id is not None
        return cls(
            id=row.id,
            status=row.status,
            fee=row.fee,
            old_score=row.old_score,
            new_score=row.new_score,
            applied_at=to_local(row.applied_at),
            decided_at=to_local(row.decided_at) if row.decided_at else None,
        )


@dataclass(frozen=True)
class PartView:
    """One part (科目) of a result."""

    score_id: int
    part: str
    score: int
    pass_mark: int
    recheck: RecheckView | None

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark


@dataclass(frozen=True)
class ResultView:
    """A released result: the exam, its parts, 通過 / 未通過, the certificate number when passed,
    and until when a re-check may be applied for (Taiwan time)."""

    id: int
    session: SessionView
    parts: tuple[PartView, ...]
    passed: bool
    pass_mark: int
    certificate_number: str | None
    released_at: datetime
    recheck_until: datetime
    recheck_open: bool

    def title(self, language: str) -> str:
        return self.session.title(language)


def recheck_deadline(released_at: datetime, settings: Settings) -> datetime:
    """The end of the re-check window of a result released at ``released_at`` (naive UTC)."""
    return released_at + timedelta(days=settings.recheck_days)


def judge(scores: list[int], pass_mark: int) -> bool:
    """The pass rule (see the module docstring): every part at the pass mark or more."""
    return bool(scores) and all(score >= pass_mark for score in scores)


def certificate_number(result: ExamResult, exam: ExamSession) -> str:
    """Our certificate number for a result that passed: ``iPAS-<exam year>-<result id>``.

    iPAS's own numbering is not known here; this one is unique (the result's id) and readable.
    """
    return f"iPAS-{to_local(exam.starts_at).year}-{result.id:06d}"


def list_results(
    session: Session,
    *,
    candidate_id: int,
    settings: Settings,
    clock: Clock | None = None,
) -> list[ResultView]:
    """成績查詢: the candidate's released results, the latest exam first."""
    now = now_of(clock)
    rows = session.exec(
        select(ExamResult, ExamSession)
        .where(ExamResult.session_id == ExamSession.id)
        .where(ExamResult.candidate_id == candidate_id)
        .where(col(ExamResult.released_at).is_not(None))
        .order_by(col(ExamSession.starts_at).desc(), col(ExamResult.id))
    ).all()
    if not rows:
        return []
    ids = [result.id for result, _ in rows]
    scores: dict[int, list[tuple[ExamScore, RecheckApplication | None]]] = {}
    for score, application in session.exec(
        select(ExamScore, RecheckApplication)
        .join(
            RecheckApplication,
            col(RecheckApplication.score_id) == col(ExamScore.id),
            isouter=True,
        )
        .where(col(ExamScore.result_id).in_(ids))
        .order_by(col(ExamScore.id))
    ):
        scores.setdefault(score.result_id, []).append((score, application))
    views = []
    for result, exam in rows:
        assert result.id is not None and result.released_at is not None
        mark = result.pass_mark if result.pass_mark is not None else settings.pass_mark
        parts = tuple(
            PartView(
                score_id=score.id or 0,
                part=score.part,
                score=score.score,
                pass_mark=mark,
                recheck=RecheckView.of(application) if application is not None else None,
            )
            for score, application in _in_subject_order(scores.get(result.id, []), exam)
        )
        until = recheck_deadline(result.released_at, settings)
        views.append(
            ResultView(
                id=result.id,
                session=SessionView.of(exam, now),
                parts=parts,
                passed=bool(result.passed),
                pass_mark=mark,
                certificate_number=result.certificate_number if result.passed else None,
                released_at=to_local(result.released_at),
                recheck_until=to_local(until),
                recheck_open=now < until,
            )
        )
    return views


def _in_subject_order(
    items: list[tuple[ExamScore, RecheckApplication | None]], exam: ExamSession
) -> list[tuple[ExamScore, RecheckApplication | None]]:
    """Parts in the order the subject lists them (科目一 before 科目二)."""
    from kiosk.infra import assets

    found = assets.subject(exam.subject, exam.level)
    order = {part: n for n, part in enumerate(found.exam_parts)} if found else {}
    return sorted(items, key=lambda item: (order.get(item[0].part, len(order)), item[0].id or 0))
