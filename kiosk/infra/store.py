"""Tables, the engine factory and session helpers: SQLite by default, PostgreSQL by URL.

No engine exists at import time: ``Store(url)`` makes one. SQLite files run in WAL mode with a busy
timeout and foreign keys on, so several terminals on one host share a file; PostgreSQL goes through
psycopg 3. Uniqueness (account, case-insensitively, and national ID) is enforced by the database:
``account_key`` is the lower-cased account under a UNIQUE constraint, so a racing duplicate fails
in the database exactly like a sequential one.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, UniqueConstraint, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, create_engine, select

if TYPE_CHECKING:
    from kiosk.infra.config import Settings

ORIGINS = ("self", "group", "legacy")

# Named constraints, the same on SQLite and PostgreSQL, for migrations and error handling.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every timestamp in the store is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def _code_point_index(column: str) -> Index:
    """``ix_candidate_<column>``, in the C collation on PostgreSQL (the operator-class slot
    carries the COLLATE clause: ``CREATE INDEX … (email COLLATE "C")``)."""
    return Index(f"ix_candidate_{column}", column, postgresql_ops={column: 'COLLATE "C"'})


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(), nullable=nullable, index=index))


class Candidate(SQLModel, table=True):
    """A candidate account: passwords only as bcrypt hashes; ``account_key`` is the lower case."""

    # The help desk's prefix searches compare in code-point order (``COLLATE "C"`` on
    # PostgreSQL, kiosk.core.helpdesk.CodePointOrder); the indexes are built in that collation so
    # they serve them whatever the database's default. SQLite's BINARY default is code-point order.
    __table_args__ = (
        _code_point_index("chinese_name"),
        _code_point_index("email"),
        _code_point_index("mobile"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=30)
    account_key: str = Field(max_length=30, unique=True)
    nationality: str = Field(default="TW", max_length=8)
    national_id: str = Field(max_length=10, unique=True)
    chinese_name: str = Field(max_length=40)
    english_surname: str = Field(default="", max_length=40)
    english_given_name: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    mobile: str = Field(default="", max_length=16)
    gender: str = Field(default="", max_length=1)
    education: str = Field(default="", max_length=4)
    school: str = Field(default="", max_length=80)
    department: str = Field(default="", max_length=80)
    password_hash: str | None = Field(default=None, max_length=100)
    must_change_password: bool = False
    temp_password_hash: str | None = Field(default=None, max_length=100)
    temp_password_expires_at: datetime | None = _ts(nullable=True)
    change_ticket_hash: str | None = Field(default=None, max_length=64)
    change_ticket_expires_at: datetime | None = _ts(nullable=True)
    profile_complete: bool = True
    origin: str = Field(default="self", max_length=8)
    group_unit: str = Field(default="", max_length=80)
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )


class AuditEvent(SQLModel, table=True):
    """Who tried what, when, from which terminal — never a password, never a full national ID."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_account_at", "account", "at"),
        Index("ix_audit_event_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False, index=True)
    )
    terminal_id: str = Field(default="", max_length=40)
    kind: str = Field(max_length=40)
    account: str = Field(default="", max_length=40)
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    outcome: str = Field(max_length=40)
    detail: str = Field(default="", max_length=500)
    staff: str = Field(default="", max_length=40, index=True)  # the help-desk account, if any
    # set only on an event replayed from a terminal's spool (kiosk.core.audit): it is inserted once
    spool_id: str | None = Field(default=None, max_length=32, unique=True, index=True)


