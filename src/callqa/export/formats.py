"""Transcript formatters: pure functions from a ``Conversation`` to text.

- ``to_json``: the whole conversation (meta, utterances with words) as JSON;
- ``to_webvtt``: W3C WebVTT with ``<v Operator>`` / ``<v Customer>`` voice spans;
- ``to_rttm``: NIST RTTM ``SPEAKER`` lines (one per utterance with times);
- ``to_text``: a readable transcript, ``[mm:ss] Operator: text``.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from callqa.conversation import Conversation

FORMATS = ("json", "vtt", "rttm", "txt")
ROLE_LABEL = {"operator": "Operator", "customer": "Customer", "unknown": "Unknown"}


def role_label(role: str) -> str:
    return ROLE_LABEL.get(role, role.capitalize() if role else "Unknown")


def _json_default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat()
    return str(o)


def conversation_dict(conv: Conversation) -> dict[str, Any]:
    """Plain dict of the conversation (JSON-ready)."""
    d = asdict(conv)
    meta = d["meta"]
    if meta.get("started_at") is not None:
        meta["started_at"] = meta["started_at"].isoformat()
    for i, u in enumerate(d["utterances"]):
        u["index"] = i
    return d


def to_json(conv: Conversation, *, indent: int | None = 2) -> str:
    return json.dumps(conversation_dict(conv), ensure_ascii=False, indent=indent,
                      default=_json_default) + "\n"


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` (hours always present, as the spec allows and players expect)."""
    ms = max(0, int(round(seconds * 1000)))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_escape(text: str) -> str:
    """Escape cue text: ``&``, ``<`` and ``>`` must not start markup; no blank lines or ``-->``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _vtt_voice(name: str) -> str:
    # the voice annotation ends at ">"; keep it a plain token
    return re.sub(r"[<>&\n]", "", name)


def to_webvtt(conv: Conversation) -> str:
    """WebVTT with one cue per timed utterance; untimed utterances are skipped (no cue times)."""
    lines = ["WEBVTT", ""]
    n = 0
    for u in conv.utterances:
        if u.start is None or u.end is None:
            continue
        n += 1
        end = max(u.end, u.start + 0.001)
        lines.append(str(n))
        lines.append(f"{vtt_timestamp(u.start)} --> {vtt_timestamp(end)}")
        lines.append(f"<v {_vtt_voice(role_label(u.role))}>{vtt_escape(u.text)}</v>")
        lines.append("")
    return "\n".join(lines) + ("\n" if lines[-1] != "" else "")


def _rttm_token(s: str) -> str:
    """RTTM fields are space separated: no white space inside a field."""
    s = re.sub(r"\s+", "_", s.strip())
    return s or "NA"


def to_rttm(conv: Conversation, *, file_id: str | None = None, by: str = "role") -> str:
    """NIST RTTM: ``SPEAKER <file> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>``.

    ``by="role"`` names speakers ``operator``/``customer`` (what the references use);
    ``by="speaker"`` uses the channel or diarization label.
    """
    fid = _rttm_token(file_id or conv.meta.call_id)
    out = []
    for u in conv.utterances:
        if u.start is None or u.end is None:
            continue
        dur = max(0.0, u.end - u.start)
        name = u.role if by == "role" else (u.speaker or u.role)
        out.append(f"SPEAKER {fid} 1 {u.start:.3f} {dur:.3f} <NA> <NA> "
                   f"{_rttm_token(name)} <NA> <NA>")
    return "\n".join(out) + ("\n" if out else "")


def clock(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) for transcripts; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def to_text(conv: Conversation) -> str:
    """Readable transcript with a header line."""
    m = conv.meta
    head = [f"# call {m.call_id} (tenant {m.tenant}, {m.direction}"
            + (f", {m.started_at.isoformat()}" if m.started_at else "")
            + (f", {conv.duration:.1f} s" if conv.duration is not None else "") + ")"]
    body = [f"[{clock(u.start)}] {role_label(u.role)}: {u.text}" for u in conv.utterances]
    return "\n".join(head + body) + "\n"


def render(conv: Conversation, fmt: str) -> str:
    """Dispatch by format name (``json``, ``vtt``, ``rttm``, ``txt``)."""
    fmt = fmt.lower()
    if fmt == "json":
        return to_json(conv)
    if fmt in ("vtt", "webvtt"):
        return to_webvtt(conv)
    if fmt == "rttm":
        return to_rttm(conv)
    if fmt in ("txt", "text"):
        return to_text(conv)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
