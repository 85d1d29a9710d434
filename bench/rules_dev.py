"""Development bench for the rule analyzers (DNC, pushy, rude, script steps, flags).

Prints precision / recall / F1 (accuracy for script steps) per label on
  - the corpus held-out by writer (``--holdout t4`` etc.; default: every writer, rules need no fit),
  - the same calls lowercased without punctuation (ASR-style),
  - the recordings' reference transcripts (``../shared/recordings/*.ref.json``).

Usage: .venv/bin/python bench/rules_dev.py [--holdout each|t1..t4] [--only clean|asr|rec]
       [--errors LABEL]   (lists the calls a label gets wrong)
"""
from __future__ import annotations

import argparse
import glob
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from callqa.analytics.base import AnalysisContext
from callqa.analytics.rules import default_rule_analyzers, train_rule_models
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.tenants import load_tenant

ROOT = Path(__file__).resolve().parents[1]
BOOL_LABELS = ["dnc_request", "dnc_ignored_in_call", "pushy_after_refusal", "rude_operator",
               "transfer_pingpong", "unresolved_complaint"]
STEPS = ["greeting_company", "operator_introduced", "need_identified", "contact_verified",
         "summary_next_step", "farewell"]


def asr_style(text: str) -> str:
    """Lowercase, no punctuation (hyphens inside words become spaces, as ASR often writes)."""
    t = text.lower().replace("ё", "е")
    t = re.sub(r"[^\w\s]", " ", t)
    return " ".join(t.split())


def to_conversation(rec: dict[str, Any], asr: bool = False) -> Conversation:
    utts = []
    for u in rec["utterances"]:
        text = asr_style(u["text"]) if asr else u["text"]
        utts.append(Utterance(role=u.get("speaker", "unknown"), text=text,
                              start=u.get("start"), end=u.get("end")))
    meta = CallMeta(call_id=rec["call_id"], tenant=rec.get("tenant", "default"),
                    direction=rec.get("direction", "inbound"))
    return Conversation(meta=meta, utterances=utts)


def run(records: list[dict[str, Any]], asr: bool, analyzers) -> list[dict[str, Any]]:
    outs = []
    for rec in records:
        conv = to_conversation(rec, asr)
        ctx = AnalysisContext(tenant=load_tenant(conv.meta.tenant),
                              labels={"call_type": rec["labels"]["call_type"]})
        labels: dict[str, Any] = {}
        findings = []
        for a in analyzers:
            o = a.analyze(conv, ctx)
            labels.update(o.labels)
            ctx.labels.update(o.labels)
            findings += o.findings
        outs.append(labels)
    return outs


def prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float, int]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, sum(gold)


