"""Customer sentiment: the customer's state by the END of the call, plus a trajectory.

The call-level model reads the customer's last utterances (weighted by their own views: the
last three and the very last), all the customer's words, the operator's closing (an apology
or a promise changes how a call ends) and the stated score if any (rule-extracted, coarse). The per-utterance trajectory comes from a second, small model trained on customers'
closing utterances, applied to each customer utterance with its predecessor as context.
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


def decide_sentiment(scores: dict[str, float], ct: CallText, use_rules: bool = True) -> str:
    """The call's label from the model's class scores (and the end-of-call rules)."""
    return max(scores, key=scores.__getitem__)


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
            "customer_sentiment": max(scores, key=scores.__getitem__),
            "customer_sentiment_scores": scores,
            "customer_sentiment_trajectory": self._trajectory(ct),
        })
