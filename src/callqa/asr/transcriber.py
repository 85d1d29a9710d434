"""``Transcriber``: one faster-whisper model, loaded lazily once, used for every channel.

Options are a typed dataclass (``TranscribeOptions``) so the exact decoding settings can be
stored as provenance with every call and reproduced by the benchmark's bare baseline.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from callqa.asr.hallucinations import FilterConfig, FilterReport, filter_segments
from callqa.asr.vocabulary import Correction, correct_words
from callqa.conversation import Word, join_words
from callqa.errors import ModelNotFoundError

log = logging.getLogger(__name__)

VocabularyMode = Literal["correct", "hotwords", "prompt", "both", "off"]


@dataclass(frozen=True)
class TranscribeOptions:
    """Decoding settings passed to ``WhisperModel.transcribe`` (see faster-whisper docs)."""

    language: str = "ru"
    beam_size: int = 5
    vad_filter: bool = True
    word_timestamps: bool = True
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    condition_on_previous_text: bool = True
    # How a client's vocabulary is used: "correct" = post-correction of near-miss spellings
    # (callqa.asr.vocabulary); or given to the decoder as faster-whisper ``hotwords`` (a prompt
    # prefix on every window), as an ``initial_prompt`` (first window), both; or "off".
    # bench/accuracy.py measures the choices; decoder prompting hurt the base model.
    vocabulary_mode: VocabularyMode = "correct"
    max_vocabulary_words: int = 60
    vad_parameters: dict[str, Any] = field(default_factory=dict)

    def whisper_kwargs(self, vocabulary: list[str] | None = None) -> dict[str, Any]:
        kw: dict[str, Any] = dict(
            language=self.language, beam_size=self.beam_size, vad_filter=self.vad_filter,
            word_timestamps=self.word_timestamps, no_speech_threshold=self.no_speech_threshold,
            log_prob_threshold=self.log_prob_threshold,
            compression_ratio_threshold=self.compression_ratio_threshold,
            condition_on_previous_text=self.condition_on_previous_text,
        )
        if self.vad_parameters:
            kw["vad_parameters"] = dict(self.vad_parameters)
        prompt = vocabulary_prompt(vocabulary or [], self.max_vocabulary_words)
        if self.vocabulary_mode in ("correct", "off"):
            prompt = ""
        if prompt and self.vocabulary_mode in ("hotwords", "both"):
            kw["hotwords"] = prompt
        if prompt and self.vocabulary_mode in ("prompt", "both"):
            kw["initial_prompt"] = prompt
        return kw


def vocabulary_prompt(vocabulary: list[str], max_terms: int = 60) -> str:
    """Client terms as one comma-separated prompt, de-duplicated, order kept, length capped."""
    seen: set[str] = set()
    terms: list[str] = []
    for v in vocabulary:
        t = " ".join(str(v).split())
        if t and t.lower() not in seen:
            seen.add(t.lower())
            terms.append(t)
    return ", ".join(terms[:max_terms])


@dataclass
class AsrSegment:
    """One Whisper segment with the scores the hallucination filter needs."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[Word] = field(default_factory=list)


@dataclass
class ChannelTranscript:
    """The filtered result for one channel (or a mono mix)."""

    speaker: str
    segments: list[AsrSegment]
    filter_report: FilterReport
    language: str
    duration: float
    corrections: list[Correction] = field(default_factory=list)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]


