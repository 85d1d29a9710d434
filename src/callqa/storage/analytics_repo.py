"""Storage of analyses, findings, the DNC register and IVR scores (plain data in and out).

Every function takes an open ``Session`` inside the caller's transaction, so a batch (the
``analyze`` command) stores many calls with a few multi-row statements, and a single call
(ingest hook) stores its call row, utterances, analysis and DNC state atomically.

The DNC derivation itself is the pure ``callqa.dnc`` module; ``recompute_dnc`` loads the facts
for the touched tenant+number keys, runs it and writes back only what changed.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from callqa.conversation import Conversation
from callqa.dnc import CallFact, ManualEvent, find_repeat_violations, normalize_number
from callqa.errors import CallQAError, InputError
from callqa.storage.base import as_utc, to_utc, utcnow
from callqa.storage.models import Call, UtteranceRow
from callqa.storage.models_analytics import AnalysisRow, DncAudit, DncEntry, FindingRow, IvrScore
from callqa.storage.search import lemma_text

log = logging.getLogger(__name__)

REPEAT_CODE = "dnc_violation_repeat_call"
REPEAT_SOURCE = "dnc.register@1"
SYSTEM = "system"
_CHUNK = 400  # bound parameters per IN (...) stay far below SQLite's limit

Key = tuple[str, str]  # (tenant, normalised number)


def _chunks(seq: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


# --- calls from transcripts ----------------------------------------------------------------
def upsert_transcript_calls(s: Session, conversations: Sequence[Conversation]) -> list[int]:
    """Store calls that come without audio (JSONL), with utterances; return their ``calls.id``.

    Same columns and meaning as ``Storage.save_conversation`` but with multi-row statements,
    because ``callqa analyze`` must store hundreds of calls per second. A call already stored
    under the same tenant + call id is updated in place (its id stays, so its other rows
    stay valid) and its utterances are replaced; other calls are untouched.
    """
    keys = [(c.meta.tenant, c.meta.call_id) for c in conversations]
    existing: dict[tuple[str, str], int] = {}
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for t, cid in keys:
        by_tenant[t].append(cid)
    for t, ids in by_tenant.items():
        for part in _chunks(sorted(set(ids))):
            for pk, cid in s.execute(select(Call.id, Call.call_id)
                                     .where(Call.tenant == t, Call.call_id.in_(part))):
                existing[(t, cid)] = pk
    now = utcnow()

    def row(c: Conversation) -> dict[str, Any]:
        m = c.meta
        return {
            "call_id": m.call_id, "tenant": m.tenant, "operator_id": m.operator_id,
            "customer_number": m.customer_number, "direction": m.direction,
            "started_at": to_utc(m.started_at), "duration": c.duration, "channels": None,
            "sample_rate": None, "operator_channel": m.operator_channel, "status": "done",
            "meta": dict(m.extra or {}) if _json_ok(m.extra) else {},
            "provenance": dict(c.provenance or {}), "updated_at": now,
        }

    new_rows = [row(c) for c in conversations if (c.meta.tenant, c.meta.call_id) not in existing]
    upd = [c for c in conversations if (c.meta.tenant, c.meta.call_id) in existing]
    if upd:
        pks = [existing[(c.meta.tenant, c.meta.call_id)] for c in upd]
        for part in _chunks(pks):
            s.execute(delete(UtteranceRow).where(UtteranceRow.call_pk.in_(part)))
        # audio columns (hash, paths, channels) of a call first ingested from audio stay
        keep = ("channels", "sample_rate", "operator_channel")
        s.execute(update(Call), [{"id": existing[(c.meta.tenant, c.meta.call_id)],
                                  **{k: v for k, v in row(c).items() if k not in keep}}
                                 for c in upd])
    if new_rows:
        for r in new_rows:
            r["created_at"] = now
        res = s.execute(insert(Call).returning(Call.id, Call.tenant, Call.call_id,
                                               sort_by_parameter_order=True), new_rows)
        for pk, t, cid in res:
            existing[(t, cid)] = pk
    utt_rows: list[dict[str, Any]] = []
    for c in conversations:
        pk = existing[(c.meta.tenant, c.meta.call_id)]
        for i, u in enumerate(c.utterances):
            utt_rows.append({
                "call_pk": pk, "idx": i, "role": u.role, "speaker": u.speaker,
                "start_s": u.start, "end_s": u.end, "text": u.text or "",
                "lemma_text": lemma_text(u.text or ""), "words": [],
            })
    if utt_rows:
        s.execute(insert(UtteranceRow), utt_rows)
    return [existing[k] for k in keys]


def _json_ok(v: Any) -> bool:
    import json

    try:
        json.dumps(v)
        return True
    except (TypeError, ValueError):
        return False


def call_pk_for(s: Session, tenant: str, call_id: str) -> int | None:
    return s.scalar(select(Call.id).where(Call.tenant == tenant, Call.call_id == call_id))


# --- analyses ------------------------------------------------------------------------------
@dataclass
class StoredAnalysis:
    """What ``store_analyses`` needs for one call: its row id, metadata and the engine's result."""

    call_pk: int
    conversation: Conversation
    result: Any  # callqa.analytics.result.AnalysisResult (duck-typed: to_dict, findings, ...)


