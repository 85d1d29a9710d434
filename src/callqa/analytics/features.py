"""Per-call text features shared by the trained analyzers (and usable by the rule ones).

Every text is folded the same way whether it came from a clean transcript or raw ASR output:
lowercase, "ё" → "е", punctuation dropped, pymorphy3 lemmas, digits → ``<num>``, "не X" →
"не_X" (negation matters for sentiment). The models then see *views* of the call, because
what matters differs by role and position: the call type is mostly set by the opening and by
what the operator says; the sentiment is the customer's state at the END.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from callqa.conversation import Conversation
from callqa.text import lemma, tokenize

_ROLE_PREFIX = {"operator": "o", "customer": "c", "unknown": "u"}
_DIGITS = re.compile(r"^\d[\d-]*$")
_NUMBER_WORDS = frozenset(
    "ноль нуль один одна одно два две три четыре пять шесть семь восемь девять десять "
    "единица единичка двойка тройка четверка пятерка пятерочка шестерка семерка восьмерка "
    "девятка десятка десяточка".split()
)
_NEGATORS = frozenset({"не", "ни", "нет"})
OPENING_UTTERANCES = 4
ENDING_CUSTOMER_UTTERANCES = 3
ENDING_OPERATOR_UTTERANCES = 2


@dataclass
class CallText:
    """Normalised tokens and lemmas of every utterance (computed once per call)."""

    roles: list[str]
    tokens: list[list[str]]
    lemmas: list[list[str]]

    def indices(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == role]


def _fold_lemmas(tokens: list[str]) -> list[str]:
    out: list[str] = []
    neg = False
    for t in tokens:
        lem = "<num>" if _DIGITS.match(t) else lemma(t)
        if lem in _NEGATORS:
            neg = True
            out.append(lem)
            continue
        out.append(f"не_{lem}" if neg else lem)
        neg = False
    return out


def call_text(conversation: Conversation, cache: dict[str, Any] | None = None) -> CallText:
    """Tokens and lemmas per utterance; memoised in the analysis context's ``cache``."""
    if cache is not None and "call_text" in cache:
        return cache["call_text"]
    roles, toks, lems = [], [], []
    for u in conversation.utterances:
        t = tokenize(u.text or "")
        roles.append(u.role if u.role in _ROLE_PREFIX else "unknown")
        toks.append(t)
        lems.append(_fold_lemmas(t))
    ct = CallText(roles=roles, tokens=toks, lemmas=lems)
    if cache is not None:
        cache["call_text"] = ct
    return ct


def _join(ct: CallText, idx: list[int], prefix: bool = True, drop_numbers: bool = False) -> str:
    parts: list[str] = []
    for i in idx:
        p = _ROLE_PREFIX[ct.roles[i]]
        for lem in ct.lemmas[i]:
            if drop_numbers and (lem in _NUMBER_WORDS or lem == "<num>"):
                continue
            parts.append(f"{p}_{lem}" if prefix else lem)
    return " ".join(parts)


def call_views(conversation: Conversation, cache: dict[str, Any] | None = None) -> dict[str, str]:
    """The text views the trained models read, as whitespace-separated feature tokens."""
    if cache is not None and "call_views" in cache:
        return cache["call_views"]
    ct = call_text(conversation, cache)
    n = len(ct.roles)
    cust = ct.indices("customer") or ct.indices("unknown")
    op = ct.indices("operator")
    views = {
        "all": _join(ct, list(range(n))),
        "open": _join(ct, list(range(min(n, OPENING_UTTERANCES)))),
        "op": _join(ct, op, prefix=False),
        "cust": _join(ct, cust, prefix=False),
        "end_c": _join(ct, cust[-ENDING_CUSTOMER_UTTERANCES:], prefix=False),
        "end_o": _join(ct, op[-ENDING_OPERATOR_UTTERANCES:], prefix=False),
        "cust_nonum": _join(ct, cust, prefix=False, drop_numbers=True),
        "end_c_nonum": _join(ct, cust[-ENDING_CUSTOMER_UTTERANCES:], prefix=False,
                             drop_numbers=True),
        "last_c": _join(ct, cust[-1:], prefix=False),
        "chars": " ".join(" ".join(t) for t in ct.tokens),
        "meta": f"dir_{conversation.meta.direction}",
        "nps": _nps_bucket(conversation, cache),
    }
    if cache is not None:
        cache["call_views"] = views
    return views


def _nps_bucket(conversation: Conversation, cache: dict[str, Any] | None) -> str:
    """The stated score (rules, not labels) as a coarse token: it says a lot about the mood."""
    from callqa.analytics.nps import stated_nps

    ans = stated_nps(conversation, cache)
    if ans is None:
        return "nps_none"
    return "nps_low" if ans.score <= 4 else "nps_mid" if ans.score <= 7 else "nps_high"


