"""Analytics tables on a real SQLite file: migration, replace-in-one-transaction, cascades."""
from __future__ import annotations


import pytest
from sqlalchemy import func, inspect, select

from svc_helpers import KeywordEngine  # noqa: E402

from callqa.analytics.io import conversation_from_record  # noqa: E402
from callqa.service import analyze_and_store  # noqa: E402
from callqa.settings import load_settings  # noqa: E402
from callqa.storage import Storage  # noqa: E402
from callqa.storage.analytics_repo import (  # noqa: E402
    StoredAnalysis,
    store_analyses,
    upsert_transcript_calls,
)
from callqa.storage.db import current_revision  # noqa: E402
from callqa.storage.models_analytics import AnalysisRow, DncEntry, FindingRow  # noqa: E402


def rec(cid, started, dnc=False, direction="outbound"):
    return {"call_id": cid, "tenant": "telecom-tv", "customer_number": "+79174003817",
            "direction": direction, "started_at": started,
            "utterances": [{"speaker": "operator", "text": "Телеком ТВ, добрый день."},
                           {"speaker": "customer", "text": "DNC! не звоните" if dnc else "Да."}]}


@pytest.fixture
def st(tmp_path):
    s = Storage.open(f"sqlite:///{tmp_path / 'a.db'}")
    yield s
    s.close()


def test_migration_creates_analytics_tables(st):
    assert current_revision(st.engine) == "0002_analytics"
    names = set(inspect(st.engine).get_table_names())
    assert {"analysis_results", "findings", "dnc_register", "dnc_audit", "ivr_scores"} <= names


def test_replace_touches_only_that_call_and_is_atomic(st):
    eng = KeywordEngine()
    convs = [conversation_from_record(rec("k1", "2026-09-01T10:00:00Z", dnc=True)),
             conversation_from_record(rec("k2", "2026-09-02T10:00:00Z"))]
    with st.session() as s:
        pks = upsert_transcript_calls(s, convs)
        store_analyses(s, [StoredAnalysis(pk, c, eng.analyze(c, _profile()))
                           for pk, c in zip(pks, convs)])
    with st.session() as s:
        before_k2 = s.scalar(select(AnalysisRow.id).where(AnalysisRow.call_id == "k2"))
    # a failing re-analysis (exception inside the transaction) leaves everything as it was
    with pytest.raises(RuntimeError):
        with st.session() as s:
            c = conversation_from_record(rec("k1", "2026-09-01T10:00:00Z"))
            store_analyses(s, [StoredAnalysis(pks[0], c, eng.analyze(c, _profile()))])
            raise RuntimeError("crash mid-write")
    with st.session() as s:
        assert s.scalar(select(AnalysisRow.dnc_request).where(AnalysisRow.call_id == "k1"))
        assert s.scalar(select(func.count()).select_from(FindingRow)) == 1
        c = conversation_from_record(rec("k1", "2026-09-01T10:00:00Z"))
        store_analyses(s, [StoredAnalysis(pks[0], c, eng.analyze(c, _profile()))])
    with st.session() as s:
        assert not s.scalar(select(AnalysisRow.dnc_request).where(AnalysisRow.call_id == "k1"))
        assert s.scalar(select(AnalysisRow.id).where(AnalysisRow.call_id == "k2")) == before_k2
        assert s.scalar(select(func.count()).select_from(FindingRow)) == 0


def test_ingest_hook_after_save_conversation_and_cascade_delete(st, tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    eng = KeywordEngine()
    first = conversation_from_record(rec("h2", "2026-09-02T10:00:00Z"))
    st.save_conversation(first)
    d = analyze_and_store(st, first, settings, engine=eng)
    assert d["dnc_violation_repeat_call"] is False
    # the earlier call with the DNC request arrives later (audio ingest order)
    earlier = conversation_from_record(rec("h1", "2026-09-01T10:00:00Z", dnc=True))
    st.save_conversation(earlier)
    analyze_and_store(st, earlier, settings, engine=eng)
    with st.session() as s:
        assert s.scalar(select(AnalysisRow.dnc_violation_repeat_call)
                        .where(AnalysisRow.call_id == "h2")) is True
        assert s.scalar(select(func.count()).select_from(DncEntry)) == 1
    st.delete_call("h1", "telecom-tv")
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(AnalysisRow)) == 1
        entry = s.scalar(select(DncEntry))
        assert entry.call_pk is None and entry.call_id == "h1"  # register keeps the evidence


def _profile():
    from callqa.tenants import load_tenant

    return load_tenant("telecom-tv")


def test_deleted_request_call_still_counts_after_recompute(st, tmp_path):
    from callqa.storage.analytics_repo import recompute_dnc

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    eng = KeywordEngine()
    for r in (rec("d1", "2026-09-01T10:00:00Z", dnc=True), rec("d2", "2026-09-02T10:00:00Z")):
        c = conversation_from_record(r)
        st.save_conversation(c)
        analyze_and_store(st, c, settings, engine=eng)
    st.delete_call("d1", "telecom-tv")
    with st.session() as s:
        ch = recompute_dnc(s, [("telecom-tv", "+79174003817")])
        assert ch.unflagged == [] and ch.auto_removed == []
        assert s.scalar(select(AnalysisRow.dnc_violation_repeat_call)
                        .where(AnalysisRow.call_id == "d2")) is True
