"""Customer sentiment: the customer's state by the END of the call, plus a trajectory.

The call-level model reads the customer's last utterances (weighted by their own views: the
last three and the very last), all the customer's words, the operator's closing (an apology
or a promise changes how a call ends) and the stated score if any (rule-extracted, coarse).
Its class scores are then shifted by a small, general cue layer over the customer's last two
turns (explicit thanks/satisfaction, dissatisfaction, short sarcastic praise such as "просто
отлично"): trained on few writers, the model misses such wordings when another writer phrases
them differently. The per-utterance trajectory comes from a second, small model trained on
customers' closing utterances, applied to each customer utterance with its predecessor as context.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from callqa.analytics.base import AnalysisContext, AnalyzerOutput
from callqa.analytics.calltype import _chars, _words
from callqa.analytics.features import CallText, call_text, call_views, utterance_view
from callqa.conversation import Conversation

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")


def build_sentiment_model(seed: int = 0) -> Pipeline:
    """The untrained call-level sentiment estimator (on view dicts)."""
    feats = FeatureUnion([
        ("end_c", _words("end_c", (1, 2), 1)),
        ("cust", _words("cust", (1, 2), 2)),
        ("end_o", _words("end_o", (1, 2), 2)),
        ("end_c_chars", _chars("end_c", 20000)),
        ("last_c", _words("last_c", (1, 2), 1)),
        ("nps", _words("nps", (1, 1), 1)),
    ])
    clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced", random_state=seed)
    return Pipeline([("features", feats), ("clf", clf)])


def build_utterance_model(seed: int = 0) -> Pipeline:
    """The untrained per-utterance estimator (on lemma strings) for the trajectory."""
    return Pipeline([
        ("tfidf", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2),
                                  min_df=2, sublinear_tf=True, max_features=20000,
                                  dtype=np.float32)),
        ("clf", LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced",
                                   random_state=seed)),
    ])


def utterance_training_pairs(ct: CallText, label: str) -> list[tuple[str, str]]:
    """(view, label) pairs: the customer's closing utterances carry the call's end state."""
    cust = ct.indices("customer") or ct.indices("unknown")
    return [(utterance_view(ct, i), label) for i in cust[-2:]]


# End-of-call cues over lemmas (negation already folded: "не помочь" → "не_помочь", so a
# negated cue never fires). General vocabulary of satisfaction / dissatisfaction, not phrasings
# of any data set; the model stays the main judge, a cue only shifts its log-scores.
def _lemma_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_POS_WORDS = _lemma_set(
    "благодарить благодарность выручить супер здорово приятно признательный молодец умница "
    "отлично замечательный прекрасно великолепно чудесно шикарно класс толково толковый красота "
    "рад рада радый радовать порадовать довольный")
_POS_BIGRAMS = frozenset({("спасибо", "большой"), ("большой", "спасибо"), ("огромный", "спасибо"),
                          ("спасибо", "огромный"), ("очень", "помочь"), ("очень", "приятно"),
                          ("очень", "довольный"), ("дать", "бог"), ("вот", "спасибо"),
                          ("очень", "понятно"), ("другой", "дело"), ("очень", "удобно")})
_NEG_WORDS = _lemma_set(
    "безобразие издевательство издеваться жалоба пожаловаться позор кошмар ужас ужасно бардак "
    "отвратительно отвратительный хамство безобразный развод обман обмануть возмутительно "
    "надоесть достать бесполезно бесполезный не_помочь не_довольный недовольный осадок осадочек "
    "разочаровать разочарованный не_рекомендовать суд прокуратура роспотребнадзор")
_NEG_BIGRAMS = frozenset({("больше", "никогда"), ("толк", "никакой"), ("никакой", "толк"),
                          ("уйти", "к")})
_SARCASM_INTENS = frozenset({"просто", "ну", "ну-ну", "ага", "как", "вот"})
_SARCASM_PRAISE = frozenset({"отлично", "замечательный", "замечательно", "прекрасно",
                             "прекрасный", "чудесно", "великолепно", "супер", "здорово",
                             "класс", "шикарно"})
END_CUE_UTTERANCES = 2
EARLIER_CUE_DISCOUNT = 0.25
POSITIVE_CUE_WEIGHT = 1.2
NEGATIVE_CUE_WEIGHT = 1.2
SARCASM_WEIGHT = 2.0


def _cue_lemmas(lems: list[str]) -> list[str]:
    """Lemmas for the cues: "нет, спасибо" is folded to "нет не_спасибо" (punctuation is gone
    in ASR text), but after "нет" the next word is an answer, not a negated one."""
    return [w[3:] if w.startswith("не_") and j and lems[j - 1] == "нет" else w
            for j, w in enumerate(lems)]


def _is_sarcastic(lems: list[str]) -> bool:
    """A short praise with a mocking intensifier and nothing else ("просто отлично", "ну
    замечательно"): after a problem it means the opposite."""
    if lems[:2] == ["ну", "спасибо"] and not {"большой", "огромный"} & set(lems):
        return True  # "ну спасибо, очень помогли" — a bare "ну спасибо" opens a reproach
    words = [w for w in lems if w not in {"да", "уж", "же", "так", "всё", "все"}]
    if not 2 <= len(words) <= 6 or not any(w in _SARCASM_PRAISE for w in words):
        return False
    rest = [w for w in words if w not in _SARCASM_PRAISE and w not in _SARCASM_INTENS]
    return not rest and any(w in _SARCASM_INTENS for w in words)


def end_cues(ct: CallText, n_last: int = END_CUE_UTTERANCES) -> dict[str, float]:
    """Counts of explicit satisfaction / dissatisfaction / sarcasm in the customer's last turns."""
    cust = [i for i in (ct.indices("customer") or ct.indices("unknown")) if ct.lemmas[i]]
    pos = neg = sarc = 0.0
    last = cust[-n_last:]
    for k, i in enumerate(last):
        w = 1.0 if k == len(last) - 1 else EARLIER_CUE_DISCOUNT  # the final turn counts most
        lems = _cue_lemmas(ct.lemmas[i])
        if _is_sarcastic(lems):
            sarc += w
            continue
        pairs = set(zip(lems, lems[1:] + [""]))
        pos += w * (sum(x in _POS_WORDS for x in lems) + len(pairs & _POS_BIGRAMS))
        neg += w * (sum(x in _NEG_WORDS for x in lems) + len(pairs & _NEG_BIGRAMS))
    return {"positive": min(pos, 2.0), "negative": min(neg, 2.0), "sarcasm": min(sarc, 1.0)}


def decide_sentiment(scores: dict[str, float], ct: CallText, use_rules: bool = True) -> str:
    """The call's label: the model's class scores shifted by the explicit end-of-call cues."""
    if not use_rules or not {"negative", "positive"} <= set(scores):
        return max(scores, key=scores.__getitem__)
    cues = end_cues(ct)
    logit = {k: float(np.log(max(v, 1e-9))) for k, v in scores.items()}
    logit["positive"] += POSITIVE_CUE_WEIGHT * cues["positive"] - SARCASM_WEIGHT * cues["sarcasm"]
    logit["negative"] += NEGATIVE_CUE_WEIGHT * cues["negative"] + SARCASM_WEIGHT * cues["sarcasm"]
    return max(logit, key=logit.__getitem__)


class SentimentAnalyzer:
    """Decides ``customer_sentiment`` (+ ``customer_sentiment_trajectory``, class scores)."""

    name = "model.sentiment"

    def __init__(self, model: Pipeline, utterance_model: Pipeline | None = None,
                 version: str = "1"):
        self.model = model
        self.utterance_model = utterance_model
        self.version = version

    def _trajectory(self, ct: CallText) -> list[dict[str, Any]]:
        if self.utterance_model is None:
            return []
        idx = [i for i, r in enumerate(ct.roles) if r == "customer" and ct.tokens[i]]
        if not idx:
            return []
        proba = self.utterance_model.predict_proba([utterance_view(ct, i) for i in idx])
        classes = [str(c) for c in self.utterance_model.classes_]
        neg, pos = classes.index("negative"), classes.index("positive")
        out = []
        for i, p in zip(idx, proba):
            out.append({"utterance_index": i, "sentiment": classes[int(np.argmax(p))],
                        "score": round(float(p[pos] - p[neg]), 3)})
        return out

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        ct = call_text(conversation, context.cache)
        cust_words = any(ct.tokens[i] for i, r in enumerate(ct.roles) if r != "operator")
        if not cust_words:  # nothing the customer said: nothing to judge
            return AnalyzerOutput(labels={"customer_sentiment": "neutral",
                                          "customer_sentiment_scores": {},
                                          "customer_sentiment_trajectory": []})
        views = call_views(conversation, context.cache)
        proba = self.model.predict_proba([views])[0]
        classes = [str(c) for c in self.model.classes_]
        scores = dict(zip(classes, (float(x) for x in proba)))
        return AnalyzerOutput(labels={
            "customer_sentiment": decide_sentiment(scores, ct),
            "customer_sentiment_scores": scores,
            "customer_sentiment_trajectory": self._trajectory(ct),
        })
