"""Run the analytics for calls and store the outcome: the glue between engine and storage.

Two entry points share one write path (``store_batch``):

- ``AnalyzeService.analyze_jsonl`` — ``callqa analyze``: transcripts as JSON Lines. Bad lines
  are reported with their line number and skipped; good lines are analysed, stored in a few
  batched transactions, then the cross-call DNC state is derived for every touched number and
  only then the output lines are written (so flags do not depend on the order in the file).
- ``analyze_and_store`` — the hook for audio ingest: after ``Storage.save_conversation``
  stored a call, analyse it, store the result and re-derive DNC for its number.

Unknown tenant: the call is analysed with a default profile (``load_tenant`` returns an empty
profile with ``known=False``: no brand names, so ``greeting_company`` cannot be satisfied; the
default call-type taxonomy and script) and a warning names the tenant once per run. We do not
refuse the call: losing data is worse than a weaker greeting check, and the warning says why.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from sqlalchemy.orm import Session

from callqa.conversation import Conversation
from callqa.errors import CallQAError, InputError
from callqa.settings import Settings
from callqa.storage.analytics_repo import (
    StoredAnalysis,
    call_pk_for,
    recompute_dnc,
    results_for,
    store_analyses,
    upsert_transcript_calls,
)
from callqa.tenants import TenantProfile, load_tenant

log = logging.getLogger(__name__)


class Engine(Protocol):
    """What we need from ``callqa.analytics.engine.AnalysisEngine``."""

    def analyze(self, conversation: Conversation, tenant: TenantProfile) -> Any: ...


def default_engine(settings: Settings) -> Engine:
    """The real analytics engine (imported lazily: it loads trained models)."""
    from callqa.analytics.engine import AnalysisEngine

    return AnalysisEngine.from_settings(settings)


@dataclass
class LineProblem:
    """A line that could not be processed (error) or was processed with a caveat (warning)."""

    line: int
    call_id: str | None
    message: str

    def __str__(self) -> str:
        who = f" (call {self.call_id})" if self.call_id else ""
        return f"line {self.line}{who}: {self.message}"


@dataclass
class BatchReport:
    """Outcome of one ``analyze`` run."""

    lines: int = 0
    analysed: int = 0
    stored: int = 0
    errors: list[LineProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    seconds_analysis: float = 0.0
    seconds_storage: float = 0.0
    seconds_total: float = 0.0
    flagged_repeat: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        rate = self.analysed / self.seconds_total if self.seconds_total > 0 else 0.0
        return (f"{self.lines} lines: {self.analysed} calls analysed, {self.stored} stored, "
                f"{len(self.errors)} lines skipped, {len(self.warnings)} warnings, "
                f"{self.flagged_repeat} repeat-call DNC violations; "
                f"{self.seconds_total:.2f} s ({rate:.0f} calls/s)")


@dataclass
class AnalyzeOptions:
    """Knobs of the batch path. ``batch_size`` calls share one transaction."""

    batch_size: int = 500
    store: bool = True
    keep_results: bool = False  # also collect the result dicts in the report (tests, API)


class AnalyzeService:
    """Analyse conversations, store them and derive cross-call DNC state.

    ``sessions`` is a callable giving a context manager that yields a ``Session`` inside one
    transaction (``Storage.session``); ``engine`` is the analytics engine (real by default).
    """

    def __init__(self, settings: Settings, sessions: Callable[[], Any] | None,
                 engine: Engine | None = None, options: AnalyzeOptions | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.engine = engine if engine is not None else default_engine(settings)
        self.options = options or AnalyzeOptions()
        self._profiles: dict[str, TenantProfile] = {}
        self._warned_tenants: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> "AnalyzeService":
        from callqa.storage import Storage

        storage = Storage.from_settings(settings)
        return cls(settings, storage.session, engine)

    def profile(self, tenant: str, warnings: list[str] | None = None) -> TenantProfile:
        p = self._profiles.get(tenant)
        if p is None:
            p = load_tenant(tenant, self.settings.tenants_dir)
            self._profiles[tenant] = p
        if not p.known and tenant not in self._warned_tenants:
            self._warned_tenants.add(tenant)
            msg = (f"unknown tenant {tenant!r}: no configuration found, analysed with the "
                   "default profile (no brand names, default call types and script)")
            if warnings is not None:
                warnings.append(msg)  # the caller reports it (the CLI prints it once)
            else:
                log.warning(msg)
        return p

    # --- JSONL -----------------------------------------------------------------------------
    def analyze_jsonl(self, lines: Iterable[str | bytes],
                      output: TextIO | None = None) -> BatchReport:
        """Parse, analyse and store in batches; then derive DNC and write one line per call.

        Streams: memory holds one batch plus two integers per call. Output lines follow the
        input order; a call id repeated in the file is written once (the later line wins).
        """
        rep = BatchReport()
        t0 = time.perf_counter()
        done: list[tuple[int, int]] = []  # (line number, calls.id) of stored calls
        seen: dict[tuple[str, str], int] = {}
        batch: list[tuple[int, Conversation]] = []
        batch_keys: set[tuple[str, str]] = set()
        keys: set[tuple[str, str]] = set()
        store = self.options.store and self.sessions is not None
        for no, raw in enumerate(lines, start=1):
            rep.lines = no
            conv = self._parse_line(no, raw, rep)
            if conv is None:
                continue
            key = (conv.meta.tenant, conv.meta.call_id)
            if key in seen:
                rep.warnings.append(str(LineProblem(
                    no, conv.meta.call_id,
                    f"same call id as line {seen[key]}; this later line replaces it")))
            seen[key] = no
            if key in batch_keys:
                # the same call twice in one transaction: store the earlier one first
                self._run_batch(batch, rep, done, keys, output if not store else None)
                batch, batch_keys = [], set()
            batch.append((no, conv))
            batch_keys.add(key)
            if len(batch) >= self.options.batch_size:
                self._run_batch(batch, rep, done, keys, output if not store else None)
                batch, batch_keys = [], set()
        if batch:
            self._run_batch(batch, rep, done, keys, output if not store else None)

        if store and done:
            ts = time.perf_counter()
            last_line = {pk: no for no, pk in done}  # a repeated call id: the later line wins
            order = [(no, pk) for no, pk in done if last_line[pk] == no]
            for i in range(0, len(order), 1000):
                part = order[i:i + 1000]
                with self.sessions() as s:  # type: ignore[misc]
                    stored = results_for(s, [pk for _, pk in part])
                for _no, pk in part:
                    self._emit(stored[pk], rep, output)
            rep.seconds_storage += time.perf_counter() - ts
        rep.seconds_total = time.perf_counter() - t0
        return rep

    def _parse_line(self, no: int, raw: str | bytes, rep: BatchReport) -> Conversation | None:
        from callqa.analytics.io import conversation_from_record

        call_id = None
        try:
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise InputError(f"not UTF-8 text (byte {e.start})") from None
            if no == 1:
                raw = raw.lstrip("\ufeff")
            if not raw.strip():
                return None  # blank lines (e.g. a trailing newline) are not records
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as e:
                raise InputError(f"not valid JSON: {e.msg} (column {e.colno})") from None
            if isinstance(rec, dict) and isinstance(rec.get("call_id"), (str, int)):
                call_id = str(rec["call_id"])
            conv = conversation_from_record(rec)
        except InputError as e:
            rep.errors.append(LineProblem(no, call_id, str(e)))
            log.debug("line %d%s: %s", no, f" (call {call_id})" if call_id else "", e)
            return None
        unknown = sum(1 for u in conv.utterances if u.role == "unknown")
        if unknown:
            rep.warnings.append(str(LineProblem(
                no, conv.meta.call_id,
                f"{unknown} utterance(s) with an unknown speaker kept with role 'unknown'")))
        if not conv.utterances:
            rep.warnings.append(str(LineProblem(no, conv.meta.call_id, "no utterances")))
        return conv

    def _run_batch(self, batch: list[tuple[int, Conversation]], rep: BatchReport,
                   done: list[tuple[int, int]], keys: set[tuple[str, str]],
                   output: TextIO | None) -> None:
        """Analyse a batch, store it in one transaction (call by call if that fails)."""
        ta = time.perf_counter()
        results: list[tuple[int, Conversation, Any]] = []
        for no, conv in batch:
            try:
                res = self.engine.analyze(conv, self.profile(conv.meta.tenant, rep.warnings))
            except Exception as e:  # noqa: BLE001 - one bad call must not stop the batch
                if not isinstance(e, CallQAError):
                    log.exception("analysis failed for line %d", no)
                rep.errors.append(LineProblem(no, conv.meta.call_id,
                                              f"analysis failed: {type(e).__name__}: {e}"))
                continue
            results.append((no, conv, res))
        rep.seconds_analysis += time.perf_counter() - ta
        rep.analysed += len(results)
        if not (self.options.store and self.sessions is not None):
            for _no, _c, res in results:
                self._emit(res.to_dict(), rep, output)
            return
        ts = time.perf_counter()
        try:
            pks, k = self._store([(c, r) for _, c, r in results])
            done.extend((no, pk) for (no, _, _), pk in zip(results, pks))
            keys |= k
        except Exception:  # noqa: BLE001 - find the one call that breaks the batch
            log.exception("storing a batch failed; retrying call by call")
            for no, c, r in results:
                try:
                    pks, k = self._store([(c, r)])
                except Exception as e:  # noqa: BLE001
                    rep.errors.append(LineProblem(no, c.meta.call_id,
                                                  f"not stored: {type(e).__name__}: {e}"))
                    continue
                done.append((no, pks[0]))
                keys |= k
        rep.stored = len({pk for _, pk in done})
        rep.seconds_storage += time.perf_counter() - ts

    def _store(self, items: Sequence[tuple[Conversation, Any]]) -> tuple[list[int], set]:
        """Calls, utterances, analyses AND the DNC derivation of their numbers: one transaction.

        The derivation covers every stored call of each touched tenant+number, so a later batch
        that brings an earlier DNC request re-flags calls stored by earlier batches (or runs),
        and no committed state ever shows a flag that disagrees with the stored analyses.
        """
        with self.sessions() as s:  # type: ignore[misc]
            pks = upsert_transcript_calls(s, [c for c, _ in items])
            keys = store_analyses(s, [StoredAnalysis(pk, c, r) for pk, (c, r) in zip(pks, items)])
            ch = recompute_dnc(s, keys)
        if ch.flagged or ch.unflagged or ch.auto_added or ch.auto_removed:
            log.info("DNC: %d newly flagged, %d un-flagged, %d register additions, %d removals",
                     len(ch.flagged), len(ch.unflagged), len(ch.auto_added),
                     len(ch.auto_removed))
        return pks, keys

    def _emit(self, d: dict[str, Any], rep: BatchReport, output: TextIO | None) -> None:
        rep.flagged_repeat += bool(d.get("dnc_violation_repeat_call"))
        if self.options.keep_results:
            rep.results.append(d)
        if output is not None:
            output.write(json.dumps(d, ensure_ascii=False) + "\n")

    def store_batch(self, items: Sequence[tuple[Conversation, Any]]) -> list[int]:
        """Store already analysed calls (with DNC derivation) in transactions of ``batch_size``.

        Returns ``calls.id`` per item, in order.
        """
        assert self.sessions is not None
        pks: list[int] = []
        bs = max(1, self.options.batch_size)
        for i in range(0, len(items), bs):
            part_pks, _ = self._store(items[i:i + bs])
            pks.extend(part_pks)
        return pks


def analyze_and_store(target: Any, conversation: Conversation, settings: Settings,
                      engine: Engine | None = None) -> dict[str, Any]:
    """Analyse one stored call and store the result (the ingest hook); return the result dict.

    ``target`` is a ``Storage`` (own transaction) or an open ``Session`` (the caller's
    transaction, e.g. the one that stored the call). The call must already be stored under
    ``(meta.tenant, meta.call_id)``. The returned dict has the final repeat-call flag.
    """
    eng = engine if engine is not None else _cached_engine(settings)
    profile = load_tenant(conversation.meta.tenant, settings.tenants_dir)
    if not profile.known:
        log.warning("unknown tenant %r: analysed with the default profile",
                    conversation.meta.tenant)
    result = eng.analyze(conversation, profile)

    def run(s: Session) -> dict[str, Any]:
        pk = call_pk_for(s, conversation.meta.tenant, conversation.meta.call_id)
        if pk is None:
            raise CallQAError(f"call {conversation.meta.tenant}/{conversation.meta.call_id} "
                              "is not stored; store it before analysing")
        keys = store_analyses(s, [StoredAnalysis(pk, conversation, result)])
        recompute_dnc(s, keys)
        s.flush()
        return results_for(s, [pk])[pk]

    if isinstance(target, Session):
        return run(target)
    with target.session() as s:
        return run(s)


_ENGINES: dict[tuple, Engine] = {}


def _engine_key(settings: Settings) -> tuple:
    """What the engine is built from: the artifacts, tenant configs and rule thresholds."""
    return tuple(str(getattr(settings, k, None)) for k in
                 ("artifacts_dir", "tenants_dir", "long_silence_s", "overtalk_s"))


def _cached_engine(settings: Settings) -> Engine:
    """One engine per configuration and process: the trained models load once (~seconds)."""
    key = _engine_key(settings)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = default_engine(settings)
        _ENGINES[key] = eng
    return eng


def on_call_stored(storage: Any, call: Any, conversation: Conversation,
                   settings: Settings) -> dict[str, Any] | None:
    """Ingest's post-store hook (``callqa.ingest.hooks``): analyse and store the new call.

    Runs in its own transaction after the call is committed; a failure is recorded by the
    ingest batch as a warning and never undoes the stored call.
    """
    try:
        engine = _cached_engine(settings)
    except ModuleNotFoundError as e:  # analytics engine not built/installed: store without it
        if e.name and e.name.startswith("callqa.analytics"):
            log.warning("analytics engine unavailable (%s): call stored without analysis", e)
            return None
        raise
    return analyze_and_store(storage, conversation, settings, engine=engine)
