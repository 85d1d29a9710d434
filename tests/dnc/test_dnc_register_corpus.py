"""The derivation reproduces the corpus's own ``dnc_violation_repeat_call`` labels.

The corpus labels were derived across the file by the rule in its README; running our rule on
the labelled ``dnc_request`` values must give exactly the same set, for the text corpus and
for the recordings' reference labels (which form do-not-call sequences across calls).
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from callqa.dnc import compute_repeat_violations, normalize_number

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _derive(records: list[dict]) -> set[str]:
    groups: dict[tuple, list] = defaultdict(list)
    for r in records:
        groups[(r["tenant"], normalize_number(r["customer_number"]))].append(
            (r["call_id"], r["direction"], datetime.fromisoformat(r["started_at"]),
             bool(r["labels"]["dnc_request"])))
    out: set[str] = set()
    for calls in groups.values():
        out |= compute_repeat_violations(calls)
    return out


def test_matches_corpus_labels_in_any_order():
    path = SHARED / "corpus/train.jsonl"
    if not path.is_file():
        pytest.skip(f"corpus not found at {path}")
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    gold = {r["call_id"] for r in recs if r["labels"].get("dnc_violation_repeat_call")}
    assert gold, "the corpus has repeat-call violations to check against"
    assert _derive(recs) == gold
    random.Random(3).shuffle(recs)
    assert _derive(recs) == gold


def test_matches_recording_reference_labels():
    folder = SHARED / "recordings"
    sides = sorted(p for p in folder.glob("rec-*.json") if not p.name.endswith(".ref.json"))
    if not sides:
        pytest.skip(f"recordings not found in {folder}")
    recs = []
    for p in sides:
        side = json.loads(p.read_text(encoding="utf-8"))
        ref = json.loads(p.with_name(p.stem + ".ref.json").read_text(encoding="utf-8"))
        recs.append({**side, "labels": ref["labels"]})
    gold = {r["call_id"] for r in recs if r["labels"].get("dnc_violation_repeat_call")}
    assert _derive(recs) == gold
    assert {"rec-0003", "rec-0010", "rec-0011"} <= gold  # the sequences the README names
