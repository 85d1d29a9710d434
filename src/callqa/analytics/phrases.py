"""Lemma phrase matching shared by the rule analyzers.

Rules are written over lemmas, not surface text, so that "не звоните", "не звони" and
"звонить не надо" meet the same pattern and raw ASR text (lowercase, no punctuation) behaves
like a clean transcript. A pattern is a small, readable string compiled to a regular
expression over the space-joined lemmas of one utterance:

- ``звонить|беспокоить`` — one token, any of the alternatives (a word written in another form,
  "послушайте", also matches its lemma);
- ``звон*`` — a token starting with ``звон``;
- ``~3`` — up to three arbitrary tokens (a gap);
- ``?`` is not used: punctuation is gone in ASR text, so no rule may rely on it.

Utterance lemmas are computed once per call and kept in ``context.cache`` (shared by every
analyzer of the call), which keeps the whole engine well above 100 calls/s.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from callqa.conversation import Conversation
from callqa.text import lemma, tokenize

CACHE_KEY = "phrases.utterances"


@dataclass(frozen=True)
class UttText:
    """One utterance as the rules see it: tokens, lemmas and the strings patterns run on."""

    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    lemma_str: str  # " l1 l2 ... ln " (leading/trailing space, so every token is " x ")

    def token_at(self, char_pos: int) -> int:
        """Token index of a character position in ``lemma_str``."""
        return self.lemma_str.count(" ", 0, char_pos + 1) - 1


# Words whose pymorphy3 lemma loses what the rules need: "больше" is not "большой" here, and
# personal pronouns keep their case ("меня" as an object, "мне" as a recipient).
KEEP_SURFACE = frozenset({
    "больше", "меньше", "ладно", "можно", "надо", "нужно", "меня", "мне", "мной", "вас", "вам",
    "вами", "нас", "нам", "нами", "тебя", "тебе", "его", "ему", "ее", "ей", "их", "им",
})


def rule_lemma(token: str) -> str:
    """``lemma`` except for the few words in ``KEEP_SURFACE``."""
    return token if token in KEEP_SURFACE else lemma(token)


def utt_text(text: str) -> UttText:
    toks = tuple(tokenize(text or ""))
    lems = tuple(rule_lemma(t) for t in toks)
    return UttText(toks, lems, " " + " ".join(lems) + " " if lems else " ")


def prepare(conversation: Conversation, cache: dict[str, Any] | None) -> list[UttText]:
    """Tokens and lemmas of every utterance, computed once per call and shared via the cache."""
    if cache is not None:
        got = cache.get(CACHE_KEY)
        if got is not None and len(got) == len(conversation.utterances):
            return got
    out = [utt_text(u.text) for u in conversation.utterances]
    if cache is not None:
        cache[CACHE_KEY] = out
    return out


_GAP_RE = re.compile(r"~(\d+)$")


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile one pattern (see module doc) to a regex over ``UttText.lemma_str``."""
    parts: list[str] = [" "]
    for item in pattern.split():
        m = _GAP_RE.match(item)
        if m:
            parts.append(r"(?:[^ ]+ ){0,%d}" % int(m.group(1)))
            continue
        alts = []
        for a in item.split("|"):
            a = a.lower().replace("ё", "е")
            if a.endswith("*"):
                alts.append(re.escape(a[:-1]) + r"[^ ]*")
            else:
                # a pattern word may be written as it is spoken ("послушайте"): its lemma too
                alts.append(re.escape(a))
                la = rule_lemma(a)
                if la != a:
                    alts.append(re.escape(la))
        parts.append("(?:" + "|".join(alts) + ") ")
    return re.compile("".join(parts))


class Patterns:
    """A named group of patterns; ``search`` returns the first match (token span) or None."""

    def __init__(self, patterns: Iterable[str]):
        self.patterns = tuple(patterns)
        # one alternation so each utterance is scanned once
        self._rx = re.compile("|".join("(?:" + compile_pattern(p).pattern + ")"
                                       for p in self.patterns)) if self.patterns else None

    def search(self, ut: UttText, start_token: int = 0) -> tuple[int, int] | None:
        """(first token, end token exclusive) of the leftmost match, or None."""
        if self._rx is None:
            return None
        pos = 0
        if start_token > 0:
            # character offset of token ``start_token`` (its leading space)
            pos = _nth_space(ut.lemma_str, start_token)
            if pos < 0:
                return None
        m = self._rx.search(ut.lemma_str, pos)
        if not m:
            return None
        a = ut.token_at(m.start())
        b = ut.lemma_str.count(" ", 0, m.end()) - 1
        return a, max(b, a + 1)

    def finditer(self, ut: UttText) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        t = 0
        while True:
            hit = self.search(ut, t)
            if hit is None:
                return out
            out.append(hit)
            t = hit[0] + 1

    def __bool__(self) -> bool:
        return bool(self.patterns)


def _nth_space(s: str, n: int) -> int:
    pos = -1
    for _ in range(n + 1):
        pos = s.find(" ", pos + 1)
        if pos < 0:
            return -1
    return pos


