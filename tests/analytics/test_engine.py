"""The engine end to end on synthetic calls, with the committed models, and the JSONL reader."""
from __future__ import annotations

import json

import pytest

from callqa.analytics.base import AnalysisContext, AnalyzerOutput
from callqa.analytics.engine import AnalysisEngine
from callqa.analytics.io import conversation_from_record
from callqa.analytics.result import RESULT_KEYS
from callqa.errors import InputError
from callqa.settings import load_settings

SALES_DNC = {
    "call_id": "e2e-1", "tenant": "telecom-tv", "operator_id": "op-1",
    "customer_number": "+79170000001", "direction": "outbound",
    "started_at": "2026-10-01T10:00:00+03:00",
    "utterances": [
        {"speaker": "operator", "text": "Добрый день! Компания «Телеком ТВ», меня зовут Олег. "
                                        "У нас акция: интернет и телевидение за 500 рублей.", "start": 0.0, "end": 6.0},
        {"speaker": "customer", "text": "Мне это не интересно. И больше мне не звоните, "
                                        "удалите мой номер из базы.", "start": 6.5, "end": 10.0},
        {"speaker": "operator", "text": "Хорошо, номер удалим, больше не побеспокоим. "
                                        "Всего доброго!", "start": 10.5, "end": 13.0},
        {"speaker": "customer", "text": "До свидания.", "start": 13.2, "end": 14.0},
    ],
}

PARTS_NPS = {
    "call_id": "e2e-2", "tenant": "vinparts", "direction": "inbound",
    "utterances": [
        {"speaker": "operator", "text": "Интернет-магазин ВинПартс, здравствуйте, меня зовут Анна. Чем могу помочь?"},
        {"speaker": "customer", "text": "Здравствуйте, мне нужны передние тормозные колодки на Киа Рио, семнадцатый год."},
        {"speaker": "operator", "text": "Подскажите VIN-код, чтобы подобрать точно по каталогу."},
        {"speaker": "customer", "text": "Z94CB41AAHR123456."},
        {"speaker": "operator", "text": "Есть оригинал за четыре тысячи и аналог за две тысячи. Какие оформить?"},
        {"speaker": "customer", "text": "Давайте аналог, подешевле."},
        {"speaker": "operator", "text": "Оформила, заказ будет в пункте выдачи завтра после двенадцати, придёт СМС. "
                                        "И вопрос: по шкале от нуля до десяти, насколько вы готовы нас рекомендовать?"},
        {"speaker": "customer", "text": "Девять, всё быстро и понятно, спасибо большое!"},
        {"speaker": "operator", "text": "Спасибо за звонок, всего доброго!"},
    ],
}


@pytest.fixture(scope="module")
def engine() -> AnalysisEngine:
    return AnalysisEngine.from_settings(load_settings())


def test_result_has_exactly_the_issue_keys(engine):
    r = engine.analyze(conversation_from_record(SALES_DNC))
    d = r.to_dict()
    assert tuple(d) == RESULT_KEYS
    json.dumps(d, ensure_ascii=False)  # serialisable, and so is what storage keeps
    json.dumps({"labels": r.labels, "script": r.script_details, "qa": r.qa_details})
    assert d["call_id"] == "e2e-1"
    assert d["dnc_violation_repeat_call"] is False
    assert 0 <= d["qa_score"] <= 100 and 0 <= d["predicted_nps"] <= 10
    assert set(d["script"]) >= {"greeting_company", "operator_introduced", "need_identified",
                                "contact_verified", "summary_next_step", "farewell"}
    for f in d["flags"]:
        assert set(f) == {"code", "severity", "utterance_index", "start_s", "evidence", "source"}
        assert "@" in f["source"]
    prov = d["provenance"]
    assert prov["engine"].startswith("callqa.analytics@")
    assert prov["models"]["sha256"] and prov["qa_checklist"]
    names = {a["name"] for a in prov["analyzers"]}
    assert {"model.call_type", "model.sentiment", "rules.nps_extract", "model.predicted_nps"} <= names


def test_sales_call_with_dnc_request(engine):
    r = engine.analyze(conversation_from_record(SALES_DNC))
    assert r.call_type == "sales_offer"
    if any(a.name == "rules.dnc" for a in engine.analyzers):
        assert r.dnc_request and r.dnc_request_utterance == 1
        assert not r.dnc_ignored_in_call
    assert r.nps_score is None
    assert [t["utterance_index"] for t in r.customer_sentiment_trajectory] == [1, 3]


def test_parts_call_with_stated_score(engine):
    r = engine.analyze(conversation_from_record(PARTS_NPS))
    assert r.call_type == "parts_selection"
    assert r.nps_score == 9
    assert r.customer_sentiment == "positive"
    assert r.predicted_nps >= 6.5
    assert r.call_type_confidence > 0.5


