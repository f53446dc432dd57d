"""staff: help-desk staff users and the staff column of the audit trail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:50:00

Also the indexes the staff search needs on candidate (prefix searches by range on Chinese name,
e-mail and mobile; account_key and national_id already have their unique indexes). The ranges
compare in code-point order (``COLLATE "C"`` on PostgreSQL, whatever the database's default), so
on PostgreSQL these indexes are built in the C collation, and account_key's column (hence its
unique index) is switched to it: lower-cased accounts compare equal in every collation, so
uniqueness is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=30), nullable=False),
        sa.Column("account_key", sa.String(length=30), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("account_key", name=op.f("uq_staff_user_account_key")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        # the server default fills the rows already there (and keeps SQLite from copying the table)
        batch_op.add_column(
            sa.Column("staff", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_audit_event_staff"), ["staff"], unique=False)
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        for column in ("chinese_name", "email", "mobile"):
            batch_op.create_index(
                batch_op.f(f"ix_candidate_{column}"),
                [column],
                unique=False,
                postgresql_ops={column: 'COLLATE "C"'},  # CREATE INDEX … (email COLLATE "C")
            )
    if op.get_context().dialect.name == "postgresql":
        op.alter_column(
            "candidate",
            "account_key",
            existing_type=sa.String(length=30),
            type_=sa.String(length=30, collation="C"),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.alter_column(
            "candidate",
            "account_key",
            existing_type=sa.String(length=30, collation="C"),
            type_=sa.String(length=30),
            existing_nullable=False,
        )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_mobile"))
        batch_op.drop_index(batch_op.f("ix_candidate_email"))
        batch_op.drop_index(batch_op.f("ix_candidate_chinese_name"))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_staff"))
        batch_op.drop_column("staff")
    op.drop_table("staff_user")
