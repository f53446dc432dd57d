"""exams: exam sessions and exam registrations (candidate area)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("venue", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("registration_opens_at", sa.DateTime(), nullable=False),
        sa.Column("registration_closes_at", sa.DateTime(), nullable=False),
        sa.Column("bring", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_exam_session_seats_taken")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_session")),
        sa.UniqueConstraint(
            "subject", "level", "starts_at", "venue", name=op.f("uq_exam_session_subject")
        ),
    )
    with op.batch_alter_table("exam_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_session_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index("ix_exam_session_subject_level", ["subject", "level"], unique=False)

    op.create_table(
        "exam_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_exam_registration_candidate_id_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exam_session.id"],
            name=op.f("fk_exam_registration_session_id_exam_session"),
        ),
        sa.CheckConstraint(
            "status IN ('registered', 'documents_pending', 'paid', 'confirmed', 'cancelled')",
            name=op.f("ck_exam_registration_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_registration")),
        sa.UniqueConstraint(
            "candidate_id", "session_id", name=op.f("uq_exam_registration_candidate_id")
        ),
    )
    with op.batch_alter_table("exam_registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_registration_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exam_registration_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exam_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_registration_session_id"))
        batch_op.drop_index(batch_op.f("ix_exam_registration_candidate_id"))
    op.drop_table("exam_registration")
    with op.batch_alter_table("exam_session", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_session_subject_level")
        batch_op.drop_index(batch_op.f("ix_exam_session_starts_at"))
    op.drop_table("exam_session")
