"""Initial schema: calls, utterances, processing runs and stages, ingest errors, FTS index.

Revision ID: 0001_initial
Revises:
Create Date: 2026-12-06
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)

# FTS5 over the lemmas of each utterance (external content = the utterances table, kept in
# sync by triggers), so "звонить" finds "звоните". SQLite only; other databases fall back
# to a LIKE scan over utterances.lemma_text (see callqa.storage.repository).
FTS_SQL = [
    """CREATE VIRTUAL TABLE utterance_fts USING fts5(
        lemma_text, content='utterances', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER utterances_fts_ai AFTER INSERT ON utterances BEGIN
        INSERT INTO utterance_fts(rowid, lemma_text) VALUES (new.id, new.lemma_text);
    END""",
    """CREATE TRIGGER utterances_fts_ad AFTER DELETE ON utterances BEGIN
        INSERT INTO utterance_fts(utterance_fts, rowid, lemma_text)
        VALUES ('delete', old.id, old.lemma_text);
    END""",
    """CREATE TRIGGER utterances_fts_au AFTER UPDATE ON utterances BEGIN
        INSERT INTO utterance_fts(utterance_fts, rowid, lemma_text)
        VALUES ('delete', old.id, old.lemma_text);
        INSERT INTO utterance_fts(rowid, lemma_text) VALUES (new.id, new.lemma_text);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("operator_id", sa.String(100), nullable=True),
        sa.Column("customer_number", sa.String(64), nullable=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("operator_channel", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("audio_path", sa.Text(), nullable=True),
        sa.Column("original_path", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("tenant", "call_id", name=op.f("uq_calls_tenant_call_id")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_calls_content_hash")),
    )
    op.create_index("ix_calls_tenant_started_at", "calls", ["tenant", "started_at"])
    op.create_index(op.f("ix_calls_customer_number"), "calls", ["customer_number"])

    op.create_table(
        "utterances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("speaker", sa.String(64), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lemma_text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="CASCADE",
                                name=op.f("fk_utterances_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utterances")),
        sa.UniqueConstraint("call_pk", "idx", name=op.f("uq_utterances_call_pk_idx")),
    )
    op.create_index(op.f("ix_utterances_call_pk"), "utterances", ["call_pk"])

    op.create_table(
        "processing_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=True),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("tenant", sa.String(100), nullable=True),
        sa.Column("call_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_type", sa.String(100), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], ondelete="SET NULL",
                                name=op.f("fk_processing_runs_call_pk_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_runs")),
    )
    op.create_index(op.f("ix_processing_runs_call_pk"), "processing_runs", ["call_pk"])
    op.create_index(op.f("ix_processing_runs_content_hash"), "processing_runs", ["content_hash"])
    op.create_index(op.f("ix_processing_runs_status"), "processing_runs", ["status"])

    op.create_table(
        "run_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["processing_runs.id"], ondelete="CASCADE",
                                name=op.f("fk_run_stages_run_id_processing_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_stages")),
    )
    op.create_index(op.f("ix_run_stages_run_id"), "run_stages", ["run_id"])

    op.create_table(
        "ingest_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("error_type", sa.String(100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["processing_runs.id"], ondelete="SET NULL",
                                name=op.f("fk_ingest_errors_run_id_processing_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_errors")),
    )
    op.create_index(op.f("ix_ingest_errors_run_id"), "ingest_errors", ["run_id"])
    op.create_index(op.f("ix_ingest_errors_created_at"), "ingest_errors", ["created_at"])

    if op.get_bind().dialect.name == "sqlite":
        for stmt in FTS_SQL:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("utterances_fts_au", "utterances_fts_ad", "utterances_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS utterance_fts")
    op.drop_table("ingest_errors")
    op.drop_table("run_stages")
    op.drop_table("processing_runs")
    op.drop_table("utterances")
    op.drop_table("calls")
