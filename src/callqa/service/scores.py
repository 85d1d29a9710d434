"""Import post-call IVR scores (CSV ``call_id,score``; optional header; optional ``tenant``).

Bad rows are reported with their line number and skipped; the good ones are stored in one
transaction. Scores must be whole numbers 0..10 (an IVR keypad answer): "7.5", "11", "-1" are
rejected, not rounded or clipped. A call id unknown to the database is reported and skipped
(import the calls first); a call id that exists for several tenants needs a ``tenant`` column.
"""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callqa.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreLine:
    line: int
    call_id: str
    score: int
    tenant: str | None = None


@dataclass
class ScoreImportReport:
    rows: int = 0
    imported: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: ..."
    unknown_calls: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (f"{self.rows} rows: {self.imported} scores imported, {len(self.problems)} rows "
                f"skipped ({len(self.unknown_calls)} with unknown call ids)")


_ID_NAMES = ("call_id", "callid", "call", "id")


def _is_header(cells: list[str]) -> bool:
    names = {c.strip().lower() for c in cells}
    return bool(names & {*_ID_NAMES, "score"})


def parse_scores_csv(lines: Iterable[str]) -> tuple[list[ScoreLine], list[str]]:
    """Parse CSV text into score lines and problems (pure). Delimiter: comma or semicolon."""
    text = "".join(lines)
    sample = text[:2048]
    delim = ";" if sample.count(";") > sample.count(",") else ","
    out: list[ScoreLine] = []
    problems: list[str] = []
    cols = {"call_id": 0, "score": 1, "tenant": None}
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    first = True
    for cells in reader:
        no = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if first:
            first = False
            if _is_header(cells):
                names = [c.strip().lower() for c in cells]
                cols = {"call_id": next((names.index(n) for n in _ID_NAMES if n in names), 0),
                        "score": names.index("score") if "score" in names else 1,
                        "tenant": names.index("tenant") if "tenant" in names else None}
                continue
        try:
            out.append(_row(cells, cols, no))
        except InputError as e:
            problems.append(f"line {no}: {e}")
    return out, problems


def _row(cells: list[str], cols: dict[str, Any], no: int) -> ScoreLine:
    need = max(c for c in cols.values() if c is not None) + 1
    if len(cells) < need:
        raise InputError(f"expected call_id,score, got {len(cells)} column(s): {cells!r}")
    call_id = cells[cols["call_id"]].strip()
    if not call_id:
        raise InputError("empty call_id")
    raw = cells[cols["score"]].strip()
    try:
        score = int(raw)
    except ValueError:
        raise InputError(f"score {raw!r} is not a whole number 0..10") from None
    if not 0 <= score <= 10:
        raise InputError(f"score {score} is outside 0..10")
    tenant = cells[cols["tenant"]].strip() or None if cols["tenant"] is not None else None
    return ScoreLine(no, call_id, score, tenant)


def import_scores(storage: Any, path: Path) -> ScoreImportReport:
    """Read ``path``, resolve call ids and store the scores (one transaction)."""
    from callqa.storage.analytics_repo import resolve_calls, upsert_ivr_scores

    rep = ScoreImportReport()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
    lines, rep.problems = parse_scores_csv(text.splitlines(keepends=True))
    rep.rows = len(lines) + len(rep.problems)
    with storage.session() as s:
        known = resolve_calls(s, [x.call_id for x in lines])
        by_pk: dict[int, dict[str, Any]] = {}
        for x in lines:
            cands = known.get(x.call_id, [])
            if x.tenant:
                cands = [c for c in cands if c[1] == x.tenant]
            if not cands:
                rep.problems.append(f"line {x.line}: unknown call id {x.call_id!r}"
                                    + (f" for tenant {x.tenant!r}" if x.tenant else ""))
                rep.unknown_calls.append(x.call_id)
                continue
            if len(cands) > 1:
                rep.problems.append(f"line {x.line}: call id {x.call_id!r} exists for tenants "
                                    f"{', '.join(t for _, t in cands)}; add a tenant column")
                continue
            pk, tenant = cands[0]
            if pk in by_pk:
                rep.problems.append(f"line {x.line}: second score for {x.call_id!r} "
                                    f"(line {by_pk[pk]['source_line']}); the later one is kept")
            by_pk[pk] = {"call_pk": pk, "call_id": x.call_id, "tenant": tenant,
                         "score": x.score, "source_file": str(path), "source_line": x.line}
        rep.imported = upsert_ivr_scores(s, list(by_pk.values()))
    rep.problems.sort(key=lambda p: int(p.split(":")[0].split()[1]))
    for p in rep.problems:
        log.warning("%s: %s", path, p)
    return rep
