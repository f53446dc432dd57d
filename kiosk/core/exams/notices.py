"""考試通知/考場: the exam notices of a candidate's confirmed registrations, as plain text for the
screen and by e-mail (``kiosk.core.delivery.send_notice``; logged in ``Delivery`` and the audit
trail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from kiosk.core import audit, delivery
from kiosk.core.exams import Clock, RegistrationView, list_registrations, now_of
from kiosk.core.taiwan_time import to_utc
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t
from kiosk.infra.tables import Candidate, Delivery


@dataclass(frozen=True)
class Notices:
    notices: list[RegistrationView] = field(default_factory=list)
    email_masked: str = ""  # where "send to my e-mail" goes; empty when none is on record


def exam_notices(
    session: Session,
    *,
    candidate_id: int,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> Notices:
    """The confirmed registrations whose exam has not ended yet, soonest first."""
    del settings
    now = now_of(clock)
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        return Notices()
    views = [
        v
        for v in list_registrations(session, candidate_id=candidate_id, clock=clock)
        if v.status == "confirmed" and to_utc(v.session.ends_at) > now
    ]
    views.sort(key=lambda v: v.session.starts_at)
    email = delivery.mask_email(candidate.email) if candidate.email else ""
    return Notices(views, email)


def notice_text(view: RegistrationView, language: str) -> str:
    """One exam notice as plain text (the screen shows it; the e-mail carries it)."""
    s = view.session
    lines = [
        t("exams.notice.heading", language, title=s.title(language)),
        t("exams.notice.number", language, number=str(view.id)),
        t("exams.notice.when", language, when=s.when(language)),
        t("exams.notice.venue", language, venue=s.venue),
        t("exams.notice.address", language, address=s.address or "-"),
        t(
            "exams.notice.bring",
            language,
            bring=s.bring or t("exams.notice.bring_default", language),
        ),
        t("exams.notice.arrive", language),
    ]
    return "\n".join(lines)


class NoticeOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    NO_EMAIL = "no_email"
    NOTHING = "nothing"  # no confirmed registration to send
    THROTTLED = "throttled"  # sent too often in the query window


@dataclass(frozen=True)
class NoticeResult:
    outcome: NoticeOutcome
    message_key: str
    destination_masked: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is NoticeOutcome.SENT


def send_notice(
    session: Session,
    *,
    candidate_id: int,
    settings: Settings,
    registration_id: int | None = None,
    language: str = "zh-TW",
    clock: Clock | None = None,
    send: Callable[..., delivery.SendResult] | None = None,
) -> NoticeResult:
    """Send the exam notice(s) to the candidate's registered e-mail: one registration, or every
    confirmed one. Logged in ``Delivery`` (masked) and the audit trail.

    At most ``settings.query_limit`` sends per candidate in ``query_window_seconds`` (a kiosk
    button must not become a mail cannon). The transaction that counts the send is committed
    before the mail server is contacted — a slow server holds no database lock — and the
    ``Delivery`` row and audit event are written after it answered."""
    now = now_of(clock)
    candidate = session.get(Candidate, candidate_id)
    found = exam_notices(session, candidate_id=candidate_id, clock=clock).notices
    if registration_id is not None:
        found = [v for v in found if v.id == registration_id]
    account = candidate.account if candidate else ""
    email = candidate.email if candidate else ""

    trail = audit.Trail(session, settings, now, "exam_notice")

    def answer(outcome: NoticeOutcome, masked: str = "") -> NoticeResult:
        trail(
            outcome.value,
            account=account,
            candidate_id=candidate_id if candidate else None,
            detail="registrations=" + ",".join(str(v.id) for v in found),
        )
        return NoticeResult(outcome, f"exams.notice.{outcome.value}", masked)

    if candidate is None or not found:
        return answer(NoticeOutcome.NOTHING)
    if not email:
        return answer(NoticeOutcome.NO_EMAIL)
    allowed = audit.hit(
        session,
        audit.throttle_key("notice:candidate", str(candidate_id)),
        limit=settings.query_limit,
        window_seconds=settings.query_window_seconds,
        now=now,
    )
    if not allowed:
        return answer(NoticeOutcome.THROTTLED)
    session.commit()  # the count is stored; no lock is held while the message travels
    body = "\n\n".join(notice_text(v, language) for v in found)
    result = (send or delivery.send_notice)(
        settings,
        channel="email",
        to=email,
        subject=t("exams.notice.subject", language),
        body=body,
        language=language,
    )
    session.add(
        Delivery(
            at=now,
            candidate_id=candidate_id,
            channel="email",
            transport=result.transport,
            destination_masked=result.destination_masked[:80],
            purpose="exam_notice",
            status="sent" if result.ok else "failed",
            error=result.error[:200],
        )
    )
    outcome = NoticeOutcome.SENT if result.ok else NoticeOutcome.FAILED
    return answer(outcome, result.destination_masked)
