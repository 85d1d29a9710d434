"""Transcripts made elsewhere enter the pipeline here: one JSON Lines record → ``Conversation``.

The record format is the corpus format of issue 3 (``call_id``, ``tenant``, ``operator_id``,
``customer_number``, ``direction``, ``started_at``, ``utterances`` of ``{speaker, text,
start?, end?}``); other fields are ignored. Tolerant where a transcript may legitimately be
poor (unknown speaker, empty text, no times), strict where the record cannot be trusted
(no call id, utterances not a list, bad times) — then ``InputError`` says what is wrong.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.errors import InputError

_SPEAKER_ALIASES = {
    "operator": "operator", "agent": "operator", "оператор": "operator",
    "customer": "customer", "client": "customer", "клиент": "customer", "caller": "customer",
}


def _opt_str(rec: dict[str, Any], key: str) -> str | None:
    v = rec.get(key)
    if v is None:
        return None
    if isinstance(v, (str, int)):
        return str(v)
    raise InputError(f"field '{key}' must be a string, got {type(v).__name__}")


def _opt_time(u: dict[str, Any], key: str, i: int) -> float | None:
    v = u.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise InputError(f"utterance {i}: '{key}' must be a number of seconds, got {v!r}")
    try:
        f = float(v)
    except ValueError:
        raise InputError(f"utterance {i}: '{key}' must be a number of seconds, got {v!r}") from None
    if math.isnan(f) or f < 0:
        raise InputError(f"utterance {i}: '{key}' must be a non-negative number, got {v!r}")
    return f


def _started_at(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise InputError(f"'started_at' must be an ISO 8601 string, got {v!r}")
    try:
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"'started_at' is not an ISO 8601 date-time: {v!r}") from None


def conversation_from_record(rec: Any) -> Conversation:
    """Parse one input record into a ``Conversation``; raise ``InputError`` if malformed.

    Unknown speakers get role ``unknown`` (kept, so nothing is lost); a missing or null text
    becomes ""; ``pause_before`` values (seconds of silence before an utterance) are kept in
    ``meta.extra["pause_before"]`` as ``{utterance_index: seconds}`` for the silence rule.
    """
    if not isinstance(rec, dict):
        raise InputError(f"a call record must be a JSON object, got {type(rec).__name__}")
    call_id = rec.get("call_id")
    if call_id is None or (isinstance(call_id, str) and not call_id.strip()):
        raise InputError("record has no 'call_id'")
    if not isinstance(call_id, (str, int)):
        raise InputError(f"'call_id' must be a string, got {type(call_id).__name__}")
    direction = rec.get("direction") or "inbound"
    if direction not in ("inbound", "outbound"):
        raise InputError(f"'direction' must be 'inbound' or 'outbound', got {direction!r}")
    raw_utts = rec.get("utterances")
    if raw_utts is None:
        raise InputError("record has no 'utterances' list")
    if not isinstance(raw_utts, list):
        raise InputError(f"'utterances' must be a list, got {type(raw_utts).__name__}")
    tenant = rec.get("tenant") or "default"
    if not isinstance(tenant, str):
        raise InputError(f"'tenant' must be a string, got {type(tenant).__name__}")

    utterances: list[Utterance] = []
    pauses: dict[int, float] = {}
    for i, u in enumerate(raw_utts):
        if not isinstance(u, dict):
            raise InputError(f"utterance {i} must be an object, got {type(u).__name__}")
        text = u.get("text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InputError(f"utterance {i}: 'text' must be a string, got {type(text).__name__}")
        speaker = u.get("speaker")
        role = _SPEAKER_ALIASES.get(str(speaker).strip().lower(), "unknown") if speaker else "unknown"
        start, end = _opt_time(u, "start", i), _opt_time(u, "end", i)
        if start is not None and end is not None and end < start:
            raise InputError(f"utterance {i}: 'end' ({end}) is before 'start' ({start})")
        pb = _opt_time(u, "pause_before", i)
        if pb is not None:
            pauses[i] = pb
        utterances.append(Utterance(role=role, text=text, start=start, end=end,  # type: ignore[arg-type]
                                    speaker=None if speaker is None else str(speaker)))

    extra: dict[str, Any] = {}
    if pauses:
        extra["pause_before"] = pauses
    meta = CallMeta(
        call_id=str(call_id),
        tenant=tenant,
        operator_id=_opt_str(rec, "operator_id"),
        customer_number=_opt_str(rec, "customer_number"),
        direction=direction,
        started_at=_started_at(rec.get("started_at")),
        operator_channel=None,
        extra=extra,
    )
    ends = [u.end for u in utterances if u.end is not None]
    return Conversation(meta=meta, utterances=utterances, duration=max(ends) if ends else None,
                        provenance={"source": "jsonl"})
