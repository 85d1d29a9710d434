"""Pure functions that turn timed words into utterances."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from callqa.conversation.types import Role, Utterance, Word

_NO_SPACE_BEFORE = set(".,!?;:…»)")


def join_words(words: Iterable[Word]) -> str:
    """Join Whisper word tokens (which carry their own leading spaces) into clean text."""
    out = ""
    for w in words:
        t = w.text
        if not out:
            out = t.strip()
        elif t.startswith(" ") or not t:
            out += " " + t.strip()
        elif t[0] in _NO_SPACE_BEFORE or t[0] == "-":
            out += t.strip()
        else:
            out += " " + t.strip()
    return " ".join(out.split())


def build_utterances(
    words: Iterable[Word],
    role_of: Mapping[str, Role] | Callable[[str], Role],
    max_gap: float = 1.5,
) -> list[Utterance]:
    """Group words into per-speaker turns, ordered by start time.

    Words are grouped per speaker first, so speech that overlaps the other side (backchannels,
    interruptions) never splits or loses words. A speaker's run is cut where their own silence
    exceeds ``max_gap`` seconds, or where the other side started speaking inside that silence
    (a real turn change). Every input word ends up in exactly one utterance.
    """
    lookup = role_of if callable(role_of) else (lambda s: role_of.get(s, "unknown"))
    by_speaker: dict[str, list[Word]] = defaultdict(list)
    for w in words:
        by_speaker[w.speaker].append(w)
    starts_by_speaker = {s: sorted(x.start for x in ws) for s, ws in by_speaker.items()}

    def other_spoke_between(speaker: str, a: float, b: float) -> bool:
        for s, starts in starts_by_speaker.items():
            if s == speaker:
                continue
            # any word of another speaker starting strictly inside (a, b)
            lo, hi = 0, len(starts)
            while lo < hi:
                mid = (lo + hi) // 2
                if starts[mid] <= a:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < len(starts) and starts[lo] < b:
                return True
        return False

    turns: list[Utterance] = []
    for speaker, ws in by_speaker.items():
        ws = sorted(ws, key=lambda w: (w.start, w.end))
        current: list[Word] = []
        for w in ws:
            if current:
                prev_end = current[-1].end
                gap = w.start - prev_end
                if gap > max_gap or (gap > 0.05 and other_spoke_between(speaker, prev_end, w.start)):
                    turns.append(_make(current, speaker, lookup(speaker)))
                    current = []
            current.append(w)
        if current:
            turns.append(_make(current, speaker, lookup(speaker)))
    turns.sort(key=lambda u: (u.start or 0.0, u.end or 0.0))
    return turns


def _make(words: list[Word], speaker: str, role: Role) -> Utterance:
    return Utterance(
        role=role,
        text=join_words(words),
        start=round(words[0].start, 3),
        end=round(max(w.end for w in words), 3),
        words=list(words),
        speaker=speaker,
    )
