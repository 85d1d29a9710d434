"""Training of the analytics models: ``callqa train`` and the evaluation bench share this.

sklearn style: ``fit_models(calls)`` returns plain fitted estimators, no hidden state;
``cross_validate(calls)`` measures them by call (stratified k-fold) and by writer (leave one
writer out, writer = call id prefix such as ``t1``) — the second estimates how the models do
on calls written by somebody else. Every call is also trained on as raw-ASR-style text
(lowercase, no punctuation) so the same models serve both kinds of input. Deterministic.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import f1_score, mean_absolute_error
from sklearn.model_selection import StratifiedKFold

from callqa.analytics.calltype import build_calltype_model
from callqa.analytics.features import call_text, call_views
from callqa.analytics.io import conversation_from_record
from callqa.analytics.nps import NpsPredictor, build_nps_text_model, without_stated_score
from callqa.analytics.sentiment import (
    build_sentiment_model,
    build_utterance_model,
    decide_sentiment,
    utterance_training_pairs,
)
from callqa.conversation import Conversation
from callqa.errors import InputError

log = logging.getLogger(__name__)

ARTIFACT_NAME = "analytics.joblib"
ARTIFACT_FORMAT = 1
SEED = 20261005


@dataclass
class LabeledCall:
    """A conversation with its labels (corpus format) and where it came from."""

    conversation: Conversation
    labels: dict[str, Any]
    source: str = ""
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def call_id(self) -> str:
        return self.conversation.meta.call_id

    @property
    def writer(self) -> str:
        return writer_of(self.call_id)


def writer_of(call_id: str) -> str:
    """Writer group of a call: its id prefix (``t1-0001`` → ``t1``)."""
    return call_id.split("-", 1)[0] if "-" in call_id else call_id


_PUNCT = re.compile(r"[^\w\s-]|(?<!\w)-|-(?!\w)")


def asr_style_text(text: str) -> str:
    """What raw ASR output looks like: lowercase, "ё" → "е", no punctuation."""
    return " ".join(_PUNCT.sub(" ", text.lower().replace("ё", "е")).split())


def asr_style_record(rec: dict[str, Any]) -> dict[str, Any]:
    out = dict(rec)
    out["utterances"] = [dict(u, text=asr_style_text(u.get("text") or ""))
                         for u in rec.get("utterances", [])]
    return out


def read_records(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """(line number, record) of a JSONL file, or of one JSON file (``*.ref.json`` style)."""
    text = Path(path).read_text(encoding="utf-8")
    if path.suffix == ".json":
        rec = json.loads(text)
        sidecar = Path(str(path).replace(".ref.json", ".json"))
        if path.name.endswith(".ref.json") and sidecar.is_file():
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            rec = {**{k: v for k, v in meta.items() if k != "utterances"}, **rec}
        yield 1, rec
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield n, json.loads(line)


def load_labeled(paths: Sequence[Path]) -> list[LabeledCall]:
    """Labeled calls from JSONL files (and ``*.ref.json`` files); unlabeled lines are skipped."""
    calls: list[LabeledCall] = []
    for p in paths:
        for n, rec in read_records(Path(p)):
            labels = rec.get("labels")
            if not isinstance(labels, dict) or "call_type" not in labels:
                log.warning("%s:%d has no labels, skipped", p, n)
                continue
            try:
                conv = conversation_from_record(rec)
            except InputError as e:
                log.warning("%s:%d skipped: %s", p, n, e)
                continue
            calls.append(LabeledCall(conv, labels, f"{p}:{n}", rec))
    return calls


def _augmented(calls: Sequence[LabeledCall], augment: bool) -> list[LabeledCall]:
    if not augment:
        return list(calls)
    out = list(calls)
    for c in calls:
        conv = Conversation(meta=c.conversation.meta, utterances=[
            type(u)(role=u.role, text=asr_style_text(u.text), start=u.start, end=u.end)
            for u in c.conversation.utterances])
        out.append(LabeledCall(conv, c.labels, c.source + "#asr",
                               asr_style_record(c.record) if c.record else {}))
    return out


def _views(calls: Sequence[LabeledCall]) -> list[dict[str, str]]:
    return [call_views(c.conversation, {}) for c in calls]


@dataclass
class Models:
    """The fitted estimators the engine needs (pickled together as one artifact)."""

    call_type: Any
    sentiment: Any
    sentiment_utterance: Any
    nps: NpsPredictor
    meta: dict[str, Any] = field(default_factory=dict)


def fit_models(calls: Sequence[LabeledCall], augment: bool = True, seed: int = SEED) -> Models:
    """Fit every model on ``calls`` (plus their ASR-style copies when ``augment``)."""
    train = _augmented(calls, augment)
    X = _views(train)
    y_type = [c.labels["call_type"] for c in train]
    y_sent = [c.labels["customer_sentiment"] for c in train]
    m_type = build_calltype_model(seed).fit(X, y_type)
    m_sent = build_sentiment_model(seed).fit(X, y_sent)

    pairs = [p for c in train for p in utterance_training_pairs(
        call_text(c.conversation, {}), c.labels["customer_sentiment"])]
    m_utt = build_utterance_model(seed).fit([p[0] for p in pairs], [p[1] for p in pairs])

    nps = _fit_nps(calls, augment, seed)
    return Models(m_type, m_sent, m_utt, nps, meta={
        "n_calls": len(calls), "augmented": augment, "seed": seed,
        "call_types": [str(c) for c in m_type.classes_],
        "rules": _fit_rules(train),
    })


def _fit_rules(calls: Sequence[LabeledCall]) -> dict[str, Any]:
    """The rule analyzers' own small models, if their module offers a training hook."""
    try:
        from callqa.analytics.rules import train_rule_models
    except ImportError:
        return {}
    records = [c.record for c in calls if c.record]
    return dict(train_rule_models(records) or {})


