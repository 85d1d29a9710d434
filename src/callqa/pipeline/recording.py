"""``RecordingPipeline``: the one entry object that turns a recording into a ``Conversation``.

Stages are small swappable objects (a ``Transcriber``, a ``Diarizer``) and pure functions
(hallucination filter, word → speaker alignment, role detection, ``build_utterances``). Each
stage's status and time are returned so the batch can store a processing run with per-stage
provenance. Models are loaded lazily, once per pipeline, and reused across calls.

Errors: user-caused problems raise ``AudioError`` / ``ModelNotFoundError`` (the batch records
them and goes on); all-silence audio is not an error but a conversation with no utterances.
"""
from __future__ import annotations

import logging
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from callqa.asr import Transcriber
from callqa.audio import DecodedAudio, decode_audio
from callqa.conversation import CallMeta, Conversation, Utterance, Word, build_utterances
from callqa.diarization import Diarization, Diarizer, assign_speakers
from callqa.errors import ModelNotFoundError
from callqa.roles import RoleDecision, detect_roles, speaker_texts, stereo_roles
from callqa.settings import Settings, get_settings
from callqa.tenants import load_tenant

log = logging.getLogger(__name__)

Source = Union[str, Path, bytes, bytearray, memoryview, DecodedAudio]

# Channels this close are one signal written twice (a mono call saved as stereo).
_SAME_CHANNEL_TOL = 1e-3
# Peak below this (≈ -80 dBFS) is digital silence: nothing to transcribe.
_SILENCE_PEAK = 1e-4


@dataclass
class StageResult:
    name: str
    status: str  # "ok" | "failed" | "skipped"
    seconds: float
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProcessedRecording:
    conversation: Conversation
    stages: list[StageResult]
    provenance: dict[str, Any]
    role_decision: RoleDecision | None = None
    diarization: Diarization | None = None  # mono only: the speaker turns (for RTTM/DER)

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.stages)


