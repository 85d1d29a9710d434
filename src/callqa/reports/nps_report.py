"""The NPS report: measured and predicted NPS per group, never mixed.

*Measured* NPS uses what the customer said: the score they state in the call (extracted by
the analytics) or the post-call IVR keypad answer. When a call has both, the IVR answer wins:
it is the customer's own input with no extraction error, given on the 0–10 scale by design.
Each measured summary says how many answers came from which source.

*Predicted* NPS uses the model's ``predicted_nps`` of every analysed call (also those where
the customer gave no score), so it covers far more calls but is an estimate. The two are
separate sections with their own n and interval.
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from callqa.reports.nps import CI_METHOD, NpsSummary, summarize

GroupBy = Literal["operator", "tenant", "call_type"]
GROUP_FIELDS: dict[str, str] = {"operator": "operator_id", "tenant": "tenant",
                                "call_type": "call_type"}
MEASURED_RULE = "IVR score when present, else the score stated in the call"


class ScoreRow(Protocol):
    tenant: str
    operator_id: str | None
    call_type: str | None
    stated_score: int | None
    ivr_score: int | None
    predicted_nps: float | None


@dataclass
class GroupNps:
    group: str
    measured: NpsSummary
    measured_sources: dict[str, int]  # {"ivr": n, "stated": n}
    predicted: NpsSummary

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group,
                "measured": {**self.measured.to_dict(), "sources": dict(self.measured_sources)},
                "predicted": self.predicted.to_dict()}


@dataclass
class NpsReport:
    by: str
    groups: list[GroupNps] = field(default_factory=list)
    total: GroupNps | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "filters": self.filters, "measured_rule": MEASURED_RULE,
                "ci_method": CI_METHOD, "groups": [g.to_dict() for g in self.groups],
                "total": self.total.to_dict() if self.total else None}


def measured_score(row: ScoreRow) -> tuple[int | None, str | None]:
    """The measured score of one call and where it came from (IVR wins over stated)."""
    if row.ivr_score is not None:
        return int(row.ivr_score), "ivr"
    if row.stated_score is not None:
        return int(row.stated_score), "stated"
    return None, None


def _group(label: str, rows: list[ScoreRow]) -> GroupNps:
    measured: list[int] = []
    sources = {"ivr": 0, "stated": 0}
    predicted: list[float] = []
    for r in rows:
        score, src = measured_score(r)
        if score is not None and src is not None:
            measured.append(score)
            sources[src] += 1
        if r.predicted_nps is not None:
            predicted.append(min(10.0, max(0.0, float(r.predicted_nps))))
    return GroupNps(label, summarize(measured), sources, summarize(predicted))


def build_nps_report(rows: Iterable[ScoreRow], by: GroupBy,
                     filters: dict[str, Any] | None = None) -> NpsReport:
    """Group calls by operator, tenant or call type; missing values form the group "(none)"."""
    if by not in GROUP_FIELDS:
        raise ValueError(f"--by must be one of {', '.join(GROUP_FIELDS)}, got {by!r}")
    rows = list(rows)
    groups: dict[str, list[ScoreRow]] = defaultdict(list)
    for r in rows:
        groups[getattr(r, GROUP_FIELDS[by]) or "(none)"].append(r)
    return NpsReport(by=by, groups=[_group(k, v) for k, v in sorted(groups.items())],
                     total=_group("ALL", rows), filters=dict(filters or {}))


def _fmt(x: float | None, nd: int = 1) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _ci(s: NpsSummary) -> str:
    return "—" if s.ci_low is None else f"[{s.ci_low:.1f}, {s.ci_high:.1f}]"


def format_report(report: NpsReport) -> str:
    """Two plain-text tables (measured, then predicted) for the terminal."""
    out = io.StringIO()
    rows = report.groups + ([report.total] if report.total else [])
    w = max([len(report.by), 5] + [len(g.group) for g in rows]) + 2
    out.write(f"MEASURED NPS by {report.by} — customers' own scores ({MEASURED_RULE})\n")
    out.write(f"{report.by:<{w}}{'n':>5}{'ivr':>5}{'stated':>7}{'prom':>6}{'pass':>6}{'detr':>6}"
              f"{'NPS':>8}  95% CI\n")
    for g in rows:
        m = g.measured
        out.write(f"{g.group:<{w}}{m.n:>5}{g.measured_sources['ivr']:>5}"
                  f"{g.measured_sources['stated']:>7}{m.promoters:>6}{m.passives:>6}"
                  f"{m.detractors:>6}{_fmt(m.nps):>8}  {_ci(m)}\n")
    out.write(f"\nPREDICTED NPS by {report.by} — model estimate for every analysed call "
              "(not customers' answers)\n")
    out.write(f"{report.by:<{w}}{'n':>5}{'mean':>7}{'prom':>6}{'pass':>6}{'detr':>6}"
              f"{'NPS':>8}  95% CI\n")
    for g in rows:
        p = g.predicted
        out.write(f"{g.group:<{w}}{p.n:>5}{_fmt(p.mean_score, 2):>7}{p.promoters:>6}"
                  f"{p.passives:>6}{p.detractors:>6}{_fmt(p.nps):>8}  {_ci(p)}\n")
    out.write(f"\nCI: {CI_METHOD}. Predicted scores are rounded to the nearest integer "
              "before categorising.\n")
    return out.getvalue()
