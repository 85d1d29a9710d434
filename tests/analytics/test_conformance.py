"""Every analyzer the engine runs (trained and rule-based) on the awkward cases.

Discovered through the engine, so an analyzer added later is covered without editing this
file. Each must return an ``AnalyzerOutput`` with a dict of labels and a list of well-formed
findings, and never raise.
"""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext, Analyzer, AnalyzerOutput
from callqa.analytics.engine import AnalysisEngine
from callqa.analytics.result import RESULT_KEYS
from callqa.conversation import SEVERITY_RANK, CallMeta, Conversation, Finding, Utterance
from callqa.settings import load_settings
from callqa.tenants import load_tenant

BASE = [
    ("operator", "Здравствуйте, «ВинПартс», меня зовут Ирина. Чем могу помочь?"),
    ("customer", "Добрый день. Ёлки, мне нужны колодки на Рио, ещё и диски. Больше не звоните мне!"),
    ("operator", "Подскажите VIN, пожалуйста. Оцените нас от нуля до десяти?"),
    ("customer", "Восемь. Всё, до свидания."),
    ("operator", "Спасибо, всего доброго!"),
]


def _conv(turns, times=True, tenant="vinparts") -> Conversation:
    utts = []
    t = 0.0
    for role, text in turns:
        start, end = (t, t + 2.0) if times else (None, None)
        utts.append(Utterance(role, text, start, end))
        t += 2.5
    return Conversation(CallMeta("conf", tenant=tenant), utts)


CASES = {
    "empty": Conversation(CallMeta("conf", tenant="vinparts"), []),
    "empty_texts": _conv([("operator", ""), ("customer", "   ")]),
    "operator_only": _conv([(r, t) for r, t in BASE if r == "operator"]),
    "customer_only": _conv([(r, t) for r, t in BASE if r == "customer"]),
    "unknown_speakers": _conv([("unknown", t) for _, t in BASE]),
    "no_times": _conv(BASE, times=False),
    "yo_folded": _conv([(r, t.replace("ё", "е").replace("Ё", "Е")) for r, t in BASE]),
    "asr_lowercase": _conv([(r, "".join(ch for ch in t.lower() if ch.isalnum() or ch == " "))
                            for r, t in BASE]),
    "unknown_tenant": _conv(BASE, tenant="no-such-tenant"),
    "very_long": _conv(BASE * 100),  # 500 utterances
    "overlapping_times": Conversation(CallMeta("conf"), [
        Utterance("operator", "Алло, слушаю", 5.0, 9.0), Utterance("customer", "Да-да", 4.0, 12.0),
        Utterance("operator", "Вы меня слышите?", 3.0, 3.5)]),
}

ENGINE = AnalysisEngine.from_settings(load_settings())
ANALYZERS = ENGINE.analyzers


def test_engine_has_the_trained_and_rule_analyzers():
    names = {a.name for a in ANALYZERS}
    assert {"model.call_type", "model.sentiment", "rules.nps_extract", "model.predicted_nps"} <= names
    assert len(names) == len(ANALYZERS), "analyzer names must be unique"


@pytest.mark.parametrize("analyzer", ANALYZERS, ids=lambda a: a.name)
@pytest.mark.parametrize("case", sorted(CASES))
def test_analyzer_conforms(analyzer, case):
    assert isinstance(analyzer, Analyzer)
    assert isinstance(analyzer.name, str) and analyzer.name
    assert isinstance(analyzer.version, str) and analyzer.version
    conv = CASES[case]
    # earlier analyzers' labels, as the engine would pass them
    ctx = AnalysisContext(tenant=load_tenant(conv.meta.tenant))
    for a in ANALYZERS:
        if a is analyzer:
            break
        ctx.labels.update(a.analyze(conv, AnalysisContext(ctx.tenant, dict(ctx.labels))).labels)
    out = analyzer.analyze(conv, ctx)
    assert isinstance(out, AnalyzerOutput)
    assert isinstance(out.labels, dict) and all(isinstance(k, str) for k in out.labels)
    assert isinstance(out.findings, list)
    n = len(conv.utterances)
    for f in out.findings:
        assert isinstance(f, Finding)
        assert f.severity in SEVERITY_RANK
        assert f.utterance_index is None or 0 <= f.utterance_index < n
        assert f.start_s is None or isinstance(f.start_s, float)
        assert isinstance(f.evidence, str) and isinstance(f.source, str) and f.source


@pytest.mark.parametrize("case", sorted(CASES))
def test_engine_result_is_well_typed(case):
    r = ENGINE.analyze(CASES[case])
    d = r.to_dict()
    assert tuple(d) == RESULT_KEYS
    assert "errors" not in d["provenance"], d["provenance"].get("errors")
    assert d["call_type"] is None or isinstance(d["call_type"], str)
    assert 0.0 <= d["call_type_confidence"] <= 1.0
    assert d["customer_sentiment"] in ("negative", "neutral", "positive")
    assert isinstance(d["dnc_request"], bool) and isinstance(d["rude_operator"], bool)
    assert d["dnc_request_utterance"] is None or isinstance(d["dnc_request_utterance"], int)
    assert d["nps_score"] is None or (isinstance(d["nps_score"], int) and 0 <= d["nps_score"] <= 10)
    assert 0.0 <= d["predicted_nps"] <= 10.0
    assert all(isinstance(v, bool) for v in d["script"].values())
    assert 0.0 <= d["qa_score"] <= 100.0


def test_ascii_yo_and_asr_variants_agree():
    a = ENGINE.analyze(CASES["no_times"]).to_dict()
    b = ENGINE.analyze(CASES["yo_folded"]).to_dict()
    for k in ("call_type", "dnc_request", "nps_score", "customer_sentiment"):
        assert a[k] == b[k], k
