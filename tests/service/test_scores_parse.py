"""CSV parsing of IVR scores (pure): header optional, bad rows with line numbers."""
from __future__ import annotations

from callqa.service.scores import parse_scores_csv


def test_without_header_and_semicolons():
    rows, problems = parse_scores_csv(["a;9\n", "b;0\n", "c;10\n"])
    assert [(r.line, r.call_id, r.score) for r in rows] == [(1, "a", 9), (2, "b", 0), (3, "c", 10)]
    assert problems == []


def test_header_with_tenant_column_in_any_order():
    rows, problems = parse_scores_csv(["score,call_id,tenant\n", "7,x,vinparts\n", "-1,y,t\n"])
    assert [(r.call_id, r.score, r.tenant) for r in rows] == [("x", 7, "vinparts")]
    assert problems == ["line 3: score -1 is outside 0..10"]


def test_bad_rows_keep_their_line_numbers():
    rows, problems = parse_scores_csv(["call_id,score\n", "\n", "a,\n", ",5\n", "b, 8 \n"])
    assert [(r.line, r.call_id, r.score) for r in rows] == [(5, "b", 8)]
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4"]
