"""The store itself: migrations, constraints, pragmas, CLI — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from kiosk.infra.migrate import current_revision, head_revision
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate, utcnow


def _row(account: str, national_id: str) -> Candidate:
    now = utcnow()
    return Candidate(
        account=account,
        account_key=account.lower(),
        national_id=national_id,
        chinese_name="王小明",
        created_at=now,
        updated_at=now,
    )


def test_upgrade_reaches_head_and_is_repeatable(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    store.upgrade()
    assert current_revision(store.engine) == head_revision()


def test_database_enforces_case_insensitive_account_and_unique_id(store: Store) -> None:
    with store.session() as session:
        session.add(_row("Wang2026", "A123456789"))
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_row("WANG2026", "A987654329"))
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_row("other2026", "A123456789"))
    with store.session() as session:
        assert len(list(session.exec(select(Candidate)))) == 1


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x' / 'kiosk.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 8000  # the default bound
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.dispose()


def test_the_busy_bound_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.infra.config import Settings

    config = tmp_path / "config.toml"
    config.write_text("store_busy_seconds = 2.5\n", encoding="utf-8")
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(config))
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'kiosk.db'}")
    store = Store.from_settings(Settings())
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 2500
    store.dispose()
    monkeypatch.setenv("IPAS_KIOSK_STORE_BUSY_SECONDS", "1.5")  # the environment wins
    assert Settings().store_busy_seconds == 1.5


def test_a_locked_sqlite_file_fails_a_write_instead_of_waiting_on(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    store = Store(f"sqlite:///{path}", busy_seconds=0.2)
    store.upgrade()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another terminal's long write
    try:
        with pytest.raises(OperationalError, match="locked"), store.session() as session:
            session.add(_row("wang2026", "A123456789"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store.session() as session:  # free again: the same store writes
        session.add(_row("wang2026", "A123456789"))
    store.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("store_factory", ["postgres"], indirect=True)
def test_postgresql_connections_bound_lock_and_statement_waits(store_factory: Any) -> None:
    store = store_factory.create()
    other = Store(
        store_factory.url,
        busy_seconds=1.5,
        connect_args={"options": f"-csearch_path={store_factory.schema}"},
    )
    store_factory.opened.append(other)
    with other.engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "1500ms"
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "3500ms"
        assert conn.execute(text("SHOW search_path")).scalar() == store_factory.schema
    with store.engine.connect() as holder, holder.begin():
        holder.execute(text("LOCK TABLE candidate IN EXCLUSIVE MODE"))  # a long writer
        with pytest.raises(OperationalError, match="lock timeout"), other.session() as session:
            session.add(_row("wang2026", "A123456789"))
    with other.session() as session:
        session.add(_row("wang2026", "A123456789"))


def test_postgresql_url_uses_psycopg3() -> None:
    store = Store("postgresql://postgres@127.0.0.1:5432/test")
    assert store.engine.dialect.driver == "psycopg"
    store.dispose()


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_upgrade_seed_and_outbox(tmp_path: Path) -> None:
    upgraded = _cli(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert head_revision() in upgraded.stdout
    seeded = _cli(tmp_path, "seed", "--demo", "--if-empty")
    assert seeded.returncode == 0 and "wang2026" in seeded.stdout
    again = _cli(tmp_path, "seed", "--demo", "--if-empty")
    assert again.returncode == 0 and "skipped" in again.stdout
    empty = _cli(tmp_path, "outbox")
    assert empty.returncode == 0 and "empty" in empty.stdout
    missing = _cli(tmp_path, "outbox", "nope")
    assert missing.returncode == 1 and "nope" in missing.stderr


def test_cli_reports_an_unreachable_database_without_a_traceback(tmp_path: Path) -> None:
    env_url = "postgresql://nobody@127.0.0.1:1/none"
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "IPAS_KIOSK_DATABASE_URL": env_url,
            "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        },
    )
    assert result.returncode == 1
    assert "db upgrade failed" in result.stderr and "Traceback" not in result.stderr


def test_settings_come_from_a_toml_file_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.infra.config import Settings

    config = tmp_path / "config.toml"
    config.write_text(
        'terminal_id = "venue-7"\nidle_seconds = 300\nlanguage = "en"\n', encoding="utf-8"
    )
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(config))
    monkeypatch.setenv("IPAS_KIOSK_IDLE_SECONDS", "90")
    settings = Settings()
    assert (settings.terminal_id, settings.idle_seconds, settings.language) == ("venue-7", 90, "en")
    assert settings.effective_database_url.startswith("sqlite:///")


@pytest.mark.postgres
@pytest.mark.parametrize("store_factory", ["postgres"], indirect=True)
def test_a_migration_is_not_bound_by_the_statement_timeout(
    store_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration may index every candidate: longer than a kiosk's statements may take."""
    from alembic import command

    store_factory.create()
    other = Store(
        store_factory.url,
        busy_seconds=0.1,  # statements bounded at 2.1 s
        connect_args={"options": f"-csearch_path={store_factory.schema}"},
    )
    store_factory.opened.append(other)

    def slow_upgrade(config: Any, revision: str) -> None:
        config.attributes["connection"].exec_driver_sql("SELECT pg_sleep(2.5)")

    monkeypatch.setattr(command, "upgrade", slow_upgrade)
    other.upgrade()


def test_a_sqlite_store_does_not_load_the_postgresql_dialect(tmp_path: Path) -> None:
    """The schema imports no PostgreSQL code: a SQLite kiosk opens and queries its store without
    SQLAlchemy's PostgreSQL dialect and drivers (issue 15)."""
    url = f"sqlite:///{tmp_path}/kiosk.db"
    Store(url).upgrade()  # Alembic (never imported by `run`) loads every dialect
    code = (
        "import sys\n"
        "from sqlmodel import select\n"
        "from kiosk.infra.store import Store\n"
        "from kiosk.infra.tables import Candidate\n"
        f"store = Store({url!r})\n"
        "with store.session() as session:\n"
        "    session.exec(select(Candidate)).all()\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_a_postgresql_engine_builds_the_code_point_indexes_in_the_c_collation() -> None:
    from sqlalchemy.schema import CreateIndex

    from kiosk.infra.store import make_engine

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    built = {
        str(index.name): str(CreateIndex(index).compile(dialect=engine.dialect))
        for index in Candidate.__table__.indexes  # type: ignore[attr-defined]
    }
    for column in ("chinese_name", "email", "mobile"):
        assert f'({column} COLLATE "C")' in built[f"ix_candidate_{column}"]
    engine.dispose()