def _versions(prov: dict[str, Any]) -> tuple[str | None, str | None, dict[str, Any]]:
    """Script id/version and analyzer versions from the engine's provenance.

    The engine writes ``script`` as ``"id@version"`` (or a dict) and ``analyzers`` as a list
    of ``{name, version}``; stored as ``script_id``, ``script_version`` and ``{name: version}``
    plus the engine and model versions.
    """
    raw = prov.get("script")
    script = raw if isinstance(raw, dict) else {}
    sid = prov.get("script_id") or script.get("id")
    sver = prov.get("script_version") or script.get("version")
    if isinstance(raw, str) and raw:
        sid, _, v = raw.partition("@")
        sver = sver or (v or None)
    an = prov.get("analyzers") or prov.get("analyzer_versions") or {}
    if isinstance(an, list):
        an = {str(a.get("name", i)) if isinstance(a, dict) else str(a):
              (a.get("version") if isinstance(a, dict) else None) for i, a in enumerate(an)}
    if isinstance(an, dict):
        an = dict(an)
        for k in ("engine", "models", "qa_checklist"):
            if prov.get(k) is not None:
                an[f"_{k}"] = prov[k]
    return (None if sid is None else str(sid), None if sver is None else str(sver),
            an if isinstance(an, dict) else {})


