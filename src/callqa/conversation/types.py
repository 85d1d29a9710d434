"""Core plain-data types shared by every stage (no ORM objects outside ``storage``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["operator", "customer", "unknown"]
Direction = Literal["inbound", "outbound"]
Severity = Literal["info", "minor", "major", "critical"]
ROLES: tuple[str, ...] = ("operator", "customer", "unknown")
SEVERITY_RANK: dict[str, int] = {"info": 0, "minor": 1, "major": 2, "critical": 3}


@dataclass
class CallMeta:
    """What the PBX (sidecar JSON, CDR) or the caller tells us about a call."""

    call_id: str
    tenant: str = "default"
    operator_id: str | None = None
    customer_number: str | None = None
    direction: Direction = "inbound"
    started_at: datetime | None = None
    operator_channel: int | None = 0  # stereo only: which channel is the operator
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Word:
    """One recognised word with times in seconds from the start of the call."""

    text: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str = "0"  # channel index ("0"/"1") or diarization label


@dataclass
class Utterance:
    """A turn of one speaker; ``start``/``end`` are None for transcripts without times."""

    role: Role
    text: str
    start: float | None = None
    end: float | None = None
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class Conversation:
    """A call as the analytics see it: metadata plus ordered utterances."""

    meta: CallMeta
    utterances: list[Utterance] = field(default_factory=list)
    duration: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def has_times(self) -> bool:
        return bool(self.utterances) and all(
            u.start is not None and u.end is not None for u in self.utterances
        )


@dataclass
class Finding:
    """Something a supervisor should look at, with the evidence to check it in seconds."""

    code: str
    severity: Severity
    utterance_index: int | None
    start_s: float | None
    evidence: str
    source: str  # which rule or model produced it, with version, e.g. "rules.dnc@1"
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
