"""The rule analyzers of issue 3 in the order the engine runs them, and their small models.

Rules decide; a small scikit-learn text model (TF-IDF over the operator's lemmas + logistic
regression, trained on labeled calls by ``train_rule_models``) only breaks ties where the
rules are unsure: a call with exactly one weak sign of rudeness. Measured by writer-held-out
on the corpus, the tie-breaker helps a little and the model alone is worse than the rules,
so it never overrides a clear rule verdict. Artifacts: ``models/rules_text.joblib`` (+ card).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from callqa.analytics.dnc import DncAnalyzer
from callqa.analytics.flags import FlagsAnalyzer
from callqa.analytics.phrases import utt_text
from callqa.analytics.pushy import PushyAnalyzer
from callqa.analytics.rude import RudeAnalyzer
from callqa.analytics.script import ScriptAnalyzer

log = logging.getLogger(__name__)
MODELS_FILE = "rules_text.joblib"
CARD_FILE = "rules_text.md"
MODEL_VERSION = "1"
MODEL_LABELS = ("rude_operator",)


def operator_text(utterances: list[Any]) -> str:
    """The operator's words as lemmas — the model's input (same for clean and ASR text)."""
    parts = []
    for u in utterances:
        role = u.get("speaker", u.get("role")) if isinstance(u, dict) else u.role
        text = u.get("text", "") if isinstance(u, dict) else u.text
        if role == "operator":
            parts.append(" ".join(utt_text(text or "").lemmas))
    return " ".join(parts)


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000))


def _writer(call_id: str) -> str:
    return call_id.split("-")[0] if "-" in call_id else call_id[:2]


def train_rule_models(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Fit the tie-breaker models on labeled calls (corpus format).

    Returns ``{"rude_operator": fitted pipeline, "meta": {...}}``; ``meta`` holds the date,
    the number of calls and the F1 of the model alone with each writer (call-id prefix) held
    out, for the model card. Pure: same records, same artifacts.
    """
    texts = [operator_text(r.get("utterances", [])) for r in records]
    out: dict[str, Any] = {}
    meta: dict[str, Any] = {"version": MODEL_VERSION, "n_calls": len(records),
                            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            "labels": {}}
    writers = sorted({_writer(str(r.get("call_id", ""))) for r in records})
    for label in MODEL_LABELS:
        y = [bool(r.get("labels", {}).get(label)) for r in records]
        if len(set(y)) < 2:
            log.warning("train_rule_models: %s has one class only, skipped", label)
            continue
        cv: dict[str, float] = {}
        if len(writers) > 1:
            for w in writers:
                tr = [i for i, r in enumerate(records) if _writer(str(r.get("call_id", ""))) != w]
                te = [i for i, r in enumerate(records) if _writer(str(r.get("call_id", ""))) == w]
                if len({y[i] for i in tr}) < 2:
                    continue
                m = _pipeline().fit([texts[i] for i in tr], [y[i] for i in tr])
                pred = m.predict([texts[i] for i in te])
                tp = sum(bool(p) and y[i] for p, i in zip(pred, te))
                fp = sum(bool(p) and not y[i] for p, i in zip(pred, te))
                fn = sum((not p) and y[i] for p, i in zip(pred, te))
                cv[w] = round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0
        out[label] = _pipeline().fit(texts, y)
        meta["labels"][label] = {"positives": sum(y), "f1_writer_held_out": cv}
    out["meta"] = meta
    return out


def save_rule_models(artifacts: dict[str, Any], folder: Path) -> Path:
    """Write the artifacts (joblib) and a model card next to them; returns the joblib path."""
    import joblib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODELS_FILE
    joblib.dump(artifacts, path, compress=3)
    meta = artifacts.get("meta", {})
    card = [
        "# rules_text — tie-breaker text models for the rule analyzers",
        "",
        "TF-IDF (lemma uni/bigrams of the operator's words) + logistic regression (balanced).",
        "Used only where the rules are unsure (a single weak sign of rudeness); the rules decide",
        "everything else. Findings they produce carry source `model.rude_text@" +
        f"{meta.get('version', MODEL_VERSION)}`.",
        "",
        f"- trained: {meta.get('trained_at')}",
        f"- calls: {meta.get('n_calls')} (labeled corpus, `callqa train`)",
        "- metrics (model alone, F1 with each writer held out):",
        "```",
        json.dumps(meta.get("labels", {}), ensure_ascii=False, indent=2),
        "```",
    ]
    (folder / CARD_FILE).write_text("\n".join(card) + "\n", encoding="utf-8")
    return path


def load_rule_models(folder: Path | None) -> dict[str, Any]:
    """Artifacts from ``folder`` (empty dict when absent or unreadable: rules only)."""
    if folder is None:
        return {}
    path = Path(folder) / MODELS_FILE
    if not path.is_file():
        return {}
    try:
        import joblib

        return dict(joblib.load(path))
    except Exception as err:  # a broken artifact must not stop the analysis
        log.warning("could not load %s (%s); rules only", path, err)
        return {}


def default_rule_analyzers(artifacts: dict[str, Any] | None = None,
                           settings: Any = None) -> list[Any]:
    """DNC → pushy → rude → script → flags, in the order they should run.

    The engine must run call type first (script steps and unresolved complaint read
    ``context.labels["call_type"]``) and merge each analyzer's labels into
    ``context.labels`` before the next one (flags reads the script's verdict).
    ``artifacts`` default: loaded from ``settings.artifacts_dir`` when present.
    """
    if artifacts is None:
        if settings is None:
            from callqa.settings import get_settings

            settings = get_settings()
        artifacts = load_rule_models(getattr(settings, "artifacts_dir", None))
    rude_model = artifacts.get("rude_operator")
    version = str(artifacts.get("meta", {}).get("version", MODEL_VERSION))
    return [DncAnalyzer(), PushyAnalyzer(),
            RudeAnalyzer(model=rude_model, model_version=version),
            ScriptAnalyzer(settings=settings), FlagsAnalyzer(settings=settings)]
