"""The engine factory and session helpers: SQLite by default, PostgreSQL by URL (the tables are
``kiosk.infra.tables``).

No engine exists at import time: ``Store(url)`` makes one. SQLite files run in WAL mode with a busy
timeout and foreign keys on, so several terminals on one host share a file; PostgreSQL goes through
psycopg 3.

A transaction waits for another one's lock at most ``busy_seconds``
(``Settings.store_busy_seconds``): SQLite's busy timeout, PostgreSQL's ``lock_timeout`` (and a
``statement_timeout`` a little longer). Past that it fails, and the apps answer "database
unavailable" instead of freezing.

A SQLite file deleted, moved away or replaced under a running kiosk is no longer the file its
pooled connections have open: they would go on committing into the old inode, and everything
"saved" would be gone. Each connection remembers the ``(st_dev, st_ino)`` of the file it opened;
a connection whose file is no longer the one at the path is dropped when it is taken from the pool
(with every other pooled connection: the pool is invalidated), and a transaction that finds it at
its BEGIN or right before its COMMIT fails with :class:`DatabaseFileChanged`. Once a store has
opened its file it never creates it again (``mode=rw``): a vanished database stays an error until
a file is at the path again (an operator's restore), which new connections then use. (No lock
covers the instant between the check and the COMMIT itself; the window is a system call wide.)
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine, select

from kiosk.infra.tables import Candidate, collate_for_postgresql

if TYPE_CHECKING:
    from kiosk.infra.config import Settings


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would otherwise pick psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


DEFAULT_BUSY_SECONDS = 8.0
"""How long a transaction waits for another one's lock before it fails (``Store(url)``)."""
STATEMENT_GRACE_SECONDS = 2.0  # PostgreSQL: a statement may run this much longer than a lock wait
_FILE_ID = "kiosk_sqlite_file_id"  # connection-record info: (st_dev, st_ino) of the file opened


class DatabaseFileChanged(SQLAlchemyError):
    """The SQLite file at the configured path is not the one this connection has open: it was
    deleted, moved away or replaced. Nothing of this transaction may be reported saved."""


class _SqliteFile:
    """The database file behind a SQLite engine: where it is, and whether it was ever opened."""

    def __init__(self, database: str) -> None:
        self.path = os.path.abspath(database)  # sqlite3 opens the name relative to the cwd
        self.opened = False

    def identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def check(self, connection: Connection) -> None:
        """Raise unless ``connection`` has the file that is at the path now open."""
        if connection.info.get(_FILE_ID) != self.identity():
            raise DatabaseFileChanged(f"the database file {self.path} was deleted or replaced")


def _guard_sqlite_file(engine: Engine, database: str) -> None:
    """Refuse to write into a database file that is no longer the one at the path (see above)."""
    file = _SqliteFile(database)

    @event.listens_for(engine, "do_connect")
    def _open_existing_only(_dialect: Any, _record: Any, cargs: list[Any], cparams: Any) -> None:
        if file.opened and not cparams.get("uri"):
            # ``mode=rw``: a file that vanished is not silently created again, empty
            cargs[0] = Path(file.path).as_uri() + "?mode=rw"
            cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _remember_file(_dbapi_connection: Any, record: Any) -> None:
        identity = file.identity()
        if identity is None:
            raise DatabaseFileChanged(f"the database file {file.path} vanished while opened")
        record.info[_FILE_ID] = identity
        file.opened = True

    @event.listens_for(engine, "checkout")
    def _drop_stale(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get(_FILE_ID) == file.identity():
            return
        # What was committed before the file went lands in that file itself (a file moved away
        # is whole again), and the "-wal" file left at the path is emptied: a database put back
        # there later must not read the vanished one's pages from it.
        with contextlib.suppress(Exception):
            dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # Every pooled connection has the old file open: the pool reconnects them all, this one
        # right now (which fails while no file is at the path: see _open_existing_only).
        raise InvalidatePoolError("the database file was deleted or replaced")

    event.listen(engine, "begin", file.check)
    event.listen(engine, "commit", file.check)


def make_engine(
    url: str, *, echo: bool = False, busy_seconds: float = DEFAULT_BUSY_SECONDS, **kwargs: Any
) -> Engine:
    """Make an engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys.

    ``busy_seconds`` bounds how long a transaction waits for a lock (SQLite busy timeout;
    PostgreSQL ``lock_timeout``, ``statement_timeout`` a little longer, and the connect timeout).
    Bound values stay out of SQLAlchemy's error messages and echo (``hide_parameters``): they
    hold national ID numbers, and an error's text ends up in logs.
    """
    kwargs.setdefault("hide_parameters", True)
    url = normalize_url(url)
    parsed = make_url(url)
    busy_ms = max(1, round(busy_seconds * 1000))
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, echo=echo, **kwargs)
        if parsed.get_backend_name() == "postgresql":
            collate_for_postgresql()  # the dialect is loaded now: the indexes' collation
            _bound_postgresql_waits(engine, busy_ms)
        return engine
    database = parsed.database or ""
    connect_args = {"check_same_thread": False, "timeout": busy_seconds}
    if database in ("", ":memory:"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args=connect_args,
            poolclass=StaticPool,
            hide_parameters=kwargs["hide_parameters"],
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if database not in ("", ":memory:") and not database.startswith("file:"):
        _guard_sqlite_file(engine, database)
    return engine


def _bound_postgresql_waits(engine: Engine, busy_ms: int) -> None:
    """Every connection waits at most ``busy_ms`` for a lock, and a statement a little longer:
    set at connection start-up (``options``), so no transaction can roll the settings back."""
    statement_ms = busy_ms + round(STATEMENT_GRACE_SECONDS * 1000)

    @event.listens_for(engine, "do_connect")
    def _timeouts(_dialect: Any, _record: Any, _cargs: Any, cparams: Any) -> None:
        options = f"-c lock_timeout={busy_ms} -c statement_timeout={statement_ms}"
        given = cparams.get("options") or ""
        if "lock_timeout" not in given:  # the arguments may be reused for the next connection
            cparams["options"] = f"{given} {options}".strip()
        cparams.setdefault("connect_timeout", max(2, math.ceil(busy_ms / 1000)))


class Store:
    """The database of one site: an engine plus session and migration helpers."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        busy_seconds: float = DEFAULT_BUSY_SECONDS,
        **engine_kwargs: Any,
    ) -> None:
        self.url = normalize_url(url)
        self.busy_seconds = busy_seconds
        self.engine = make_engine(self.url, echo=echo, busy_seconds=busy_seconds, **engine_kwargs)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The site's store: its URL and how long a transaction may wait for a lock."""
        return cls(settings.effective_database_url, busy_seconds=settings.store_busy_seconds)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        from kiosk.infra.migrate import upgrade

        upgrade(self.engine)

    def is_empty(self) -> bool:
        with Session(self.engine) as session:
            return session.exec(select(Candidate.id).limit(1)).first() is None

    def dispose(self) -> None:
        self.engine.dispose()


def get_candidate_by_account(*, session: Session, account: str) -> Candidate | None:
    return session.exec(
        select(Candidate).where(Candidate.account_key == account.strip().lower())
    ).first()


def get_candidate_by_national_id(*, session: Session, national_id: str) -> Candidate | None:
    return session.exec(select(Candidate).where(Candidate.national_id == national_id)).first()