def store_analyses(s: Session, items: Sequence[StoredAnalysis]) -> set[Key]:
    """Replace the analysis and findings of each call; return the DNC keys to recompute.

    Review statuses of findings that reappear unchanged (same code, utterance, source) are
    carried over, so re-running the analysis does not throw away a supervisor's work. The
    returned keys include each call's previous tenant+number (a re-import may change it).
    """
    pks = [it.call_pk for it in items]
    keys: set[Key] = set()
    reviewed: dict[tuple, tuple[str, str | None, datetime | None]] = {}
    for part in _chunks(pks):
        for t, num in s.execute(select(AnalysisRow.tenant, AnalysisRow.customer_number)
                                .where(AnalysisRow.call_pk.in_(part))):
            if num:
                keys.add((t, num))
        for f in s.execute(select(FindingRow.call_pk, FindingRow.code, FindingRow.utterance_index,
                                  FindingRow.source, FindingRow.status, FindingRow.reviewed_by,
                                  FindingRow.reviewed_at)
                           .where(FindingRow.call_pk.in_(part), FindingRow.status != "open")):
            reviewed[(f[0], f[1], f[2], f[3])] = (f[4], f[5], f[6])
        s.execute(delete(FindingRow).where(FindingRow.call_pk.in_(part)))
        s.execute(delete(AnalysisRow).where(AnalysisRow.call_pk.in_(part)))
    now = utcnow()
    a_rows: list[dict[str, Any]] = []
    f_rows: list[dict[str, Any]] = []
    for it in items:
        r = it.result
        d = r.to_dict()
        m = it.conversation.meta
        number = normalize_number(m.customer_number)
        if number:
            keys.add((m.tenant, number))
        prov = dict(getattr(r, "provenance", None) or {})
        sid, sver, an = _versions(prov)
        a_rows.append({
            "call_pk": it.call_pk, "call_id": m.call_id, "tenant": m.tenant,
            "operator_id": m.operator_id, "customer_number": number, "direction": m.direction,
            "started_at": to_utc(m.started_at), "call_type": d.get("call_type"),
            "call_type_confidence": d.get("call_type_confidence"),
            "customer_sentiment": d.get("customer_sentiment"),
            "dnc_request": bool(d.get("dnc_request")),
            "dnc_request_utterance": d.get("dnc_request_utterance"),
            "dnc_ignored_in_call": bool(d.get("dnc_ignored_in_call")),
            "dnc_violation_repeat_call": False, "dnc_violation_of": None,
            "nps_score": d.get("nps_score"), "predicted_nps": d.get("predicted_nps"),
            "qa_score": d.get("qa_score"), "script_id": sid, "script_version": sver,
            "analyzer_versions": an, "result": {**d, "dnc_violation_repeat_call": False,
                                                "flags": [f for f in d.get("flags", [])
                                                          if f.get("code") != REPEAT_CODE]},
            "details": _details(r), "created_at": now,
        })
        for f in getattr(r, "findings", []) or []:
            if f.code == REPEAT_CODE:
                continue  # derived here, never taken from the engine
            st = reviewed.get((it.call_pk, f.code, f.utterance_index, f.source))
            f_rows.append({
                "call_pk": it.call_pk, "code": f.code, "severity": f.severity,
                "utterance_index": f.utterance_index, "start_s": f.start_s,
                "evidence": f.evidence or "", "source": f.source or "",
                "details": dict(getattr(f, "details", None) or {}),
                "status": st[0] if st else "open", "reviewed_by": st[1] if st else None,
                "reviewed_at": st[2] if st else None, "created_at": now,
            })
    if a_rows:
        s.execute(insert(AnalysisRow), a_rows)
    if f_rows:
        s.execute(insert(FindingRow), f_rows)
    return keys


