"""Shared fixtures: settings for tests, and a real store on a SQLite file or the real PostgreSQL.

PostgreSQL tests skip with the reason when no server answers — unless IPAS_KIOSK_REQUIRE_POSTGRES=1
(set by .ci/run), where an unreachable server fails them instead.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core import oplog
from kiosk.infra.config import Settings
from kiosk.infra.store import Store

# Nothing a test runs (a CLI in a subprocess included) writes into the real user's data folder.
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="ipas-kiosk-test-data-"))

pytest_plugins = ["tests.servers"]  # the smtp_factory fixture

PG_URL = os.environ.get(
    "IPAS_KIOSK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True, scope="session")
def _operator_log_in_a_temporary_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Commands run by tests (in process or as subprocesses) write their operator log here, not
    into the user's data directory; a test that reads the log sets its own folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPAS_KIOSK_LOG_DIR", str(tmp_path_factory.mktemp("operator-log")))
        yield


@pytest.fixture(autouse=True)
def _no_operator_log_left_configured() -> Iterator[None]:
    """A CLI test configures the root logger in this process: undo it after every test."""
    yield
    oplog.unconfigure()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "terminal_id": "test-01",
        "bcrypt_rounds": 4,
        "query_min_seconds": 0.0,
        "outbox_dir": tmp_path / "outbox",
        "audit_key_file": tmp_path / "audit.key",
        "document_sources": [tmp_path / "usb"],
        "scan_folders": [tmp_path / "scans"],
        "documents_dir": tmp_path / "documents",
        "smtp_host": "",
        "sms_gateway_url": "",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def _postgres_or_skip() -> None:
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            pass
    except Exception as error:  # no server here: skip with the reason, or fail on CI
        reason = f"PostgreSQL not reachable at {PG_URL}: {type(error).__name__}: {error}"
        if os.environ.get("IPAS_KIOSK_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


class StoreFactory:
    """Makes stores on one database: a second ``open()`` is a restart (a new engine)."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        self.url = f"sqlite:///{tmp_path / 'kiosk.db'}" if backend == "sqlite" else PG_URL
        self.opened: list[Store] = []

    def open(self) -> Store:
        if self.backend == "sqlite":
            store = Store(self.url)
        else:
            store = Store(self.url, connect_args={"options": f"-csearch_path={self.schema}"})
        self.opened.append(store)
        return store

    def create(self) -> Store:
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        store = self.open()
        store.upgrade()
        return store

    def close(self) -> None:
        for store in self.opened:
            store.dispose()
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "postgres":
        _postgres_or_skip()
    factory = StoreFactory(request.param, tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory.create()