def utterance_view(ct: CallText, i: int, window: int = 1) -> str:
    """Lemmas of customer utterance ``i`` plus the ``window`` previous same-role utterances."""
    same = [j for j in range(i + 1) if ct.roles[j] == ct.roles[i]][-(window + 1):]
    return " ".join(lem for j in same for lem in ct.lemmas[j])


class Field(BaseEstimator, TransformerMixin):
    """Select one view from a list of view dicts (so a FeatureUnion can vectorise each)."""

    def __init__(self, key: str):
        self.key = key

    def fit(self, X: list[dict[str, str]], y: Any = None) -> "Field":
        return self

    def transform(self, X: list[dict[str, str]]) -> list[str]:
        return [x.get(self.key, "") for x in X]


class FastLinear:
    """A fitted ``[FeatureUnion of] TF-IDF → linear model`` pipeline, re-packed for speed.

    sklearn's per-call overhead (input validation, joblib dispatch in FeatureUnion) is ~10 ms
    per prediction, which alone would cap the engine well below 100 calls/s. This computes the
    same numbers (tested against the pipeline) with a dict look-up per feature. Built from the
    fitted pipeline at load time; the pipeline itself stays the artifact.
    """

    def __init__(self, pipeline: Any):
        from sklearn.pipeline import FeatureUnion, Pipeline

        steps = pipeline.steps
        feats, est = steps[0][1], steps[-1][1]
        if isinstance(feats, FeatureUnion):
            branches = [b for _, b in feats.transformer_list]
        else:
            branches = [Pipeline([("tfidf", feats)])]
        self.branches: list[tuple[str | None, Any, dict[str, int], Any, bool, str | None]] = []
        self.offsets: list[int] = []
        self._memo: dict[tuple[int, str], Any] = {}
        offset = 0
        for b in branches:
            key = None
            vec = None
            for _, step in b.steps:
                if isinstance(step, Field):
                    key = step.key
                else:
                    vec = step
            vocab = vec.vocabulary_
            idf = vec.idf_ if getattr(vec, "use_idf", True) else None
            self.branches.append((key, vec.build_analyzer(), vocab, idf, vec.sublinear_tf,
                                  vec.norm))
            self.offsets.append(offset)
            offset += len(vocab)
        self.n_features = offset
        coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        self.coef_t = coef.T.copy()  # (n_features, n_outputs)
        self.intercept = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
        self.classes_ = getattr(est, "classes_", None)
        self.is_classifier = self.classes_ is not None

    def _branch(self, b: int, doc: str) -> Any:
        """One branch's contribution to the decision (memoised: the blind NPS pass and the
        sentiment pass share all branches but one)."""
        key = (b, doc)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        _, analyzer, vocab, idf, sublinear, norm = self.branches[b]
        ids = [j for j in map(vocab.get, analyzer(doc)) if j is not None]
        contrib = None
        if ids:
            idx, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
            val = counts.astype(np.float64)
            if sublinear:
                val = np.log(val) + 1.0
            if idf is not None:
                val = val * idf[idx]
            if norm == "l2":
                nrm = np.sqrt((val * val).sum())
                if nrm > 0:
                    val = val / nrm
            contrib = val @ self.coef_t[idx + self.offsets[b]]
        if len(self._memo) > 256:
            self._memo.clear()
        self._memo[key] = contrib if contrib is not None else 0.0
        return self._memo[key]

    def decision(self, x: Any) -> Any:
        out = self.intercept.copy()
        for b, (key, *_rest) in enumerate(self.branches):
            out = out + self._branch(b, x if key is None else x.get(key, ""))
        return out

    def predict_proba(self, X: list[Any]) -> Any:
        rows = []
        for x in X:
            d = self.decision(x)
            if len(d) == 1:  # binary logistic regression
                p1 = 1.0 / (1.0 + np.exp(-d[0]))
                rows.append(np.array([1.0 - p1, p1]))
            else:
                e = np.exp(d - d.max())
                rows.append(e / e.sum())
        return np.vstack(rows) if rows else np.zeros((0, len(self.classes_)))

    def predict(self, X: list[Any]) -> Any:
        if self.is_classifier:
            p = self.predict_proba(X)
            return np.asarray(self.classes_)[p.argmax(1)]
        return np.array([float(self.decision(x)[0]) for x in X])


def fast(model: Any) -> Any:
    """``FastLinear`` for a supported pipeline, else the model unchanged."""
    try:
        return FastLinear(model)
    except Exception:  # an estimator of another shape: keep sklearn's own path
        return model
