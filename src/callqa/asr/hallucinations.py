"""Remove what Whisper "hears" in silence and noise — a pure stage, separate from decoding.

Whisper was trained on subtitled video, so on silence, hold music or line noise it emits the
credits it saw most: "Субтитры создавал DimaTorzok", "Продолжение следует...", "Спасибо за
просмотр", or loops one phrase until the window ends. In a call-QA product those phantom words
would become fake findings ("the operator said ..."), so they are removed here, with the reason
recorded, before anything downstream sees them.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callqa.asr.transcriber import AsrSegment
    from callqa.conversation import Word

_PUNCT_RE = re.compile(r"[^\w\s]+", re.UNICODE)

# Normalised (lowercase, ё→е, no punctuation) patterns of the Russian silence hallucinations.
KNOWN_HALLUCINATIONS: tuple[str, ...] = (
    r"субтитр\w* (?:\w+ ){0,2}(?:создава\w*|сделал\w*|делал\w*|подготов\w*|написал\w*|выполн\w*)",
    r"(?:редактор|корректор|автор) субтитр\w*",
    r"субтитр\w* (?:by|от) \w+",
    r"dimatorzok|dima torzok|торзок",
    r"продолжение следует",
    r"спасибо за просмотр\w*",
    r"благодарю за просмотр\w*",
    r"подписывайтесь на (?:наш )?канал\w*",
    r"подпишитесь на (?:наш )?канал\w*",
    r"ставьте лайк\w*",
    r"до новых встреч на канале",
    r"всем пока до новых встреч",
    r"смотрите (?:продолжение )?в следующ\w+ (?:серии|выпуске|видео)",
    r"(?:музыкальная )?заставка",
    r"играет музыка|музыка играет|веселая музыка|спокойная музыка|динамичная музыка",
    r"amara org",
)
_KNOWN_RE = re.compile("|".join(f"(?:{p})" for p in KNOWN_HALLUCINATIONS))


def normalize(text: str) -> str:
    """Lowercase, ё→е, punctuation off, spaces collapsed (for matching, not for display)."""
    return " ".join(_PUNCT_RE.sub(" ", text.lower().replace("ё", "е")).split())


# Words that only ever appear in video credits: a short segment containing one is a credit line.
_CREDIT_MARKER_RE = re.compile(r"субтитр|dimatorzok|торзок|amara")


def is_known_hallucination(text: str, min_share: float = 0.5, credit_max_words: int = 12) -> bool:
    """True when known credit/outro phrases make up at least ``min_share`` of the text's words,
    or a short text carries a credits-only word ("субтитры", "DimaTorzok")."""
    norm = normalize(text)
    if not norm:
        return False
    if _CREDIT_MARKER_RE.search(norm) and len(norm.split()) <= credit_max_words:
        return True
    covered = sum(len(m.group(0).split()) for m in _KNOWN_RE.finditer(norm))
    return covered > 0 and covered >= min_share * len(norm.split())


@dataclass(frozen=True)
class FilterConfig:
    """Thresholds; defaults follow Whisper's own (no_speech 0.6, logprob -1)."""

    no_speech_prob: float = 0.6
    avg_logprob: float = -1.0
    max_ngram: int = 4          # longest repeated word n-gram looked for
    max_repeats: int = 3        # more consecutive repeats than this is a loop
    known_phrase_share: float = 0.5


@dataclass
class FilterReport:
    """What the filter removed and why (goes into the stage info / provenance)."""

    dropped_segments: list[dict] = field(default_factory=list)
    dropped_words: int = 0
    trimmed_loops: int = 0

    def as_dict(self) -> dict:
        return {"dropped_segments": self.dropped_segments, "dropped_words": self.dropped_words,
                "trimmed_loops": self.trimmed_loops}


def _loop_spans(tokens: Sequence[str], max_ngram: int, max_repeats: int) -> list[tuple[int, int]]:
    """Index ranges [a, b) of the extra copies in runs of one n-gram repeated > max_repeats times."""
    spans: list[tuple[int, int]] = []
    i = 0
    n_tok = len(tokens)
    while i < n_tok:
        best: tuple[int, int] | None = None
        for n in range(1, max_ngram + 1):
            gram = tokens[i:i + n]
            if len(gram) < n:
                break
            reps = 1
            while tokens[i + reps * n:i + (reps + 1) * n] == gram:
                reps += 1
            if reps > max_repeats and (best is None or reps * n > best[1] - best[0]):
                best = (i + n, i + reps * n)  # keep the first copy, drop the rest
        if best:
            spans.append(best)
            i = best[1]
        else:
            i += 1
    return spans


def _segment_text(words: Sequence["Word"]) -> str:
    from callqa.conversation import join_words

    return join_words(words)


def filter_segments(
    segments: Sequence["AsrSegment"], duration: float | None = None, config: FilterConfig = FilterConfig()
) -> tuple[list["AsrSegment"], FilterReport]:
    """Drop hallucinated segments and words; return the kept segments and a report.

    Rules, in order: (1) silence — no_speech_prob above the threshold AND avg_logprob below
    the threshold (Whisper's own rule, applied again per segment: faster-whisper applies it per 30 s window);
    (2) known credit/outro phrases; (3) a word n-gram repeated more than ``max_repeats`` times in a row (Whisper's decoding
    loop) is cut to its first copy; (4) words outside the audio
    (start ≥ duration or end ≤ 0) are dropped and ends clipped to the duration.
    """
    report = FilterReport()
    kept: list[AsrSegment] = []
    for seg in segments:
        reason = None
        if seg.no_speech_prob > config.no_speech_prob and seg.avg_logprob < config.avg_logprob:
            reason = "no_speech"
        elif is_known_hallucination(seg.text, config.known_phrase_share):
            reason = "known_hallucination"
        if reason:
            report.dropped_segments.append(
                {"start": seg.start, "end": seg.end, "text": seg.text, "reason": reason})
            report.dropped_words += len(seg.words)
            continue
        words = list(seg.words)
        tokens = [normalize(w.text) for w in words]
        spans = _loop_spans(tokens, config.max_ngram, config.max_repeats)
        if spans:
            drop = {k for a, b in spans for k in range(a, b)}
            report.trimmed_loops += len(spans)
            report.dropped_words += len(drop)
            words = [w for k, w in enumerate(words) if k not in drop]
        if duration is not None:
            inside = [w for w in words if w.start < duration and w.end > 0]
            report.dropped_words += len(words) - len(inside)
            words = [replace(w, start=max(0.0, w.start), end=min(w.end, duration)) for w in inside]
        if not words and seg.words:
            report.dropped_segments.append(
                {"start": seg.start, "end": seg.end, "text": seg.text, "reason": "no_words_left"})
            continue
        if len(words) != len(seg.words):
            seg = replace(seg, words=words, text=_segment_text(words))
        kept.append(seg)
    return kept, report
