"""Storage: SQLAlchemy tables, Alembic migrations (run on start) and a plain-data repository.

Only this package knows the database. Entry object: ``Storage.open(url)``.
"""
from callqa.storage.db import make_engine, upgrade_to_head
from callqa.storage.repository import Storage
from callqa.storage.types import (
    AmbiguousCallError,
    AudioInfo,
    CallFilter,
    CallNotFoundError,
    CallRecord,
    CallSummary,
    DuplicateCallError,
    IngestErrorRecord,
    RunRecord,
    SearchHit,
    SearchQueryError,
    StageRecord,
)

__all__ = [
    "AmbiguousCallError", "AudioInfo", "CallFilter", "CallNotFoundError", "CallRecord",
    "CallSummary", "DuplicateCallError", "IngestErrorRecord", "RunRecord", "SearchHit",
    "SearchQueryError", "StageRecord", "Storage", "make_engine", "upgrade_to_head",
]
