from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from callqa.errors import MetadataError
from callqa.ingest.metadata import load_sidecar, read_cdr, resolve_meta, uniqueid_from_name

ROW = ('"{acct}","101","79171234567","from-internal","""Оператор"" <101>","SIP/101-0000a1",'
       '"SIP/trunk-0000a2","Dial","SIP/trunk/79171234567,60","2026-09-03 10:12:00",'
       '"2026-09-03 10:12:05","2026-09-03 10:13:30","90","85","ANSWERED","DOCUMENTATION",'
       '"{uid}",""')
INBOUND = ('"","79179998877","200","from-trunk","","SIP/trunk-1","SIP/205-00000b","Queue",'
           '"sales","2026-09-04 09:00:00","2026-09-04 09:00:10","2026-09-04 09:05:00","300",'
           '"290","ANSWERED","DOCUMENTATION","1725430000.7",""')
HEADER = ("accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,"
          "end,duration,billsec,disposition,amaflags,uniqueid,userfield")


def test_uniqueid_from_mixmonitor_names():
    assert uniqueid_from_name("out-79171234567-101-20260903-101200-1725347520.123.wav") \
        == "1725347520.123"
    assert uniqueid_from_name("1725347520.5.WAV") == "1725347520.5"
    assert uniqueid_from_name("q-200-79179998877-20260904-090000-1725430000.7.mp3") \
        == "1725430000.7"
    assert uniqueid_from_name("rec-0001.ogg") is None
    assert uniqueid_from_name("call-2026.09.ogg") is None


def test_cdr_without_header_outbound(tmp_path):
    p = tmp_path / "Master.csv"
    p.write_text(ROW.format(acct="vinparts", uid="1725347520.123") + "\n" + INBOUND + "\n",
                 encoding="utf-8")
    idx = read_cdr(p)
    assert set(idx.rows) == {"1725347520.123", "1725430000.7"} and idx.problems == []
    r = resolve_meta(Path("out-79171234567-101-20260903-101200-1725347520.123.wav"), cdr=idx,
                     cdr_timezone="Europe/Moscow")
    m = r.meta
    assert m.call_id == "out-79171234567-101-20260903-101200-1725347520.123"
    assert (m.tenant, m.direction, m.customer_number, m.operator_id) == \
        ("vinparts", "outbound", "79171234567", "101")
    assert m.started_at == datetime(2026, 9, 3, 10, 12, tzinfo=timezone(timedelta(hours=3)))
    assert m.extra["cdr_uniqueid"] == "1725347520.123" and "cdr" in r.sources


def test_cdr_with_header_inbound(tmp_path):
    p = tmp_path / "Master.csv"
    p.write_text(HEADER + "\n" + INBOUND + "\n", encoding="utf-8")
    idx = read_cdr(p)
    m = resolve_meta(Path("/x/1725430000.7.wav"), cdr=idx, cdr_timezone="UTC").meta
    assert (m.direction, m.customer_number, m.operator_id, m.tenant) == \
        ("inbound", "79179998877", "205", "default")


def test_bad_cdr_rows_are_reported_and_file_gets_defaults(tmp_path):
    p = tmp_path / "Master.csv"
    bad_time = ROW.format(acct="x", uid="1725347520.9").replace("2026-09-03 10:12:00", "вчера")
    p.write_text("\n".join([bad_time, '"only","three","cols"', "\x00\x01garbage",
                            ROW.format(acct="ok", uid="1725347520.1")]) + "\n", encoding="utf-8")
    idx = read_cdr(p)
    assert list(idx.rows) == ["1725347520.1"]
    assert len(idx.problems) == 3
    assert any("line 1" in x and "вчера" in x for x in idx.problems)
    assert any("line 2" in x for x in idx.problems)
    r = resolve_meta(Path("1725347520.9.wav"), cdr=idx)
    assert r.meta.tenant == "default" and r.meta.call_id == "1725347520.9"
    assert r.warnings and "line 1" in r.warnings[0]


def test_missing_cdr_file_is_a_problem_not_a_crash(tmp_path):
    idx = read_cdr(tmp_path / "nope.csv")
    assert idx.rows == {} and "cannot read" in idx.problems[0]


def test_sidecar_wins_over_cdr_and_tenant_flag_wins_over_all(tmp_path):
    p = tmp_path / "Master.csv"
    p.write_text(ROW.format(acct="cdr-tenant", uid="1725347520.123"), encoding="utf-8")
    idx = read_cdr(p)
    audio = tmp_path / "out-79171234567-101-20260903-101200-1725347520.123.wav"
    side = {"call_id": "C-1", "tenant": "vinparts", "direction": "inbound",
            "operator_channel": 1, "started_at": "2026-09-03T10:12:00+03:00", "foo": "bar"}
    r = resolve_meta(audio, sidecar=side, cdr=idx)
    m = r.meta
    assert (m.call_id, m.tenant, m.direction, m.operator_channel) == ("C-1", "vinparts",
                                                                      "inbound", 1)
    assert m.customer_number == "79171234567"  # not in the sidecar: from the CDR
    assert m.extra["foo"] == "bar"
    assert r.sources == ["filename", "cdr", "sidecar"]
    r2 = resolve_meta(audio, sidecar=side, cdr=idx, tenant="forced")
    assert r2.meta.tenant == "forced" and "overridden" in r2.warnings[0]


def test_defaults():
    r = resolve_meta(Path("/a/b/some call.ogg"))
    m = r.meta
    assert (m.call_id, m.tenant, m.direction, m.operator_channel, m.started_at) == \
        ("some call", "default", "inbound", 0, None)
    assert r.sources == ["defaults"]


@pytest.mark.parametrize("side,msg", [
    ({"direction": "sideways"}, "direction"),
    ({"started_at": "yesterday"}, "time"),
    ({"operator_channel": 3}, "operator_channel"),
    ({"operator_channel": "left"}, "bad metadata"),
])
def test_bad_sidecar_values_raise(side, msg):
    with pytest.raises(MetadataError, match=msg):
        resolve_meta(Path("x.wav"), sidecar=side)


def test_load_sidecar(tmp_path):
    a = tmp_path / "x.wav"
    assert load_sidecar(a) is None
    a.with_suffix(".json").write_text("{broken", encoding="utf-8")
    with pytest.raises(MetadataError, match="x.json is not valid JSON"):
        load_sidecar(a)
    a.with_suffix(".json").write_text("[1]", encoding="utf-8")
    with pytest.raises(MetadataError, match="JSON object"):
        load_sidecar(a)
