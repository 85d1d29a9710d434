"""Register export for dialers: CSV or JSON, one number per row (pure formatting)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

EXPORT_FIELDS = ("customer_number", "tenant", "since", "source", "call_id", "evidence", "entries")


def export_register(items: Sequence[Any], fmt: str = "csv") -> str:
    """``items`` have ``to_dict()`` with ``EXPORT_FIELDS`` (``analytics_repo.RegisterItem``)."""
    rows = [i.to_dict() for i in items]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}: use csv or json")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