class Delivery(SQLModel, table=True):
    """What was sent where (masked): the secret itself only ever travels in the message."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False, index=True)
    )
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    channel: str = Field(max_length=8)
    transport: str = Field(default="", max_length=10)
    destination_masked: str = Field(default="", max_length=80)
    purpose: str = Field(max_length=20)
    status: str = Field(max_length=10)
    error: str = Field(default="", max_length=200)


class Throttle(SQLModel, table=True):
    """Fixed-window counters for queries (credential query, e-mail query); keys are hashed."""

    key: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    count: int = 0


class LoginBudget(SQLModel, table=True):
    """Failed sign-ins counted per terminal or per browser source (password spraying over many
    accounts from one place): past a threshold in a window, the place waits, doubling like an
    account's lock. ``key`` is ``terminal:<id>`` or ``source:<address>`` (not secret: the help
    desk sees and clears it)."""

    __tablename__ = "login_budget"

    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    window_start: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    locked_until: datetime | None = _ts(nullable=True)
    last_failure_at: datetime | None = _ts(nullable=True)


EXAM_STATUSES = ("registered", "documents_pending", "paid", "confirmed", "cancelled")


class ExamSession(SQLModel, table=True):
    """考試場次: one sitting of a subject and level at a venue; times are naive UTC like every
    timestamp here. ``seats_taken`` moves only by conditional UPDATEs (``kiosk.core.exams``) and the
    database refuses anything outside ``0..seats``, so no terminal can overbook."""

    __tablename__ = "exam_session"
    __table_args__ = (
        UniqueConstraint("subject", "level", "starts_at", "venue"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_taken"),
        Index("ix_exam_session_subject_level", "subject", "level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=40)
    level: str = Field(default="", max_length=8)
    starts_at: datetime = Field(sa_column=Column(DateTime(), nullable=False, index=True))
    ends_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    venue: str = Field(max_length=80)
    address: str = Field(default="", max_length=200)
    seats: int
    seats_taken: int = 0
    registration_opens_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    registration_closes_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    bring: str = Field(default="", max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )


class ExamRegistration(SQLModel, table=True):
    """考試報名: a candidate's place in a session; one row per candidate and session (a second
    registration fails in the database), kept when cancelled so the history stays."""

    __tablename__ = "exam_registration"
    __table_args__ = (
        UniqueConstraint("candidate_id", "session_id"),
        CheckConstraint(
            "status IN ('registered', 'documents_pending', 'paid', 'confirmed', 'cancelled')",
            name="status",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    status: str = Field(default="registered", max_length=20)
    registered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )
    cancelled_at: datetime | None = _ts(nullable=True)


RECHECK_STATUSES = ("submitted", "unchanged", "corrected")
DOCUMENT_STATUSES = ("missing", "submitted", "accepted", "rejected")


class ExamResult(SQLModel, table=True):
    """成績: one registration's result, made by ``ipas-kiosk scores import`` and shown to the
    candidate only once ``released_at`` is set (``scores release``), when ``passed``, the pass
    mark it was judged by and the certificate number are fixed too (``kiosk.core.results``)."""

    __tablename__ = "exam_result"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="exam_registration.id", unique=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    passed: bool | None = None
    pass_mark: int | None = None
    certificate_number: str | None = Field(default=None, max_length=40, unique=True)
    released_at: datetime | None = _ts(nullable=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )


class ExamScore(SQLModel, table=True):
    """One part's (科目) score of a result: one row per result and part."""

    __tablename__ = "exam_score"
    __table_args__ = (
        UniqueConstraint("result_id", "part"),
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="exam_result.id", index=True)
    part: str = Field(max_length=60)
    score: int
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )


class RecheckApplication(SQLModel, table=True):
    """成績複查申請: at most one per part's score (the UNIQUE ``score_id``: a second application,
    from this terminal or another, fails in the database); staff decide it once."""

    __tablename__ = "recheck_application"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'unchanged', 'corrected')", name="status"),
        Index("ix_recheck_application_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    score_id: int = Field(foreign_key="exam_score.id", unique=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    fee: int = 0
    status: str = Field(default="submitted", max_length=12)
    old_score: int
    new_score: int | None = None
    applied_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    decided_at: datetime | None = _ts(nullable=True)
    decided_by: str = Field(default="", max_length=40)
    reason: str = Field(default="", max_length=200)


class RegistrationDocument(SQLModel, table=True):
    """線上繳件: a document a registration in 待補件 needs, and its review. The file itself is in
    the documents folder under its SHA-256 (``kiosk.core.documents``), never under the name it
    had; ``reason`` is what the candidate reads when it is rejected."""

    __tablename__ = "registration_document"
    __table_args__ = (
        UniqueConstraint("registration_id", "kind"),
        CheckConstraint(
            "status IN ('missing', 'submitted', 'accepted', 'rejected')", name="status"
        ),
        Index("ix_registration_document_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="exam_registration.id")
    kind: str = Field(max_length=20)
    status: str = Field(default="missing", max_length=10)
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    media_type: str = Field(default="", max_length=20)
    requested_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    submitted_at: datetime | None = _ts(nullable=True)
    decided_at: datetime | None = _ts(nullable=True)
    decided_by: str = Field(default="", max_length=40)
    reason: str = Field(default="", max_length=200)


STAFF_ROLES = ("helpdesk", "admin")


class StaffUser(SQLModel, table=True):
    """A help-desk account (``ipas-kiosk staff add``): bcrypt hash, role, lockout as candidates."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=30)
    account_key: str = Field(max_length=30, unique=True)
    role: str = Field(default="helpdesk", max_length=10)
    password_hash: str = Field(max_length=100)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    last_login_at: datetime | None = _ts(nullable=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(), nullable=False)
    )


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