def _fit_nps(calls: Sequence[LabeledCall], augment: bool, seed: int) -> NpsPredictor:
    """Text ridge on scored calls; blend with sentiment fitted on out-of-fold predictions."""
    scored = [c for c in calls if c.labels.get("nps_score") is not None]
    if len(scored) < 10:
        log.warning("only %d calls with a stated NPS: predicted NPS falls back to sentiment",
                    len(scored))
        text_model = build_nps_text_model(seed).fit(
            _views(calls) or [{}], [5.0] * max(1, len(calls)))
        return NpsPredictor(text_model, blend=(0.0, -3.0, 2.5, 6.5))
    y = np.array([float(c.labels["nps_score"]) for c in scored])
    oof_text = np.zeros(len(scored))
    oof_sent = np.zeros((len(scored), 2))
    k = min(5, len(scored))
    folds = np.arange(len(scored)) % k
    rng = np.random.RandomState(seed)
    rng.shuffle(folds)
    Xs = _views(scored)
    for f in range(k):
        tr, te = np.where(folds != f)[0], np.where(folds == f)[0]
        tr_calls = _augmented([scored[i] for i in tr], augment)
        Xtr = _views(tr_calls)
        ytr = [float(c.labels["nps_score"]) for c in tr_calls]
        oof_text[te] = build_nps_text_model(seed).fit(Xtr, ytr).predict([Xs[i] for i in te])
        sm = build_sentiment_model(seed).fit(Xtr, [c.labels["customer_sentiment"] for c in tr_calls])
        proba = sm.predict_proba([without_stated_score(Xs[i]) for i in te])
        cls = list(sm.classes_)
        oof_sent[te, 0] = proba[:, cls.index("negative")]
        oof_sent[te, 1] = proba[:, cls.index("positive")]
    lr = LinearRegression().fit(np.column_stack([oof_text, oof_sent]), y)
    a, b, c = (float(x) for x in lr.coef_)
    full = _augmented(scored, augment)
    text_model = build_nps_text_model(seed).fit(
        _views(full), [float(c.labels["nps_score"]) for c in full])
    return NpsPredictor(text_model, blend=(a, b, c, float(lr.intercept_)),
                        extra={"n_scored": len(scored)})


def predict_labels(models: Models, calls: Sequence[LabeledCall]) -> dict[str, list[Any]]:
    X = _views(calls)
    sent_proba = models.sentiment.predict_proba(X)
    cls = [str(c) for c in models.sentiment.classes_]
    sent = [decide_sentiment(dict(zip(cls, map(float, p))), call_text(c.conversation, {}))
            for c, p in zip(calls, sent_proba)]
    blind = models.sentiment.predict_proba([without_stated_score(x) for x in X])
    pred_nps = [models.nps.predict(without_stated_score(x), dict(zip(cls, map(float, p))))
                for x, p in zip(X, blind)]
    return {"call_type": _call_types_with_tenant_prior(models, calls, X),
            "customer_sentiment": sent, "predicted_nps": pred_nps}


def _call_types_with_tenant_prior(models: Models, calls: Sequence[LabeledCall],
                                  X: list[dict[str, str]]) -> list[str]:
    """Call types as the engine decides them (tenant's call types down-weight the others)."""
    from callqa.analytics.calltype import CallTypeOptions
    from callqa.tenants import load_tenant

    proba = models.call_type.predict_proba(X)
    classes = [str(c) for c in models.call_type.classes_]
    w_out = CallTypeOptions().out_of_tenant_weight
    out = []
    for c, p in zip(calls, proba):
        allowed = set(load_tenant(c.conversation.meta.tenant).call_types or classes)
        w = np.array([1.0 if k in allowed else w_out for k in classes])
        out.append(classes[int(np.argmax(p * w))])
    return out


