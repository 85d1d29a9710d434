"""The storage API: plain data in and out, one transaction per call.

``Storage`` owns an engine and a session factory. Every write that belongs to one call
(call row, utterances, the finished run and its stages) commits in ONE transaction, so a
crash or a bad file never leaves half a call behind and never touches other calls.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, Float, Integer, and_, delete, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from callqa.conversation import CallMeta, Conversation, Utterance, Word
from callqa.storage.base import as_utc, to_utc, utcnow
from callqa.storage.db import make_engine, session_factory, upgrade_to_head
from callqa.storage.models import Call, IngestError, ProcessingRun, RunStage, UtteranceRow
from callqa.storage.search import lemma_text, make_snippet, parse_query
from callqa.storage.types import (
    AmbiguousCallError,
    AudioInfo,
    CallFilter,
    CallNotFoundError,
    CallRecord,
    CallSummary,
    DuplicateCallError,
    IngestErrorRecord,
    RunRecord,
    SearchHit,
    SearchQueryError,
    StageRecord,
)

log = logging.getLogger(__name__)

UTC_OFFSET_KEY = "utc_offset_s"
RUN_RUNNING = "running"
RUN_DONE = "done"
RUN_FAILED = "failed"
RUN_SKIPPED = "skipped"
RUN_INTERRUPTED = "interrupted"


def _jsonable(value: Any) -> Any:
    """Make provenance/info values JSON-safe (dataclasses, paths, datetimes, numpy scalars)."""
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        try:
            return value.item()
        except Exception:  # noqa: BLE001
            pass
    return str(value)


def _stage(obj: Any) -> StageRecord:
    """Accept StageRecord, the pipeline's StageResult (same attribute names) or a dict."""
    if isinstance(obj, StageRecord):
        return obj
    get = obj.get if isinstance(obj, dict) else (lambda k, d=None: getattr(obj, k, d))
    return StageRecord(
        name=str(get("name")),
        status=str(get("status", "ok")),
        seconds=get("seconds"),
        error=get("error"),
        info=_jsonable(get("info", None) or {}),
    )


def _word_dict(w: Word) -> dict[str, Any]:
    return {"text": w.text, "start": w.start, "end": w.end, "probability": w.probability,
            "speaker": w.speaker}


def _local(c: Call) -> datetime | None:
    """``started_at`` in the zone the call was given in (stored as UTC plus the offset)."""
    dt = as_utc(c.started_at)
    off = (c.meta or {}).get(UTC_OFFSET_KEY)
    if dt is None or off is None:
        return dt
    return dt.astimezone(timezone(timedelta(seconds=int(off))))


