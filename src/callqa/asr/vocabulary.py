"""Per-client vocabulary as a post-correction of recognised words (pure).

Why not only decoder prompting: with the small Whisper models a client would run on a CPU,
``hotwords``/``initial_prompt`` made recognition *worse* on our recordings (measured in
bench/accuracy.py: the prompt is echoed, decoding falls back to sampling and produces
multilingual garbage, and it runs 2–3× slower). Correcting afterwards is cheap and safe: a
window of 1–3 recognised words is replaced by a configured term ("телекомtv" → "Телеком ТВ",
"вин партс" → "ВинПартс") only when it is spelled almost like it and at least one of its words is
not a dictionary word (so ordinary Russian words and inflected forms are never rewritten).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from callqa.conversation import Word

_LAT2CYR = (
    ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("yu", "ю"),
    ("ya", "я"), ("yo", "е"), ("tv", "тв"), ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"),
    ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "и"), ("z", "з"),
)
_NONWORD = re.compile(r"[^0-9a-zа-я]+")


def key(text: str) -> str:
    """Comparison key: lowercase, ё→е, Latin transliterated, no spaces/punctuation."""
    t = text.lower().replace("ё", "е")
    t = _NONWORD.sub("", t)
    for lat, cyr in _LAT2CYR:
        t = t.replace(lat, cyr)
    return t


def similarity(a: str, b: str) -> float:
    """1 − normalised Levenshtein distance (RapidFuzz, C speed)."""
    return float(Levenshtein.normalized_similarity(a, b))


def _spaced(text: str) -> str:
    return " ".join(_NONWORD.sub(" ", text.lower().replace("ё", "е")).split())


@lru_cache(maxsize=100_000)
def _is_dictionary_word(token: str) -> bool:
    from callqa.text.normalize import _morph

    t = token.lower().replace("ё", "е")
    if not t or not re.fullmatch(r"[а-я-]+", t):
        return False  # Latin, digits, mixed: not a Russian dictionary word
    return bool(_morph().word_is_known(t))


@dataclass(frozen=True)
class Correction:
    start: float
    original: str
    term: str
    score: float


def correct_words(words: list[Word], vocabulary: list[str], min_similarity: float = 0.8,
                  max_window: int = 3, min_key_len: int = 5) -> tuple[list[Word], list[Correction]]:
    """Replace near-miss spellings of vocabulary terms; returns new words and what changed."""
    terms = [(t, key(t)) for t in dict.fromkeys(" ".join(v.split()) for v in vocabulary if v.strip())]
    terms = [(t, k) for t, k in terms if len(k) >= min_key_len]
    if not terms or not words:
        return list(words), []
    out: list[Word] = []
    changes: list[Correction] = []
    i = 0
    n = len(words)
    while i < n:
        best: tuple[float, int, str] | None = None
        for w in range(min(max_window, n - i), 0, -1):
            window = words[i:i + w]
            if any(x.speaker != window[0].speaker for x in window):
                continue
            tokens = [x.text.strip() for x in window]
            wkey = key("".join(tokens))
            if len(wkey) < min_key_len - 1:
                continue
            if all(_is_dictionary_word(_NONWORD.sub("", t.lower().replace("ё", "е"))) for t in tokens):
                continue  # ordinary words (incl. inflected brand words like "корзины")
            for term, tkey in terms:
                if abs(len(tkey) - len(wkey)) > max(2, len(tkey) // 4):
                    continue
                s = similarity(wkey, tkey)
                same = _spaced(" ".join(tokens)) == _spaced(term)
                if s < min_similarity or same:
                    continue  # far off, or the same spelling (at most a case difference)
                if best is None or s > best[0] or (s == best[0] and w > best[1]):
                    best = (s, w, term)
        if best is None:
            out.append(words[i])
            i += 1
            continue
        s, w, term = best
        window = words[i:i + w]
        lead = " " if window[0].text.startswith(" ") else ""
        trail = re.search(r"[.,!?;:…]+$", window[-1].text.strip())
        text = lead + term + (trail.group(0) if trail else "")
        out.append(replace(window[0], text=text, end=window[-1].end,
                           probability=min(x.probability for x in window)))
        changes.append(Correction(window[0].start, "".join(x.text for x in window).strip(), term,
                                  round(s, 3)))
        i += w
    return out, changes