def _scores(calls: Sequence[LabeledCall], pred: dict[str, list[Any]]) -> dict[str, float]:
    yt = [c.labels["call_type"] for c in calls]
    ys = [c.labels["customer_sentiment"] for c in calls]
    out = {
        "call_type_macro_f1": float(f1_score(yt, pred["call_type"], average="macro")),
        "sentiment_macro_f1": float(f1_score(ys, pred["customer_sentiment"], average="macro")),
    }
    scored = [(c.labels["nps_score"], p) for c, p in zip(calls, pred["predicted_nps"])
              if c.labels.get("nps_score") is not None]
    if scored:
        out["predicted_nps_mae"] = float(mean_absolute_error([s for s, _ in scored],
                                                             [p for _, p in scored]))
    return out


def cross_validate(calls: Sequence[LabeledCall], augment: bool = True, seed: int = SEED,
                   folds: int = 5) -> dict[str, Any]:
    """Out-of-fold metrics: k-fold by call, and leave-one-writer-out (if >1 writer)."""
    calls = list(calls)
    results: dict[str, Any] = {}
    y = [c.labels["call_type"] for c in calls]
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    pooled: dict[str, list[Any]] = {"call_type": [None] * len(calls),
                                    "customer_sentiment": [None] * len(calls),
                                    "predicted_nps": [None] * len(calls)}
    for tr, te in skf.split(np.zeros(len(calls)), y):
        m = fit_models([calls[i] for i in tr], augment, seed)
        p = predict_labels(m, [calls[i] for i in te])
        for k, vals in p.items():
            for i, v in zip(te, vals):
                pooled[k][i] = v
    results["kfold_by_call"] = _scores(calls, pooled)
    writers = sorted({c.writer for c in calls})
    if len(writers) > 1:
        per_writer: dict[str, dict[str, float]] = {}
        for w in writers:
            tr = [c for c in calls if c.writer != w]
            te = [c for c in calls if c.writer == w]
            m = fit_models(tr, augment, seed)
            per_writer[w] = {**_scores(te, predict_labels(m, te)), "n": len(te)}
        results["leave_one_writer_out"] = per_writer
        results["leave_one_writer_out_mean"] = {
            k: float(np.mean([v[k] for v in per_writer.values() if k in v]))
            for k in ("call_type_macro_f1", "sentiment_macro_f1", "predicted_nps_mae")}
    return results


def _save_rule_models(artifacts: dict[str, Any], output: Path) -> None:
    """Also write the rule analyzers' own artifact + card, if their module can."""
    if not artifacts:
        return
    try:
        from callqa.analytics.rules import save_rule_models
    except ImportError:
        return
    save_rule_models(artifacts, output)


def save_models(models: Models, output: Path) -> Path:
    """Write the artifact (joblib, compressed) and return its path."""
    import joblib

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / ARTIFACT_NAME
    payload = {"format": ARTIFACT_FORMAT, "models": models}
    joblib.dump(payload, path, compress=("xz", 3))
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_models(artifacts_dir: Path) -> tuple[Models, dict[str, Any]]:
    """Load the artifact; returns the models and provenance (file, sha256, created)."""
    import joblib

    from callqa.errors import ModelNotFoundError

    path = Path(artifacts_dir) / ARTIFACT_NAME
    if not path.is_file():
        raise ModelNotFoundError(
            f"analytics models not found at {path}; run `callqa train` to build them")
    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ModelNotFoundError(f"{path} is not a callqa analytics artifact of format "
                                 f"{ARTIFACT_FORMAT}; rebuild it with `callqa train`")
    models: Models = payload["models"]
    prov = {"file": path.name, "sha256": file_sha256(path)[:16],
            "created": models.meta.get("created"), "version": models.meta.get("version")}
    return models, prov


