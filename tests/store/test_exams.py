"""Exam sessions and registrations, every outcome, on a real SQLite file and the real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select

from kiosk.core import delivery, exams
from kiosk.core.delivery import SendResult, list_outbox
from kiosk.core.demo import DEMO_RESULTS, DEMO_SESSIONS, seed_demo, seed_demo_exams
from kiosk.core.exams import CancelOutcome, RegisterOutcome
from kiosk.core.exams import notices as exam_notices
from kiosk.core.exams import sessions as exam_sessions
from kiosk.core.exams.notices import NoticeOutcome
from kiosk.core.exams.sessions import NewSession
from kiosk.core.taiwan_time import to_local, to_utc
from kiosk.infra.config import Settings
from kiosk.infra.i18n import catalog
from kiosk.infra.store import Store, get_candidate_by_account
from kiosk.infra.tables import (
    AuditEvent,
    Candidate,
    Delivery,
    ExamRegistration,
    ExamResult,
    ExamScore,
    ExamSession,
    RegistrationDocument,
    Throttle,
)
from tests.conftest import make_settings

NOW = datetime(2026, 11, 25, 2, 0, 0)  # 10:00 in Taiwan
MINE = {"exam_session", "exam_registration"}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def demo(store: Store, settings: Settings) -> Store:
    with store.session() as session:
        seed_demo(session, settings=settings, now=NOW)
    return store


def candidate_id(store: Store, account: str) -> int:
    with store.session() as session:
        row = get_candidate_by_account(session=session, account=account)
        assert row is not None and row.id is not None
        return row.id


def new_session(**changes: object) -> NewSession:
    """A session in Taiwan time: exam in a month, registration open from yesterday for 2 weeks."""
    local = to_local(NOW)
    data = NewSession(
        subject="電磁相容工程師",
        level="初級",
        starts_at=local.replace(hour=9, minute=0) + timedelta(days=30),
        ends_at=local.replace(hour=12, minute=0) + timedelta(days=30),
        venue="測試考場 A",
        address="測試市測試路 1 號",
        seats=3,
        opens_at=local - timedelta(days=1),
        closes_at=local + timedelta(days=14),
        bring="身分證",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def add(store: Store, settings: Settings, clock: Clock, **changes: object) -> int:
    with store.session() as session:
        result = exam_sessions.add_session(
            session, data=new_session(**changes), settings=settings, actor="amy", clock=clock
        )
    assert result.ok and result.session is not None, result.errors
    return result.session.id


def register(store: Store, settings: Settings, clock: Clock, account: str, session_id: int):
    with store.session() as session:
        return exams.register(
            session,
            candidate_id=candidate_id(store, account),
            session_id=session_id,
            settings=settings,
            clock=clock,
        )


def seats_taken(store: Store, session_id: int) -> int:
    with store.session() as session:
        row = session.get(ExamSession, session_id)
        assert row is not None
        return row.seats_taken


def audit_of(store: Store, kind: str) -> list[str]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.id))
        return [e.outcome for e in session.exec(query)]


def test_migrations_match_the_models_for_the_exam_tables(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    mine = [d for d in diffs if MINE & set(str(d).replace("'", " ").split())]
    assert mine == []
    assert set(SQLModel.metadata.tables) >= MINE


def test_register_takes_a_seat_and_is_audited(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    result = register(demo, settings, clock, "wang2026", session_id)
    assert result.outcome is RegisterOutcome.REGISTERED and result.ok
    assert result.registration is not None and result.registration.status == "registered"
    assert result.registration.session.seats_left == 2 and result.registration.can_cancel
    assert seats_taken(demo, session_id) == 1
    assert audit_of(demo, "exam_register") == ["registered"]
    assert audit_of(demo, "exam_session")[-1] == "ok"


def test_a_second_registration_fails_for_the_session_and_for_the_subject(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    first = add(demo, settings, clock)
    other = add(demo, settings, clock, venue="測試考場 B")
    assert register(demo, settings, clock, "wang2026", first).ok
    again = register(demo, settings, clock, "wang2026", first)
    assert again.outcome is RegisterOutcome.ALREADY
    assert register(demo, settings, clock, "wang2026", other).outcome is RegisterOutcome.ALREADY
    assert (seats_taken(demo, first), seats_taken(demo, other)) == (1, 0)
    # the database itself refuses a second row, whatever the code above does
    with pytest.raises(IntegrityError), demo.session() as session:
        session.add(ExamRegistration(candidate_id=candidate_id(demo, "wang2026"), session_id=first))
    # nor a status outside the five
    maria = candidate_id(demo, "maria.santos")
    with pytest.raises(IntegrityError), demo.session() as session:
        session.add(ExamRegistration(candidate_id=maria, session_id=first, status="lost"))


def test_a_full_session_refuses_and_the_database_refuses_overbooking(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock, seats=1)
    assert register(demo, settings, clock, "wang2026", session_id).ok
    full = register(demo, settings, clock, "maria.santos", session_id)
    assert full.outcome is RegisterOutcome.FULL and full.message_key == "exams.register.full"
    assert seats_taken(demo, session_id) == 1
    with demo.session() as session:
        (view,) = exams.list_sessions(session, subject="電磁相容工程師", level="初級", clock=clock)
        assert (view.state, view.seats_left) == ("full", 0)
    with pytest.raises(IntegrityError), demo.session() as session:
        session.execute(
            update(ExamSession)
            .where(col(ExamSession.id) == session_id)
            .values(seats_taken=ExamSession.seats + 1)
        )


def test_registration_only_inside_the_window(demo: Store, settings: Settings, clock: Clock) -> None:
    session_id = add(demo, settings, clock)
    clock.now = NOW - timedelta(days=2)  # before it opens
    assert register(demo, settings, clock, "wang2026", session_id).outcome is RegisterOutcome.CLOSED
    clock.now = NOW + timedelta(days=15)  # after it closed
    assert register(demo, settings, clock, "wang2026", session_id).outcome is RegisterOutcome.CLOSED
    with demo.session() as session:
        assert (
            exams.list_sessions(session, subject="電磁相容工程師", level="初級", clock=clock) == []
        )
    assert seats_taken(demo, session_id) == 0


def test_an_incomplete_profile_cannot_register(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    result = register(demo, settings, clock, "linmeihua01", session_id)
    assert result.outcome is RegisterOutcome.INCOMPLETE_PROFILE
    assert seats_taken(demo, session_id) == 0


def test_cancel_gives_the_seat_back_and_allows_registering_again(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock, seats=1)
    registered = register(demo, settings, clock, "wang2026", session_id).registration
    assert registered is not None
    wang = candidate_id(demo, "wang2026")
    with demo.session() as session:
        result = exams.cancel(
            session,
            candidate_id=wang,
            registration_id=registered.id,
            settings=settings,
            clock=clock,
        )
    assert result.outcome is CancelOutcome.CANCELLED and result.ok
    assert seats_taken(demo, session_id) == 0
    with demo.session() as session:
        (view,) = [
            v
            for v in exams.list_registrations(session, candidate_id=wang, clock=clock)
            if v.session.id == session_id
        ]
        assert (view.status, view.can_cancel, view.next_step_key) == (
            "cancelled", False, "exams.next.cancelled",
        )  # fmt: skip
    assert register(demo, settings, clock, "maria.santos", session_id).ok  # the seat was free
    clock.now += timedelta(hours=1)
    assert register(demo, settings, clock, "wang2026", session_id).outcome is RegisterOutcome.FULL


def test_cancel_refuses_outside_the_window_paid_and_someone_elses(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    registration = register(demo, settings, clock, "wang2026", session_id).registration
    assert registration is not None
    wang, maria = candidate_id(demo, "wang2026"), candidate_id(demo, "maria.santos")

    def cancel(who: int) -> CancelOutcome:
        with demo.session() as session:
            return exams.cancel(
                session,
                candidate_id=who,
                registration_id=registration.id,
                settings=settings,
                clock=clock,
            ).outcome

    assert cancel(maria) is CancelOutcome.NOT_FOUND
    clock.now = NOW + timedelta(days=15)
    assert cancel(wang) is CancelOutcome.CLOSED
    clock.now = NOW
    with demo.session() as session:
        assert exam_sessions.set_status(
            session, registration_id=registration.id, status="paid", settings=settings, staff="amy"
        ).ok
    assert cancel(wang) is CancelOutcome.NOT_CANCELLABLE
    assert seats_taken(demo, session_id) == 1
    assert audit_of(demo, "exam_cancel") == ["not_found", "closed", "not_cancellable"]
    assert audit_of(demo, "exam_status") == ["ok"]


def test_set_status_refuses_unknown_statuses_and_registrations(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    registration = register(demo, settings, clock, "wang2026", session_id).registration
    assert registration is not None
    with demo.session() as session:
        bogus = exam_sessions.set_status(
            session, registration_id=registration.id, status="bogus", settings=settings, staff="amy"
        )
        missing = exam_sessions.set_status(
            session, registration_id=999, status="paid", settings=settings, staff="amy"
        )
    assert (bogus.ok, bogus.message_key) == (False, "exams.status_change.invalid")
    assert (missing.ok, missing.message_key) == (False, "exams.status_change.not_found")
    assert audit_of(demo, "exam_status") == ["invalid", "not_found"]
    assert seats_taken(demo, session_id) == 1


def test_set_status_is_audited_with_the_staff_and_the_candidate_account(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    registration = register(demo, settings, clock, "wang2026", session_id).registration
    assert registration is not None
    for status in ("documents_pending", "paid", "confirmed"):
        with demo.session() as session:
            result = exam_sessions.set_status(
                session,
                registration_id=registration.id,
                status=status,
                settings=settings,
                staff="amy",
                clock=clock,
            )
        assert result.ok and result.message_key == "exams.status_change.ok"
    with demo.session() as session:
        row = session.get(ExamRegistration, registration.id)
        assert row is not None and row.status == "confirmed"
        events = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "exam_status").order_by(col(AuditEvent.id))
        ).all()
    assert [(e.outcome, e.staff, e.account) for e in events] == [("ok", "amy", "wang2026")] * 3
    assert events[-1].detail == f"registration={registration.id}; paid->confirmed"
    assert seats_taken(demo, session_id) == 1


def test_a_staff_cancel_gives_the_seat_back_exactly_once(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    registration = register(demo, settings, clock, "wang2026", session_id).registration
    assert registration is not None

    def staff_sets(status: str) -> exam_sessions.StatusResult:
        with demo.session() as session:
            return exam_sessions.set_status(
                session,
                registration_id=registration.id,
                status=status,
                settings=settings,
                staff="amy",
                clock=clock,
            )

    assert staff_sets("paid").ok  # paid: the candidate cannot cancel it, staff can
    assert staff_sets("cancelled").ok
    assert seats_taken(demo, session_id) == 0
    again = staff_sets("cancelled")
    assert (again.ok, again.message_key) == (False, "exams.status_change.refused")
    assert not staff_sets("paid").ok  # no way back to active without taking a seat
    assert seats_taken(demo, session_id) == 0
    with demo.session() as session:
        row = session.get(ExamRegistration, registration.id)
        assert row is not None and (row.status, row.cancelled_at) == ("cancelled", NOW)
    assert audit_of(demo, "exam_status") == ["ok", "ok", "refused", "refused"]


def test_a_cancel_that_commits_after_set_status_read_the_row_is_not_overwritten(
    demo: Store, settings: Settings, clock: Clock
) -> None:
    session_id = add(demo, settings, clock)
    registration = register(demo, settings, clock, "wang2026", session_id).registration
    assert registration is not None
    with demo.session() as staff_session:
        seen = staff_session.get(ExamRegistration, registration.id)  # staff's terminal read it
        assert seen is not None and seen.status == "registered"
        with demo.session() as candidate_session:  # the candidate cancels meanwhile
            assert exams.cancel(
                candidate_session,
                candidate_id=candidate_id(demo, "wang2026"),
                registration_id=registration.id,
                settings=settings,
                clock=clock,
            ).ok
        result = exam_sessions.set_status(
            staff_session,
            registration_id=registration.id,
            status="paid",
            settings=settings,
            staff="amy",
            clock=clock,
        )
    assert (result.ok, result.message_key) == (False, "exams.status_change.refused")
    with demo.session() as session:
        row = session.get(ExamRegistration, registration.id)
        assert row is not None and row.status == "cancelled"
    assert seats_taken(demo, session_id) == 0  # the seat went back once and is not taken


def test_demo_seed_shows_every_status_and_seeding_again_adds_nothing(
    demo: Store, settings: Settings
) -> None:
    wang = candidate_id(demo, "wang2026")
    with demo.session() as session:
        views = exams.list_registrations(session, candidate_id=wang, clock=lambda: NOW)
        sessions = len(list(session.exec(select(ExamSession))))
        registrations = len(list(session.exec(select(ExamRegistration))))
    assert {v.status for v in views} == set(exams.STATUSES)
    assert sessions == len(DEMO_SESSIONS) + len(DEMO_RESULTS)  # past ones with results
    assert all("虛構" in v.session.venue and "虛構" in v.session.address for v in views)
    with demo.session() as session:
        assert seed_demo(session, settings=settings, now=NOW + timedelta(days=3)) == []
        assert len(list(session.exec(select(ExamSession)))) == sessions
        assert len(list(session.exec(select(ExamRegistration)))) == registrations
        for row in session.exec(select(ExamSession)):  # the seat counts match the rows
            active = session.exec(
                select(ExamRegistration).where(
                    ExamRegistration.session_id == row.id,
                    col(ExamRegistration.status) != "cancelled",
                )
            ).all()
            assert row.seats_taken == len(active) <= row.seats


def test_demo_seats_count_only_the_registrations_added(store: Store, settings: Settings) -> None:
    with store.session() as session:  # maria.santos is not there: her seats stay free
        seed_demo(session, settings=settings, now=NOW)
        maria = get_candidate_by_account(session=session, account="maria.santos")
        assert maria is not None
        for table in (ExamScore, ExamResult, RegistrationDocument):  # what refers to them
            session.exec(delete(table))  # type: ignore[call-overload]
        session.exec(delete(ExamRegistration))  # type: ignore[call-overload]
        session.exec(delete(AuditEvent))  # type: ignore[call-overload]
        session.exec(delete(ExamSession))  # type: ignore[call-overload]
        session.delete(maria)
    with store.session() as session:
        assert seed_demo_exams(session, settings=settings, now=NOW) == len(DEMO_SESSIONS)
    with store.session() as session:
        for exam in session.exec(select(ExamSession)):
            active = session.exec(
                select(ExamRegistration)
                .where(ExamRegistration.session_id == exam.id)
                .where(col(ExamRegistration.status).in_(exams.ACTIVE))
            ).all()
            assert exam.seats_taken == len(active), exam.subject
        full = session.exec(
            select(ExamSession).where(ExamSession.subject == "淨零碳規劃管理師")
        ).one()
        assert full.seats_taken == 1  # wang2026 only; maria.santos's seat was counted before


def test_every_status_has_a_label_and_a_next_step_in_both_languages() -> None:
    for language in ("zh-TW", "en"):
        messages = catalog(language)
        for status in exams.STATUSES:
            assert messages[f"exams.status.{status}"]
            assert messages[f"exams.next.{status}"]


def test_notices_list_confirmed_exams_and_are_sent_by_email(
    demo: Store, settings: Settings, tmp_path: Path
) -> None:
    wang = candidate_id(demo, "wang2026")
    with demo.session() as session:
        notices = exam_notices.exam_notices(session, candidate_id=wang, clock=lambda: NOW)
    assert notices.email_masked == "xi****@example.com"
    (notice,) = notices.notices
    assert notice.status == "confirmed" and notice.session.subject == "資訊安全工程師"
    text = exam_notices.notice_text(notice, "zh-TW")
    assert notice.session.venue in text and notice.session.bring in text
    assert notice.session.starts_at.strftime("%Y-%m-%d") in text
    with demo.session() as session:
        result = exam_notices.send_notice(
            session, candidate_id=wang, settings=settings, language="en", clock=lambda: NOW
        )
    assert (
        result.outcome is NoticeOutcome.SENT and result.destination_masked == "xi****@example.com"
    )
    (sent,) = list_outbox(settings)
    assert sent.to == "xiaoming.wang@example.com" and notice.session.venue in sent.body
    assert "Exam notice" in sent.subject
    with demo.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (delivery.purpose, delivery.status, delivery.destination_masked) == (
            "exam_notice", "sent", "xi****@example.com",
        )  # fmt: skip
    assert audit_of(demo, "exam_notice") == ["sent"]
    # the exam is over: nothing left to notify
    with demo.session() as session:
        later = exam_notices.exam_notices(
            session, candidate_id=wang, clock=lambda: NOW + timedelta(60)
        )
        assert later.notices == []


def test_a_notice_is_sent_outside_the_transaction_and_logged_after(
    demo: Store, settings: Settings
) -> None:
    wang = candidate_id(demo, "wang2026")
    seen: list[tuple[bool, int, int]] = []

    def send(*args: object, **kwargs: object) -> SendResult:
        with demo.session() as other:  # another terminal, while the mail server works
            deliveries = len(other.exec(select(Delivery)).all())
            throttles = len(other.exec(select(Throttle)).all())
        seen.append((session.in_transaction(), deliveries, throttles))
        return delivery.send_notice(*args, **kwargs)  # type: ignore[arg-type]

    with demo.session() as session:
        result = exam_notices.send_notice(
            session, candidate_id=wang, settings=settings, clock=lambda: NOW, send=send
        )
    assert result.outcome is NoticeOutcome.SENT
    # no transaction open while sending; the send's count already committed, the log not yet
    assert seen == [(False, 0, 1)]
    with demo.session() as session:
        logged = session.exec(select(Delivery)).one()
        assert (logged.purpose, logged.status) == ("exam_notice", "sent")
    assert audit_of(demo, "exam_notice") == ["sent"]
    assert len(list_outbox(settings)) == 1


def test_repeated_notices_are_throttled_with_a_message(demo: Store, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, query_limit=2)
    wang = candidate_id(demo, "wang2026")
    outcomes = []
    for _ in range(3):
        with demo.session() as session:
            outcomes.append(
                exam_notices.send_notice(
                    session, candidate_id=wang, settings=settings, clock=lambda: NOW
                )
            )
    assert [r.outcome for r in outcomes] == [
        NoticeOutcome.SENT, NoticeOutcome.SENT, NoticeOutcome.THROTTLED,
    ]  # fmt: skip
    assert outcomes[-1].message_key == "exams.notice.throttled"
    assert "too often" in catalog("en")["exams.notice.throttled"]
    assert len(list_outbox(settings)) == 2
    assert audit_of(demo, "exam_notice") == ["sent", "sent", "throttled"]
    later = NOW + timedelta(seconds=settings.query_window_seconds + 1)
    with demo.session() as session:
        again = exam_notices.send_notice(
            session, candidate_id=wang, settings=settings, clock=lambda: later
        )
    assert again.outcome is NoticeOutcome.SENT  # a new window


def test_a_notice_needs_an_email_and_a_confirmed_registration(
    demo: Store, settings: Settings
) -> None:
    maria = candidate_id(demo, "maria.santos")
    with demo.session() as session:
        row = session.get(Candidate, maria)
        assert row is not None
        row.email = ""
        session.add(row)
    with demo.session() as session:
        no_email = exam_notices.send_notice(
            session, candidate_id=maria, settings=settings, clock=lambda: NOW
        )
        nothing = exam_notices.send_notice(
            session,
            candidate_id=candidate_id(demo, "ipas2023chen"),
            settings=settings,
            clock=lambda: NOW,
        )
    assert no_email.outcome is NoticeOutcome.NO_EMAIL
    assert nothing.outcome is NoticeOutcome.NOTHING
    assert list_outbox(settings) == []


def test_add_session_checks_every_field_and_refuses_duplicates(
    store: Store, settings: Settings, clock: Clock
) -> None:
    local = to_local(NOW)
    with store.session() as session:
        bad = exam_sessions.add_session(
            session,
            data=new_session(
                subject="行銷企劃",
                venue=" ",
                seats=0,
                ends_at=local,
                starts_at=local + timedelta(days=1),
                closes_at=local + timedelta(days=2),
                opens_at=local + timedelta(days=3),
            ),
            settings=settings,
            clock=clock,
        )
    assert not bad.ok
    assert set(bad.errors) == {"subject", "venue", "seats", "ends_at", "closes_at"}
    assert bad.errors["closes_at"] == [
        "exams.add.closes_before_open",
        "exams.add.closes_after_start",
    ]
    session_id = add(store, settings, clock)
    with store.session() as session:
        row = session.get(ExamSession, session_id)
        assert row is not None
        assert row.starts_at == to_utc(new_session().starts_at)  # stored in UTC
        assert row.starts_at.hour == 1  # 09:00 in Taiwan
        duplicate = exam_sessions.add_session(
            session, data=new_session(), settings=settings, clock=clock
        )
    assert duplicate.errors == {"session": ["exams.add.duplicate"]}
    assert audit_of(store, "exam_session") == ["invalid", "ok", "duplicate"]


def test_levels_from_the_assets_and_unknown_subjects() -> None:
    choices = exams.subject_choices()
    assert exams.SubjectChoice("AI應用規劃師", "初級") in choices
    assert exams.SubjectChoice("巨量資料分析師", "") in choices  # no level known
    assert exams.is_known_subject("電磁相容工程師", "中級")
    assert not exams.is_known_subject("電磁相容工程師", "高級")
    assert (
        exams.SubjectChoice("AI應用規劃師", "初級").label("en")
        == "AI應用規劃師 (AI Application Planner, translation) 初級 (junior level)"
    )


def test_the_exam_domain_and_its_command_do_not_import_textual() -> None:
    code = (
        "import sys, kiosk.core.exams, kiosk.core.exams.notices, kiosk.core.exams.sessions\n"
        "import kiosk.cli.sessions\n"
        "import kiosk.core.demo\n"
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
