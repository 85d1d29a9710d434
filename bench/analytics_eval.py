"""Held-out evaluation of the whole analytics engine (issue 3 targets), printed as tables.

Models are trained IN-PROCESS on the training part only (never the committed artifacts):

* split by call: stratified 80/20 split of ``../shared/corpus/train.jsonl`` (seeded); the
  evaluation set is the held-out 20 % + our hand-written hard cases
  (``bench/data/hard_cases.jsonl``) + the 36 labeled recordings' reference texts;
* leave-one-writer-out: train on three writers, test on the fourth (writer = call id prefix)
  — the honest estimate for calls written by somebody else.

Every issue-3 label is scored through the real engine (trained analyzers and the rule
analyzers alike). ``--asr-style`` runs the same on lowercase, punctuation-free text; by default
both are run. Speed: calls/s of ``engine.analyze`` on one core, models loaded.

    .venv/bin/python bench/analytics_eval.py [--modes clean,asr | --asr-style] [--no-lowo]
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score, mean_absolute_error, precision_recall_fscore_support  # noqa: E402

from callqa.analytics.engine import AnalysisEngine  # noqa: E402
from callqa.analytics.io import conversation_from_record  # noqa: E402
from callqa.analytics.result import DEFAULT_SCRIPT_STEPS, AnalysisResult  # noqa: E402
from callqa.analytics.train import (  # noqa: E402
    SEED,
    LabeledCall,
    asr_style_record,
    fit_models,
    load_labeled,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = (ROOT / "../shared/corpus/train.jsonl").resolve()
RECORDINGS = (ROOT / "../shared/recordings").resolve()
HARD = ROOT / "bench/data/hard_cases.jsonl"
EXTRA = sorted((ROOT / "models/training").glob("*.jsonl"))  # our own labeled calls (writer x5)

TARGETS = {
    "call_type": ("macro-F1", 0.90), "customer_sentiment": ("macro-F1", 0.80),
    "dnc_request": ("F1", 0.95), "dnc_ignored_in_call": ("F1", 0.90),
    "pushy_after_refusal": ("F1", 0.85), "rude_operator": ("F1", 0.85),
    "nps_score": ("exact", 0.95), "dnc_violation_repeat_call": ("recall=1, P", 0.95),
    "script": ("accuracy", 0.90),
}
BINARY = ("dnc_request", "dnc_ignored_in_call", "pushy_after_refusal", "rude_operator",
          "transfer_pingpong", "unresolved_complaint")


def split_by_call(calls: Sequence[LabeledCall], frac: float = 0.2,
                  seed: int = SEED) -> tuple[list[LabeledCall], list[LabeledCall]]:
    """Stratified (by call type) split of whole calls."""
    rng = random.Random(seed)
    by_type: dict[str, list[LabeledCall]] = defaultdict(list)
    for c in calls:
        by_type[c.labels["call_type"]].append(c)
    train, test = [], []
    for t in sorted(by_type):
        group = sorted(by_type[t], key=lambda c: c.call_id)
        rng.shuffle(group)
        k = max(1, round(len(group) * frac))
        test += group[:k]
        train += group[k:]
    return train, test


def asr_calls(calls: Sequence[LabeledCall]) -> list[LabeledCall]:
    out = []
    for c in calls:
        rec = asr_style_record(c.record)
        out.append(LabeledCall(conversation_from_record(rec), c.labels, c.source + "#asr", rec))
    return out


def repeat_violations(calls: Sequence[LabeledCall], dnc: dict[str, bool]) -> set[str]:
    """Repeat-call violations derived from ``dnc`` (call id → dnc_request) by the corpus rule."""
    try:
        from callqa.dnc import compute_repeat_violations
    except ImportError:
        compute_repeat_violations = None
    groups: dict[tuple[str, str], list[LabeledCall]] = defaultdict(list)
    for c in calls:
        m = c.conversation.meta
        if m.customer_number:
            groups[(m.tenant, m.customer_number)].append(c)
    out: set[str] = set()
    for group in groups.values():
        facts = [(c.call_id, c.conversation.meta.direction, c.conversation.meta.started_at,
                  bool(dnc[c.call_id])) for c in group]
        if compute_repeat_violations is not None:
            out |= compute_repeat_violations(facts)
        else:  # same rule, computed here
            for cid, d, t, _ in facts:
                if d == "outbound" and t is not None and any(
                        r and t2 is not None and t2 < t for _, _, t2, r in facts):
                    out.add(cid)
    return out


def evaluate(engine: AnalysisEngine, calls: Sequence[LabeledCall]) -> tuple[dict[str, Any], list[AnalysisResult], float]:
    """Run the engine on every call; return metrics, results and calls/s."""
    results = []
    t0 = time.perf_counter()
    for c in calls:
        results.append(engine.analyze(c.conversation))
    speed = len(calls) / max(1e-9, time.perf_counter() - t0)
    gold = [c.labels for c in calls]
    m: dict[str, Any] = {"n": len(calls)}
    yt = [g["call_type"] for g in gold]
    pt = [r.call_type or "none" for r in results]
    m["call_type"] = f1_score(yt, pt, average="macro")
    m["call_type_per_class"] = precision_recall_fscore_support(yt, pt, labels=sorted(set(yt)),
                                                               zero_division=0)
    ys = [g["customer_sentiment"] for g in gold]
    ps = [r.customer_sentiment for r in results]
    m["customer_sentiment"] = f1_score(ys, ps, average="macro")
    m["sentiment_per_class"] = precision_recall_fscore_support(
        ys, ps, labels=["negative", "neutral", "positive"], zero_division=0)
    for k in BINARY:
        y = [bool(g.get(k, False)) for g in gold]
        p = [bool(getattr(r, k)) for r in results]
        pr, rc, f, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
        m[k] = (pr, rc, f, sum(y))
    both = [(g["dnc_request_utterance"], r.dnc_request_utterance) for g, r in zip(gold, results)
            if g["dnc_request"] and r.dnc_request]
    m["dnc_utterance_exact"] = (sum(a == b for a, b in both) / len(both) if both else float("nan"),
                                len(both))
    m["nps_score"] = np.mean([g["nps_score"] == r.nps_score for g, r in zip(gold, results)])
    stated = [(g["nps_score"], r.nps_score) for g, r in zip(gold, results)
              if g["nps_score"] is not None]
    m["nps_stated_exact"] = (np.mean([a == b for a, b in stated]) if stated else float("nan"),
                             len(stated))
    fp = sum(1 for g, r in zip(gold, results) if g["nps_score"] is None and r.nps_score is not None)
    m["nps_false_positive"] = fp
    scored = [(g["nps_score"], r.predicted_nps) for g, r in zip(gold, results)
              if g["nps_score"] is not None]
    m["predicted_nps_mae"] = (mean_absolute_error([a for a, _ in scored], [b for _, b in scored])
                              if scored else float("nan"))
    m["script"] = {s: np.mean([bool(g["script"][s]) == bool(r.script.get(s)) for g, r in
                               zip(gold, results)]) for s in DEFAULT_SCRIPT_STEPS}
    gold_v = repeat_violations(calls, {c.call_id: bool(c.labels["dnc_request"]) for c in calls})
    pred_v = repeat_violations(calls, {c.call_id: r.dnc_request for c, r in zip(calls, results)})
    tp = len(gold_v & pred_v)
    m["dnc_violation_repeat_call"] = (tp / len(pred_v) if pred_v else 1.0,
                                      tp / len(gold_v) if gold_v else 1.0, len(gold_v))
    m["errors"] = sum(1 for r in results if r.provenance.get("errors"))
    return m, results, speed


def _ok(v: float, target: float) -> str:
    return "ok" if v >= target else "MISS"


def print_table(title: str, m: dict[str, Any], speed: float | None = None) -> None:
    print(f"\n### {title}  (n={m['n']} calls)\n")
    print("| label | metric | value | target | |")
    print("|---|---|---|---|---|")
    print(f"| call_type | macro-F1 | {m['call_type']:.3f} | ≥0.90 | {_ok(m['call_type'], .90)} |")
    print(f"| customer_sentiment | macro-F1 | {m['customer_sentiment']:.3f} | ≥0.80 | "
          f"{_ok(m['customer_sentiment'], .80)} |")
    targets = {"dnc_request": .95, "dnc_ignored_in_call": .90, "pushy_after_refusal": .85,
               "rude_operator": .85}
    for k in BINARY:
        pr, rc, f, n = m[k]
        t = targets.get(k)
        print(f"| {k} (n+={n}) | P / R / F1 | {pr:.3f} / {rc:.3f} / {f:.3f} | "
              f"{'≥%.2f' % t if t else '—'} | {_ok(f, t) if t else ''} |")
    ex, n = m["dnc_utterance_exact"]
    print(f"| dnc_request_utterance | exact (both detected, n={n}) | {ex:.3f} | — | |")
    p, r, n = m["dnc_violation_repeat_call"]
    ok = "ok" if r >= 1.0 and p >= .95 else "MISS"
    print(f"| dnc_violation_repeat_call (n+={n}) | P / R | {p:.3f} / {r:.3f} | R=1, P≥0.95 | {ok} |")
    ex, n = m["nps_stated_exact"]
    print(f"| nps_score | exact, all calls | {m['nps_score']:.3f} | ≥0.95 | {_ok(m['nps_score'], .95)} |")
    print(f"| nps_score | exact, stated (n={n}) / false positives | {ex:.3f} / {m['nps_false_positive']} | — | |")
    print(f"| predicted_nps | MAE vs stated (n={n}) | {m['predicted_nps_mae']:.2f} | — | |")
    for s, v in m["script"].items():
        print(f"| script.{s} | accuracy | {v:.3f} | ≥0.90 | {_ok(v, .90)} |")
    if m["errors"]:
        print(f"| analyzer errors | calls | {m['errors']} | 0 | MISS |")
    if speed is not None:
        print(f"| speed | calls/s, analyze only, 1 core | {speed:.0f} | ≥100 | {_ok(speed, 100)} |")


def print_per_class(m: dict[str, Any], classes: list[str], key: str, title: str) -> None:
    p, r, f, n = m[key]
    print(f"\n{title}: " + "; ".join(f"{c} {pp:.2f}/{rr:.2f}/{ff:.2f} (n={nn})"
                                        for c, pp, rr, ff, nn in zip(classes, p, r, f, n)))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", default="clean,asr", help="clean, asr or both (comma-separated)")
    ap.add_argument("--asr-style", action="store_true", help="only the ASR-style run")
    ap.add_argument("--no-lowo", action="store_true", help="skip leave-one-writer-out")
    ap.add_argument("--no-augment", action="store_true", help="train without ASR-style copies")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--no-extra", action="store_true",
                    help="do not add models/training/*.jsonl to the training side")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    modes = ["asr"] if args.asr_style else args.modes.split(",")

    corpus = load_labeled([args.corpus])
    extra = [] if args.no_extra or not EXTRA else load_labeled(EXTRA)
    train, held = split_by_call(corpus)
    train = train + extra  # our extra calls only ever train; evaluation stays on others' text
    hard = load_labeled([HARD]) if HARD.is_file() else []
    recs = load_labeled(sorted(RECORDINGS.glob("*.ref.json"))) if RECORDINGS.is_dir() else []
    print(f"corpus {len(corpus)} calls + {len(extra)} extra: train {len(train)}, held-out {len(held)}; "
          f"hard cases {len(hard)}; recordings {len(recs)}")
    t0 = time.perf_counter()
    models = fit_models(train, augment=not args.no_augment)
    print(f"trained in {time.perf_counter() - t0:.0f} s (in-process, train split only)")
    engine = AnalysisEngine.from_models(models)
    print("analyzers:", ", ".join(f"{a.name}@{a.version}" for a in engine.analyzers))
    sets = {"held-out split": held, "hard cases": hard, "recordings (ref texts)": recs,
            "ALL eval (held-out + hard + recordings)": held + hard + recs}
    for mode in modes:
        print(f"\n## {'clean transcripts' if mode == 'clean' else 'ASR-style: lowercase, no punctuation'}")
        for name, calls in sets.items():
            if not calls:
                continue
            data = calls if mode == "clean" else asr_calls(calls)
            engine.analyze(data[0].conversation)  # warm caches before timing
            m, _, speed = evaluate(engine, data)
            print_table(f"{name} — {mode}", m, speed if name.startswith("ALL") else None)
            if name.startswith("ALL"):
                print_per_class(m, sorted({c.labels["call_type"] for c in data}),
                                "call_type_per_class", "call type P/R/F1")
                print_per_class(m, ["negative", "neutral", "positive"], "sentiment_per_class",
                                "sentiment P/R/F1")
    if not args.no_lowo:
        print("\n## leave-one-writer-out (train on all other writers, incl. our extra calls, "
              "test on one; clean / ASR-style)")
        print("\n| test writer | n | call_type F1 | sentiment F1 | DNC F1 | ignored F1 | pushy F1 "
              "| rude F1 | NPS exact | pred-NPS MAE | min script acc |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        everyone = corpus + extra
        writers = sorted({c.writer for c in everyone})
        for w in writers:
            tr = [c for c in everyone if c.writer != w]
            te = [c for c in everyone if c.writer == w]
            eng = AnalysisEngine.from_models(fit_models(tr, augment=not args.no_augment))
            for mode in ("clean", "asr"):
                if mode not in modes:
                    continue
                m, _, _ = evaluate(eng, te if mode == "clean" else asr_calls(te))
                print(f"| {w} {mode} | {m['n']} | {m['call_type']:.3f} | {m['customer_sentiment']:.3f} | "
                      f"{m['dnc_request'][2]:.3f} | {m['dnc_ignored_in_call'][2]:.3f} | "
                      f"{m['pushy_after_refusal'][2]:.3f} | {m['rude_operator'][2]:.3f} | "
                      f"{m['nps_score']:.3f} | {m['predicted_nps_mae']:.2f} | "
                      f"{min(m['script'].values()):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
