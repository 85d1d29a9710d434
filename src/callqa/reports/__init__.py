"""Reports over stored analyses: NPS (measured vs predicted)."""
from callqa.reports.nps import CI_METHOD, NpsSummary, categorize, nps_interval, summarize
from callqa.reports.nps_report import (
    GroupNps,
    NpsReport,
    build_nps_report,
    format_report,
    measured_score,
)

__all__ = ["CI_METHOD", "GroupNps", "NpsReport", "NpsSummary", "build_nps_report", "categorize",
           "format_report", "measured_score", "nps_interval", "summarize"]
