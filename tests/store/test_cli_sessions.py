"""``ipas-kiosk sessions add | list | registrations | set-status`` on a real SQLite file
(typer's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.core import exams
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, ExamRegistration, ExamSession, utcnow

runner = CliRunner()
GOOD = [
    "sessions",
    "add",
    "--subject",
    "電磁相容工程師",
    "--level",
    "初級",
    "--starts",
    "2027-01-10 09:00",
    "--ends",
    "2027-01-10 12:00",
    "--venue",
    "臺北考場",
    "--address",
    "臺北市中正區某路 1 號",
    "--seats",
    "30",
    "--opens",
    "2026-11-20 09:00",
    "--closes",
    "2026-12-31 17:00",
    "--bring",
    "身分證、2B 鉛筆",
]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_TERMINAL_ID", "cli-test")
    store = Store(url)
    store.upgrade()
    yield store  # type: ignore[misc]
    store.dispose()


def with_option(option: str, value: str) -> list[str]:
    args = list(GOOD)
    args[args.index(option) + 1] = value
    return args


def test_add_stores_the_session_in_utc_and_list_shows_it(database: Store) -> None:
    added = runner.invoke(app, GOOD)
    assert added.exit_code == 0, added.output
    assert "session 1 added" in added.output and "seats 0/30" in added.output
    with database.session() as session:
        row = session.exec(select(ExamSession)).one()
        assert (row.subject, row.level, row.venue, row.seats) == (
            "電磁相容工程師",
            "初級",
            "臺北考場",
            30,
        )
        assert str(row.starts_at) == "2027-01-10 01:00:00"  # 09:00 in Taiwan
        assert str(row.registration_closes_at) == "2026-12-31 09:00:00"
        assert row.bring == "身分證、2B 鉛筆"
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "exam_session")).one()
        assert (event.outcome, event.terminal_id) == ("ok", "cli-test")
        assert event.detail.startswith("by=cli")
    listed = runner.invoke(app, ["sessions", "list"])
    assert listed.exit_code == 0
    assert "2027-01-10 09:00-12:00" in listed.output and "臺北考場" in listed.output
    assert "registration 2026-11-20 09:00 to 2026-12-31 17:00" in listed.output
    other = runner.invoke(app, ["sessions", "list", "--subject", "AI應用規劃師"])
    assert other.exit_code == 0 and "no exam sessions for AI應用規劃師" in other.output


def test_list_on_an_empty_database(database: Store) -> None:
    result = runner.invoke(app, ["sessions", "list"])
    assert result.exit_code == 0 and "no exam sessions" in result.output


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--subject", "行銷企劃", "not in the iPAS subject list"),
        ("--level", "高級", "not in the iPAS subject list"),
        ("--seats", "0", "Seats must be 1 to 10000"),
        ("--ends", "2027-01-10 08:00", "The end must be after the start"),
        ("--closes", "2027-02-01 17:00", "must close before the exam starts"),
        ("--venue", " ", "--venue: Required"),
        ("--starts", "2027/01/10", "expected YYYY-MM-DD HH:MM"),
    ],
)
def test_invalid_options_say_why_and_write_nothing(
    database: Store, option: str, value: str, says: str
) -> None:
    result = runner.invoke(app, with_option(option, value))
    assert result.exit_code == 2
    assert says in result.output  # CliRunner mixes stderr into output
    assert "Traceback" not in result.output
    with database.session() as session:
        assert session.exec(select(ExamSession)).all() == []


def test_a_duplicate_session_is_refused(database: Store) -> None:
    assert runner.invoke(app, GOOD).exit_code == 0
    again = runner.invoke(app, GOOD)
    assert again.exit_code == 2 and "already exists" in again.output
    with database.session() as session:
        assert len(session.exec(select(ExamSession)).all()) == 1


def test_an_unreachable_database_exits_1_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    for args in (
        GOOD,
        ["sessions", "list"],
        ["sessions", "registrations", "1"],
        ["sessions", "set-status", "1", "paid", "--staff", "amy"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "failed" in result.output
        assert "Traceback" not in result.output


def registered(database: Store, account: str = "chen.cli") -> tuple[int, int]:
    """A session added through the command and ``account`` registered in it: (session, reg)."""
    added = runner.invoke(app, GOOD)
    assert added.exit_code == 0, added.output
    with database.session() as session:
        exam = session.exec(select(ExamSession)).one()
        now = utcnow()
        candidate = Candidate(
            account=account,
            account_key=account,
            national_id="Z100000001",
            chinese_name="陳測試",
            gender="F",
            education="04",
            created_at=now,
            updated_at=now,
        )
        session.add(candidate)
        session.flush()
        assert candidate.id is not None and exam.id is not None
        result = exams.register(
            session,
            candidate_id=candidate.id,
            session_id=exam.id,
            settings=Settings(terminal_id="cli-test"),
            clock=lambda: exam.registration_opens_at,
        )
        assert result.ok and result.registration is not None
        return exam.id, result.registration.id


def seats_taken(database: Store, session_id: int) -> int:
    with database.session() as session:
        exam = session.get(ExamSession, session_id)
        assert exam is not None
        return exam.seats_taken


def test_registrations_lists_id_account_and_status(database: Store) -> None:
    session_id, registration_id = registered(database)
    listed = runner.invoke(app, ["sessions", "registrations", str(session_id)])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[1].split() == [str(registration_id), "chen.cli", "registered"]
    missing = runner.invoke(app, ["sessions", "registrations", "999"])
    assert missing.exit_code == 2 and "no exam session 999" in missing.output


def test_registrations_of_a_session_nobody_registered_for(database: Store) -> None:
    assert runner.invoke(app, GOOD).exit_code == 0
    listed = runner.invoke(app, ["sessions", "registrations", "1"])
    assert listed.exit_code == 0 and "no registrations for session 1" in listed.output


def test_set_status_moves_a_registration_along_and_audits_the_staff(database: Store) -> None:
    session_id, registration_id = registered(database)
    for status in ("documents_pending", "paid", "confirmed"):
        result = runner.invoke(
            app, ["sessions", "set-status", str(registration_id), status, "--staff", "amy"]
        )
        assert result.exit_code == 0, result.output
        assert f"-> {status}" in result.output
    listed = runner.invoke(app, ["sessions", "registrations", str(session_id)])
    assert listed.output.splitlines()[1].split()[-1] == "confirmed"
    with database.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "exam_status")).all()
    assert [(e.outcome, e.staff, e.account) for e in events] == [("ok", "amy", "chen.cli")] * 3
    assert seats_taken(database, session_id) == 1


def test_set_status_cancelled_gives_the_seat_back_exactly_once(database: Store) -> None:
    session_id, registration_id = registered(database)
    assert seats_taken(database, session_id) == 1
    args = ["sessions", "set-status", str(registration_id), "cancelled", "--staff", "amy"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "registered -> cancelled; the seat was given back" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "it is cancelled" in again.output
    back = runner.invoke(
        app, ["sessions", "set-status", str(registration_id), "paid", "--staff", "amy"]
    )
    assert back.exit_code == 2
    assert seats_taken(database, session_id) == 0
    with database.session() as session:
        row = session.get(ExamRegistration, registration_id)
        assert row is not None and row.status == "cancelled"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["1", "refunded", "--staff", "amy"], "expected one of registered, documents_pending"),
        (["1", "paid", "--staff", " "], "--staff: your staff account is required"),
        (["999", "paid", "--staff", "amy"], "registration 999: This registration was not found"),
    ],
)
def test_set_status_refuses_invalid_input_and_changes_nothing(
    database: Store, args: list[str], says: str
) -> None:
    session_id, _ = registered(database)
    result = runner.invoke(app, ["sessions", "set-status", *args])
    assert result.exit_code == 2 and says in result.output
    assert "Traceback" not in result.output
    with database.session() as session:
        assert [r.status for r in session.exec(select(ExamRegistration))] == ["registered"]
    assert seats_taken(database, session_id) == 1


def test_set_status_without_staff_is_a_usage_error(database: Store) -> None:
    result = runner.invoke(app, ["sessions", "set-status", "1", "paid"])
    assert result.exit_code == 2 and "--staff" in result.output
