"""``ipas-kiosk scores import | release`` and ``documents request`` on a real SQLite file (typer's
CliRunner): what they print, their exit codes, and what they leave in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.core.demo import seed_demo
from kiosk.core.helpdesk.staff_accounts import create_staff
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, ExamRegistration, ExamResult, RegistrationDocument
from tests.conftest import make_settings
from tests.store.test_results import MARIA, NOW, WANG, past_session

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_TERMINAL_ID", "cli-test")
    monkeypatch.setenv("IPAS_KIOSK_LANGUAGE", "en")
    settings = make_settings(tmp_path)
    store = Store(url)
    store.upgrade()
    with store.session() as session:
        seed_demo(session, settings=settings, now=NOW)
        assert create_staff(
            session, account="amy.desk", role="helpdesk", password="Desk#Staff2026x",
            settings=settings,
        ).ok  # fmt: skip
    yield store  # type: ignore[misc]
    store.dispose()


def test_import_then_release_with_exit_codes(database: Store, tmp_path: Path) -> None:
    exam = past_session(database, "wang2026", "maria.santos")
    scores = tmp_path / "scores.csv"
    scores.write_text(
        f"national_id,part,score\n{WANG},1,80\n{WANG},2,77\n{MARIA},1,55\n{MARIA},2,300\n",
        encoding="utf-8",
    )
    base = ["scores", "import", str(scores), "--session", str(exam), "--staff", "amy.desk"]
    dry = runner.invoke(app, [*base, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 3" in dry.output and "bad rows 1" in dry.output
    assert "line 5: B81234**** 資訊安全技術概論 300: the score must be a whole number" in dry.output
    assert MARIA not in dry.output
    with database.session() as session:
        assert session.exec(select(ExamResult).where(ExamResult.session_id == exam)).all() == []

    done = runner.invoke(app, base)
    assert done.exit_code == 0 and "created 3, updated 0, unchanged 0, bad rows 1" in done.output
    again = runner.invoke(app, base)
    assert "created 0, updated 0, unchanged 3" in again.output

    release = ["scores", "release", "--session", str(exam), "--staff", "amy.desk"]
    refused = runner.invoke(app, release)
    assert refused.exit_code == 2
    assert "lack a part's score" in refused.output and "B81234****" in refused.output
    scores.write_text(f"身分證號,科目,分數\n{MARIA},2,90\n", encoding="utf-8")
    assert runner.invoke(app, base).exit_code == 0
    released = runner.invoke(app, release)
    assert released.exit_code == 0, released.output
    assert "2 result(s), 1 passed (pass mark 70)" in released.output
    assert runner.invoke(app, release).exit_code == 2  # released already
    late = runner.invoke(app, base)
    assert late.exit_code == 2 and "released" in late.output
    with database.session() as session:
        kinds = session.exec(
            select(AuditEvent.kind, AuditEvent.outcome, AuditEvent.staff)
            .where(col(AuditEvent.kind).in_(["scores_import", "scores_release"]))
            .where(AuditEvent.outcome != "seeded")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [k[:2] for k in kinds] == [
        ("scores_import", "dry_run"),
        ("scores_import", "ok"),
        ("scores_import", "ok"),
        ("scores_release", "incomplete"),
        ("scores_import", "ok"),
        ("scores_release", "ok"),
        ("scores_release", "already"),
        ("scores_import", "refused"),
    ]
    assert {k[2] for k in kinds} == {"amy.desk"}


def test_an_unknown_staff_account_or_a_bad_file_is_refused(database: Store, tmp_path: Path) -> None:
    exam = past_session(database, "wang2026")
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n", encoding="utf-8")
    nobody = runner.invoke(
        app, ["scores", "import", str(bad), "--session", str(exam), "--staff", "nobody.here"]
    )
    assert nobody.exit_code == 2 and "no active staff account" in nobody.output
    columns = runner.invoke(
        app, ["scores", "import", str(bad), "--session", str(exam), "--staff", "amy.desk"]
    )
    assert columns.exit_code == 2 and "Missing columns" in columns.output


def test_documents_request_puts_a_registration_in_documents_pending(database: Store) -> None:
    with database.session() as session:
        registration = session.exec(
            select(ExamRegistration).where(ExamRegistration.status == "registered")
        ).first()
        assert registration is not None and registration.id is not None
        registration_id = registration.id
    args = ["documents", "request", str(registration_id), "--staff", "amy.desk", "--reason", "書審"]
    wrong = runner.invoke(app, [*args, "--kind", "passport"])
    assert wrong.exit_code == 2 and "id_proof" in wrong.output
    done = runner.invoke(app, [*args, "--kind", "id_proof", "--kind", "education_proof"])
    assert done.exit_code == 0, done.output
    with database.session() as session:
        row = session.get(ExamRegistration, registration_id)
        assert row is not None and row.status == "documents_pending"
        kinds = session.exec(
            select(RegistrationDocument.kind).where(
                RegistrationDocument.registration_id == registration_id
            )
        ).all()
    assert sorted(kinds) == ["education_proof", "id_proof"]
