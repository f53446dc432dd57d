"""``ipas-kiosk seed --demo``: the demo candidates from ``assets/demo-candidates.toml``, and
clearly fictional exam sessions with registrations in every status for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from kiosk.core import audit, passwords
from kiosk.core.exams import ACTIVE
from kiosk.core.taiwan_time import to_local, to_utc
from kiosk.infra import assets
from kiosk.infra.config import Settings
from kiosk.infra.store import (
    Candidate,
    ExamRegistration,
    ExamSession,
    get_candidate_by_account,
    utcnow,
)

DEMO_VENUE = "示範考場（虛構）"
DEMO_ADDRESS = "示範市示範區示範路 1 號（虛構地址）"
DEMO_BRING = "身分證明文件正本、2B 鉛筆、橡皮擦"


@dataclass(frozen=True)
class DemoSession:
    """A fictional session, placed relative to the day of seeding so it stays current."""

    subject: str
    level: str
    room: str
    exam_in_days: int
    closes_in_days: int
    seats: int
    registrations: tuple[tuple[str, str], ...]  # (account, status)


DEMO_SESSIONS = (
    DemoSession("AI應用規劃師", "初級", "第一試場", 30, 14, 40, (("wang2026", "registered"),)),
    DemoSession("AI應用規劃師", "中級", "第二試場", 37, 20, 30, (("wang2026", "cancelled"),)),
    DemoSession(
        "資訊安全工程師",
        "初級",
        "第三試場",
        12,
        -2,
        30,
        (("wang2026", "confirmed"), ("maria.santos", "confirmed")),
    ),
    DemoSession(
        "淨零碳規劃管理師",
        "初級",
        "第四試場",
        45,
        25,
        2,
        (("wang2026", "paid"), ("maria.santos", "registered")),
    ),
    DemoSession(
        "AIoT應用工程師", "初級", "第五試場", 40, 21, 20, (("wang2026", "documents_pending"),)
    ),
    DemoSession("資訊安全工程師", "中級", "第六試場", 33, 18, 25, ()),
)


def seed_demo(session: Session, *, settings: Settings, now: datetime | None = None) -> list[str]:
    """Add the demo candidates that are missing, then the demo sessions and registrations that
    are missing; returns the accounts added (idempotent: seeding again adds nothing)."""
    added: list[str] = []
    now = now or utcnow()
    for entry in assets.demo_candidates():
        data = dict(entry)
        account = data.pop("account")
        if get_candidate_by_account(session=session, account=account) is not None:
            continue
        password = data.pop("password", None)
        row = Candidate(
            account=account,
            account_key=account.lower(),
            password_hash=(
                passwords.hash_password(password, settings.bcrypt_rounds) if password else None
            ),
            created_at=now,
            updated_at=now,
            **data,
        )
        session.add(row)
        session.flush()
        audit.Trail(session, settings, now, "seed")(
            "ok",
            account=account,
            candidate_id=row.id,
            detail=f"origin={row.origin}",
        )
        added.append(account)
    seed_demo_exams(session, settings=settings, now=now)
    return added


def seed_demo_exams(session: Session, *, settings: Settings, now: datetime) -> int:
    """The demo sessions (at the fictional 示範考場) and their registrations. A session already
    there (same subject, level and room, whatever its date) is left alone. Returns how many were
    added."""
    today = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    added = 0
    for demo in DEMO_SESSIONS:
        venue = f"{DEMO_VENUE}{demo.room}"
        found = session.exec(
            select(ExamSession.id).where(
                ExamSession.subject == demo.subject,
                ExamSession.level == demo.level,
                ExamSession.venue == venue,
            )
        ).first()
        if found is not None:
            continue
        day = today + timedelta(days=demo.exam_in_days)
        row = ExamSession(
            subject=demo.subject,
            level=demo.level,
            starts_at=to_utc(day.replace(hour=9, minute=30)),
            ends_at=to_utc(day.replace(hour=11, minute=30)),
            venue=venue,
            address=DEMO_ADDRESS,
            seats=demo.seats,
            seats_taken=0,  # counted below from the registrations actually added
            registration_opens_at=to_utc(today - timedelta(days=10)),
            registration_closes_at=to_utc(
                (today + timedelta(days=demo.closes_in_days)).replace(hour=17)
            ),
            bring=DEMO_BRING,
            created_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        added += 1
        taken = 0
        for account, status in demo.registrations:
            candidate = get_candidate_by_account(session=session, account=account)
            if candidate is None or candidate.id is None:
                continue
            taken += status in ACTIVE
            session.add(
                ExamRegistration(
                    candidate_id=candidate.id,
                    session_id=row.id,
                    status=status,
                    registered_at=now - timedelta(days=3),
                    updated_at=now,
                    cancelled_at=now if status == "cancelled" else None,
                )
            )
        row.seats_taken = taken
        session.add(row)
        audit.Trail(session, settings, now, "exam_session")(
            "seeded",
            detail=f"{demo.subject} {demo.level} id={row.id}",
        )
    return added
