"""``ipas-kiosk staff list | disable | enable | unlock | reset-password | set-role`` on a real
SQLite file: exit 0 done, 1 database failed, 2 refused; every change audited with the admin."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.core import passwords
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, StaffUser, utcnow
from tests.staff.conftest import ADMIN, DESK


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("IPAS_KIOSK_LANGUAGE", "en")
    monkeypatch.setenv("IPAS_KIOSK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("IPAS_KIOSK_LOG_DIR", str(tmp_path / "logs"))
    runner = CliRunner()
    for account, password, role in ((*DESK, "helpdesk"), (*ADMIN, "admin")):
        done = runner.invoke(
            app, ["staff", "add", account, "--role", role, "--password-stdin"], input=password
        )
        assert done.exit_code == 0, done.output
    return url


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["staff", *args], input=input)
    return result.exit_code, result.output


def staff_row(url: str, account: str) -> StaffUser:
    store = Store(url)
    try:
        with store.session() as session:
            return session.exec(select(StaffUser).where(StaffUser.account_key == account)).one()
    finally:
        store.dispose()


def audit(url: str) -> list[tuple[str, str, str]]:
    store = Store(url)
    try:
        with store.session() as session:
            rows = session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.detail).startswith("target="))
                .order_by(col(AuditEvent.id))
            ).all()
            return [(e.kind, e.outcome, e.staff) for e in rows]
    finally:
        store.dispose()


BY = ("--staff", ADMIN[0], "--reason", "left the help desk")


def test_list_shows_roles_states_and_locks_in_taiwan_time(url: str) -> None:
    store = Store(url)
    with store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        row.failed_logins = 5
        row.locked_until = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
        until = row.locked_until
        session.add(row)
    store.dispose()
    code, out = run("list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == [
        "Staff",
        "account",
        "Role",
        "State",
        "Failures",
        "Locked",
        "until",
        "(Taiwan)",
        "Last",
        "sign-in",
        "(Taiwan)",
    ]
    desk = next(line for line in lines if line.startswith(DESK[0]))
    taiwan = (until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert "help desk" in desk and "active" in desk and " 5 " in desk and taiwan in desk
    assert lines[-1] == "2 staff accounts"


def test_disable_enable_and_the_exit_codes(url: str) -> None:
    code, out = run("disable", ADMIN[0], "--staff", DESK[0], "--reason", "testing the desk")
    assert code == 2 and "Only an admin" in out  # a help-desk account administers nothing
    code, out = run("disable", DESK[0], *BY)
    assert code == 0 and f"{DESK[0]} is disabled" in out
    assert not staff_row(url, DESK[0]).active
    code, out = run("list")
    assert "disabled" in next(line for line in out.splitlines() if line.startswith(DESK[0]))
    code, out = run("disable", ADMIN[0], *BY)
    assert code == 2 and "your own account" in out
    code, out = run("enable", DESK[0], *BY)
    assert code == 0 and staff_row(url, DESK[0]).active
    code, out = run("disable", "nobody.here", *BY)
    assert code == 2 and "no staff account nobody.here" in out
    code, out = run("disable", DESK[0], "--staff", ADMIN[0], "--reason", "x")
    assert code == 2 and "too short" in out
    assert audit(url) == [
        ("staff_disable", "denied", DESK[0]),
        ("staff_disable", "ok", ADMIN[0]),
        ("staff_disable", "self", ADMIN[0]),
        ("staff_enable", "ok", ADMIN[0]),
        ("staff_disable", "not_found", ADMIN[0]),
    ]


def test_unlock_and_reset_password(url: str) -> None:
    store = Store(url)
    with store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        row.failed_logins, row.locked_until = 5, utcnow() + timedelta(hours=1)
        session.add(row)
    store.dispose()
    code, out = run("unlock", DESK[0], *BY)
    assert code == 0 and staff_row(url, DESK[0]).locked_until is None
    code, out = run("reset-password", DESK[0], *BY, "--password-stdin", input="amy.desk")
    assert code == 2 and "password" in out
    new = "Fresh#DeskPass2027"
    code, out = run("reset-password", DESK[0], *BY, input=f"{new}\n{new}\n")
    assert code == 0 and new not in out and "in person" in out
    assert passwords.verify_password(new, staff_row(url, DESK[0]).password_hash)
    assert [k for k, o, _ in audit(url) if o == "ok"] == [
        "staff_user_unlock",
        "staff_password_reset",
    ]


def test_set_role_never_demotes_the_last_admin(url: str) -> None:
    code, out = run("set-role", DESK[0], "root", *BY)
    assert code == 2 and "helpdesk or admin" in out
    code, out = run("set-role", DESK[0], "admin", *BY)
    assert code == 0 and staff_row(url, DESK[0]).role == "admin"
    code, out = run("set-role", ADMIN[0], "helpdesk", "--staff", DESK[0], "--reason", "rotation")
    assert code == 0 and staff_row(url, ADMIN[0]).role == "helpdesk"
    code, out = run("set-role", DESK[0], "helpdesk", "--staff", DESK[0], "--reason", "rotation")
    assert code == 2 and "your own account" in out
    assert staff_row(url, DESK[0]).role == "admin"


def test_a_database_that_fails_exits_1(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("IPAS_KIOSK_STORE_BUSY_SECONDS", "1")
    for args in (("list",), ("disable", DESK[0], *BY)):
        code, out = run(*args)
        assert code == 1 and "failed: OperationalError" in out
