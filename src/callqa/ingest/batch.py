"""Batch ingest: recordings (files, folders) → stored calls, one transaction per call.

``BatchIngestor`` is the entry object. For each file: hash the bytes (the same content is
never processed twice unless ``force``), resolve metadata (sidecar JSON, CDR, file name),
run the recording pipeline, keep the audio for playback, and store conversation + run +
stages in one transaction. Any problem with one file is recorded for that file and the batch
goes on; nothing stored earlier is touched. A run is committed as ``running`` before the
slow work, so an interrupted batch leaves a trace, and such a run never counts as done:
re-running the same command processes exactly what is missing.
"""
from __future__ import annotations

import logging
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from callqa.conversation import CallMeta, Conversation
from callqa.errors import CallQAError
from callqa.ingest.discover import AUDIO_EXTENSIONS, discover, sha256_file
from callqa.ingest.hooks import find_analysis_hook
from callqa.ingest.metadata import CdrIndex, load_sidecar, read_cdr, resolve_meta
from callqa.storage import AudioInfo, CallSummary, Storage, StageRecord
from callqa.storage.repository import RUN_FAILED, RUN_INTERRUPTED

log = logging.getLogger(__name__)

Status = Literal["processed", "skipped", "failed"]


class Pipeline(Protocol):
    """What ingest needs from ``callqa.pipeline.RecordingPipeline``."""

    def process(self, source: Any, meta: CallMeta, vocabulary: list[str] | None = None) -> Any:
        ...


@dataclass
class IngestOptions:
    """Options of one ingest batch."""

    force: bool = False  # reprocess content already stored (replaces that call)
    tenant: str | None = None  # overrides the tenant from metadata
    cdr_paths: list[Path] = field(default_factory=list)
    audio_storage: Literal["copy", "reference"] = "copy"
    cdr_timezone: str | None = None  # zone of CDR / file-name times; None = this machine's
    analyze: bool = True  # call the analytics hook after storing, when one exists


@dataclass
class FileOutcome:
    """What happened to one input file."""

    path: str
    status: Status
    message: str = ""
    call_id: str | None = None
    tenant: str | None = None
    content_hash: str | None = None
    duration: float | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    roles: dict[str, int] = field(default_factory=dict)  # utterances per role
    preview: list[tuple[str, float | None, str]] = field(default_factory=list)
    call: CallSummary | None = None
    error_type: str | None = None
    run_id: int | None = None
    analysis: dict[str, Any] | None = None  # what the analytics hook returned, if it ran

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status, "message": self.message,
            "call_id": self.call_id, "tenant": self.tenant, "content_hash": self.content_hash,
            "duration": self.duration, "seconds": round(self.seconds, 3),
            "warnings": self.warnings, "utterances_by_role": self.roles,
            "error_type": self.error_type, "run_id": self.run_id,
            "analysis": self.analysis,
        }


@dataclass
class BatchReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # batch-level (CDR file problems)

    def by_status(self, status: Status) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(o.status for o in self.outcomes)
        return {k: c.get(k, 0) for k in ("processed", "skipped", "failed")}

    @property
    def exit_code(self) -> int:
        return 1 if self.by_status("failed") else 0

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "warnings": self.warnings,
                "files": [o.to_dict() for o in self.outcomes]}


def _default_pipeline_factory(settings: Any) -> Callable[[], Pipeline]:
    def make() -> Pipeline:
        from callqa.pipeline import RecordingPipeline

        return RecordingPipeline(settings)

    return make


