"""The batch path: JSONL → stored calls + analyses → derived DNC flags → output lines."""
from __future__ import annotations

import io
import itertools
import json

from sqlalchemy import func, select

from callqa.service import AnalyzeService
from callqa.storage.analytics_repo import list_register, recompute_dnc
from callqa.storage.models import Call, UtteranceRow
from callqa.storage.models_analytics import AnalysisRow, DncAudit, FindingRow

from svc_helpers import call, jsonl


def run(settings, storage, engine, records):
    svc = AnalyzeService(settings, storage.session, engine)
    out = io.StringIO()
    rep = svc.analyze_jsonl(jsonl(records), out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    return rep, {d["call_id"]: d for d in lines}


def flags(storage) -> dict[str, bool]:
    with storage.session() as s:
        return {cid: bool(f) for cid, f in s.execute(
            select(AnalysisRow.call_id, AnalysisRow.dnc_violation_repeat_call))}


def test_malformed_lines_are_reported_with_line_number_and_skipped(settings, storage, fake_engine):
    records = [
        call("c1", "2026-09-01T10:00:00+03:00"),
        "{not json",
        {"tenant": "telecom-tv", "utterances": []},  # no call_id
        {"call_id": "c4", "utterances": "hello"},  # wrong type
        {"call_id": "c5", "tenant": "telecom-tv", "direction": "outbound",
         "utterances": [{"speaker": "robot", "text": "бип"}, {"speaker": "customer"}]},
        "",
        call("c7", "2026-09-02T10:00:00+03:00", labels={"call_type": "complaint"}),
    ]
    rep, out = run(settings, storage, fake_engine, records)
    assert [(p.line, p.call_id) for p in rep.errors] == [(2, None), (3, None), (4, "c4")]
    assert "not valid JSON" in rep.errors[0].message
    assert set(out) == {"c1", "c5", "c7"}
    assert any("line 5" in w and "unknown speaker" in w for w in rep.warnings)
    assert not rep.ok
    with storage.session() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 3
        assert s.scalar(select(func.count()).select_from(UtteranceRow)) == 6
        roles = [r for (r,) in s.execute(select(UtteranceRow.role).join(Call)
                                          .where(Call.call_id == "c5").order_by(UtteranceRow.idx))]
        assert roles == ["unknown", "customer"]
    # stored calls are visible through the storage engineer's API (show/search)
    rec = storage.get_call("c7", "telecom-tv")
    assert rec.conversation.utterances[1].text == "Здравствуйте, слушаю."


def test_unknown_tenant_warns_once_and_still_analyses(settings, storage, fake_engine):
    records = [call("u1", "2026-09-01T10:00:00Z", tenant="nobody"),
               call("u2", "2026-09-01T11:00:00Z", tenant="nobody")]
    rep, out = run(settings, storage, fake_engine, records)
    assert rep.ok and set(out) == {"u1", "u2"}
    assert sum("unknown tenant 'nobody'" in w for w in rep.warnings) == 1
    assert out["u1"]["script"]["greeting_company"] is False  # default profile has no brands


def test_repeat_violation_within_one_file_is_order_independent(settings, storage, fake_engine):
    recs = [
        call("a", "2026-09-01T10:00:00+03:00", "outbound"),
        call("b", "2026-09-02T10:00:00+03:00", "inbound", dnc=True),
        call("c", "2026-09-03T10:00:00+03:00", "outbound"),
        call("d", "2026-09-03T10:00:00+03:00", "inbound"),
        call("e", "2026-09-04T10:00:00+03:00", "outbound", number="89174003817"),  # same number
        call("f", "2026-09-04T10:00:00+03:00", "outbound", number="+79990000000"),  # other number
        call("g", "2026-09-05T10:00:00+03:00", "outbound", tenant="vinparts"),  # other tenant
    ]
    rep, out = run(settings, storage, fake_engine, list(reversed(recs)))
    got = {cid for cid, d in out.items() if d["dnc_violation_repeat_call"]}
    assert got == {"c", "e"}
    crit = [f for f in out["c"]["flags"] if f["code"] == "dnc_violation_repeat_call"]
    assert crit and crit[0]["severity"] == "critical" and "call b" in crit[0]["evidence"]
    assert rep.flagged_repeat == 2


def test_processing_order_across_runs_does_not_change_flags(tmp_path, fake_engine):
    from callqa.settings import load_settings
    from callqa.storage import Storage

    recs = [
        call("x1", "2026-09-01T10:00:00Z", "outbound"),
        call("x2", "2026-09-02T10:00:00Z", "outbound", dnc=True),
        call("x3", "2026-09-03T10:00:00Z", "outbound"),
        call("x4", "2026-09-04T10:00:00Z", "inbound"),
    ]
    expected = {"x1": False, "x2": False, "x3": True, "x4": False}
    for n, perm in enumerate(itertools.permutations(recs)):
        if n % 5:  # 24 orders: every 5th keeps the test fast but covers the late-earlier cases
            continue
        st = Storage.open(f"sqlite:///{tmp_path / f'o{n}.db'}")
        settings = load_settings(database_url=f"sqlite:///{tmp_path / f'o{n}.db'}")
        svc = AnalyzeService(settings, st.session, fake_engine)
        for r in perm:  # one call per run: the worst case for remembered state
            svc.analyze_jsonl(jsonl([r]))
        assert flags(st) == expected, perm
        st.close()


def test_reanalysis_removing_request_unflags_and_audits(settings, storage, fake_engine):
    run(settings, storage, fake_engine, [call("r1", "2026-09-01T10:00:00Z", dnc=True),
                                         call("r2", "2026-09-02T10:00:00Z")])
    assert flags(storage) == {"r1": False, "r2": True}
    with storage.session() as s:
        assert [i.call_id for i in list_register(s, "telecom-tv")] == ["r1"]
    # the same call re-imported without the request (e.g. corrected transcript)
    rep, out = run(settings, storage, fake_engine, [call("r1", "2026-09-01T10:00:00Z")])
    assert flags(storage) == {"r1": False, "r2": False}
    with storage.session() as s:
        assert list_register(s, "telecom-tv") == []
        actions = [a for (a,) in s.execute(select(DncAudit.action).order_by(DncAudit.id))]
        assert actions == ["auto-add", "auto-remove"]
        assert s.scalar(select(func.count()).select_from(FindingRow)
                        .where(FindingRow.code == "dnc_violation_repeat_call")) == 0
        # one analysis row per call, utterances replaced (not duplicated)
        assert s.scalar(select(func.count()).select_from(AnalysisRow)) == 2
        assert s.scalar(select(func.count()).select_from(UtteranceRow)) == 4


def test_recompute_is_idempotent(settings, storage, fake_engine):
    run(settings, storage, fake_engine, [call("i1", "2026-09-01T10:00:00Z", dnc=True),
                                         call("i2", "2026-09-02T10:00:00Z")])
    with storage.session() as s:
        ch = recompute_dnc(s, [("telecom-tv", "+79174003817")])
    assert ch.flagged == [] and ch.unflagged == [] and ch.auto_added == []


def test_finding_review_status_survives_reanalysis(settings, storage, fake_engine):
    run(settings, storage, fake_engine, [call("s1", "2026-09-01T10:00:00Z", dnc=True)])
    from callqa.storage.analytics_repo import set_finding_status

    with storage.session() as s:
        f = s.scalar(select(FindingRow).where(FindingRow.code == "dnc_request"))
        set_finding_status(s, f.id, "confirmed", "anna")
    run(settings, storage, fake_engine, [call("s1", "2026-09-01T10:00:00Z", dnc=True)])
    with storage.session() as s:
        f = s.scalar(select(FindingRow).where(FindingRow.code == "dnc_request"))
        assert (f.status, f.reviewed_by) == ("confirmed", "anna")


def test_bytes_input_bom_bad_utf8_and_repeated_call_id(settings, storage, fake_engine):
    svc = AnalyzeService(settings, storage.session, fake_engine)
    first = ("\ufeff" + json.dumps(call("p1", "2026-09-01T10:00:00Z"))).encode("utf-8")
    again = json.dumps(call("p1", "2026-09-01T10:00:00Z", dnc=True)).encode("utf-8")
    out = io.StringIO()
    rep = svc.analyze_jsonl([first + b"\n", b'{"call_id": "\xff\xfe"}\n', again + b"\n"], out)
    assert [(p.line, "UTF-8" in p.message) for p in rep.errors] == [(2, True)]
    assert any("line 3" in w and "same call id as line 1" in w for w in rep.warnings)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [(d["call_id"], d["dnc_request"]) for d in lines] == [("p1", True)]
    assert rep.stored == 1


def test_batches_smaller_than_file_still_derive_across_batches(settings, storage, fake_engine):
    from callqa.service import AnalyzeOptions

    svc = AnalyzeService(settings, storage.session, fake_engine, AnalyzeOptions(batch_size=2))
    recs = [call(f"m{i}", f"2026-09-0{i}T10:00:00Z", dnc=(i == 5)) for i in range(1, 8)]
    out = io.StringIO()
    rep = svc.analyze_jsonl(jsonl(recs), out)
    got = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [d["call_id"] for d in got] == [f"m{i}" for i in range(1, 8)]
    assert [d["call_id"] for d in got if d["dnc_violation_repeat_call"]] == ["m6", "m7"]
    assert rep.ok and rep.stored == 7
