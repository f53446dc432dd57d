"""``ipas-kiosk staff add`` on a real SQLite file, and the layer line for the help-desk modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, StaffUser

PASSWORD = "Desk#Staff2026x"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("IPAS_KIOSK_LANGUAGE", "en")
    return url


def staff_rows(url: str) -> list[StaffUser]:
    store = Store(url)
    try:
        with store.session() as session:
            return list(session.exec(select(StaffUser)))
    finally:
        store.dispose()


def test_add_prompts_twice_hidden(env: str) -> None:
    result = CliRunner().invoke(
        app, ["staff", "add", "amy.desk", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert "amy.desk (admin)" in result.output
    (row,) = staff_rows(env)
    assert (row.account, row.role) == ("amy.desk", "admin")
    store = Store(env)
    with store.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_add")).one()
        assert event.staff == "amy.desk" and PASSWORD not in event.detail
    store.dispose()


def test_add_refuses_a_mismatched_confirmation(env: str) -> None:
    result = CliRunner().invoke(
        app,
        ["staff", "add", "amy.desk"],
        input=f"{PASSWORD}\nOther#Pass2026\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()
    assert [r.role for r in staff_rows(env)] == ["helpdesk"]


def test_add_from_stdin_checks_rules_and_duplicates(env: str) -> None:
    runner = CliRunner()
    weak = runner.invoke(app, ["staff", "add", "amy.desk", "--password-stdin"], input="weak\n")
    assert weak.exit_code == 1 and "password" in weak.output
    ok = runner.invoke(app, ["staff", "add", "amy.desk", "--password-stdin"], input=PASSWORD)
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(app, ["staff", "add", "AMY.desk", "--password-stdin"], input=PASSWORD)
    assert again.exit_code == 1 and "exists already" in again.output
    role = runner.invoke(app, ["staff", "add", "bob.admin", "--role", "root"], input="")
    assert role.exit_code == 2 and "helpdesk" in role.output
    assert [r.account for r in staff_rows(env)] == ["amy.desk"]


def test_help_desk_domain_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "for name in ('kiosk.core.helpdesk.staff_accounts', 'kiosk.core.helpdesk',"
        " 'kiosk.core.helpdesk.actions', 'kiosk.cli.staff'): __import__(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_staff_without_a_subcommand_starts_the_console(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.staff.app import StaffApp

    started: list[StaffApp] = []
    monkeypatch.setattr(StaffApp, "run", lambda self: started.append(self))
    result = CliRunner().invoke(app, ["staff"])
    assert result.exit_code == 0, result.output
    (console,) = started
    assert console.settings.database_url == env and console.staff is None
