"""QA score: a weighted checklist over the call's labels and findings, configured in YAML.

A supervisor's idea of a good call changes more often than code, so the checklist is data
(``data/qa_checklist.yaml``, or any file given to ``load_checklist``). An item that cannot be
judged for this call (its analyzer is absent, the script does not require the step, it only
applies to complaints…) is left out of both numerator and denominator, so a missing analyzer
never silently lowers or raises a score.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from callqa.conversation import Finding
from callqa.errors import InputError

DEFAULT_CHECKLIST = Path(__file__).parent / "data" / "qa_checklist.yaml"
_MISSING = object()


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    title: str = ""
    label: str | None = None
    flag: str | None = None
    expect: Any = True
    weight: float = 1.0
    only_if_required: bool = False
    applies_if: str | None = None
    applies_if_label_equals: Mapping[str, Any] = field(default_factory=dict)
    critical: bool = False


@dataclass(frozen=True)
class Checklist:
    id: str
    version: str
    items: tuple[ChecklistItem, ...]
    critical_cap: float = 40.0

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def parse_checklist(data: Mapping[str, Any]) -> Checklist:
    """Validate a checklist mapping (as read from YAML)."""
    items = []
    for n, raw in enumerate(data.get("items") or []):
        if not isinstance(raw, dict) or "id" not in raw:
            raise InputError(f"QA checklist item {n} needs an 'id'")
        if bool(raw.get("label")) == bool(raw.get("flag")):
            raise InputError(f"QA checklist item {raw['id']!r}: give exactly one of label/flag")
        try:
            weight = float(raw.get("weight", 1.0))
        except (TypeError, ValueError):
            raise InputError(f"QA checklist item {raw['id']!r}: weight must be a number") from None
        if weight < 0:
            raise InputError(f"QA checklist item {raw['id']!r}: weight must be >= 0")
        items.append(ChecklistItem(
            id=str(raw["id"]), title=str(raw.get("title", "")), label=raw.get("label"),
            flag=raw.get("flag"), expect=raw.get("expect", True), weight=weight,
            only_if_required=bool(raw.get("only_if_required", False)),
            applies_if=raw.get("applies_if"),
            applies_if_label_equals=dict(raw.get("applies_if_label_equals") or {}),
            critical=bool(raw.get("critical", False))))
    return Checklist(id=str(data.get("id", "default")), version=str(data.get("version", "1")),
                     items=tuple(items), critical_cap=float(data.get("critical_cap", 40.0)))


@lru_cache(maxsize=16)
def load_checklist(path: str | Path | None = None) -> Checklist:
    p = Path(path) if path else DEFAULT_CHECKLIST
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"cannot read QA checklist {p}: {e}") from None
    return parse_checklist(data)


def _get(labels: Mapping[str, Any], path: str) -> Any:
    cur: Any = labels
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def qa_score(checklist: Checklist, labels: Mapping[str, Any],
             findings: Iterable[Finding]) -> tuple[float, list[dict[str, Any]]]:
    """(score 0–100, per-item breakdown). Pure function of labels and findings."""
    codes = {f.code for f in findings}
    adherence = labels.get("script_adherence") or {}
    earned = total = 0.0
    critical_failed = False
    breakdown: list[dict[str, Any]] = []
    for it in checklist.items:
        if it.applies_if and not labels.get(it.applies_if):
            continue
        if any(labels.get(k) != v for k, v in it.applies_if_label_equals.items()):
            continue
        if it.flag:
            passed = it.flag not in codes
        else:
            value = _get(labels, it.label or "")
            if value is _MISSING:
                continue
            if it.only_if_required and it.label and it.label.startswith("script."):
                step = adherence.get(it.label.split(".", 1)[1])
                if isinstance(step, Mapping) and step.get("required") is False:
                    continue
            passed = value == it.expect
        total += it.weight
        earned += it.weight if passed else 0.0
        critical_failed |= it.critical and not passed
        breakdown.append({"id": it.id, "passed": passed, "weight": it.weight})
    score = 100.0 * earned / total if total > 0 else 100.0
    if critical_failed:
        score = min(score, checklist.critical_cap)
    return round(score, 1), breakdown
