"""``callqa analyze`` end to end with the REAL analytics engine and a real SQLite file."""
from __future__ import annotations

import json

from svc_helpers import cli_env
from typer.testing import CliRunner

from callqa.analytics.result import RESULT_KEYS
from callqa.cli import app
from callqa.storage import Storage

runner = CliRunner()

NUMBER = "+79174003817"


def rec(call_id, started, direction, utts, tenant="telecom-tv", **kw):
    return {"call_id": call_id, "tenant": tenant, "operator_id": "op-tt-02",
            "customer_number": NUMBER, "direction": direction, "started_at": started,
            "utterances": [{"speaker": s, "text": t} for s, t in utts], **kw}


LATER = rec("t-later", "2026-09-10T12:00:00+03:00", "outbound", [
    ("operator", "Добрый день! Телеком ТВ, меня зовут Олег. У нас новое предложение: "
                 "интернет и телевидение за 500 рублей в месяц."),
    ("customer", "Я же просил мне не звонить!"),
    ("operator", "Понимаю, извините, всего доброго."),
])
EARLIER = rec("t-earlier", "2026-09-08T11:20:00+03:00", "outbound", [
    ("operator", "Здравствуйте! Компания Телеком ТВ, меня зовут Олег. Хотим предложить "
                 "вам пакет: интернет, телевидение и домашний телефон со скидкой."),
    ("customer", "Нет, спасибо, не интересно."),
    ("operator", "Но это очень выгодно, только до конца месяца!"),
    ("customer", "Больше мне не звоните, удалите мой номер из вашей базы."),
    ("operator", "Хорошо, больше не побеспокоим. До свидания."),
], labels={"call_type": "sales_offer"})
ODD = rec("t-odd", "2026-09-09T09:00:00+03:00", "inbound", [
    ("оператор", "Алло, слушаю вас."),
    ("robot", "Запись разговора ведётся."),
    ("customer", ""),
], tenant="no-such-tenant")


def test_analyze_command_end_to_end(settings, monkeypatch, tmp_path):
    cli_env(monkeypatch, settings)
    inp = tmp_path / "in.jsonl"
    lines = [json.dumps(LATER, ensure_ascii=False),  # the later call comes first in the file
             json.dumps(ODD, ensure_ascii=False),
             '{"call_id": "broken", "utterances": [',  # malformed JSON on line 3
             json.dumps({"call_id": "t-nolist", "utterances": 5}),
             json.dumps(EARLIER, ensure_ascii=False)]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["analyze", str(inp), "--output", str(out)])
    assert r.exit_code == 1, r.output  # some lines failed
    err = r.output
    assert "line 3" in err and "not valid JSON" in err
    assert "line 4 (call t-nolist)" in err
    assert "unknown tenant 'no-such-tenant'" in err
    assert "3 calls analysed, 3 stored" in err

    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [d["call_id"] for d in results] == ["t-later", "t-odd", "t-earlier"]
    by = {d["call_id"]: d for d in results}
    for d in results:
        assert tuple(d) == RESULT_KEYS
    assert by["t-earlier"]["dnc_request"] is True
    assert by["t-earlier"]["dnc_violation_repeat_call"] is False
    assert by["t-later"]["dnc_violation_repeat_call"] is True
    crit = [f for f in by["t-later"]["flags"] if f["code"] == "dnc_violation_repeat_call"]
    assert len(crit) == 1 and crit[0]["severity"] == "critical"
    assert "t-earlier" in crit[0]["evidence"]

    st = Storage.open(settings.database_url)
    try:
        rec_ = st.get_call("t-odd", "no-such-tenant")
        assert [u.role for u in rec_.conversation.utterances] == ["operator", "unknown",
                                                                    "customer"]
        hits = st.search("удалить номер")
        assert any(h.call_id == "t-earlier" for h in hits)
    finally:
        st.close()

    r = runner.invoke(app, ["dnc", "export", "--tenant", "telecom-tv", "--format", "json"])
    assert [x["customer_number"] for x in json.loads(r.stdout)] == [NUMBER]


def test_show_prints_the_stored_analysis_with_evidence(settings, monkeypatch, tmp_path):
    cli_env(monkeypatch, settings)
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (EARLIER, LATER)) + "\n",
                   encoding="utf-8")
    assert runner.invoke(app, ["analyze", str(inp), "--output", str(tmp_path / "o.jsonl")]
                         ).exit_code == 0
    r = runner.invoke(app, ["show", "t-later"])
    assert r.exit_code == 0, r.output
    assert "Я же просил мне не звонить!" in r.output  # the transcript
    assert "analysis" in r.output and "sales_offer" in r.output
    # the critical repeat-call finding names the earlier call as its evidence
    line = next(x for x in r.output.splitlines() if "dnc_violation_repeat_call" in x
                and "critical" in x)
    assert "t-earlier" in line
