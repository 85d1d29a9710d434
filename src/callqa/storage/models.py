"""Tables for calls, utterances, processing runs and ingest errors.

ORM classes never leave ``callqa.storage``: the repository converts them to the plain types
of ``callqa.storage.types`` / ``callqa.conversation``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callqa.storage.base import Base, utcnow

__all__ = ["Base", "Call", "UtteranceRow", "ProcessingRun", "RunStage", "IngestError"]


class Call(Base):
    """One stored call. ``call_id`` is the PBX's id, unique per tenant; ``id`` is ours."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("tenant", "call_id"),
        UniqueConstraint("content_hash"),
        Index("ix_calls_tenant_started_at", "tenant", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100), default="default")
    operator_id: Mapped[str | None] = mapped_column(String(100))
    customer_number: Mapped[str | None] = mapped_column(String(64), index=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration: Mapped[float | None] = mapped_column(Float)
    channels: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    operator_channel: Mapped[int | None] = mapped_column(Integer)
    # sha256 of the original file's bytes; NULL for transcripts imported without audio.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    audio_path: Mapped[str | None] = mapped_column(Text)
    original_path: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="done")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    utterances: Mapped[list[UtteranceRow]] = relationship(
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="UtteranceRow.idx",
        passive_deletes=True,
    )


class UtteranceRow(Base):
    """A turn of one speaker. ``lemma_text`` is what the full-text index sees."""

    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("call_pk", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    speaker: Mapped[str | None] = mapped_column(String(64))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    lemma_text: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    call: Mapped[Call] = relationship(back_populates="utterances")


class ProcessingRun(Base):
    """One attempt to process one file (or transcript). A run left ``running`` never counts as done."""

    __tablename__ = "processing_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    source_path: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    tenant: Mapped[str | None] = mapped_column(String(100))
    call_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    error_type: Mapped[str | None] = mapped_column(String(100))
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    stages: Mapped[list[RunStage]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunStage.position"
    )


class RunStage(Base):
    """Per-stage status of a run (decode, asr, roles, conversation, store, analytics...)."""

    __tablename__ = "run_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("processing_runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[ProcessingRun] = relationship(back_populates="stages")


class IngestError(Base):
    """A problem with one input file or metadata row, kept so the user can see what went wrong.

    ``level`` is ``error`` (the file was not stored) or ``warning`` (stored with defaults, e.g.
    an unreadable CDR row).
    """

    __tablename__ = "ingest_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("processing_runs.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16), default="error")
    error_type: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
