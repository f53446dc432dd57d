"""``ipas-kiosk sessions add | list`` against a real SQLite file (typer's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.store import AuditEvent, ExamSession, Store

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
    for args in (GOOD, ["sessions", "list"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "failed" in result.output
        assert "Traceback" not in result.output
