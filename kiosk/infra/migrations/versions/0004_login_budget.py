"""login budget: failed sign-ins per terminal and per browser source

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00

A password sprayed over many accounts from one terminal locks no account; this table counts
failures per place (``terminal:<id>``, ``source:<address>``) so the place itself waits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_budget",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_budget")),
    )


def downgrade() -> None:
    op.drop_table("login_budget")