class _StageTimer:
    def __init__(self) -> None:
        self.stages: list[StageResult] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        info: dict[str, Any] = {}
        t0 = time.perf_counter()
        try:
            yield info
        except Exception as e:
            self.stages.append(StageResult(name, "failed", round(time.perf_counter() - t0, 4),
                                           f"{type(e).__name__}: {e}", info))
            try:  # the batch records how far a failed file got
                e.stages = list(self.stages)  # type: ignore[attr-defined]
            except AttributeError:
                pass
            raise
        self.stages.append(StageResult(name, info.pop("_status", "ok"),
                                       round(time.perf_counter() - t0, 4), None, info))

    def skip(self, name: str, why: str) -> None:
        self.stages.append(StageResult(name, "skipped", 0.0, None, {"reason": why}))


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("callqa", "faster-whisper", "ctranslate2", "av", "numpy", "pyannote.audio", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


class RecordingPipeline:
    """decode → ASR → (diarization on mono) → roles → utterances, for one recording at a time."""

    def __init__(self, settings: Settings | None = None, transcriber: Transcriber | None = None,
                 diarizer: Diarizer | None = None, max_gap: float = 1.5) -> None:
        self.settings = settings or get_settings()
        self.transcriber = transcriber or Transcriber.from_settings(self.settings)
        self._diarizer = diarizer
        self.max_gap = max_gap
        self._versions: dict[str, str] | None = None

    @property
    def diarizer(self) -> Diarizer:
        """Built on first mono call: stereo-only batches never import torch/pyannote."""
        if self._diarizer is None:
            self._diarizer = Diarizer.from_settings(self.settings)
        return self._diarizer

    def vocabulary_for(self, meta: CallMeta) -> list[str]:
        """The tenant's configured ASR vocabulary (brand names first)."""
        prof = load_tenant(meta.tenant, self.settings.tenants_dir)
        return list(dict.fromkeys([*prof.brand_names, *prof.vocabulary]))

    def process(self, source: Source, meta: CallMeta, vocabulary: list[str] | None = None,
                ) -> ProcessedRecording:
        """Process one recording. ``vocabulary=None`` uses the tenant's; ``[]`` uses none.

        Raises ``AudioError`` for undecodable input and ``ModelNotFoundError`` for a missing
        model folder; both carry a message naming the file or folder.
        """
        timer = _StageTimer()
        try:  # fail fast, before decoding, with the path in the message
            self.transcriber.check_model()
        except ModelNotFoundError as e:
            e.stages = [StageResult("asr", "failed", 0.0, f"ModelNotFoundError: {e}")]  # type: ignore[attr-defined]
            raise
        with timer.stage("decode") as info:
            audio = source if isinstance(source, DecodedAudio) else decode_audio(source)
            info.update(channels=audio.info.channels, sample_rate=audio.info.sample_rate,
                        codec=audio.info.codec, duration=audio.info.duration)
        channels = self._channels(audio)
        mono = len(channels) == 1
        if audio.channels > 1 and mono:
            timer.stages[-1].info["note"] = "identical channels: processed as mono"
        vocab = self.vocabulary_for(meta) if vocabulary is None else list(vocabulary)
        peak = float(np.abs(audio.samples).max()) if audio.samples.size else 0.0

        words: list[Word] = []
        dia: Diarization | None = None
        filter_reports: dict[str, Any] = {}
        corrections: list[dict[str, Any]] = []
        with timer.stage("asr") as info:
            if peak < _SILENCE_PEAK:
                info["note"] = "all-silence audio: no speech to transcribe"
            else:
                for spk, samples in channels:
                    tr = self.transcriber.transcribe(samples, vocab, speaker=spk)
                    words.extend(tr.words)
                    filter_reports[spk] = tr.filter_report.as_dict()
                    corrections.extend({"speaker": spk, "start": c.start, "heard": c.original,
                                        "term": c.term} for c in tr.corrections)
            info.update(words=len(words), vocabulary_terms=len(vocab),
                        vocabulary_mode=self.transcriber.options.vocabulary_mode,
                        hallucination_filter=filter_reports, vocabulary_corrections=corrections)
            if not words and "note" not in info:
                info["note"] = "no speech found (silence or noise only)"

        if mono and words:
            with timer.stage("diarization") as info:
                self.diarizer.check_models()
                dia = self.diarizer(channels[0][1], audio.sample_rate)
                words = assign_speakers(words, dia.exclusive or dia.turns)
                info.update(speakers=dia.speakers, turns=len(dia.turns))
        else:
            timer.skip("diarization", "stereo: channel = speaker" if not mono else "no words")

        with timer.stage("roles") as info:
            op_ch = 0 if meta.operator_channel is None else meta.operator_channel
            if not mono and 0 <= op_ch < len(channels):
                decision = stereo_roles(len(channels), op_ch)
            else:
                if not mono:  # metadata names a channel the file does not have
                    info["note"] = (f"operator_channel={meta.operator_channel} but the file has "
                                    f"{len(channels)} channels: roles decided from speech")
                prelim = build_utterances(words, lambda s: "unknown", self.max_gap)
                prof = load_tenant(meta.tenant, self.settings.tenants_dir)
                decision = detect_roles(
                    speaker_texts((u.speaker or "", u.start, u.text) for u in prelim),
                    prof.brand_names, meta.direction)
            info.update(decision.as_dict())

        with timer.stage("utterances") as info:
            roles = decision.roles
            utterances: list[Utterance] = build_utterances(
                words, lambda s: roles.get(s, "unknown"), self.max_gap)
            info["utterances"] = len(utterances)

        provenance = self._provenance(audio, vocab, decision, mono)
        conv = Conversation(meta=meta, utterances=utterances, duration=round(audio.duration, 3),
                            provenance=provenance)
        return ProcessedRecording(conversation=conv, stages=timer.stages, provenance=provenance,
                                  role_decision=decision, diarization=dia)

    def _channels(self, audio: DecodedAudio) -> list[tuple[str, np.ndarray]]:
        if audio.channels == 1:
            return [("mono", audio.channel(0))]
        if audio.channels == 2:
            a, b = audio.channel(0), audio.channel(1)
            if float(np.max(np.abs(a - b))) < _SAME_CHANNEL_TOL:
                return [("mono", a)]
        return [(str(c), audio.channel(c)) for c in range(audio.channels)]

    def _provenance(self, audio: DecodedAudio, vocab: list[str], decision: RoleDecision,
                    mono: bool) -> dict[str, Any]:
        if self._versions is None:
            self._versions = package_versions()
        prov: dict[str, Any] = {
            "pipeline": "callqa.pipeline.RecordingPipeline@1",
            "audio": {"channels": audio.info.channels, "sample_rate": audio.info.sample_rate,
                      "codec": audio.info.codec, "container": audio.info.container,
                      "duration": audio.info.duration},
            "asr": self.transcriber.provenance(),
            "vocabulary": vocab,
            "roles": {"method": decision.method, "confidence": round(decision.confidence, 3),
                      "operator_speaker": decision.operator},
            "versions": self._versions,
        }
        if mono:
            prov["diarization"] = self.diarizer.provenance()
        return prov


def make_pipeline(settings: Settings | None = None) -> RecordingPipeline:
    """Convenience for the CLI/ingest: a pipeline from the process-wide settings."""
    return RecordingPipeline(settings or get_settings())

