"""``make run`` = ``ipas-kiosk run --prepare-demo``: the first start upgrades and seeds, a second
start sees in milliseconds that there is nothing to do — no Alembic, no SQLAlchemy imported
(issue 12, item 9: a second ``make run`` took 6 s before the kiosk started)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.infra import migrate, ready
from kiosk.infra.store import Store

ROOT = Path(__file__).resolve().parents[2]
PREPARE = (
    "import sys\n"
    "from kiosk.cli import _prepare_demo\n"
    "_prepare_demo()\n"
    "print('loaded:', ' '.join(m for m in ('alembic', 'sqlalchemy') if m in sys.modules))\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
    }


def prepare(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PREPARE], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_first_start_prepares_and_the_second_skips_it(env: dict[str, str]) -> None:
    first = prepare(env)
    assert "demo candidates added" in first
    assert "loaded: alembic sqlalchemy" in first
    second = prepare(env)
    assert second.strip() == "loaded:"  # nothing printed, nothing heavy imported
    assert ready.demo_ready(env["IPAS_KIOSK_DATABASE_URL"])


def test_the_newest_revision_is_read_from_the_scripts_as_alembic_reads_it() -> None:
    assert ready.head_revision() == migrate.head_revision()


def test_an_older_schema_or_no_candidate_takes_the_full_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert not ready.demo_ready(url)  # no file
    store = Store(url)
    store.upgrade()
    assert not ready.demo_ready(url)  # no candidate: the seed has work to do
    from kiosk.core.demo import seed_demo
    from kiosk.infra.config import Settings

    with store.session() as session:
        seed_demo(session, settings=Settings(bcrypt_rounds=4, outbox_dir=tmp_path / "outbox"))
    store.dispose()
    assert ready.demo_ready(url)
    with sqlite3.connect(tmp_path / "k.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert not ready.demo_ready(url)  # an older schema: the upgrade has work to do


@pytest.mark.parametrize(
    "url", ["postgresql://u@h/db", "sqlite://", "sqlite:///:memory:", "sqlite:///x.db?mode=ro"]
)
def test_anything_but_a_plain_sqlite_file_takes_the_full_path(url: str) -> None:
    assert not ready.demo_ready(url)


def test_make_run_starts_one_process() -> None:
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True).stdout
    started = [line for line in plan.splitlines() if "ipas-kiosk" in line]
    assert started == [".venv/bin/ipas-kiosk run --prepare-demo"]
