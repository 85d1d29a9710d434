"""Comparing a processed call with a reference transcript (``<call>.ref.json``).

Used by the integration tests and ``bench/accuracy.py``. "Every reference utterance found" is
defined fairly for ASR output: a reference utterance is found when a recognised utterance of the
SAME ROLE overlaps it in time (±``slack`` s) and the recognised text of those overlapping
utterances covers it — at least ``min_recall`` of its words, or a character similarity of at
least ``min_recall`` (misheard word endings), while reference utterances of one or two words
("Да.", "Алло.") need only role and time, since Whisper often mishears such fragments.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callqa.conversation import Utterance

_PUNCT = re.compile(r"[^\w\s]+")


def normalize_for_wer(text: str) -> str:
    """Lowercase, ё→е, punctuation and hyphens off, spaces collapsed."""
    return " ".join(_PUNCT.sub(" ", text.lower().replace("ё", "е").replace("-", " ")).split())


def load_reference(path: str | Path) -> list[dict[str, Any]]:
    return list(json.loads(Path(path).read_text(encoding="utf-8"))["utterances"])


@dataclass
class RefMatch:
    index: int
    role: str
    text: str
    found: bool
    recall: float
    hyp_text: str


def match_reference(ref: list[dict[str, Any]], hyp: list[Utterance], slack: float = 0.5,
                    min_recall: float = 0.5, short_words: int = 2) -> list[RefMatch]:
    out: list[RefMatch] = []
    for i, r in enumerate(ref):
        cands = [u for u in hyp if u.role == r["speaker"] and u.start is not None and u.end is not None
                 and u.start < r["end"] + slack and u.end > r["start"] - slack]
        ref_tokens = normalize_for_wer(r["text"]).split()
        hyp_text = normalize_for_wer(" ".join(u.text for u in cands))
        hyp_tokens = set(hyp_text.split())
        recall = sum(t in hyp_tokens for t in ref_tokens) / max(1, len(ref_tokens))
        chars = difflib.SequenceMatcher(None, " ".join(ref_tokens), hyp_text).ratio() if cands else 0.0
        score = max(recall, chars if len(hyp_text) < 3 * len(" ".join(ref_tokens)) + 10 else recall)
        found = bool(cands) and (len(ref_tokens) <= short_words or score >= min_recall)
        out.append(RefMatch(i, r["speaker"], r["text"], found, round(score, 3), hyp_text))
    return out
