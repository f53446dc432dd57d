"""audit spool: the id of an audit event replayed from a terminal's spool file

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

An attempt whose transaction failed (the database busy, gone or unreachable) keeps its audit
events in a spool file on the terminal until the database takes them (``kiosk.core.audit``). Each
spooled event carries a random id; the unique index makes a replay insert it at most once, even
after a crash between the replay's COMMIT and the rewrite of the spool file. Events written
directly have none (NULL: many allowed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column and an index: no table copy on SQLite, however long the audit trail
    op.add_column("audit_event", sa.Column("spool_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_audit_event_spool_id"), "audit_event", ["spool_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_event_spool_id"), table_name="audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("spool_id")