class Transcriber:
    """faster-whisper wrapper: model by folder name under ``models_dir`` or by path."""

    def __init__(
        self,
        model: str | Path = "faster-whisper-base",
        *,
        models_dir: str | Path | None = None,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 1,
        options: TranscribeOptions | None = None,
        filter_config: FilterConfig | None = None,
    ) -> None:
        self.model_name = str(model)
        self.models_dir = Path(models_dir) if models_dir else None
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.options = options or TranscribeOptions()
        self.filter_config = filter_config or FilterConfig(no_speech_prob=self.options.no_speech_threshold,
                                                           avg_logprob=self.options.log_prob_threshold)
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> "Transcriber":
        opts = TranscribeOptions(
            language=settings.asr_language, beam_size=settings.asr_beam_size,
            vad_filter=settings.asr_vad, no_speech_threshold=settings.asr_no_speech_threshold,
            vocabulary_mode=getattr(settings, "asr_vocabulary_mode", "correct"),
        )
        kw: dict[str, Any] = dict(
            models_dir=settings.models_dir, device=settings.asr_device,
            compute_type=settings.asr_compute_type, cpu_threads=settings.asr_threads, options=opts,
        )
        kw.update(overrides)
        return cls(settings.asr_model, **kw)

    @property
    def model_path(self) -> Path:
        p = Path(self.model_name).expanduser()
        if p.is_absolute() or p.exists() or self.models_dir is None:
            return p
        return self.models_dir / self.model_name

    def check_model(self) -> Path:
        """Raise ``ModelNotFoundError`` unless the model folder is present and complete."""
        p = self.model_path
        if not (p / "model.bin").is_file():
            raise ModelNotFoundError(
                f"faster-whisper model not found at {p} (expected {p / 'model.bin'}); set "
                f"CALLQA_MODELS_DIR to the folder holding '{self.model_name}' or CALLQA_ASR_MODEL "
                f"to a model folder path")
        return p

    @property
    def model(self) -> Any:
        """The ``WhisperModel``, loaded on first use and then reused."""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                path = self.check_model()
                log.info("loading faster-whisper model %s (%s, %s)", path, self.device, self.compute_type)
                self._model = WhisperModel(str(path), device=self.device,
                                           compute_type=self.compute_type,
                                           cpu_threads=self.cpu_threads, local_files_only=True)
            return self._model

    def provenance(self) -> dict[str, Any]:
        import faster_whisper

        return {
            "asr_model": self.model_name, "asr_model_path": str(self.model_path),
            "device": self.device, "compute_type": self.compute_type,
            "cpu_threads": self.cpu_threads, "options": asdict(self.options),
            "filter": asdict(self.filter_config), "faster_whisper": faster_whisper.__version__,
        }

    def transcribe_raw(self, samples: np.ndarray, vocabulary: list[str] | None = None,
                       speaker: str = "0") -> tuple[list[AsrSegment], Any]:
        """Decode without filtering (the benchmark's view of bare faster-whisper output)."""
        segments, info = self.model.transcribe(
            np.asarray(samples, dtype=np.float32), **self.options.whisper_kwargs(vocabulary))
        out: list[AsrSegment] = []
        for s in segments:
            words = [Word(text=w.word, start=round(float(w.start), 3), end=round(float(w.end), 3),
                          probability=round(float(w.probability), 4), speaker=speaker)
                     for w in (s.words or [])]
            out.append(AsrSegment(start=float(s.start), end=float(s.end), text=s.text.strip(),
                                  avg_logprob=float(s.avg_logprob),
                                  no_speech_prob=float(s.no_speech_prob),
                                  compression_ratio=float(s.compression_ratio), words=words))
        return out, info

    def transcribe(self, samples: np.ndarray, vocabulary: list[str] | None = None,
                   speaker: str = "0", sample_rate: int = 16000, *,
                   filter_hallucinations: bool = True) -> ChannelTranscript:
        """Transcribe one channel of 16 kHz float32 samples; hallucinations filtered out."""
        if sample_rate != 16000:
            raise ValueError("Transcriber expects 16 kHz samples (use callqa.audio.decode_audio)")
        duration = len(samples) / float(sample_rate)
        raw, info = self.transcribe_raw(samples, vocabulary, speaker)
        if filter_hallucinations:
            kept, report = filter_segments(raw, duration=duration, config=self.filter_config)
        else:
            kept, report = raw, FilterReport()
        corrections: list[Correction] = []
        if vocabulary and self.options.vocabulary_mode == "correct":
            for k, seg in enumerate(kept):
                words, changes = correct_words(seg.words, vocabulary)
                if changes:
                    kept[k] = replace(seg, words=words, text=join_words(words))
                    corrections.extend(changes)
        if report.dropped_segments or report.dropped_words:
            log.debug("speaker %s: filter dropped %d segment(s), %d word(s)", speaker,
                      len(report.dropped_segments), report.dropped_words)
        return ChannelTranscript(speaker=speaker, segments=kept, filter_report=report,
                                 language=getattr(info, "language", self.options.language),
                                 duration=duration, corrections=corrections)


def segment_text(segment: AsrSegment) -> str:
    return join_words(segment.words) if segment.words else segment.text
