"""Optional post-store hook: analyse each ingested call when the analytics package offers it.

Ingest must work without analytics (and analytics without audio), so the hook is looked up
by name at run time instead of imported: the first of ``HOOK_CANDIDATES`` that exists is
called as ``hook(storage, call, conversation, settings)`` after the call is committed. A
failing hook never undoes the stored call; the batch records a warning.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

AnalysisHook = Callable[..., Any]

HOOK_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("callqa.service.analyze", "on_call_stored"),
    ("callqa.service.analyze", "on_call_stored"),  # analyse + store result + derive DNC
    ("callqa.analytics.hooks", "on_call_stored"),
    ("callqa.analytics.engine", "on_call_stored"),
)


def find_analysis_hook() -> AnalysisHook | None:
    """The analytics package's post-store hook, or None when there is none (yet)."""
    for module, attr in HOOK_CANDIDATES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and module.startswith(e.name):
                continue
            raise
        fn = getattr(mod, attr, None)
        if callable(fn):
            log.debug("analysis hook: %s.%s", module, attr)
            return fn
    return None