class Storage:
    """Repository over one database. Create with ``Storage.open(url)`` (runs migrations)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    # --- lifecycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, url_or_engine: str | Engine, *, migrate: bool = True) -> Storage:
        engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        if migrate:
            upgrade_to_head(engine)
        return cls(engine)

    @classmethod
    def from_settings(cls, settings: Any) -> Storage:
        settings.prepare()
        return cls.open(settings.database_url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: commit on success, roll back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    # --- runs and errors -------------------------------------------------------------------
    def start_run(
        self,
        *,
        source_path: str | None,
        content_hash: str | None = None,
        tenant: str | None = None,
        call_id: str | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> int:
        """Record that processing of a file began (committed at once, status ``running``).

        Earlier runs of the same content still ``running`` were interrupted (Ctrl-C, crash):
        they are marked so and never count as done.
        """
        with self.session() as s:
            if content_hash:
                s.execute(
                    update(ProcessingRun)
                    .where(ProcessingRun.content_hash == content_hash,
                           ProcessingRun.status == RUN_RUNNING)
                    .values(status=RUN_INTERRUPTED, finished_at=utcnow(),
                            error="interrupted before it finished (crash or Ctrl-C)")
                )
            run = ProcessingRun(
                source_path=source_path, content_hash=content_hash, tenant=tenant,
                call_id=call_id, status=RUN_RUNNING, provenance=_jsonable(provenance or {}),
            )
            s.add(run)
            s.flush()
            return run.id

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        error: str | None = None,
        error_type: str | None = None,
        stages: Iterable[Any] = (),
        provenance: dict[str, Any] | None = None,
        call_pk: int | None = None,
    ) -> None:
        """Close a run that did not store a call (failed or skipped); errors are recorded too."""
        with self.session() as s:
            run = s.get(ProcessingRun, run_id)
            if run is None:
                raise ValueError(f"no processing run {run_id}")
            self._close_run(s, run, status, error=error, error_type=error_type, stages=stages,
                            provenance=provenance, call_pk=call_pk)
            if status == RUN_FAILED and error:
                s.add(IngestError(run_id=run_id, path=run.source_path or "", level="error",
                                  content_hash=run.content_hash, error_type=error_type,
                                  message=error))

    def _close_run(self, s: Session, run: ProcessingRun, status: str, *, error: str | None,
                   error_type: str | None, stages: Iterable[Any],
                   provenance: dict[str, Any] | None, call_pk: int | None) -> None:
        run.status = status
        run.finished_at = utcnow()
        run.error = error
        run.error_type = error_type
        if call_pk is not None:
            run.call_pk = call_pk
        if provenance:
            run.provenance = {**(run.provenance or {}), **_jsonable(provenance)}
        for i, st in enumerate(_stage(x) for x in stages):
            run.stages.append(RunStage(position=i, name=st.name, status=st.status,
                                       seconds=st.seconds, error=st.error,
                                       info=_jsonable(st.info)))

    def record_error(
        self,
        path: str,
        message: str,
        *,
        level: str = "error",
        error_type: str | None = None,
        content_hash: str | None = None,
        run_id: int | None = None,
    ) -> int:
        """Keep a problem with one input (file, CDR row) for the user to see later."""
        with self.session() as s:
            row = IngestError(path=path, message=message, level=level, error_type=error_type,
                              content_hash=content_hash, run_id=run_id)
            s.add(row)
            s.flush()
            return row.id

    def list_errors(self, *, limit: int = 100, path: str | None = None) -> list[IngestErrorRecord]:
        with self.session() as s:
            q = select(IngestError).order_by(IngestError.id.desc()).limit(limit)
            if path is not None:
                q = q.where(IngestError.path == path)
            return [IngestErrorRecord(id=e.id, run_id=e.run_id, path=e.path,
                                      content_hash=e.content_hash, level=e.level,
                                      error_type=e.error_type, message=e.message,
                                      created_at=as_utc(e.created_at))
                    for e in s.scalars(q)]

    def list_runs(self, *, status: str | None = None, content_hash: str | None = None,
                  limit: int = 100) -> list[RunRecord]:
        with self.session() as s:
            q = (select(ProcessingRun).options(selectinload(ProcessingRun.stages))
                 .order_by(ProcessingRun.id.desc()).limit(limit))
            if status:
                q = q.where(ProcessingRun.status == status)
            if content_hash:
                q = q.where(ProcessingRun.content_hash == content_hash)
            return [self._run_record(r) for r in s.scalars(q)]

    def get_run(self, run_id: int) -> RunRecord | None:
        with self.session() as s:
            r = s.get(ProcessingRun, run_id)
            return self._run_record(r) if r else None

    @staticmethod
    def _run_record(r: ProcessingRun) -> RunRecord:
        return RunRecord(
            id=r.id, call_pk=r.call_pk, source_path=r.source_path, content_hash=r.content_hash,
            tenant=r.tenant, call_id=r.call_id, status=r.status,
            started_at=as_utc(r.started_at), finished_at=as_utc(r.finished_at), error=r.error,
            error_type=r.error_type, provenance=dict(r.provenance or {}),
            stages=[StageRecord(name=st.name, status=st.status, seconds=st.seconds,
                                error=st.error, info=dict(st.info or {})) for st in r.stages],
        )

    # --- calls -----------------------------------------------------------------------------
    def save_conversation(
        self,
        conversation: Conversation,
        *,
        audio: AudioInfo | None = None,
        stages: Sequence[Any] = (),
        provenance: dict[str, Any] | None = None,
        run_id: int | None = None,
        replace: bool = False,
        status: str = "done",
    ) -> CallSummary:
        """Store one call with its utterances in ONE transaction; return its summary.

        A call is the same call when its content hash matches or its (tenant, call id) does.
        Without ``replace`` an existing one raises ``DuplicateCallError``; with it, that call's
        row is updated in place (its primary key stays, so rows of other tables that point at
        it stay valid) and its utterances are replaced. Other calls are never touched. When
        ``run_id`` is given, that run is closed as ``done`` in the same transaction.
        """
        meta = conversation.meta
        audio = audio or AudioInfo()
        prov = _jsonable({**(conversation.provenance or {}), **(provenance or {})})
        with self.session() as s:
            by_id = s.scalar(select(Call).where(Call.tenant == meta.tenant,
                                                Call.call_id == meta.call_id))
            by_hash = None
            if audio.content_hash:
                by_hash = s.scalar(select(Call).where(Call.content_hash == audio.content_hash))
            existing = by_id or by_hash
            if by_id is not None and by_hash is not None and by_id.id != by_hash.id:
                raise DuplicateCallError(
                    f"call {meta.tenant}/{meta.call_id} exists, and its audio is already stored "
                    f"as another call ({by_hash.tenant}/{by_hash.call_id}); delete one first")
            if existing is not None and not replace:
                if by_hash is not None:
                    raise DuplicateCallError(
                        f"same audio already stored as call {by_hash.tenant}/{by_hash.call_id}")
                raise DuplicateCallError(
                    f"call {meta.tenant}/{meta.call_id} is already stored (with other audio); "
                    "use --force to replace it")
            if existing is None:
                call = Call(call_id=meta.call_id, tenant=meta.tenant)
                s.add(call)
            else:
                call = existing
                s.execute(delete(UtteranceRow).where(UtteranceRow.call_pk == call.id))
                s.expire(call, ["utterances"])
            call.call_id = meta.call_id
            call.tenant = meta.tenant
            call.operator_id = meta.operator_id
            call.customer_number = meta.customer_number
            call.direction = meta.direction
            call.started_at = to_utc(meta.started_at)
            call.duration = conversation.duration if conversation.duration is not None \
                else audio.duration
            call.channels = audio.channels
            call.sample_rate = audio.sample_rate
            call.operator_channel = meta.operator_channel
            call.content_hash = audio.content_hash
            call.audio_path = audio.audio_path
            call.original_path = audio.original_path
            call.status = status
            extra = {**(meta.extra or {})}
            if audio.format:
                extra["audio_format"] = audio.format
            off = meta.started_at.utcoffset() if meta.started_at else None
            if off is not None:  # kept so times are shown in the call's own zone
                extra[UTC_OFFSET_KEY] = int(off.total_seconds())
            call.meta = _jsonable(extra)
            call.provenance = prov
            call.updated_at = utcnow()
            s.flush()
            for i, u in enumerate(conversation.utterances):
                s.add(UtteranceRow(
                    call_pk=call.id, idx=i, role=u.role, speaker=u.speaker,
                    start_s=u.start, end_s=u.end, text=u.text or "",
                    lemma_text=lemma_text(u.text or ""),
                    words=[_word_dict(w) for w in u.words],
                ))
            if run_id is not None:
                run = s.get(ProcessingRun, run_id)
                if run is not None:
                    run.tenant, run.call_id = meta.tenant, meta.call_id
                    self._close_run(s, run, RUN_DONE, error=None, error_type=None,
                                    stages=stages, provenance=prov, call_pk=call.id)
            s.flush()
            return self._summary(call, len(conversation.utterances))

    def delete_call(self, call_id: str, tenant: str | None = None) -> None:
        with self.session() as s:
            call = self._resolve(s, call_id, tenant)
            s.delete(call)

    def find_by_hash(self, content_hash: str) -> CallSummary | None:
        """The stored, finished call with this audio content, if any."""
        with self.session() as s:
            call = s.scalar(select(Call).where(Call.content_hash == content_hash,
                                               Call.status == "done"))
            return self._summary(call, self._count(s, call.id)) if call else None

    def find_call(self, call_id: str, tenant: str | None = None) -> CallSummary | None:
        with self.session() as s:
            try:
                call = self._resolve(s, call_id, tenant)
            except CallNotFoundError:
                return None
            return self._summary(call, self._count(s, call.id))

    def get_call(self, call_id: str, tenant: str | None = None) -> CallRecord:
        """The call with its conversation; ``CallNotFoundError``/``AmbiguousCallError``."""
        with self.session() as s:
            call = self._resolve(s, call_id, tenant)
            return self._record(s, call)

    def get_call_by_pk(self, pk: int) -> CallRecord:
        with self.session() as s:
            call = s.get(Call, pk)
            if call is None:
                raise CallNotFoundError(f"no stored call with internal id {pk}")
            return self._record(s, call)

    def get_conversation(self, call_id: str, tenant: str | None = None) -> Conversation:
        return self.get_call(call_id, tenant).conversation

    def list_calls(self, filters: CallFilter | None = None, **kw: Any) -> list[CallSummary]:
        """Calls, newest start first, with utterance counts. ``kw`` are CallFilter fields."""
        f = filters or CallFilter(**kw)
        with self.session() as s:
            n = (select(UtteranceRow.call_pk, func.count(UtteranceRow.id).label("n"))
                 .group_by(UtteranceRow.call_pk).subquery())
            q = select(Call, func.coalesce(n.c.n, 0)).outerjoin(n, n.c.call_pk == Call.id)
            conds = []
            if f.tenant:
                conds.append(Call.tenant == f.tenant)
            if f.operator_id:
                conds.append(Call.operator_id == f.operator_id)
            if f.customer_number:
                conds.append(Call.customer_number == f.customer_number)
            if f.direction:
                conds.append(Call.direction == f.direction)
            if f.since:
                conds.append(Call.started_at >= to_utc(f.since))
            if f.until:
                conds.append(Call.started_at < to_utc(f.until))
            if conds:
                q = q.where(and_(*conds))
            q = q.order_by(Call.started_at.desc().nulls_last(), Call.id.desc())
            if f.offset:
                q = q.offset(f.offset)
            if f.limit:
                q = q.limit(f.limit)
            return [self._summary(c, cnt) for c, cnt in s.execute(q)]

    def count_calls(self, tenant: str | None = None) -> int:
        with self.session() as s:
            q = select(func.count(Call.id))
            if tenant:
                q = q.where(Call.tenant == tenant)
            return int(s.scalar(q) or 0)

    # --- search ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        tenant: str | None = None,
        role: str | None = None,
        call_id: str | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        """Utterances matching ``query`` (any word forms; see ``callqa.storage.search``).

        Raises ``SearchQueryError`` for a query it cannot understand, never a database error.
        """
        parsed = parse_query(query)
        with self.session() as s:
            if self.is_sqlite:
                fts = (text("SELECT rowid AS uid, bm25(utterance_fts) AS score FROM utterance_fts "
                           "WHERE utterance_fts MATCH :q")
                       .columns(uid=Integer, score=Float).subquery("fts"))
                q = (select(UtteranceRow, Call.call_id, Call.tenant, fts.c.score)
                     .join(fts, fts.c.uid == UtteranceRow.id)
                     .join(Call, Call.id == UtteranceRow.call_pk)
                     .order_by(fts.c.score, Call.id, UtteranceRow.idx))
                params = {"q": parsed.fts}
            else:  # portable fallback: every required lemma group must occur (no OR/NOT)
                conds = []
                for group in parsed.required:
                    words = " ".join(group)
                    if words.endswith("*"):
                        pat = "% " + words[:-1] + "%"
                    else:
                        pat = "% " + words + " %"
                    conds.append((" " + UtteranceRow.lemma_text + " ").like(pat))
                q = (select(UtteranceRow, Call.call_id, Call.tenant, UtteranceRow.idx * 0.0)
                     .join(Call, Call.id == UtteranceRow.call_pk)
                     .where(and_(*conds) if conds else or_(False))
                     .order_by(Call.id, UtteranceRow.idx))
                params = {}
            if tenant:
                q = q.where(Call.tenant == tenant)
            if role:
                q = q.where(UtteranceRow.role == role)
            if call_id:
                q = q.where(Call.call_id == call_id)
            q = q.limit(limit)
            try:
                rows = s.execute(q, params).all()
            except OperationalError as e:  # FTS5 syntax the parser let through
                raise SearchQueryError(f"cannot search for {query!r}: {e.orig}") from None
            return [SearchHit(call_pk=u.call_pk, call_id=cid, tenant=ten,
                              utterance_index=u.idx, role=u.role, start_s=u.start_s,
                              end_s=u.end_s, text=u.text,
                              snippet=make_snippet(u.text, parsed), score=float(score or 0.0))
                    for u, cid, ten, score in rows]

    def rebuild_search_index(self) -> None:
        """Recompute lemmas (e.g. after a lemmatiser upgrade) and rebuild the FTS index."""
        with self.session() as s:
            for u in s.scalars(select(UtteranceRow)):
                new = lemma_text(u.text)
                if new != u.lemma_text:
                    u.lemma_text = new
            if self.is_sqlite:
                s.execute(text("INSERT INTO utterance_fts(utterance_fts) VALUES ('rebuild')"))

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _resolve(s: Session, call_id: str, tenant: str | None) -> Call:
        q = select(Call).where(Call.call_id == call_id)
        if tenant:
            q = q.where(Call.tenant == tenant)
        calls = list(s.scalars(q.limit(5)))
        if not calls:
            where = f" for tenant {tenant!r}" if tenant else ""
            raise CallNotFoundError(f"no stored call with id {call_id!r}{where}")
        if len(calls) > 1:
            tenants = ", ".join(sorted(c.tenant for c in calls))
            raise AmbiguousCallError(
                f"call id {call_id!r} exists for several tenants ({tenants}); pass --tenant")
        return calls[0]

    @staticmethod
    def _count(s: Session, call_pk: int) -> int:
        return int(s.scalar(select(func.count(UtteranceRow.id))
                            .where(UtteranceRow.call_pk == call_pk)) or 0)

    @staticmethod
    def _summary(c: Call, n: int) -> CallSummary:
        return CallSummary(
            pk=c.id, call_id=c.call_id, tenant=c.tenant, operator_id=c.operator_id,
            customer_number=c.customer_number, direction=c.direction,
            started_at=_local(c), duration=c.duration, channels=c.channels,
            sample_rate=c.sample_rate, operator_channel=c.operator_channel,
            content_hash=c.content_hash, audio_path=c.audio_path,
            original_path=c.original_path, status=c.status, n_utterances=int(n),
            created_at=as_utc(c.created_at), updated_at=as_utc(c.updated_at),
        )

    def _record(self, s: Session, c: Call) -> CallRecord:
        rows = list(s.scalars(select(UtteranceRow).where(UtteranceRow.call_pk == c.id)
                              .order_by(UtteranceRow.idx)))
        utts = [Utterance(role=u.role, text=u.text, start=u.start_s, end=u.end_s,
                          speaker=u.speaker,
                          words=[Word(text=w.get("text", ""), start=w.get("start", 0.0),
                                      end=w.get("end", 0.0),
                                      probability=w.get("probability", 1.0),
                                      speaker=str(w.get("speaker", "0")))
                                 for w in (u.words or [])])
                for u in rows]
        meta = CallMeta(call_id=c.call_id, tenant=c.tenant, operator_id=c.operator_id,
                        customer_number=c.customer_number, direction=c.direction,  # type: ignore[arg-type]
                        started_at=_local(c), operator_channel=c.operator_channel,
                        extra=dict(c.meta or {}))
        conv = Conversation(meta=meta, utterances=utts, duration=c.duration,
                            provenance=dict(c.provenance or {}))
        return CallRecord(summary=self._summary(c, len(rows)), conversation=conv,
                          provenance=dict(c.provenance or {}), meta=dict(c.meta or {}))
