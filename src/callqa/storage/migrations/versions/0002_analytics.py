"""Analytics tables: analysis results, findings, DNC register and audit, IVR scores.

Revision ID: 0002_analytics
Revises: 0001_initial
Create Date: 2026-12-06
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_analytics"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("operator_id", sa.String(100), nullable=True),
        sa.Column("customer_number", sa.String(64), nullable=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("call_type", sa.String(64), nullable=True),
        sa.Column("call_type_confidence", sa.Float(), nullable=True),
        sa.Column("customer_sentiment", sa.String(16), nullable=True),
        sa.Column("dnc_request", sa.Boolean(), nullable=False),
        sa.Column("dnc_request_utterance", sa.Integer(), nullable=True),
        sa.Column("dnc_ignored_in_call", sa.Boolean(), nullable=False),
        sa.Column("dnc_violation_repeat_call", sa.Boolean(), nullable=False),
        sa.Column("dnc_violation_of", sa.String(200), nullable=True),
        sa.Column("nps_score", sa.Integer(), nullable=True),
        sa.Column("predicted_nps", sa.Float(), nullable=True),
        sa.Column("qa_score", sa.Float(), nullable=True),
        sa.Column("script_id", sa.String(100), nullable=True),
        sa.Column("script_version", sa.String(50), nullable=True),
        sa.Column("analyzer_versions", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="CASCADE",
                                name=op.f("fk_analysis_results_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
        sa.UniqueConstraint("call_pk", name=op.f("uq_analysis_results_call_pk")),
    )
    op.create_index("ix_analysis_results_tenant_number", "analysis_results",
                    ["tenant", "customer_number"])
    op.create_index("ix_analysis_results_tenant_started", "analysis_results",
                    ["tenant", "started_at"])
    op.create_index(op.f("ix_analysis_results_call_type"), "analysis_results", ["call_type"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("utterance_index", sa.Integer(), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.Column("reviewed_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="CASCADE",
                                name=op.f("fk_findings_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_call_pk"), "findings", ["call_pk"])
    op.create_index("ix_findings_code_status", "findings", ["code", "status"])

    op.create_table(
        "dnc_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("customer_number", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.String(200), nullable=True),
        sa.Column("added_at", TZ, nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("utterance_index", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("removed_at", TZ, nullable=True),
        sa.Column("removed_by", sa.String(100), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="SET NULL",
                                name=op.f("fk_dnc_register_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_register")),
    )
    op.create_index("ix_dnc_register_tenant_number", "dnc_register", ["tenant", "customer_number"])
    op.create_index("ix_dnc_register_tenant_active", "dnc_register", ["tenant", "active"])

    op.create_table(
        "dnc_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("customer_number", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("effective_at", TZ, nullable=True),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("call_id", sa.String(200), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_audit")),
    )
    op.create_index("ix_dnc_audit_tenant_number", "dnc_audit", ["tenant", "customer_number"])

    op.create_table(
        "ivr_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("imported_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="CASCADE",
                                name=op.f("fk_ivr_scores_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_scores")),
        sa.UniqueConstraint("call_pk", name=op.f("uq_ivr_scores_call_pk")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # The append-only promise of the audit log, enforced by the database itself.
        op.execute("""CREATE TRIGGER dnc_audit_no_update BEFORE UPDATE ON dnc_audit
            BEGIN SELECT RAISE(ABORT, 'dnc_audit is append-only'); END""")
        op.execute("""CREATE TRIGGER dnc_audit_no_delete BEFORE DELETE ON dnc_audit
            BEGIN SELECT RAISE(ABORT, 'dnc_audit is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS dnc_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS dnc_audit_no_delete")
    op.drop_table("ivr_scores")
    op.drop_table("dnc_audit")
    op.drop_table("dnc_register")
    op.drop_table("findings")
    op.drop_table("analysis_results")
