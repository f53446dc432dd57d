"""The schema: every table of the site's database as a SQLModel class, in one place (the
migrations in ``kiosk/infra/migrations`` build exactly these; ``tests/staff/test_schema.py`` and
``tests/store/test_store.py`` compare them). Timestamps are naive UTC (``utcnow``): SQLite keeps
no zone. Uniqueness (account, case-insensitively, and national ID) is enforced by the database:
``account_key`` is the lower-cased account under a UNIQUE constraint, so a racing duplicate fails
in the database exactly like a sequential one. The engine and sessions are ``kiosk.infra.store``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

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


CODE_POINT_COLUMNS = ("chinese_name", "email", "mobile")
"""The candidate columns indexed in code-point order: ``ix_candidate_<column>``."""


def _code_point_index(column: str) -> Index:
    """``ix_candidate_<column>``; in the C collation on PostgreSQL once
    :func:`collate_for_postgresql` has run."""
    return Index(f"ix_candidate_{column}", column)


def collate_for_postgresql() -> None:
    """Give the code-point indexes their PostgreSQL option (the operator-class slot carries the
    COLLATE clause: ``CREATE INDEX … (email COLLATE "C")``, as migration 0003 builds them).

    Not written into the ``Index(...)`` above: SQLAlchemy checks a ``postgresql_*`` argument
    against the PostgreSQL dialect when the index is made, and that imports the dialect and all
    its drivers (≈ 2.4 MiB) into every process, a SQLite kiosk too (issue 15). An engine for
    PostgreSQL (``kiosk.infra.store.make_engine``) and Alembic's environment call this; it may
    be called any number of times."""
    indexes = {index.name: index for index in Candidate.__table__.indexes}  # type: ignore[attr-defined]
    for column in CODE_POINT_COLUMNS:
        index = indexes[f"ix_candidate_{column}"]
        index.dialect_kwargs["postgresql_ops"] = {column: 'COLLATE "C"'}


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(), nullable=nullable, index=index))


class Candidate(SQLModel, table=True):
    """A candidate account: passwords only as bcrypt hashes; ``account_key`` is the lower case."""

    # The help desk's prefix searches compare in code-point order (``COLLATE "C"`` on
    # PostgreSQL, kiosk.core.helpdesk.CodePointOrder); the indexes are built in that collation so
    # they serve them whatever the database's default. SQLite's BINARY default is code-point order.
    __table_args__ = (*(_code_point_index(column) for column in CODE_POINT_COLUMNS),)

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
