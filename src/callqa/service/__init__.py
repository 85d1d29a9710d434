"""Application services: run stages for calls and store the outcome (no CLI, no HTTP)."""
from callqa.service.analyze import (
    AnalyzeOptions,
    AnalyzeService,
    BatchReport,
    LineProblem,
    analyze_and_store,
)

__all__ = ["AnalyzeOptions", "AnalyzeService", "BatchReport", "LineProblem", "analyze_and_store"]
