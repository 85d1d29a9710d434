"""Call type: a trained text classifier over role- and position-aware views of the call.

TF-IDF over role-prefixed lemma n-grams of the whole call and of the opening (where the
purpose is usually stated), plus character n-grams (robust to misheard word endings), into a
multinomial logistic regression whose probabilities serve as the confidence. A tenant's
``call_types`` restrict the choice: types the client does not list are down-weighted by
``out_of_tenant_weight`` (0 = hard restriction), so a mis-configured tenant degrades
gracefully instead of forcing a wrong label.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from callqa.analytics.base import AnalysisContext, AnalyzerOutput
from callqa.analytics.features import Field, call_text, call_views
from callqa.conversation import Conversation

DEFAULT_CALL_TYPES: tuple[str, ...] = (
    "parts_selection", "order_support", "delivery_status", "warranty", "complaint",
    "nps_survey", "sales_offer",
)


def _words(key: str, ngrams: tuple[int, int] = (1, 2), min_df: int = 2) -> Pipeline:
    return Pipeline([
        ("field", Field(key)),
        ("tfidf", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=ngrams,
                                  min_df=min_df, sublinear_tf=True, max_features=40000,
                                  dtype=np.float32)),
    ])


def _chars(key: str, max_features: int = 30000) -> Pipeline:
    return Pipeline([
        ("field", Field(key)),
        ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                  sublinear_tf=True, max_features=max_features,
                                  dtype=np.float32)),
    ])


def build_calltype_model(seed: int = 0) -> Pipeline:
    """The untrained call-type estimator (sklearn fit/predict on view dicts)."""
    feats = FeatureUnion([
        ("all", _words("all")),
        ("open", _words("open")),
        ("chars", _chars("chars")),
        ("meta", _words("meta", (1, 1), 1)),
    ])
    clf = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced", random_state=seed)
    return Pipeline([("features", feats), ("clf", clf)])


@dataclass
class CallTypeOptions:
    out_of_tenant_weight: float = 0.15  # prior on types the tenant does not list (0 = forbid)


class CallTypeAnalyzer:
    """Decides ``call_type`` and ``call_type_confidence`` (and keeps all class scores)."""

    name = "model.call_type"

    def __init__(self, model: Pipeline, version: str = "1", options: CallTypeOptions | None = None):
        self.model = model
        self.version = version
        self.options = options or CallTypeOptions()

    def scores(self, conversation: Conversation, context: AnalysisContext) -> dict[str, float]:
        views = call_views(conversation, context.cache)
        proba = self.model.predict_proba([views])[0]
        classes = [str(c) for c in self.model.classes_]
        allowed = set(context.tenant.call_types or classes)
        weights = np.array([1.0 if c in allowed else self.options.out_of_tenant_weight
                            for c in classes])
        p = proba * weights
        if p.sum() <= 0:  # tenant lists none of our classes: fall back to the model alone
            p = proba
        p = p / p.sum()
        return dict(zip(classes, (float(x) for x in p)))

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        ct = call_text(conversation, context.cache)
        if not any(ct.tokens):
            return AnalyzerOutput(labels={"call_type": None, "call_type_confidence": 0.0,
                                          "call_type_scores": {}})
        s = self.scores(conversation, context)
        best = max(s, key=s.__getitem__)
        return AnalyzerOutput(labels={"call_type": best, "call_type_confidence": s[best],
                                      "call_type_scores": s})


def artifact_call_types(model: Any) -> list[str]:
    return [str(c) for c in getattr(model, "classes_", DEFAULT_CALL_TYPES)]
