"""Plain data returned by the storage API (no ORM objects leave ``callqa.storage``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from callqa.conversation import Conversation
from callqa.errors import CallQAError


class CallNotFoundError(CallQAError):
    """No stored call has that id (for that tenant)."""


class AmbiguousCallError(CallQAError):
    """The call id exists for several tenants: name the tenant."""


class DuplicateCallError(CallQAError):
    """The call (same tenant + call id, or same audio) is already stored; replace to overwrite."""


class SearchQueryError(CallQAError):
    """A full-text query the search cannot understand (unbalanced quotes, lone operator...)."""


@dataclass
class AudioInfo:
    """Where the call's audio is and what it is."""

    content_hash: str | None = None
    audio_path: str | None = None  # copy kept for playback (or the original when referenced)
    original_path: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    duration: float | None = None
    format: str | None = None


@dataclass
class StageRecord:
    name: str
    status: str  # ok | failed | skipped
    seconds: float | None = None
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallSummary:
    """One row of ``callqa calls``."""

    pk: int
    call_id: str
    tenant: str
    operator_id: str | None
    customer_number: str | None
    direction: str
    started_at: datetime | None
    duration: float | None
    channels: int | None
    sample_rate: int | None
    operator_channel: int | None
    content_hash: str | None
    audio_path: str | None
    original_path: str | None
    status: str
    n_utterances: int
    created_at: datetime | None
    updated_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("started_at", "created_at", "updated_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass
class CallRecord:
    """A stored call with its conversation (meta + utterances) and processing provenance."""

    summary: CallSummary
    conversation: Conversation
    provenance: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunRecord:
    id: int
    call_pk: int | None
    source_path: str | None
    content_hash: str | None
    tenant: str | None
    call_id: str | None
    status: str  # running | done | failed | skipped | interrupted
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    error_type: str | None
    provenance: dict[str, Any]
    stages: list[StageRecord]


@dataclass
class IngestErrorRecord:
    id: int
    run_id: int | None
    path: str
    content_hash: str | None
    level: str
    error_type: str | None
    message: str
    created_at: datetime | None


@dataclass
class SearchHit:
    """One utterance matching a full-text query."""

    call_pk: int
    call_id: str
    tenant: str
    utterance_index: int
    role: str
    start_s: float | None
    end_s: float | None
    text: str
    snippet: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CallFilter:
    """Filters for ``list_calls``; ``None`` means no filter."""

    tenant: str | None = None
    operator_id: str | None = None
    customer_number: str | None = None
    direction: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 100
    offset: int = 0