def test_a_failing_analyzer_is_recorded_not_raised(engine):
    class Broken:
        name, version = "test.broken", "0"

        def analyze(self, conversation, context: AnalysisContext) -> AnalyzerOutput:
            raise RuntimeError("boom")

    eng = AnalysisEngine([*engine.analyzers[:2], Broken()], engine.checklist, engine.options,
                         engine.model_provenance)
    r = eng.analyze(conversation_from_record(SALES_DNC))
    assert r.provenance["errors"][0]["analyzer"] == "test.broken"
    assert r.call_type == "sales_offer"


def test_record_parsing_tolerates_poor_transcripts():
    conv = conversation_from_record({
        "call_id": 17, "utterances": [
            {"speaker": "агент смит", "text": "алло"}, {"speaker": "customer", "text": None},
            {"speaker": "operator", "text": "да", "start": "1.5", "end": 2, "pause_before": 12},
        ], "extra_field": [1, 2]})
    assert conv.meta.call_id == "17" and conv.meta.tenant == "default"
    assert [u.role for u in conv.utterances] == ["unknown", "customer", "operator"]
    assert conv.utterances[1].text == "" and conv.utterances[0].start is None
    assert conv.utterances[2].start == 1.5 and conv.meta.extra["pause_before"] == {2: 12.0}
    assert conv.meta.direction == "inbound" and conv.meta.started_at is None


@pytest.mark.parametrize("rec,needle", [
    ([1, 2], "JSON object"),
    ({"utterances": []}, "call_id"),
    ({"call_id": "a"}, "utterances"),
    ({"call_id": "a", "utterances": "hello"}, "list"),
    ({"call_id": "a", "utterances": ["hello"]}, "utterance 0"),
    ({"call_id": "a", "utterances": [{"text": 5}]}, "text"),
    ({"call_id": "a", "utterances": [{"text": "x", "start": "soon"}]}, "start"),
    ({"call_id": "a", "utterances": [{"text": "x", "start": 5, "end": 1}]}, "before"),
    ({"call_id": "a", "direction": "sideways", "utterances": []}, "direction"),
    ({"call_id": "a", "started_at": "yesterday", "utterances": []}, "ISO 8601"),
])
def test_malformed_records_raise_input_error(rec, needle):
    with pytest.raises(InputError, match=needle):
        conversation_from_record(rec)


def test_train_writes_a_loadable_artifact_and_card(tmp_path):
    """``callqa train`` path on a small slice: artifact + model card, loadable by the engine."""
    from pathlib import Path

    from callqa.analytics.train import train

    corpus = Path(__file__).resolve().parents[2] / "../shared/corpus/train.jsonl"
    if not corpus.is_file():
        pytest.skip("shared corpus not present")
    lines = corpus.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines[::8]) + "\n", encoding="utf-8")  # 50 calls, all writers
    out = tmp_path / "models"
    rep = train([small], out, augment=False, run_cv=False)
    assert rep["n_calls"] == 50 and rep["size_bytes"] < 5_000_000
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "50 labeled calls" in card and "sha256" in card
    eng = AnalysisEngine.from_settings(load_settings(artifacts_dir=out))
    r = eng.analyze(conversation_from_record(PARTS_NPS))
    assert r.provenance["models"]["sha256"] and r.nps_score == 9
    assert r.call_type is not None


def test_qa_checklist_scoring():
    from callqa.analytics.qa import load_checklist, parse_checklist, qa_score
    from callqa.conversation import Finding

    cl = parse_checklist({"id": "t", "version": "2", "critical_cap": 30, "items": [
        {"id": "farewell", "label": "script.farewell", "expect": True, "weight": 10,
         "only_if_required": True},
        {"id": "not_rude", "label": "rude_operator", "expect": False, "weight": 30, "critical": True},
        {"id": "dnc", "label": "dnc_ignored_in_call", "expect": False, "weight": 20,
         "applies_if": "dnc_request"},
        {"id": "silence", "flag": "long_silence", "weight": 5},
        {"id": "absent", "label": "no_such_label", "expect": True, "weight": 100},
    ]})
    good = {"script": {"farewell": True}, "rude_operator": False, "dnc_request": False}
    assert qa_score(cl, good, [])[0] == 100.0  # absent label and inapplicable DNC item skipped
    silent = [Finding("long_silence", "minor", 1, 3.0, "…", "rules.flags@1")]
    assert qa_score(cl, good, silent)[0] == round(100 * 40 / 45, 1)
    assert qa_score(cl, {**good, "rude_operator": True}, [])[0] == 30.0  # critical cap
    not_required = {**good, "script": {"farewell": False},
                    "script_adherence": {"farewell": {"required": False}}}
    assert qa_score(cl, not_required, [])[0] == 100.0
    assert load_checklist(None).ref.startswith("default@")
    with pytest.raises(InputError):
        parse_checklist({"items": [{"id": "x", "label": "a", "flag": "b"}]})
