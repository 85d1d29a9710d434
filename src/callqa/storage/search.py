"""Full-text query language over lemmas, and result snippets (pure functions).

Utterances are indexed by the lemmas of their words, so queries are lemmatised the same way
before they reach FTS5: "звонить" finds "звоните", "звонил". The user's syntax is small and
validated here (never passed raw to FTS5, so a stray quote cannot crash a query):

- words: all must occur (implicit AND), in any word form;
- ``"two words"``: a phrase, in this order, any word forms;
- ``word*``: prefix, matched against lemmas (``звон*`` finds "звоните" via "звонить");
- ``OR``, ``AND``, ``NOT`` (upper case) between terms: ``доставка NOT курьер``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from callqa.storage.types import SearchQueryError
from callqa.text import lemma, lemmas, normalize_text, tokenize

_OPERATORS = {"OR", "AND", "NOT"}
_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
_WORD_SPAN_RE = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+(?:[-'][0-9A-Za-zА-Яа-яЁё]+)*")


@dataclass
class ParsedQuery:
    """A validated query: the FTS5 MATCH string plus the terms used for highlighting."""

    fts: str
    lemmas: set[str] = field(default_factory=set)  # whole-word terms (for snippets)
    prefixes: set[str] = field(default_factory=set)
    required: list[list[str]] = field(default_factory=list)  # AND-ed lemma groups (fallback)


def lemma_text(text: str) -> str:
    """What the index stores for an utterance: its lemmas separated by spaces."""
    return " ".join(lemmas(text))


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def parse_query(query: str) -> ParsedQuery:
    """Turn the user's query into an FTS5 expression over lemmas; raise ``SearchQueryError``."""
    if query is None or not query.strip():
        raise SearchQueryError("empty search query")
    if query.count('"') % 2:
        raise SearchQueryError(f"unbalanced quote in search query: {query!r}")
    parts: list[str] = []
    parsed = ParsedQuery(fts="")
    expect_operand = True
    last_op: str | None = None
    for m in _TOKEN_RE.finditer(query):
        phrase, bare = m.group(1), m.group(2)
        if bare is not None and bare in _OPERATORS:
            if expect_operand:
                where = "at the start" if not parts else f"after {last_op or 'an operator'}"
                raise SearchQueryError(f"operator {bare} {where} needs a search term before it")
            parts.append(bare)
            last_op = bare
            expect_operand = True
            continue
        if bare is not None and not tokenize(bare.rstrip("*")) and "*" not in bare.rstrip("*"):
            if bare.endswith("*") and bare.strip("*") == "":
                raise SearchQueryError(f"a prefix needs one word before '*': {bare!r}")
            continue  # punctuation only ("+", "-", "?"): nothing to search for
        raw = phrase if phrase is not None else bare.rstrip("*")
        if phrase is None and "*" in raw:
            raise SearchQueryError(f"'*' is only allowed at the end of a word: {bare!r}")
        if phrase is None and bare.endswith("*"):
            toks = tokenize(raw)
            if len(toks) != 1:
                raise SearchQueryError(f"a prefix needs one word before '*': {bare!r}")
            p = normalize_text(toks[0])
            expr = _quote(p) + "*"
            parsed.prefixes.add(p)
            if last_op != "NOT":
                parsed.required.append([p + "*"])
        else:  # a phrase or a word: matched by lemmas, in order
            words = lemmas(raw)
            if not words:
                why = (f"empty phrase in search query: {query!r}" if phrase is not None
                       else f"no searchable word in {bare!r}")
                raise SearchQueryError(why)
            expr = _quote(" ".join(words))
            parsed.lemmas.update(words)
            if last_op != "NOT":
                parsed.required.append(words)
        if not expect_operand:
            parts.append("AND")
        parts.append(expr)
        expect_operand = False
        last_op = None
    if not parts:
        raise SearchQueryError(f"no searchable word in {query!r}")
    if expect_operand:
        raise SearchQueryError(f"search query ends with an operator: {query!r}")
    parsed.fts = " ".join(parts)
    return parsed


def make_snippet(
    text: str,
    parsed: ParsedQuery,
    *,
    context_words: int = 8,
    mark: tuple[str, str] = ("[", "]"),
) -> str:
    """A window of the original text around the first match, matched words marked."""
    spans = list(_WORD_SPAN_RE.finditer(text))
    if not spans:
        return text
    hits: list[int] = []
    for i, m in enumerate(spans):
        w = normalize_text(m.group(0))
        lem = lemma(w)
        if lem in parsed.lemmas or w in parsed.lemmas or any(
            lem.startswith(p) or w.startswith(p) for p in parsed.prefixes
        ):
            hits.append(i)
    if not hits:
        first = 0
    else:
        first = hits[0]
    lo = max(0, first - context_words)
    hi = min(len(spans), first + context_words + 1)
    out: list[str] = []
    pos = spans[lo].start()
    hit_set = set(hits)
    for i in range(lo, hi):
        m = spans[i]
        out.append(text[pos:m.start()])
        word = m.group(0)
        out.append(f"{mark[0]}{word}{mark[1]}" if i in hit_set else word)
        pos = m.end()
    end = spans[hi - 1].end()
    # keep trailing punctuation of the last word in the window
    tail = re.match(r"[^\w\s]*", text[end:])
    out.append(tail.group(0) if tail else "")
    snippet = "".join(out).strip()
    if lo > 0:
        snippet = "… " + snippet
    if hi < len(spans):
        snippet = snippet + " …"
    return snippet