def model_card(models: Models, cv: dict[str, Any], data_files: Sequence[Path],
               artifact: Path) -> str:
    """The model card: data, date, sizes, cross-validated metrics."""
    m = models.meta
    lines = [
        "# callqa analytics models",
        "",
        f"- Artifact: `{artifact.name}` ({artifact.stat().st_size / 1024:.0f} KiB, sha256 "
        f"`{file_sha256(artifact)[:16]}…`), format {ARTIFACT_FORMAT}, version `{m.get('version')}`",
        f"- Built: {m.get('created')} by `callqa train` (seed {m.get('seed')}, deterministic)",
        f"- Data: {m.get('n_calls')} labeled calls from "
        + ", ".join(f"`{Path(p).name}`" for p in data_files)
        + (" — each also as a lowercase, punctuation-free ASR-style copy" if m.get("augmented") else ""),
        f"- Writers (call id prefix): {m.get('writers')}",
        "",
        "## Models",
        "- `call_type`: TF-IDF (role-prefixed lemma 1–2-grams of the whole call and of the "
        "opening, char 3–5-grams, direction) → multinomial logistic regression; classes "
        f"{', '.join(m.get('call_types', []))}. The tenant's call types down-weight others.",
        "- `customer_sentiment`: TF-IDF of the customer's last 3 utterances, all customer words, "
        "the operator's closing, char n-grams of the customer's ending → logistic regression "
        "(state at the END of the call); its scores are shifted by explicit end-of-call cues "
        "(thanks / dissatisfaction / short sarcastic praise in the customer's last 2 turns, "
        "`sentiment.end_cues`). Trajectory: per-utterance model trained on customers' "
        "closing utterances.",
        "- `predicted_nps`: ridge regression over the customer's words with number words removed "
        "(never reads the stated score), blended with sentiment probabilities; fitted on calls "
        f"with a stated score (n={models.nps.extra.get('n_scored', 0)}); blend "
        f"{tuple(round(x, 3) for x in models.nps.blend)}.",
        "- `nps_score` (stated) is rule-based (`analytics/nps.py`), not trained.",
        "",
        "## Cross-validated metrics (computed during training)",
        "",
        "| split | call_type macro-F1 | sentiment macro-F1 | predicted NPS MAE |",
        "|---|---|---|---|",
    ]

    def row(name: str, d: dict[str, Any]) -> str:
        mae = d.get("predicted_nps_mae")
        return (f"| {name} | {d['call_type_macro_f1']:.3f} | {d['sentiment_macro_f1']:.3f} | "
                f"{'—' if mae is None else f'{mae:.2f}'} |")

    if "kfold_by_call" in cv:
        lines.append(row("5-fold by call", cv["kfold_by_call"]))
    for w, d in cv.get("leave_one_writer_out", {}).items():
        lines.append(row(f"train on others, test on writer {w} (n={d['n']})", d))
    if "leave_one_writer_out_mean" in cv:
        lines.append(row("leave-one-writer-out mean", cv["leave_one_writer_out_mean"]))
    lines += [
        "",
        "## Limits",
        "- Trained on synthetic calls from a few writers and five tenants; expect lower scores on "
        "other businesses or speaking styles — leave-one-writer-out is the honest estimate.",
        "- Inputs are lemmatised with pymorphy3, so misheard words that change the lemma lose "
        "their word features (char n-grams partly compensate).",
        "",
    ]
    return "\n".join(lines)


def train(data_files: Sequence[Path], output: Path, augment: bool = True,
          run_cv: bool = True, seed: int = SEED) -> dict[str, Any]:
    """Rebuild the artifact and the model card from labeled files; returns a summary."""
    calls = load_labeled(data_files)
    if not calls:
        raise InputError("no labeled calls found in " + ", ".join(map(str, data_files)))
    log.info("training on %d labeled calls", len(calls))
    models = fit_models(calls, augment, seed)
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    digest = hashlib.sha256("\n".join(sorted(c.call_id for c in calls)).encode()).hexdigest()[:8]
    models.meta.update({"created": created, "version": f"{created[:10]}-{digest}",
                        "writers": sorted({c.writer for c in calls}),
                        "data_files": [str(p) for p in data_files]})
    cv = cross_validate(calls, augment, seed) if run_cv else {}
    models.meta["cv"] = cv
    path = save_models(models, output)
    _save_rule_models(models.meta.get("rules") or {}, Path(output))
    (Path(output) / "MODEL_CARD.md").write_text(model_card(models, cv, data_files, path),
                                                 encoding="utf-8")
    return {"artifact": str(path), "size_bytes": path.stat().st_size, "n_calls": len(calls),
            "cv": cv}


def default_training_files(artifacts_dir: Path, corpus: Path | None = None) -> list[Path]:
    """The shared labeled corpus plus every ``*.jsonl`` we added under ``<artifacts>/training/``.

    Our own labeled calls (another writer's phrasings) live beside the artifacts they train, so
    ``callqa train`` with no options rebuilds exactly what is committed.
    """
    files = [corpus] if corpus is not None and corpus.is_file() else []
    files += sorted((artifacts_dir / "training").glob("*.jsonl"))
    return [f.resolve() for f in files]

