"""Pure alignment of ASR words to diarization turns.

Each word goes to the speaker whose (exclusive) turns overlap it most; a word overlapping no
turn (diarization missed a short backchannel, or ASR timestamps drift) goes to the nearest turn,
so no word is ever lost.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import replace

from callqa.conversation import Word
from callqa.diarization.types import SpeakerTurn


def assign_speakers(words: Iterable[Word], turns: Sequence[SpeakerTurn]) -> list[Word]:
    """Copies of ``words`` with ``speaker`` set from ``turns`` (input order kept)."""
    words = list(words)
    if not turns:
        return [replace(w) for w in words]
    ts = sorted(turns, key=lambda t: (t.start, t.end))
    starts = [t.start for t in ts]
    # Turns are short and few: scan a window around the word via bisect on starts. Longest
    # turn bounds how far back an overlapping turn can start.
    max_len = max(t.end - t.start for t in ts)
    out: list[Word] = []
    for w in words:
        lo = bisect.bisect_left(starts, w.start - max_len)
        hi = bisect.bisect_right(starts, w.end)
        overlap: dict[str, float] = {}
        for t in ts[lo:hi]:
            ov = min(w.end, t.end) - max(w.start, t.start)
            if ov > 0:
                overlap[t.speaker] = overlap.get(t.speaker, 0.0) + ov
        if overlap:
            spk = max(overlap.items(), key=lambda kv: (kv[1], -ord(kv[0][0]) if kv[0] else 0))[0]
        else:
            mid = (w.start + w.end) / 2
            nearest = min(ts, key=lambda t: 0.0 if t.start <= mid <= t.end
                          else min(abs(mid - t.start), abs(mid - t.end)))
            spk = nearest.speaker
        out.append(replace(w, speaker=spk))
    return out


def turns_from_rttm(text: str) -> list[SpeakerTurn]:
    """Parse NIST RTTM ``SPEAKER`` lines into turns (for tests and benchmarks)."""
    turns: list[SpeakerTurn] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns.append(SpeakerTurn(start, start + dur, parts[7]))
    return turns