def table(records, outs, title: str, errors: str | None) -> None:
    print(f"\n## {title}  (n={len(records)})")
    print(f"{'label':28s} {'P':>6s} {'R':>6s} {'F1':>6s} {'pos':>5s}")
    for lab in BOOL_LABELS:
        gold = [bool(r["labels"].get(lab)) for r in records]
        pred = [bool(o.get(lab)) for o in outs]
        p, r, f, n = prf(gold, pred)
        print(f"{lab:28s} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
    ok = sum(r["labels"]["dnc_request_utterance"] == o.get("dnc_request_utterance")
             for r, o in zip(records, outs))
    print(f"{'dnc_request_utterance acc':28s} {ok / len(records):6.3f}")
    print(f"{'script step':28s} {'acc':>6s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for s in STEPS:
        gold = [bool(r["labels"]["script"][s]) for r in records]
        pred = [bool(o.get("script", {}).get(s)) for o in outs]
        acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
        p, r, f, n = prf(gold, pred)
        print(f"{s:28s} {acc:6.3f} {p:6.3f} {r:6.3f} {f:6.3f}")
    if errors:
        for rec, o in zip(records, outs):
            if errors in STEPS:
                g, p = rec["labels"]["script"][errors], o.get("script", {}).get(errors)
            else:
                g, p = rec["labels"].get(errors), o.get(errors)
            if bool(g) != bool(p):
                print(f"  ERR {rec['call_id']} gold={g} pred={p} "
                      f"(dnc_utt gold={rec['labels']['dnc_request_utterance']} "
                      f"pred={o.get('dnc_request_utterance')})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus/train.jsonl"))
    ap.add_argument("--recordings", default=str(ROOT.parent / "shared/recordings"))
    ap.add_argument("--holdout", default="", help="writer prefix held out (e.g. t4; models "
                    "trained on the other writers), or 'each' (every writer in turn; the "
                    "recordings then use models trained on the whole corpus). Default: rules "
                    "only, every call.")
    ap.add_argument("--asr-cache", default="/tmp/callqa-audio-cache",
                    help="ASR conversations of the recordings as cached by "
                    "bench/analytics_audio.py (<call_id>.<hash>.json); labels from .ref.json")
    ap.add_argument("--errors", default=None, help="list the calls a label gets wrong")
    ap.add_argument("--only", default="", help="clean|asr|rec")
    args = ap.parse_args(argv)
    records = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]
    analyzers = default_rule_analyzers(artifacts={})  # rules only (no model trained on these)
    if args.holdout == "each":
        # every writer held out in turn: models trained on the other writers, rules unchanged
        writers = sorted({r["call_id"].split("-")[0] for r in records})
        for asr in (False, True):
            if args.only not in ("", "asr" if asr else "clean"):
                continue
            outs_all: list[dict[str, Any]] = [{} for _ in records]
            t0 = time.perf_counter()
            for w in writers:
                idx = [i for i, r in enumerate(records) if r["call_id"].startswith(w + "-")]
                train = [r for r in records if not r["call_id"].startswith(w + "-")]
                an = default_rule_analyzers(artifacts=train_rule_models(train))
                for i, o in zip(idx, run([records[i] for i in idx], asr, an)):
                    outs_all[i] = o
            dt = time.perf_counter() - t0
            table(records, outs_all, f"corpus {'ASR-style' if asr else 'clean'}, rules + models "
                  f"trained with each writer held out ({dt:.0f} s incl. training)", args.errors)
        records_done = True
    else:
        records_done = False
    if args.holdout and args.holdout != "each":
        train = [r for r in records if not r["call_id"].startswith(args.holdout)]
        records = [r for r in records if r["call_id"].startswith(args.holdout)]
        analyzers = default_rule_analyzers(artifacts=train_rule_models(train))
    if args.only in ("", "clean") and not records_done:
        t0 = time.process_time()
        outs = run(records, False, analyzers)
        cold = len(records) / (time.process_time() - t0)
        from callqa.text import normalize

        clear = getattr(normalize, "_tokenize_cached", None)
        if clear is not None:
            clear.cache_clear()  # warm lemma caches (as in a long batch), no cached texts
        t0 = time.process_time()
        run(records, False, analyzers)
        warm = len(records) / (time.process_time() - t0)
        table(records, outs, f"corpus clean {args.holdout or 'all'} (rule analyzers only, CPU: "
              f"{cold:.0f} calls/s cold, {warm:.0f} calls/s warm)", args.errors)
    if args.only in ("", "asr") and not records_done:
        outs = run(records, True, analyzers)
        table(records, outs, f"corpus ASR-style {args.holdout or 'all'}", args.errors)
    if args.holdout == "each":
        analyzers = default_rule_analyzers(artifacts=train_rule_models(records))
    if args.only in ("", "rec"):
        recs = []
        for f in sorted(glob.glob(str(Path(args.recordings) / "*.ref.json"))):
            d = json.load(open(f, encoding="utf-8"))
            side = json.load(open(f.replace(".ref.json", ".json"), encoding="utf-8"))
            d.setdefault("tenant", side.get("tenant", "default"))
            d.setdefault("direction", side.get("direction", "inbound"))
            recs.append(d)
        if recs:
            table(recs, run(recs, False, analyzers), "recordings refs clean", args.errors)
            table(recs, run(recs, True, analyzers), "recordings refs ASR-style", args.errors)
            asr_recs = []
            by_id = {r["call_id"]: r for r in recs}
            for f in sorted(glob.glob(str(Path(args.asr_cache) / "rec-*.json"))):
                cid = Path(f).name.split(".")[0]
                if cid not in by_id:
                    continue
                d = json.load(open(f, encoding="utf-8"))
                asr_recs.append({**by_id[cid], "utterances": [
                    {"speaker": u.get("role", "unknown"), "text": u.get("text", ""),
                     "start": u.get("start"), "end": u.get("end")} for u in d["utterances"]]})
            if asr_recs:
                outs = run(asr_recs, False, analyzers)
                for o in outs:  # utterance indices differ from the reference: not comparable
                    o["dnc_request_utterance"] = None
                for r in asr_recs:
                    r["labels"] = {**r["labels"], "dnc_request_utterance": None}
                table(asr_recs, outs, "recordings through real ASR (faster-whisper base, "
                      "cached)", args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