def _details(r: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("script_details", "transfer_pingpong", "unresolved_complaint", "qa_details", "labels"):
        v = getattr(r, k, None)
        if v is not None:
            out[k] = v
    return out if _json_ok(out) else {}


def results_for(s: Session, call_pks: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The stored result dicts (final, with the derived repeat-call flag) by ``calls.id``."""
    out: dict[int, dict[str, Any]] = {}
    for part in _chunks(list(call_pks)):
        for pk, res in s.execute(select(AnalysisRow.call_pk, AnalysisRow.result)
                                 .where(AnalysisRow.call_pk.in_(part))):
            out[pk] = res
    return out


def get_result(s: Session, call_id: str, tenant: str | None = None) -> dict[str, Any] | None:
    """The stored result of one call (None when it was never analysed)."""
    q = select(AnalysisRow.result).where(AnalysisRow.call_id == call_id)
    if tenant:
        q = q.where(AnalysisRow.tenant == tenant)
    rows = s.execute(q).all()
    if len(rows) > 1:
        raise CallQAError(f"call id {call_id!r} exists for several tenants: name the tenant")
    return rows[0][0] if rows else None


@dataclass(frozen=True)
class FindingView:
    call_id: str
    tenant: str
    code: str
    severity: str
    utterance_index: int | None
    start_s: float | None
    evidence: str
    source: str
    status: str


def list_findings(s: Session, *, tenant: str | None = None, code: str | None = None,
                  status: str | None = None, limit: int = 1000) -> list[FindingView]:
    q = (select(AnalysisRow.call_id, AnalysisRow.tenant, FindingRow.code, FindingRow.severity,
                FindingRow.utterance_index, FindingRow.start_s, FindingRow.evidence,
                FindingRow.source, FindingRow.status)
         .join(AnalysisRow, AnalysisRow.call_pk == FindingRow.call_pk)
         .order_by(FindingRow.id).limit(limit))
    if tenant:
        q = q.where(AnalysisRow.tenant == tenant)
    if code:
        q = q.where(FindingRow.code == code)
    if status:
        q = q.where(FindingRow.status == status)
    return [FindingView(*r) for r in s.execute(q)]


# --- DNC -----------------------------------------------------------------------------------
@dataclass
class DncChange:
    """What one recomputation changed (for logs and tests)."""

    flagged: list[str] = field(default_factory=list)  # call ids newly flagged
    unflagged: list[str] = field(default_factory=list)
    auto_added: list[str] = field(default_factory=list)  # call ids whose request joined the register
    auto_removed: list[str] = field(default_factory=list)


def _key_filter(model: Any, keys: Sequence[Key]) -> Any:
    by_t: dict[str, list[str]] = defaultdict(list)
    for t, n in keys:
        by_t[t].append(n)
    return or_(*[and_(model.tenant == t, model.customer_number.in_(ns)) for t, ns in by_t.items()])


def recompute_dnc(s: Session, keys: Iterable[Key]) -> DncChange:
    """Re-derive register entries and repeat-call flags for these tenant+number keys.

    Idempotent and order-independent: the outcome depends only on the stored analyses and the
    manual events, never on which call arrived first.
    """
    change = DncChange()
    keys = sorted({k for k in keys if k[1]})
    for part in _chunks(keys, 200):
        _recompute_part(s, list(part), change)
    return change


def _recompute_part(s: Session, keys: list[Key], change: DncChange) -> None:
    A = AnalysisRow
    calls: dict[Key, list[Any]] = defaultdict(list)
    for r in s.execute(select(A.call_pk, A.call_id, A.tenant, A.customer_number, A.direction,
                              A.started_at, A.dnc_request, A.dnc_request_utterance,
                              A.dnc_violation_repeat_call, A.dnc_violation_of)
                       .where(_key_filter(A, keys))):
        calls[(r.tenant, r.customer_number)].append(r)
    manual: dict[Key, list[ManualEvent]] = defaultdict(list)
    for r in s.execute(select(DncAudit.id, DncAudit.tenant, DncAudit.customer_number,
                              DncAudit.action, DncAudit.effective_at, DncAudit.who,
                              DncAudit.reason)
                       .where(_key_filter(DncAudit, keys), DncAudit.action.in_(("add", "remove")))):
        manual[(r.tenant, r.customer_number)].append(
            ManualEvent(r.action, as_utc(r.effective_at), r.who, r.reason or "", r.id))
    entries: dict[Key, list[DncEntry]] = defaultdict(list)
    for e in s.scalars(select(DncEntry).where(_key_filter(DncEntry, keys))):
        entries[(e.tenant, e.customer_number)].append(e)

    audit: list[dict[str, Any]] = []
    now = utcnow()
    for key in keys:
        rows = calls.get(key, [])
        facts = [CallFact(r.call_id, r.direction, as_utc(r.started_at), bool(r.dnc_request))
                 for r in rows]
        # a request whose call was deleted later is still a fact (the register keeps it)
        facts += [CallFact(e.call_id or f"deleted#{e.id}", "inbound", as_utc(e.added_at), True)
                  for e in entries.get(key, []) if e.source == "call" and e.call_pk is None]
        causes = find_repeat_violations(facts, manual.get(key, []))
        for r in rows:
            cause = causes.get(r.call_id)
            new_of = None if cause is None else (cause.call_id or "manual")
            if bool(r.dnc_violation_repeat_call) == (cause is not None) and r.dnc_violation_of == new_of:
                continue
            _set_violation(s, r.call_pk, r.call_id, cause)
            (change.flagged if cause is not None else change.unflagged).append(r.call_id)
        # auto entries follow the analyses: one per DNC-request call
        by_pk = {e.call_pk: e for e in entries.get(key, [])
                 if e.source == "call" and e.call_pk is not None}
        want = {r.call_pk: r for r in rows if r.dnc_request}
        for pk, e in by_pk.items():
            if pk not in want:
                s.delete(e)
                entries[key].remove(e)
                audit.append(_audit(key, "auto-remove", e.added_at, SYSTEM,
                                    "re-analysis found no DNC request", e.call_id, now))
                change.auto_removed.append(e.call_id or "")
        for pk, r in want.items():
            if pk in by_pk:
                e = by_pk[pk]
                if as_utc(e.added_at) != as_utc(r.started_at):
                    e.added_at = r.started_at
                continue
            e = DncEntry(tenant=key[0], customer_number=key[1], source="call", call_pk=pk,
                         call_id=r.call_id, added_at=r.started_at,
                         utterance_index=r.dnc_request_utterance,
                         evidence=_request_evidence(s, pk, r.dnc_request_utterance),
                         added_by=SYSTEM, reason="DNC request detected in call", active=True,
                         created_at=now)
            s.add(e)
            entries[key].append(e)
            audit.append(_audit(key, "auto-add", r.started_at, SYSTEM,
                                "DNC request detected in call", r.call_id, now))
            change.auto_added.append(r.call_id)
        # active = not ended by a manual removal effective at or after the entry's time
        removals = sorted((m for m in manual.get(key, []) if m.action == "remove"),
                          key=lambda m: m.at)
        for e in entries.get(key, []):
            added = as_utc(e.added_at)
            ender = next((m for m in removals if added is None or m.at >= added), None)
            active = ender is None
            if e.active != active or (ender and as_utc(e.removed_at) != ender.at):
                e.active = active
                e.removed_at = ender.at if ender else None
                e.removed_by = ender.who if ender else None
    if audit:
        s.execute(insert(DncAudit), audit)
    s.flush()


def _audit(key: Key, action: str, at: datetime | None, who: str, reason: str,
           call_id: str | None, now: datetime) -> dict[str, Any]:
    return {"tenant": key[0], "customer_number": key[1], "action": action,
            "effective_at": to_utc(at), "who": who, "reason": reason, "call_id": call_id,
            "created_at": now}


def _request_evidence(s: Session, call_pk: int, idx: int | None) -> str | None:
    if idx is None:
        return None
    return s.scalar(select(UtteranceRow.text).where(UtteranceRow.call_pk == call_pk,
                                                     UtteranceRow.idx == idx))


def _set_violation(s: Session, call_pk: int, call_id: str, cause: Any) -> None:
    """Write the derived flag into the row, its result JSON and the findings table."""
    row = s.scalar(select(AnalysisRow).where(AnalysisRow.call_pk == call_pk))
    assert row is not None
    res = dict(row.result or {})
    flags = [f for f in res.get("flags", []) if f.get("code") != REPEAT_CODE]
    s.execute(delete(FindingRow).where(FindingRow.call_pk == call_pk,
                                       FindingRow.code == REPEAT_CODE))
    if cause is not None:
        since = cause.since.isoformat()
        if cause.call_id:
            evidence = (f"number asked not to be called in call {cause.call_id} at {since}"
                        + (f" (DNC requests in calls: {', '.join(cause.request_call_ids)})"
                           if len(cause.request_call_ids) > 1 else ""))
        else:
            m = cause.manual
            evidence = (f"number on the do-not-call register since {since} "
                        f"(added by {m.who or 'supervisor'}: {m.reason})" if m else
                        f"number on the do-not-call register since {since}")
        flag = {"code": REPEAT_CODE, "severity": "critical", "utterance_index": None,
                "start_s": None, "evidence": evidence, "source": REPEAT_SOURCE}
        flags.append(flag)
        s.add(FindingRow(call_pk=call_pk, code=REPEAT_CODE, severity="critical",
                         utterance_index=None, start_s=None, evidence=evidence,
                         source=REPEAT_SOURCE,
                         details={"earlier_call_id": cause.call_id, "since": since,
                                  "request_call_ids": list(cause.request_call_ids),
                                  "manual_event_id": cause.manual.event_id if cause.manual else None},
                         status="open", created_at=utcnow()))
    res["flags"] = flags
    res["dnc_violation_repeat_call"] = cause is not None
    row.result = res
    row.dnc_violation_repeat_call = cause is not None
    row.dnc_violation_of = None if cause is None else (cause.call_id or "manual")


@dataclass(frozen=True)
class RegisterItem:
    """One number on a tenant's register, as a dialer needs it."""

    tenant: str
    customer_number: str
    since: datetime | None
    source: str  # call | manual
    call_id: str | None
    evidence: str | None
    entries: int

    def to_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "customer_number": self.customer_number,
                "since": self.since.isoformat() if self.since else None, "source": self.source,
                "call_id": self.call_id, "evidence": self.evidence, "entries": self.entries}


def list_register(s: Session, tenant: str, include_inactive: bool = False) -> list[RegisterItem]:
    """Numbers on the register (one item per number, earliest active entry first)."""
    q = select(DncEntry).where(DncEntry.tenant == tenant)
    if not include_inactive:
        q = q.where(DncEntry.active.is_(True))
    groups: dict[str, list[DncEntry]] = defaultdict(list)
    for e in s.scalars(q):
        groups[e.customer_number].append(e)
    out = []
    for num, es in sorted(groups.items()):
        # dated entries first (oldest), then undated ones; ties by insertion order
        es.sort(key=lambda e: (e.added_at is None, as_utc(e.added_at) or utcnow(), e.id))
        first = es[0]
        out.append(RegisterItem(tenant, num, as_utc(first.added_at), first.source, first.call_id,
                                first.evidence if first.source == "call" else first.reason,
                                len(es)))
    return out


def _parse_number(number: str) -> str:
    n = normalize_number(number)
    if not n:
        raise InputError(f"{number!r} is not a phone number")
    return n


def _effective(at: datetime | None) -> datetime:
    """Effective time of a manual change: now, or a past moment (never the future, so the
    dialer list and the derivation always agree about "now")."""
    now = utcnow()
    at = to_utc(at) or now
    if at > now:
        raise InputError(f"--at {at.isoformat()} is in the future; changes take effect now "
                         "or from a past moment")
    return at


def add_manual(s: Session, tenant: str, number: str, *, reason: str, by: str,
               at: datetime | None = None) -> DncChange:
    """A supervisor puts a number on the register, effective from ``at`` (default now)."""
    if not reason or not by:
        raise InputError("a manual DNC change needs --reason and --by")
    key = (tenant, _parse_number(number))
    at = _effective(at)
    s.add(DncEntry(tenant=key[0], customer_number=key[1], source="manual", added_at=at,
                   added_by=by, reason=reason, active=True, created_at=utcnow()))
    s.execute(insert(DncAudit), [_audit(key, "add", at, by, reason, None, utcnow())])
    s.flush()
    return recompute_dnc(s, [key])


def remove_manual(s: Session, tenant: str, number: str, *, reason: str, by: str,
                  at: datetime | None = None) -> DncChange:
    """A supervisor takes a number off the register, effective from ``at`` (default now).

    Calls before ``at`` keep their flags (the number was on the register then); a DNC request
    made after ``at`` puts it back.
    """
    if not reason or not by:
        raise InputError("a manual DNC change needs --reason and --by")
    key = (tenant, _parse_number(number))
    active = s.scalar(select(DncEntry.id).where(DncEntry.tenant == key[0],
                                                DncEntry.customer_number == key[1],
                                                DncEntry.active.is_(True)).limit(1))
    if active is None:
        raise CallQAError(f"{key[1]} is not on the do-not-call register of {tenant!r}")
    at = _effective(at)
    s.execute(insert(DncAudit), [_audit(key, "remove", at, by, reason, None, utcnow())])
    s.flush()
    return recompute_dnc(s, [key])


@dataclass(frozen=True)
class AuditItem:
    id: int
    tenant: str
    customer_number: str
    action: str
    effective_at: datetime | None
    who: str
    reason: str | None
    call_id: str | None
    created_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("effective_at", "created_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def list_audit(s: Session, tenant: str, number: str | None = None) -> list[AuditItem]:
    q = select(DncAudit).where(DncAudit.tenant == tenant).order_by(DncAudit.id)
    if number:
        q = q.where(DncAudit.customer_number == _parse_number(number))
    return [AuditItem(a.id, a.tenant, a.customer_number, a.action, as_utc(a.effective_at), a.who,
                      a.reason, a.call_id, as_utc(a.created_at)) for a in s.scalars(q)]


# --- IVR scores and NPS rows ---------------------------------------------------------------
def resolve_calls(s: Session, call_ids: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """call id → [(calls.id, tenant)] (several when the id exists for several tenants)."""
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for part in _chunks(sorted(set(call_ids))):
        for pk, cid, t in s.execute(select(Call.id, Call.call_id, Call.tenant)
                                    .where(Call.call_id.in_(part))):
            out[cid].append((pk, t))
    return out


def upsert_ivr_scores(s: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Store IVR scores (keys: call_pk, call_id, tenant, score, source_file, source_line).

    One score per call: a later import replaces the earlier one.
    """
    if not rows:
        return 0
    pks = [r["call_pk"] for r in rows]
    for part in _chunks(pks):
        s.execute(delete(IvrScore).where(IvrScore.call_pk.in_(part)))
    now = utcnow()
    s.execute(insert(IvrScore), [{**r, "imported_at": now} for r in rows])
    return len(rows)


@dataclass(frozen=True)
class NpsRow:
    """One call's inputs to the NPS report."""

    call_id: str
    tenant: str
    operator_id: str | None
    call_type: str | None
    started_at: datetime | None
    stated_score: int | None  # extracted from the conversation
    ivr_score: int | None  # the customer's own keypad answer
    predicted_nps: float | None  # model estimate (only for analysed calls)


def nps_rows(s: Session, *, tenant: str | None = None, since: datetime | None = None,
             until: datetime | None = None) -> list[NpsRow]:
    """Analysed calls and calls with an IVR score, with the fields the NPS report groups by."""
    q = (select(Call.call_id, Call.tenant, Call.operator_id, AnalysisRow.call_type,
                Call.started_at, AnalysisRow.nps_score, IvrScore.score, AnalysisRow.predicted_nps)
         .select_from(Call)
         .outerjoin(AnalysisRow, AnalysisRow.call_pk == Call.id)
         .outerjoin(IvrScore, IvrScore.call_pk == Call.id)
         .where(or_(AnalysisRow.id.is_not(None), IvrScore.id.is_not(None))))
    if tenant:
        q = q.where(Call.tenant == tenant)
    if since:
        q = q.where(Call.started_at >= to_utc(since))
    if until:
        q = q.where(Call.started_at < to_utc(until))
    return [NpsRow(r[0], r[1], r[2], r[3], as_utc(r[4]), r[5], r[6], r[7]) for r in s.execute(q)]


def set_finding_status(s: Session, finding_id: int, status: str, by: str) -> None:
    """A supervisor's review of one finding: ``confirmed`` or ``dismissed`` (or back to open).

    The status survives re-analysis when the same finding (code, utterance, source) reappears.
    """
    from callqa.storage.models_analytics import FINDING_STATUSES

    if status not in FINDING_STATUSES:
        raise InputError(f"status must be one of {', '.join(FINDING_STATUSES)}, got {status!r}")
    f = s.get(FindingRow, finding_id)
    if f is None:
        raise CallQAError(f"no finding with id {finding_id}")
    f.status, f.reviewed_by, f.reviewed_at = status, by, utcnow()
