"""Call metadata from a sidecar JSON, an Asterisk CDR (``Master.csv``) and the file name.

Pure functions, no database. Precedence per field: ``--tenant`` on the command line > sidecar
JSON > CDR row > what the file name says (FreePBX/MixMonitor names such as
``out-79171234567-101-20260903-101200-1725347520.123.wav``) > defaults (call id = file stem,
tenant ``default``, direction ``inbound``, operator on channel 0).
"""
from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callqa.conversation import CallMeta
from callqa.errors import MetadataError

log = logging.getLogger(__name__)

CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)
# Asterisk's uniqueid: epoch seconds "." sequence number (optionally a system name before it).
UNIQUEID_RE = re.compile(r"(?<![\d.])(\d{9,11}\.\d{1,9})(?![\d])")
# FreePBX recording names: <kind>-<to>-<from>-<YYYYMMDD>-<HHMMSS>-<uniqueid>
FREEPBX_RE = re.compile(
    r"^(?P<kind>out|in|exten|q|external|internal|rg|g|ondemand|force|conf)-(?P<to>[^-]*)-"
    r"(?P<frm>[^-]*)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<uid>\d{9,11}\.\d+)$", re.IGNORECASE)

_DIRECTIONS = {
    "inbound": "inbound", "in": "inbound", "incoming": "inbound", "входящий": "inbound",
    "outbound": "outbound", "out": "outbound", "outgoing": "outbound", "исходящий": "outbound",
}
_OUTBOUND_CONTEXT_RE = re.compile(r"from-internal|outbound|outgoing|out-|dialout", re.IGNORECASE)
_CHANNEL_PEER_RE = re.compile(r"^[A-Za-z0-9]+/([^-@/]+)")
_SIDECAR_FIELDS = {"call_id", "tenant", "operator_id", "customer_number", "direction",
                   "started_at", "operator_channel"}


@dataclass
class CdrRecord:
    """One usable CDR row (only the fields callqa needs, plus the raw row)."""

    uniqueid: str
    line: int
    fields: dict[str, str]


