"""results and documents: scores, their release, re-check applications, submitted documents

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00

成績查詢 / 成績複查申請 / 線上繳件申請 (issue 14): ``exam_result`` (one per registration, shown
once released), ``exam_score`` (one per result and part), ``recheck_application`` (at most one
per score: the UNIQUE ``score_id`` decides between two terminals) and ``registration_document``
(a document a registration in 待補件 needs; the file is kept under its SHA-256). New tables only:
nothing existing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=True),
        sa.Column("certificate_number", sa.String(length=40), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidate.id"], name=op.f("fk_exam_result_candidate_id_candidate")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["exam_registration.id"],
            name=op.f("fk_exam_result_registration_id_exam_registration"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_session.id"], name=op.f("fk_exam_result_session_id_exam_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_result")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_exam_result_certificate_number")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_exam_result_registration_id")),
    )
    with op.batch_alter_table("exam_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_result_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exam_result_session_id"), ["session_id"], unique=False)

    op.create_table(
        "registration_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status IN ('missing', 'submitted', 'accepted', 'rejected')",
            name=op.f("ck_registration_document_status"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["exam_registration.id"],
            name=op.f("fk_registration_document_registration_id_exam_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_document")),
        sa.UniqueConstraint(
            "registration_id", "kind", name=op.f("uq_registration_document_registration_id")
        ),
    )
    with op.batch_alter_table("registration_document", schema=None) as batch_op:
        batch_op.create_index("ix_registration_document_status", ["status"], unique=False)

    op.create_table(
        "exam_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=60), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_exam_score_score")),
        sa.ForeignKeyConstraint(
            ["result_id"], ["exam_result.id"], name=op.f("fk_exam_score_result_id_exam_result")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_score")),
        sa.UniqueConstraint("result_id", "part", name=op.f("uq_exam_score_result_id")),
    )
    with op.batch_alter_table("exam_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_score_result_id"), ["result_id"], unique=False)

    op.create_table(
        "recheck_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("old_score", sa.Integer(), nullable=False),
        sa.Column("new_score", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'unchanged', 'corrected')",
            name=op.f("ck_recheck_application_status"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_recheck_application_candidate_id_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["score_id"], ["exam_score.id"], name=op.f("fk_recheck_application_score_id_exam_score")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recheck_application")),
        sa.UniqueConstraint("score_id", name=op.f("uq_recheck_application_score_id")),
    )
    with op.batch_alter_table("recheck_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recheck_application_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index("ix_recheck_application_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recheck_application", schema=None) as batch_op:
        batch_op.drop_index("ix_recheck_application_status")
        batch_op.drop_index(batch_op.f("ix_recheck_application_candidate_id"))

    op.drop_table("recheck_application")
    with op.batch_alter_table("exam_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_score_result_id"))

    op.drop_table("exam_score")
    with op.batch_alter_table("registration_document", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_document_status")

    op.drop_table("registration_document")
    with op.batch_alter_table("exam_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_result_session_id"))
        batch_op.drop_index(batch_op.f("ix_exam_result_candidate_id"))

    op.drop_table("exam_result")