def phrase_pattern(phrase: str, gap: int = 1) -> str:
    """An example phrase (YAML) as a lemma pattern, tolerating ``gap`` inserted words."""
    lems = [rule_lemma(t) for t in tokenize(phrase)]
    sep = f" ~{gap} " if gap else " "
    return sep.join(lems)


def evidence(ut: UttText, span: tuple[int, int] | None, pad: int = 2) -> str:
    """The matched words with a little context, from the surface tokens."""
    if span is None:
        return " ".join(ut.tokens)
    a, b = span
    return " ".join(ut.tokens[max(0, a - pad): b + pad])


# --- morphology helpers ------------------------------------------------------------------

@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=100_000)
def tags(token: str) -> frozenset[str]:
    """Grammemes of the most probable parse ("Name", "Patr", "past", "impr", "INFN" ...)."""
    if not token or not re.search("[а-яё]", token):
        return frozenset()
    p = _morph().parse(token)
    if not p:
        return frozenset()
    return frozenset(str(p[0].tag).replace(" ", ",").split(","))


@lru_cache(maxsize=100_000)
def any_tags(token: str) -> frozenset[str]:
    """Union of grammemes over every parse with a fair score (names are often 2nd parses)."""
    if not token or not re.search("[а-яё]", token):
        return frozenset()
    out: set[str] = set()
    for p in _morph().parse(token)[:4]:
        if p.score >= 0.05:
            out.update(str(p.tag).replace(" ", ",").split(","))
    return frozenset(out)


def is_first_name(token: str) -> bool:
    return "Name" in any_tags(token) and len(token) > 2


def is_patronymic(token: str) -> bool:
    return "Patr" in any_tags(token)


def squash(text: str) -> str:
    """Lowercase, "ё"→"е", letters and digits only: "Вин-Партс" → "винпартс"."""
    return re.sub(r"[^0-9a-zа-я]", "", text.lower().replace("ё", "е"))


def levenshtein(a: str, b: str, limit: int = 3) -> int:
    """Edit distance (stops early once past ``limit``)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


@lru_cache(maxsize=65_536)
def _brand_like(s: str, b: str) -> bool:
    """Does a squashed word window ``s`` look like the squashed brand ``b`` (see find_brand)?"""
    if s == b or (s.startswith(b) and len(s) - len(b) <= 3):
        return True
    if len(b) < 5 or len(s) < 4:
        return False
    lim = 1 if len(b) < 9 else 2
    if levenshtein(s, b, lim) <= lim:
        return True
    # a truncated brand ("винпарт")
    if b.startswith(s) and len(b) - len(s) <= 1 and len(s) >= 6:
        return True
    # ASR vowel/ending slips ("винпорт", "венпортс" for "винпартс"): two edits on a long
    # brand when the length and the consonant skeleton agree
    if len(b) >= 7 and abs(len(s) - len(b)) <= 1 and s[0] == b[0] and \
            levenshtein(_consonants(s), _consonants(b), 1) <= 1 and levenshtein(s, b, 2) <= 2:
        return True
    # heavier damage on a long brand ("винпорц", "ринпорт"): up to 40 % of the letters,
    # same length +-1, consonant skeleton within two edits
    lim2 = int(len(b) * 0.4)
    return len(b) >= 8 and abs(len(s) - len(b)) <= 1 and \
        levenshtein(_consonants(s), _consonants(b), 2) <= 2 and levenshtein(s, b, lim2) <= lim2


def _consonants(s: str) -> str:
    return re.sub(r"[аеёиоуыэюяьъ]", "", s)


def find_brand(tokens: Sequence[str], brands: Sequence[str]) -> tuple[int, int] | None:
    """Token span of a tenant brand name, fuzzily: case, spaces, hyphens, endings, one typo.

    ASR writes "ВинПартс" as "вин партс", "винпарт", "винпартс"; inflection adds endings
    ("Автоподбора"). A window of 1–3 tokens, squashed, matches a squashed brand when equal,
    when it starts with the brand (an ending), or within a small edit distance.
    """
    sq_brands = sorted({squash(b) for b in brands if squash(b)}, key=len, reverse=True)
    if not sq_brands:
        return None
    sq_tokens = [squash(t) for t in tokens]
    for i in range(len(sq_tokens)):
        for n in (3, 2, 1):
            if i + n > len(sq_tokens):
                continue
            s = "".join(sq_tokens[i:i + n])
            if len(s) < 4:
                continue
            for b in sq_brands:
                if _brand_like(s, b):
                    return i, i + n
    return None


def echo_span(ut: UttText, links: frozenset[str] = frozenset({"значит"}),
              min_len: int = 3) -> tuple[int, int] | None:
    """Span of "X, значит X" — the same word on both sides of a link word.

    A tautology brushes the customer off ("собирается, значит собирается", "сказали — значит
    сказали") without a backreference in the lemma patterns; surface tokens are compared, so
    lowercase ASR text behaves the same.
    """
    toks = [t.lower().replace("ё", "е") for t in ut.tokens]
    for i in range(len(toks) - 2):
        if toks[i + 1] in links and toks[i] == toks[i + 2] and len(toks[i]) >= min_len \
                and re.search("[а-я]", toks[i]):
            return i, i + 3
    return None
