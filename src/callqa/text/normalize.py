"""Tokenising and lemmatising Russian with spaCy's ``ru`` tokenizer and pymorphy3.

Transcripts arrive both as clean text and as raw ASR output (lowercase, no punctuation,
numbers as words), so everything is folded the same way: lowercase, "ё" → "е", punctuation
dropped, each word reduced to its pymorphy3 normal form ("звоните" → "звонить"). Lemma
look-ups are cached: a call center's vocabulary is small and the analytics must run at
hundreds of calls per second.
"""
from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[0-9a-zа-яё]+(?:[-'][0-9a-zа-яё]+)*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1)
def _spacy_tokenizer():
    import spacy

    return spacy.blank("ru").tokenizer


def normalize_text(text: str) -> str:
    """Lowercase, fold "ё" to "е" and collapse white space (no other change)."""
    return " ".join(text.lower().replace("ё", "е").split())


def tokenize(text: str) -> list[str]:
    """Word tokens of ``text``, normalised; punctuation and symbols are dropped.

    spaCy's Russian tokenizer splits the text (it knows Russian abbreviations and hyphenation);
    a token counts as a word when it contains a letter or digit. Cached per text: building a
    spaCy Doc costs ~0.3 ms, and the same utterance is tokenised by several analyzers and by
    the search index when it is stored.
    """
    return list(_tokenize_cached(text))


@lru_cache(maxsize=32_768)
def _tokenize_cached(text: str) -> tuple[str, ...]:
    norm = normalize_text(text)
    out: list[str] = []
    for tok in _spacy_tokenizer()(norm):
        t = tok.text
        if _WORD_RE.fullmatch(t):
            out.append(t)
        else:
            out.extend(_WORD_RE.findall(t))
    return tuple(out)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """pymorphy3's most probable normal form of one normalised word ("ё" folded to "е")."""
    w = word.lower().replace("ё", "е")
    if not w or not any(c.isalpha() for c in w) or not re.search("[а-я]", w):
        return w
    parses = _morph().parse(w)
    if not parses:
        return w
    return parses[0].normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    """The lemma of every word token in ``text``."""
    return [lemma(t) for t in tokenize(text)]
