"""The per-call result of issue 3.

``to_dict()`` gives exactly the issue's keys (the JSONL output / API contract); the richer
details a supervisor or script writer needs (per-step adherence, extra booleans, all labels)
stay on the object for storage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callqa.conversation import Finding

DEFAULT_SCRIPT_STEPS: tuple[str, ...] = (
    "greeting_company", "operator_introduced", "need_identified", "contact_verified",
    "summary_next_step", "farewell",
)

RESULT_KEYS: tuple[str, ...] = (
    "call_id", "call_type", "call_type_confidence", "customer_sentiment",
    "customer_sentiment_trajectory", "dnc_request", "dnc_request_utterance",
    "dnc_ignored_in_call", "pushy_after_refusal", "nps_score", "predicted_nps", "script",
    "rude_operator", "dnc_violation_repeat_call", "flags", "qa_score", "provenance",
)


def finding_to_flag(f: Finding) -> dict[str, Any]:
    """A finding as a flag of the result (issue keys plus ``source``)."""
    return {
        "code": f.code,
        "severity": f.severity,
        "utterance_index": f.utterance_index,
        "start_s": f.start_s,
        "evidence": f.evidence,
        "source": f.source,
    }


@dataclass
class AnalysisResult:
    """Everything the analytics decided about one call."""

    call_id: str
    call_type: str | None = None
    call_type_confidence: float = 0.0
    customer_sentiment: str = "neutral"
    customer_sentiment_trajectory: list[dict[str, Any]] = field(default_factory=list)
    dnc_request: bool = False
    dnc_request_utterance: int | None = None
    dnc_ignored_in_call: bool = False
    pushy_after_refusal: bool = False
    nps_score: int | None = None
    predicted_nps: float = 5.0
    script: dict[str, bool] = field(default_factory=dict)
    rude_operator: bool = False
    dnc_violation_repeat_call: bool = False
    findings: list[Finding] = field(default_factory=list)
    qa_score: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)
    # --- richer details, kept for storage (not top-level keys of to_dict) -------------------
    script_details: dict[str, Any] = field(default_factory=dict)  # step → {done, utterance_index, order_kept}
    transfer_pingpong: bool = False
    unresolved_complaint: bool = False
    qa_details: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)  # every label any analyzer produced

    @property
    def flags(self) -> list[dict[str, Any]]:
        return [finding_to_flag(f) for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """Exactly the keys of issue 3, JSON-serialisable."""
        return {
            "call_id": self.call_id,
            "call_type": self.call_type,
            "call_type_confidence": round(float(self.call_type_confidence), 4),
            "customer_sentiment": self.customer_sentiment,
            "customer_sentiment_trajectory": list(self.customer_sentiment_trajectory),
            "dnc_request": bool(self.dnc_request),
            "dnc_request_utterance": self.dnc_request_utterance,
            "dnc_ignored_in_call": bool(self.dnc_ignored_in_call),
            "pushy_after_refusal": bool(self.pushy_after_refusal),
            "nps_score": self.nps_score,
            "predicted_nps": round(float(self.predicted_nps), 2),
            "script": {k: bool(v) for k, v in self.script.items()},
            "rude_operator": bool(self.rude_operator),
            "dnc_violation_repeat_call": bool(self.dnc_violation_repeat_call),
            "flags": self.flags,
            "qa_score": round(float(self.qa_score), 1),
            "provenance": self.provenance,
        }
