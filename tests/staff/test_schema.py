"""The staff migration (0003) builds what the models say, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel, select

from kiosk.core import audit
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, StaffUser, utcnow

MINE = {"staff_user", "audit_event", "candidate"}


def _table_of(diff: object) -> str:
    """The table a difference is about (alembic gives tuples, or lists of tuples for columns)."""
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(part, str) and part in MINE:
            return part
        if name in MINE and hasattr(part, "columns"):
            return str(name)
    return ""


def test_migrations_match_the_models_for_staff_audit_and_candidate(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    mine = [d for d in diffs if _table_of(d) in MINE]
    assert mine == []


def test_audit_record_keeps_the_staff_account(store: Store) -> None:
    with store.session() as session:
        audit.record(
            session, kind="unlock", outcome="ok", terminal_id="desk-1", at=utcnow(), staff="amy"
        )
    with store.session() as session:
        event = session.exec(select(AuditEvent)).one()
        assert event.staff == "amy"
        session.add(StaffUser(account="Amy", account_key="amy", role="admin", password_hash="x"))


def test_database_errors_carry_no_bound_values(store: Store) -> None:
    """An error's text reaches logs: the values bound to a statement (ID numbers) stay out."""
    with pytest.raises(SQLAlchemyError) as caught, store.session() as session:
        session.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": "A123456789"})
    assert "A123456789" not in str(caught.value)
