"""``ipas-kiosk seed --demo``: the demo candidates from ``assets/demo-candidates.toml``, and
clearly fictional exam sessions with registrations in every status for them; past sessions with
released results for ``wang2026`` (one passed, one to re-check), the documents its 待補件
registration needs, and a sample PDF (made here) in the first document source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from kiosk.core import audit, passwords
from kiosk.core.exams import ACTIVE
from kiosk.core.taiwan_time import to_local, to_utc
from kiosk.infra import assets
from kiosk.infra.config import Settings
from kiosk.infra.store import get_candidate_by_account
from kiosk.infra.tables import Candidate, ExamRegistration, ExamSession, utcnow

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
    seed_demo_results(session, settings=settings, now=now)
    seed_demo_documents(session, settings=settings, now=now)
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


@dataclass(frozen=True)
class DemoResult:
    """A fictional past session of ``wang2026`` whose scores were released three days ago."""

    subject: str
    level: str
    room: str
    scores: tuple[tuple[str, int], ...]


DEMO_RESULTS = (
    # passed, with a certificate number, re-check window still open; 科目1 and one of 科目2/3
    DemoResult(
        "AI應用規劃師",
        "中級",
        "第七試場",
        (("人工智慧技術應用與規劃", 82), ("機器學習技術與應用", 76)),
    ),
    # one part under the pass mark: the one to re-check (wang2026 has paid to sit it again)
    DemoResult(
        "淨零碳規劃管理師",
        "初級",
        "第八試場",
        (("淨零碳規劃管理基礎概論", 68), ("淨零碳盤查規範與程序概要", 75)),
    ),
)
DEMO_EXAM_DAYS_AGO = 30
DEMO_RELEASED_DAYS_AGO = 3


def seed_demo_results(session: Session, *, settings: Settings, now: datetime) -> int:
    """Past sessions at 示範考場 with ``wang2026``'s released results (judged by the pass rule
    of ``kiosk.core.results`` at ``settings.pass_mark``). A session already there is left
    alone. Returns how many were added."""
    from kiosk.core.results import certificate_number, judge
    from kiosk.infra.tables import ExamResult, ExamScore

    candidate = get_candidate_by_account(session=session, account="wang2026")
    if candidate is None or candidate.id is None:
        return 0
    today = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day = today - timedelta(days=DEMO_EXAM_DAYS_AGO)
    added = 0
    for demo in DEMO_RESULTS:
        venue = f"{DEMO_VENUE}{demo.room}"
        if _demo_session_id(session, demo.subject, demo.level, venue) is not None:
            continue
        exam = ExamSession(
            subject=demo.subject,
            level=demo.level,
            starts_at=to_utc(day.replace(hour=9, minute=30)),
            ends_at=to_utc(day.replace(hour=11, minute=30)),
            venue=venue,
            address=DEMO_ADDRESS,
            seats=30,
            seats_taken=1,
            registration_opens_at=to_utc(day - timedelta(days=60)),
            registration_closes_at=to_utc((day - timedelta(days=14)).replace(hour=17)),
            bring=DEMO_BRING,
            created_at=now,
        )
        session.add(exam)
        session.flush()
        assert exam.id is not None
        registration = ExamRegistration(
            candidate_id=candidate.id,
            session_id=exam.id,
            status="confirmed",
            registered_at=to_utc(day - timedelta(days=40)),
            updated_at=now,
        )
        session.add(registration)
        session.flush()
        assert registration.id is not None
        released = now - timedelta(days=DEMO_RELEASED_DAYS_AGO)
        result = ExamResult(
            registration_id=registration.id,
            candidate_id=candidate.id,
            session_id=exam.id,
            pass_mark=settings.pass_mark,
            released_at=released,
            created_at=released,
            updated_at=released,
        )
        session.add(result)
        session.flush()
        for part, score in demo.scores:
            assert result.id is not None
            session.add(ExamScore(result_id=result.id, part=part, score=score, updated_at=released))
        result.passed = judge([score for _, score in demo.scores], settings.pass_mark)
        result.certificate_number = certificate_number(result, exam) if result.passed else None
        session.add(result)
        added += 1
        audit.Trail(session, settings, now, "scores_release")(
            "seeded", detail=f"{demo.subject} {demo.level} session={exam.id}"
        )
    return added


def _demo_session_id(session: Session, subject: str, level: str, venue: str) -> int | None:
    return session.exec(
        select(ExamSession.id).where(
            ExamSession.subject == subject, ExamSession.level == level, ExamSession.venue == venue
        )
    ).first()


DEMO_DOCUMENT_KIND = "education_proof"
SAMPLE_PDF = "demo-transcript.pdf"


def seed_demo_documents(session: Session, *, settings: Settings, now: datetime) -> bool:
    """The document ``wang2026``'s 待補件 registration needs (a proof of education), and a
    sample PDF to submit for it in the first document source (made here with Pillow: fictional
    text, nothing copied). Returns True when the requirement was added."""
    from kiosk.infra.tables import RegistrationDocument

    sample_pdf(settings)
    candidate = get_candidate_by_account(session=session, account="wang2026")
    if candidate is None:
        return False
    registration = session.exec(
        select(ExamRegistration)
        .where(ExamRegistration.candidate_id == candidate.id)
        .where(ExamRegistration.status == "documents_pending")
    ).first()
    if registration is None or registration.id is None:
        return False
    if session.exec(
        select(RegistrationDocument.id).where(
            RegistrationDocument.registration_id == registration.id
        )
    ).first():
        return False
    session.add(
        RegistrationDocument(
            registration_id=registration.id, kind=DEMO_DOCUMENT_KIND, requested_at=now
        )
    )
    return True


def sample_pdf(settings: Settings) -> Path | None:
    """Write the demo's sample PDF into the first document source (once); None when no source
    is configured or it cannot be written."""
    if not settings.document_sources:
        return None
    folder = Path(settings.document_sources[0])
    target = folder / SAMPLE_PDF
    if target.is_file():
        return target
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (420, 594), "white")  # A5 at 72 dpi
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(
        (
            "ipas-kiosk demo document",
            "FICTIONAL - for the demo only",
            "Proof of education (sample)",
            "WANG SIAO-MING",
        )
    ):
        draw.text((40, 60 + 30 * n), line, fill="black")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        page.save(target, format="PDF")
    except OSError:
        return None
    return target
