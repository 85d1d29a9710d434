"""The analytics layer on PostgreSQL: same code, same results as on SQLite.

Reuses the storage tests' throwaway-cluster fixtures (``CALLQA_TEST_POSTGRES_URL`` or a local
``initdb``; skipped when neither exists).
"""
from __future__ import annotations

import io
import json

import pytest

pytest.importorskip("psycopg")

from sqlalchemy import select  # noqa: E402
from svc_helpers import KeywordEngine, call, jsonl  # noqa: E402
from test_storage_postgres import pg, pg_server  # noqa: E402,F401  (fixtures)

from callqa.reports import build_nps_report  # noqa: E402
from callqa.service import AnalyzeService  # noqa: E402
from callqa.settings import load_settings  # noqa: E402
from callqa.storage import analytics_repo as repo  # noqa: E402
from callqa.storage.models_analytics import AnalysisRow  # noqa: E402


def test_analytics_roundtrip_on_postgres(pg, tmp_path):  # noqa: F811
    assert pg.engine.dialect.name == "postgresql"
    settings = load_settings(database_url=str(pg.engine.url), data_dir=tmp_path)
    svc = AnalyzeService(settings, pg.session, KeywordEngine())
    later = call("p2", "2026-09-02T10:00:00Z", "outbound")
    later["utterances"].append({"speaker": "customer", "text": "SCORE=9 PRED=8.6"})
    out = io.StringIO()
    svc.analyze_jsonl(jsonl([later]), out)
    assert json.loads(out.getvalue())["dnc_violation_repeat_call"] is False
    svc.analyze_jsonl(jsonl([call("p1", "2026-09-01T10:00:00Z", "inbound", dnc=True)]))
    with pg.session() as s:
        flags = {r[0]: r[1] for r in s.execute(
            select(AnalysisRow.call_id, AnalysisRow.dnc_violation_repeat_call))}
        assert flags == {"p1": False, "p2": True}
        assert [i.call_id for i in repo.list_register(s, "telecom-tv")] == ["p1"]
        repo.remove_manual(s, "telecom-tv", "+79174003817", reason="consent", by="sup",
                           at=None)
        assert [a.action for a in repo.list_audit(s, "telecom-tv")] == ["auto-add", "remove"]
        pk = repo.resolve_calls(s, ["p2"])["p2"][0][0]
        repo.upsert_ivr_scores(s, [{"call_pk": pk, "call_id": "p2", "tenant": "telecom-tv",
                                    "score": 3, "source_file": "x.csv", "source_line": 2}])
    with pg.session() as s:
        rows = repo.nps_rows(s)
    rep = build_nps_report(rows, "tenant")
    g = rep.groups[0]
    assert (g.measured.n, g.measured.detractors, g.measured_sources["ivr"]) == (1, 1, 1)
    assert (g.predicted.n, g.predicted.promoters) == (2, 1)
