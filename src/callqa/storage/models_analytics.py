"""Tables of the analytics layer: per-call results, findings, DNC register + audit, IVR scores.

They use the storage package's ``Base`` and reference ``calls.id``; ``analysis_results``
repeats a few call fields (tenant, normalised number, direction, start time) so the DNC
derivation and the NPS reports are single-table indexed queries, independent of how the call
tables evolve. ORM classes stay inside ``callqa.storage``; ``analytics_repo`` converts.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from callqa.storage.base import Base, utcnow

__all__ = ["AnalysisRow", "FindingRow", "DncEntry", "DncAudit", "IvrScore"]

FINDING_STATUSES = ("open", "confirmed", "dismissed")
DNC_ACTIONS = ("add", "remove", "auto-add", "auto-remove")


class AnalysisRow(Base):
    """The latest analysis of one call (re-analysis replaces it in one transaction)."""

    __tablename__ = "analysis_results"
    __table_args__ = (
        UniqueConstraint("call_pk"),
        Index("ix_analysis_results_tenant_number", "tenant", "customer_number"),
        Index("ix_analysis_results_tenant_started", "tenant", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100))
    operator_id: Mapped[str | None] = mapped_column(String(100))
    customer_number: Mapped[str | None] = mapped_column(String(64))  # normalised (+7…)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # UTC
    call_type: Mapped[str | None] = mapped_column(String(64), index=True)
    call_type_confidence: Mapped[float | None] = mapped_column(Float)
    customer_sentiment: Mapped[str | None] = mapped_column(String(16))
    dnc_request: Mapped[bool] = mapped_column(Boolean, default=False)
    dnc_request_utterance: Mapped[int | None] = mapped_column(Integer)
    dnc_ignored_in_call: Mapped[bool] = mapped_column(Boolean, default=False)
    dnc_violation_repeat_call: Mapped[bool] = mapped_column(Boolean, default=False)
    dnc_violation_of: Mapped[str | None] = mapped_column(String(200))  # earlier call id / "manual"
    nps_score: Mapped[int | None] = mapped_column(Integer)
    predicted_nps: Mapped[float | None] = mapped_column(Float)
    qa_score: Mapped[float | None] = mapped_column(Float)
    script_id: Mapped[str | None] = mapped_column(String(100))
    script_version: Mapped[str | None] = mapped_column(String(50))
    analyzer_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the issue-3 result dict
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # script details, labels
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FindingRow(Base):
    """One flag a supervisor sees, with evidence and a review status."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_code_status", "code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    utterance_index: Mapped[int | None] = mapped_column(Integer)
    start_s: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|confirmed|dismissed
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DncEntry(Base):
    """A reason a number is on a tenant's do-not-call register.

    ``source='call'`` rows are derived from analyses (one per DNC-request call, ``added_at`` =
    the call's start); ``source='manual'`` rows are a supervisor's additions. ``active`` is
    recomputed from the audit log (manual removals) after every change.
    """

    __tablename__ = "dnc_register"
    __table_args__ = (
        Index("ix_dnc_register_tenant_number", "tenant", "customer_number"),
        Index("ix_dnc_register_tenant_active", "tenant", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    customer_number: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # call | manual
    call_pk: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    call_id: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[str | None] = mapped_column(Text)
    utterance_index: Mapped[int | None] = mapped_column(Integer)
    added_by: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DncAudit(Base):
    """Append-only log of every register change. Manual add/remove rows are also the events
    the derivation replays (``effective_at``), so the register never depends on history order.
    """

    __tablename__ = "dnc_audit"
    __table_args__ = (Index("ix_dnc_audit_tenant_number", "tenant", "customer_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    customer_number: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # add | remove | auto-add | auto-remove
    effective_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    who: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IvrScore(Base):
    """A post-call IVR answer (0–10) imported from CSV; one per call (re-import replaces)."""

    __tablename__ = "ivr_scores"
    __table_args__ = (UniqueConstraint("call_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    source_file: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
