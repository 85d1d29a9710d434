"""Net Promoter Score arithmetic: pure functions, no database.

Categories follow the standard definition: promoters 9–10, passives 7–8, detractors 0–6;
NPS = %promoters − %detractors, in −100..+100.

Confidence interval: the *adjusted Wald* interval for NPS (Rocks, "Interval estimation for
the net promoter score", The American Statistician 70(4), 2016). It adds 3 pseudo-answers
(¾ promoter, ¾ detractor, 1½ passive) and uses the trinomial variance
``var = (pP + pD − (pP − pD)²) / ñ`` with ``ñ = n + 3``. Unlike the plain Wald interval it does
not collapse to zero width when every answer is a promoter (or n = 1), and its coverage is
close to 95% already for small n. The point estimate reported is the plain NPS; the interval
is clipped to [−100, 100]. n = 0 gives no estimate and no interval (None), never 0.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Literal

Category = Literal["promoter", "passive", "detractor"]
Z95 = 1.959963984540054
CI_METHOD = "adjusted-wald (Rocks 2016), 95%"


def categorize(score: float) -> Category:
    """Promoter (9–10), passive (7–8) or detractor (0–6).

    Non-integer scores (a model's predicted NPS) are rounded half-up first, so 8.5 counts as a
    promoter-side 9; outside 0..10 is an error, not a silent clip.
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        raise ValueError("NPS score is missing")
    if not 0 <= score <= 10:
        raise ValueError(f"NPS score {score!r} is outside 0..10")
    s = math.floor(score + 0.5)
    if s >= 9:
        return "promoter"
    if s >= 7:
        return "passive"
    return "detractor"


@dataclass(frozen=True)
class NpsSummary:
    """Counts, NPS and its 95% interval for one group of scores."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None  # −100..100, None when n == 0
    ci_low: float | None
    ci_high: float | None
    mean_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci_method"] = CI_METHOD
        return d


def nps_interval(promoters: int, passives: int, detractors: int, z: float = Z95) -> tuple[float, float] | None:
    """Adjusted-Wald interval for NPS in points (−100..100); None when there are no answers."""
    n = promoters + passives + detractors
    if n <= 0:
        return None
    nt = n + 3.0
    pp = (promoters + 0.75) / nt
    pd = (detractors + 0.75) / nt
    centre = pp - pd
    var = max(pp + pd - centre * centre, 0.0) / nt
    half = z * math.sqrt(var)
    return max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))


def summarize(scores: Iterable[float]) -> NpsSummary:
    """NPS summary of 0–10 scores (ints for stated/IVR answers, floats for predictions)."""
    vals = [float(s) for s in scores]
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for s in vals:
        counts[categorize(s)] += 1
    n = len(vals)
    if n == 0:
        return NpsSummary(0, 0, 0, 0, None, None, None, None)
    nps = 100.0 * (counts["promoter"] - counts["detractor"]) / n
    lo, hi = nps_interval(counts["promoter"], counts["passive"], counts["detractor"])  # type: ignore[misc]
    return NpsSummary(
        n=n,
        promoters=counts["promoter"],
        passives=counts["passive"],
        detractors=counts["detractor"],
        nps=round(nps, 2),
        ci_low=round(lo, 2),
        ci_high=round(hi, 2),
        mean_score=round(sum(vals) / n, 3),
    )