class BatchIngestor:
    """Ingest recordings into ``storage`` with a (lazily built) recording pipeline."""

    def __init__(
        self,
        storage: Storage,
        settings: Any,
        options: IngestOptions | None = None,
        *,
        pipeline: Pipeline | None = None,
        pipeline_factory: Callable[[], Pipeline] | None = None,
        analysis_hook: Callable[..., Any] | None | Literal["auto"] = "auto",
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.options = options or IngestOptions(audio_storage=getattr(settings, "audio_storage",
                                                                      "copy"))
        self._pipeline = pipeline
        self._factory = pipeline_factory or _default_pipeline_factory(settings)
        self._pipeline_error: CallQAError | None = None
        self._hook = find_analysis_hook() if analysis_hook == "auto" else analysis_hook
        self._seen: dict[str, str] = {}  # content hashes handled in this ingestor's lifetime

    # --- public ----------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        on_file_start: Callable[[Path, int, int], None] | None = None,
        on_file_done: Callable[[FileOutcome], None] | None = None,
        on_discovered: Callable[[int], None] | None = None,
    ) -> BatchReport:
        """Ingest every audio file under ``paths``; returns one outcome per input."""
        report = BatchReport()
        paths = list(paths)
        found = discover(paths)
        cdr = CdrIndex()
        for p in [*self.options.cdr_paths, *found.cdr_files]:
            if not Path(p).is_file():
                msg = f"CDR file {p} not found; recordings get metadata from sidecars/defaults"
                report.warnings.append(msg)
                self.storage.record_error(str(p), msg, level="warning", error_type="MetadataError")
                continue
            one = read_cdr(p)
            for msg in one.problems:
                report.warnings.append(msg)
                self.storage.record_error(str(p), msg, level="warning",
                                          error_type="MetadataError")
            cdr.merge(one)
        for p, msg in found.problems:
            self.storage.record_error(str(p), msg, error_type="InputError")
            out = FileOutcome(path=str(p), status="failed", message=msg, error_type="InputError")
            report.outcomes.append(out)
            if on_file_done:
                on_file_done(out)
        if not found.files and not found.problems:
            report.warnings.append("no audio files (" + ", ".join(AUDIO_EXTENSIONS)
                                   + ") found in " + ", ".join(str(p) for p in paths))
        if on_discovered:
            on_discovered(len(found.files))
        for i, f in enumerate(found.files):
            if on_file_start:
                on_file_start(f, i, len(found.files))
            out = self.ingest_file(f, cdr)
            report.outcomes.append(out)
            if on_file_done:
                on_file_done(out)
        return report

    def ingest_file(self, path: Path, cdr: CdrIndex | None = None) -> FileOutcome:
        """Ingest one file; never raises for bad input (only for Ctrl-C / system exit)."""
        t0 = time.perf_counter()
        out = FileOutcome(path=str(path), status="failed")
        try:
            self._ingest(path, cdr, out)
        except KeyboardInterrupt:
            if out.content_hash:
                self._mark_interrupted(out.content_hash)
            raise
        except CallQAError as e:
            self._fail(out, e)
        except OSError as e:
            self._fail(out, CallQAError(f"{path}: cannot read file ({e.strerror or e})"),
                       error_type="OSError")
        except Exception as e:  # noqa: BLE001 - a bug must not stop the batch
            log.error("unexpected error on %s:\n%s", path, traceback.format_exc())
            self._fail(out, CallQAError(f"internal error: {type(e).__name__}: {e}"),
                       error_type=type(e).__name__)
        out.seconds = time.perf_counter() - t0
        return out

    # --- steps -----------------------------------------------------------------------------
    def _ingest(self, path: Path, cdr: CdrIndex | None, out: FileOutcome) -> None:
        size = path.stat().st_size
        if size == 0:
            raise _FileError("AudioError", f"{path.name}: zero-length file (nothing recorded)")
        out.content_hash = content_hash = sha256_file(path)

        sidecar = load_sidecar(path)
        resolved = resolve_meta(path, sidecar=sidecar, cdr=cdr, tenant=self.options.tenant,
                                cdr_timezone=self.options.cdr_timezone)
        meta = resolved.meta
        out.call_id, out.tenant = meta.call_id, meta.tenant
        out.warnings.extend(resolved.warnings)

        earlier = self._seen.get(content_hash)
        if earlier is not None:  # same bytes twice in one batch: once is enough, even with --force
            out.status = "skipped"
            out.message = f"skipped: duplicate of {earlier} (same content earlier in this batch)"
            return
        self._seen[content_hash] = f"{meta.tenant}/{meta.call_id}"

        if not self.options.force:
            dup = self.storage.find_by_hash(content_hash)
            if dup is not None:
                out.status = "skipped"
                out.message = f"skipped: duplicate of {dup.tenant}/{dup.call_id}"
                out.call_id, out.tenant, out.duration = dup.call_id, dup.tenant, dup.duration
                return
            same_id = self.storage.find_call(meta.call_id, meta.tenant)
            if same_id is not None and same_id.content_hash != content_hash:
                raise _FileError(
                    "DuplicateCallError",
                    f"call {meta.tenant}/{meta.call_id} is already stored with different audio; "
                    "use --force to replace it")

        run_id = self.storage.start_run(
            source_path=str(path), content_hash=content_hash, tenant=meta.tenant,
            call_id=meta.call_id, provenance={"metadata_sources": resolved.sources})
        out.run_id = run_id
        for w in resolved.warnings:
            self.storage.record_error(str(path), w, level="warning", error_type="MetadataError",
                                      content_hash=content_hash, run_id=run_id)

        pipeline = self._get_pipeline()
        try:
            result = pipeline.process(path, meta, None)
        except CallQAError as e:
            stages = list(getattr(e, "stages", []) or [])
            self.storage.finish_run(run_id, RUN_FAILED, error=str(e),
                                    error_type=type(e).__name__, stages=stages)
            out.status, out.message, out.error_type = "failed", str(e), type(e).__name__
            return
        conv: Conversation = result.conversation
        stages = list(result.stages)
        provenance = dict(result.provenance or {})

        if not conv.utterances:
            msg = (f"{path.name}: no speech found (silent or noise-only recording); "
                   "nothing stored")
            self.storage.finish_run(run_id, RUN_FAILED, error=msg, error_type="NoSpeech",
                                    stages=stages, provenance=provenance)
            out.status, out.message, out.error_type = "failed", msg, "NoSpeech"
            return

        a = provenance.get("audio", {}) if isinstance(provenance.get("audio"), dict) else {}
        ts = time.perf_counter()
        stored_path = self._keep_audio(path, meta.tenant, content_hash)
        stages.append(StageRecord("keep_audio", "ok", round(time.perf_counter() - ts, 4),
                                  info={"mode": self.options.audio_storage}))
        if self.options.audio_storage == "copy":
            provenance["audio_copy"] = stored_path
        audio = AudioInfo(
            content_hash=content_hash, audio_path=stored_path,
            original_path=str(path.resolve()), channels=a.get("channels"),
            sample_rate=a.get("sample_rate"), duration=a.get("duration") or conv.duration,
            format=path.suffix.lower().lstrip("."),
        )
        provenance["metadata_sources"] = resolved.sources
        summary = self.storage.save_conversation(
            conv, audio=audio, stages=stages, provenance=provenance, run_id=run_id,
            replace=self.options.force)
        out.status = "processed"
        out.call = summary
        out.duration = summary.duration
        out.roles = dict(Counter(u.role for u in conv.utterances))
        out.preview = [(u.role, u.start, u.text) for u in conv.utterances[:4]]
        out.message = f"stored {summary.tenant}/{summary.call_id}"
        self._analyze(summary, conv, out)

    def _get_pipeline(self) -> Pipeline:
        if self._pipeline is not None:
            return self._pipeline
        if self._pipeline_error is not None:
            raise self._pipeline_error
        try:
            self._pipeline = self._factory()
        except CallQAError as e:  # e.g. ModelNotFoundError: same message for every file
            self._pipeline_error = e
            raise
        return self._pipeline

    def _keep_audio(self, path: Path, tenant: str, content_hash: str) -> str:
        """Copy into ``data_dir/audio/<tenant>/<hash>.<ext>`` (content-addressed) or reference."""
        if self.options.audio_storage == "reference":
            return str(path.resolve())
        safe_tenant = "".join(c if c.isalnum() or c in "-_." else "_" for c in tenant) or "default"
        dest_dir = Path(self.settings.data_dir) / "audio" / safe_tenant
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{content_hash}{path.suffix.lower()}"
        if not (dest.exists() and dest.stat().st_size == path.stat().st_size):
            tmp = dest.with_suffix(dest.suffix + ".part")
            shutil.copyfile(path, tmp)
            tmp.replace(dest)
        return str(dest.resolve())

    def _analyze(self, call: CallSummary, conv: Conversation, out: FileOutcome) -> None:
        if not (self.options.analyze and self._hook):
            return
        try:
            result = self._hook(self.storage, call, conv, self.settings)
            if isinstance(result, dict):
                out.analysis = result
        except Exception as e:  # noqa: BLE001 - analysis must never undo a stored call
            msg = f"analysis failed for {call.tenant}/{call.call_id}: {type(e).__name__}: {e}"
            log.warning(msg, exc_info=log.isEnabledFor(logging.DEBUG))
            out.warnings.append(msg)
            self.storage.record_error(out.path, msg, level="warning",
                                      error_type=type(e).__name__,
                                      content_hash=out.content_hash)

    def _fail(self, out: FileOutcome, e: CallQAError, error_type: str | None = None) -> None:
        et = error_type or getattr(e, "error_type", None) or type(e).__name__
        out.status, out.message, out.error_type = "failed", str(e), et
        rid = out.run_id
        try:
            if rid is not None:
                self.storage.finish_run(rid, RUN_FAILED, error=str(e), error_type=et)
            else:
                self.storage.record_error(out.path, str(e), error_type=et,
                                          content_hash=out.content_hash)
        except Exception:  # noqa: BLE001
            log.exception("could not record the error for %s", out.path)

    def _mark_interrupted(self, content_hash: str) -> None:
        try:
            for r in self.storage.list_runs(status="running", content_hash=content_hash):
                self.storage.finish_run(r.id, RUN_INTERRUPTED,
                                        error="interrupted (Ctrl-C) before it finished")
        except Exception:  # noqa: BLE001
            log.debug("could not mark run interrupted", exc_info=True)


class _FileError(CallQAError):
    """A per-file problem found by ingest itself (zero-length file, id conflict)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


__all__ = ["BatchIngestor", "BatchReport", "FileOutcome", "IngestOptions", "Pipeline"]
