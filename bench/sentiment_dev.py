"""Sentiment dev bench: leave-one-writer-out (clean + ASR-style) and the 36 recordings' refs.

Trains only the sentiment model (as ``fit_models`` does: each call plus its ASR-style copy) and
decides labels the way ``SentimentAnalyzer`` does (model + end-of-call rule layer).
Run: .venv/bin/python bench/sentiment_dev.py
"""
from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from callqa.analytics.features import call_text, call_views
from callqa.analytics.io import conversation_from_record
from callqa.analytics.sentiment import build_sentiment_model, decide_sentiment
from callqa.analytics.train import LabeledCall, _augmented, load_labeled

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "train.jsonl"
EXTRA = ROOT / "models" / "training" / "extra_calls.jsonl"
RECS = sorted((ROOT.parent / "shared" / "recordings").glob("*.ref.json"))


def prep(calls):
    return [(call_views(c.conversation, {}), call_text(c.conversation, {}),
             c.labels["customer_sentiment"]) for c in calls]


def predict(model, rows, use_rules=True):
    proba = model.predict_proba([r[0] for r in rows])
    cls = [str(c) for c in model.classes_]
    return [decide_sentiment(dict(zip(cls, map(float, p))), r[1], use_rules=use_rules)
            for p, r in zip(proba, rows)]


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    use_rules = "--no-rules" not in sys.argv
    calls = load_labeled([CORPUS, EXTRA])
    # the extra calls (another writer) count as writer x5
    writer = [("x5" if c.source.startswith(str(EXTRA)) else c.writer) for c in calls]
    aug = _augmented(calls, True)
    n = len(calls)
    clean_rows, asr_rows = prep(aug[:n]), prep(aug[n:])
    wr = sorted(set(writer))
    print("| test | n | clean F1 | ASR F1 |\n|---|---|---|---|")
    means = []
    for w in wr:
        tr = [i for i in range(n) if writer[i] != w]
        te = [i for i in range(n) if writer[i] == w]
        rows = [clean_rows[i] for i in tr] + [asr_rows[i] for i in tr]
        m = build_sentiment_model().fit([r[0] for r in rows], [r[2] for r in rows])
        res = []
        for src in (clean_rows, asr_rows):
            t = [src[i] for i in te]
            res.append(f1_score([r[2] for r in t], predict(m, t, use_rules), average="macro"))
        means.append(res)
        print(f"| {w} | {len(te)} | {res[0]:.3f} | {res[1]:.3f} |", flush=True)
    mm = np.mean(means, axis=0)
    print(f"| LOWO mean | {n} | {mm[0]:.3f} | {mm[1]:.3f} |")
    rows = clean_rows + asr_rows
    m = build_sentiment_model().fit([r[0] for r in rows], [r[2] for r in rows])
    recs = load_labeled(RECS)
    out = []
    for asr in (False, True):
        rr = prep(_augmented(recs, True)[len(recs) if asr else 0:][:len(recs)])
        y = [r[2] for r in rr]
        p = predict(m, rr, use_rules)
        out.append((f1_score(y, p, average="macro"), accuracy_score(y, p)))
        if "-v" in sys.argv:
            for c, yy, pp in zip(recs, y, p):
                if yy != pp:
                    print(f"  {'asr' if asr else 'ref'} {c.call_id} gold={yy} pred={pp}")
    print(f"| recordings ref (n={len(recs)}) | F1 {out[0][0]:.3f} acc {out[0][1]:.3f} | "
          f"ASR-style F1 {out[1][0]:.3f} acc {out[1][1]:.3f} |")
    # real ASR output cached by bench/analytics_audio.py (if it has been run)
    cache = Path(tempfile.gettempdir()) / "callqa-audio-cache"
    real = []
    for c in recs:
        hits = sorted(cache.glob(f"{c.call_id}.*.json"))
        if hits:
            rec = json.loads(hits[-1].read_text(encoding="utf-8"))
            rec = {**{k: v for k, v in c.record.items() if k != "utterances"},
                   "utterances": rec["utterances"]}
            real.append(LabeledCall(conversation_from_record(rec), c.labels))
    if real:
        rr = prep(real)
        y = [r[2] for r in rr]
        p = predict(m, rr, use_rules)
        print(f"| recordings real ASR (n={len(real)}) | F1 {f1_score(y, p, average='macro'):.3f} "
              f"acc {accuracy_score(y, p):.3f} |")


if __name__ == "__main__":
    main()