@dataclass
class CdrIndex:
    """CDR rows by uniqueid, plus problems found while reading (with file and line)."""

    rows: dict[str, CdrRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # problems of rows whose uniqueid could still be seen, so the matching file is told
    bad_rows: dict[str, str] = field(default_factory=dict)

    def merge(self, other: CdrIndex) -> CdrIndex:
        self.rows.update(other.rows)
        self.problems.extend(other.problems)
        self.bad_rows.update(other.bad_rows)
        return self


@dataclass
class ResolvedMeta:
    """The call's metadata and where it came from; ``warnings`` are recorded, not fatal."""

    meta: CallMeta
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_direction(value: Any) -> str:
    key = str(value).strip().lower()
    if key not in _DIRECTIONS:
        raise MetadataError(f"direction must be inbound or outbound, not {value!r}")
    return _DIRECTIONS[key]


def parse_datetime(value: Any, default_tz: tzinfo | None = None) -> datetime:
    """ISO 8601 or ``YYYY-MM-DD HH:MM:SS``; naive times get ``default_tz`` (local by default)."""
    if isinstance(value, datetime):
        dt = value
    else:
        s = str(value).strip()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise MetadataError(f"cannot read the time {value!r} (expected ISO 8601)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz) if default_tz else dt.astimezone()
    return dt


def _tz(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001
        raise MetadataError(f"unknown time zone {name!r}") from None


# --- sidecar --------------------------------------------------------------------------------
def sidecar_path(audio: Path) -> Path:
    return audio.with_suffix(".json")


def load_sidecar(audio: Path) -> dict[str, Any] | None:
    """The sidecar ``<stem>.json`` beside the audio, or None; unreadable → ``MetadataError``."""
    p = sidecar_path(audio)
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MetadataError(f"sidecar {p.name} is not valid JSON ({e}); fix it and re-run") \
            from None
    if not isinstance(data, dict):
        raise MetadataError(f"sidecar {p.name} must hold a JSON object, not {type(data).__name__}")
    return data


# --- CDR ------------------------------------------------------------------------------------
def read_cdr(path: Path | str) -> CdrIndex:
    """Read an Asterisk ``Master.csv`` (with or without a header line).

    Rows that cannot be used are reported with their line number and skipped; when such a
    row still shows a uniqueid, the matching recording gets the message as a warning.
    """
    path = Path(path)
    idx = CdrIndex()
    try:
        raw = path.read_bytes()
    except OSError as e:
        idx.problems.append(f"{path}: cannot read CDR file ({e.strerror or e})")
        return idx
    text = raw.decode("utf-8", errors="replace")
    columns: tuple[str, ...] = CDR_COLUMNS
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        lowered = [c.strip().lower() for c in row]
        if "uniqueid" in lowered and "src" in lowered:  # a header line
            columns = tuple(lowered)
            continue
        where = f"{path.name} line {line_no}"
        if len(row) < len(CDR_COLUMNS) and columns is CDR_COLUMNS:
            msg = (f"{where}: unreadable CDR row ({len(row)} columns, expected "
                   f"{len(CDR_COLUMNS)}); its recording gets default metadata")
            _note_bad(idx, row, msg)
            continue
        fields = {name: (row[i].strip() if i < len(row) else "") for i, name in
                  enumerate(columns)}
        uid = fields.get("uniqueid", "")
        if not UNIQUEID_RE.fullmatch(uid):
            _note_bad(idx, row, f"{where}: unreadable CDR row (uniqueid {uid!r} is not an "
                                f"Asterisk unique id); its recording gets default metadata")
            continue
        problem = _check_cdr_fields(fields)
        if problem:
            msg = f"{where}: unreadable CDR row ({problem}); its recording gets default metadata"
            idx.problems.append(msg)
            idx.bad_rows[uid] = msg
            continue
        idx.rows[uid] = CdrRecord(uniqueid=uid, line=line_no, fields=fields)
    return idx


def _note_bad(idx: CdrIndex, row: list[str], msg: str) -> None:
    idx.problems.append(msg)
    for cell in row:
        m = UNIQUEID_RE.fullmatch(cell.strip())
        if m:
            idx.bad_rows[m.group(1)] = msg


def _check_cdr_fields(f: dict[str, str]) -> str | None:
    for key in ("start",):
        v = f.get(key, "")
        if v:
            try:
                datetime.fromisoformat(v)
            except ValueError:
                return f"{key} time {v!r} is not a date"
    for key in ("duration", "billsec"):
        v = f.get(key, "")
        if v and not re.fullmatch(r"\d+(\.\d+)?", v):
            return f"{key} {v!r} is not a number"
    return None


def uniqueid_from_name(name: str) -> str | None:
    """The Asterisk uniqueid inside a recording's file name (the last one), if any."""
    stem = Path(name).name
    for ext in (".wav", ".flac", ".mp3", ".ogg", ".WAV", ".FLAC", ".MP3", ".OGG"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    found = UNIQUEID_RE.findall(stem)
    return found[-1] if found else None


def _peer(channel: str) -> str | None:
    m = _CHANNEL_PEER_RE.match(channel or "")
    return m.group(1) if m else None


def meta_from_cdr(rec: CdrRecord, tz: tzinfo | None = None) -> dict[str, Any]:
    """CallMeta fields a CDR row gives (Asterisk writes local server time without zone)."""
    f = rec.fields
    outbound = bool(_OUTBOUND_CONTEXT_RE.search(f.get("dcontext", "")))
    out: dict[str, Any] = {"direction": "outbound" if outbound else "inbound"}
    if outbound:
        out["customer_number"] = f.get("dst") or None
        out["operator_id"] = f.get("src") or _peer(f.get("channel", ""))
    else:
        out["customer_number"] = f.get("src") or None
        out["operator_id"] = _peer(f.get("dstchannel", "")) or f.get("dst") or None
    start = f.get("start") or f.get("answer")
    if start:
        out["started_at"] = parse_datetime(start, tz)
    if f.get("accountcode"):
        out["tenant"] = f["accountcode"]
    extra = {"cdr_uniqueid": rec.uniqueid, "cdr_line": rec.line}
    for k in ("disposition", "billsec", "dcontext", "clid"):
        if f.get(k):
            extra[f"cdr_{k}"] = f[k]
    out["extra"] = extra
    return out


def meta_from_filename(stem: str, tz: tzinfo | None = None) -> dict[str, Any]:
    """What a FreePBX-style recording name says (direction, numbers, time)."""
    m = FREEPBX_RE.match(stem)
    if not m:
        return {}
    kind = m.group("kind").lower()
    out: dict[str, Any] = {}
    if kind == "out":
        out.update(direction="outbound", customer_number=m.group("to") or None,
                   operator_id=m.group("frm") or None)
    else:
        out.update(direction="inbound", customer_number=m.group("frm") or None)
        if kind == "exten" and m.group("to"):
            out["operator_id"] = m.group("to")
    try:
        out["started_at"] = parse_datetime(
            datetime.strptime(m.group("date") + m.group("time"), "%Y%m%d%H%M%S"), tz)
    except ValueError:
        pass
    return out


def resolve_meta(
    audio: Path,
    *,
    sidecar: dict[str, Any] | None = None,
    cdr: CdrIndex | None = None,
    tenant: str | None = None,
    cdr_timezone: str | None = None,
) -> ResolvedMeta:
    """Merge file name < CDR < sidecar < ``tenant`` into a ``CallMeta``.

    Raises ``MetadataError`` for sidecar values that cannot be right (unknown direction, bad
    time, channel not 0/1): storing the call under wrong metadata would be worse than asking.
    """
    tz = _tz(cdr_timezone)
    fields: dict[str, Any] = {"call_id": audio.stem}
    extra: dict[str, Any] = {}
    sources: list[str] = []
    warnings: list[str] = []

    from_name = meta_from_filename(audio.stem, tz)
    if from_name:
        fields.update(from_name)
        sources.append("filename")

    uid = uniqueid_from_name(audio.name)
    if cdr is not None and uid:
        rec = cdr.rows.get(uid)
        if rec is not None:
            got = meta_from_cdr(rec, tz)
            extra.update(got.pop("extra", {}))
            fields.update({k: v for k, v in got.items() if v is not None})
            sources.append("cdr")
        elif uid in cdr.bad_rows:
            warnings.append(cdr.bad_rows[uid])
        elif cdr.rows or cdr.problems:
            log.debug("%s: uniqueid %s not in the CDR", audio.name, uid)

    if sidecar:
        sources.append("sidecar")
        for k, v in sidecar.items():
            if k in _SIDECAR_FIELDS:
                if v is None or v == "":
                    continue
                fields[k] = v
            else:
                extra[k] = v

    if tenant:
        if fields.get("tenant") and fields["tenant"] != tenant:
            warnings.append(f"tenant {fields['tenant']!r} from metadata overridden by "
                            f"--tenant {tenant!r}")
        fields["tenant"] = tenant

    try:
        direction = parse_direction(fields.get("direction", "inbound"))
        started = fields.get("started_at")
        started_at = parse_datetime(started, tz) if started not in (None, "") else None
        ch = fields.get("operator_channel", 0)
        operator_channel = int(ch) if ch is not None else None
        if operator_channel is not None and operator_channel not in (0, 1):
            raise MetadataError(f"operator_channel must be 0 or 1, not {ch!r}")
    except (TypeError, ValueError) as e:
        raise MetadataError(f"{audio.name}: bad metadata ({e})") from None
    except MetadataError as e:
        raise MetadataError(f"{audio.name}: bad metadata: {e}") from None

    def _s(v: Any) -> str | None:
        return None if v is None or v == "" else str(v)

    meta = CallMeta(
        call_id=str(fields.get("call_id") or audio.stem),
        tenant=str(fields.get("tenant") or "default"),
        operator_id=_s(fields.get("operator_id")),
        customer_number=_s(fields.get("customer_number")),
        direction=direction,  # type: ignore[arg-type]
        started_at=started_at,
        operator_channel=operator_channel,
        extra=extra,
    )
    return ResolvedMeta(meta=meta, sources=sources or ["defaults"], warnings=warnings)


def utc_iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat() if dt else None
