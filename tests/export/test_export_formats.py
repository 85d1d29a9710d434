from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from callqa.conversation import CallMeta, Conversation, Utterance, Word
from callqa.export import render, to_json, to_rttm, to_text, to_webvtt, vtt_escape, vtt_timestamp


@pytest.fixture
def conv():
    return Conversation(
        meta=CallMeta(call_id="rec 7", tenant="t", started_at=datetime(2026, 9, 3, 7, 12,
                                                                       tzinfo=timezone.utc)),
        utterances=[
            Utterance("operator", "Здравствуйте! Цена <500 & скидка>", 0.37, 5.85,
                      [Word(" Здравствуйте!", 0.37, 1.0)], "0"),
            Utterance("customer", "Ага.", 3661.5, 3662.25, [], "1"),
            Utterance("customer", "без времени", None, None, [], "1"),
        ],
        duration=3700.0,
    )


def test_vtt_timestamp():
    assert vtt_timestamp(0) == "00:00:00.000"
    assert vtt_timestamp(3661.5) == "01:01:01.500"
    assert vtt_timestamp(59.9996) == "00:01:00.000"


def test_webvtt(conv):
    out = to_webvtt(conv)
    lines = out.splitlines()
    assert lines[0] == "WEBVTT" and lines[1] == ""
    cue_times = [l for l in lines if "-->" in l]
    assert cue_times == ["00:00:00.370 --> 00:00:05.850", "01:01:01.500 --> 01:01:02.250"]
    for l in cue_times:
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}", l)
    assert "<v Operator>Здравствуйте! Цена &lt;500 &amp; скидка&gt;</v>" in lines
    assert "<v Customer>Ага.</v>" in lines
    assert "без времени" not in out  # no cue without times
    assert out.endswith("\n") and "\n\n\n" not in out


def test_vtt_escape_keeps_cue_on_one_line():
    assert vtt_escape("a\n\nb --> c <b>") == "a b --&gt; c &lt;b&gt;"


def test_rttm_per_nist(conv):
    lines = to_rttm(conv).splitlines()
    assert lines == [
        "SPEAKER rec_7 1 0.370 5.480 <NA> <NA> operator <NA> <NA>",
        "SPEAKER rec_7 1 3661.500 0.750 <NA> <NA> customer <NA> <NA>",
    ]
    for l in lines:
        f = l.split()
        assert len(f) == 10 and f[0] == "SPEAKER" and float(f[4]) >= 0
    by_spk = to_rttm(conv, by="speaker", file_id="x").splitlines()
    assert by_spk[0].split()[7] == "0" and by_spk[0].split()[1] == "x"


def test_json_roundtrip_fields(conv):
    d = json.loads(to_json(conv))
    assert d["meta"]["call_id"] == "rec 7"
    assert d["meta"]["started_at"] == "2026-09-03T07:12:00+00:00"
    assert [u["index"] for u in d["utterances"]] == [0, 1, 2]
    assert d["utterances"][0]["words"][0]["text"] == " Здравствуйте!"
    assert d["utterances"][2]["start"] is None


def test_text(conv):
    lines = to_text(conv).splitlines()
    assert lines[0].startswith("# call rec 7 (tenant t, inbound")
    assert lines[1] == "[00:00] Operator: Здравствуйте! Цена <500 & скидка>"
    assert lines[2] == "[1:01:01] Customer: Ага."
    assert lines[3] == "[--:--] Customer: без времени"


def test_render_dispatch(conv):
    assert render(conv, "VTT") == to_webvtt(conv)
    assert render(conv, "txt") == to_text(conv)
    with pytest.raises(ValueError, match="unknown export format"):
        render(conv, "docx")


def test_empty_conversation():
    c = Conversation(meta=CallMeta(call_id="e"))
    assert to_webvtt(c) == "WEBVTT\n"
    assert to_rttm(c) == ""
    assert json.loads(to_json(c))["utterances"] == []
