"""Rude operator rules: blame, dismissal, tone, insults; polite operators are not flagged."""
from __future__ import annotations

import re

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.rude import RudeAnalyzer
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.tenants import load_tenant


def asr(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def run(op_text: str, lower: bool = False, role: str = "operator"):
    utts = [Utterance(role="customer", text="У меня третий день нет интернета!"),
            Utterance(role=role, text=asr(op_text) if lower else op_text)]  # type: ignore[arg-type]
    c = Conversation(meta=CallMeta(call_id="c", tenant="telecom-tv"), utterances=utts)
    return RudeAnalyzer().analyze(c, AnalysisContext(tenant=load_tenant("telecom-tv")))


RUDE = [
    "Это ваши проблемы, кабель в квартире — ваша зона.",
    "Вы что, не понимаете? Я вам третий раз объясняю.",
    "Ну а я что сделаю? Я тут при чём?",
    "Надо было читать, что подписываете.",
    "Женщина, не кричите на меня.",
    "Женщина, ну что вы от меня хотите?",
    "Сами виноваты, нечего было самим ставить.",
    "Да ну, бред какой-то вы несёте.",
    "Слушайте, вы мне надоели.",
    "Что вы мне голову морочите?",
    "Сами разбирайтесь со своим курьером.",
    "Я вам уже сказал, это не ко мне. Ничем помочь не могу.",  # weak signs add up
    # condescension without insults: refused roles, sarcastic questions, belittling
    "Я вам не экстрасенс, назовите хотя бы модель.",
    "А я что, должна за вас на почту бегать?",
    "Вам что, трудно номер договора найти?",
    "Вы, похоже, сами не знаете, что вам нужно.",
    "С вашим бюджетом вам никто ничего не подберёт.",
    "Не нравится — ищите другого провайдера.",
    "Ну и ждите тогда своего мастера.",
    "Сколько можно одно и то же спрашивать?",
    "Что вы такая нетерпеливая? Сказано же, в течение дня.",
    "Раз вы всё знаете, зачем тогда нам звоните?",
    "Ну пятница, значит пятница. Мы вообще-то вам ничего не обещали.",  # two weak signs
]
POLITE = [
    "Понимаю вас, извините за неудобства. Сейчас проверю линию.",
    "Давайте я оформлю заявку, техник приедет завтра с десяти до двух.",
    "Спасибо, что подождали. Авария устранена, перезагрузите роутер.",
    "Подскажите, пожалуйста, номер договора.",
    "Это не ко мне, это гарантийный отдел, сейчас переключу.",  # one weak sign only
    "Поняла вас, не буду отнимать время. Хорошего дня!",
    "К сожалению, это не в моей компетенции, но я передам ваш вопрос.",
    "Это не наша вина, но мы компенсируем доставку.",
    ("К сожалению, это не гарантийный случай: повреждение механическое. Могу предложить платный "
    "ремонт со скидкой."),
    "Для тех, кто покупает у нас впервые, доставка бесплатная.",  # one weak sign only
    "Вообще-то у нас есть пункт выдачи рядом с вами, могу оформить туда.",
    "Я понимаю, что вы нервничаете, давайте спокойно разберёмся.",
    "Если что-то не понравится, можно вернуть в течение четырнадцати дней.",
    "Ну и отлично, тогда ждите курьера завтра с десяти до двух.",
    "Вам что-нибудь ещё подсказать?",
    "Сколько можно заказать по акции? До трёх штук на один заказ.",
    "Я сама всё проверю и перезвоню вам через час.",
]


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text", RUDE)
def test_rude(text: str, lower: bool) -> None:
    out = run(text, lower)
    assert out.labels["rude_operator"] is True
    f = out.findings[0]
    assert f.code == "rude_operator" and f.utterance_index == 1
    assert f.severity in ("major", "critical") and f.source == "rules.rude@1"


def test_insult_is_critical() -> None:
    assert run("Вы что, дурак?").findings[0].severity == "critical"


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text", POLITE)
def test_polite(text: str, lower: bool) -> None:
    out = run(text, lower)
    assert out.labels["rude_operator"] is False and out.findings == []


def test_rude_customer_is_not_rude_operator() -> None:
    assert run("Это ваши проблемы!", role="customer").labels["rude_operator"] is False


def test_model_breaks_ties_only_for_borderline_calls() -> None:
    """A call with one weak sign goes to the model; its verdict and source are reported."""
    from callqa.analytics.rules import default_rule_analyzers, train_rule_models

    rude_ops = ["Это ваши проблемы. Женщина, надо было читать договор.",
                "Вы что, не понимаете? Я вам третий раз объясняю, не кричите."]
    polite_ops = ["Понимаю вас, извините. Сейчас всё оформлю, курьер приедет завтра.",
                  "Спасибо за ожидание, заявка принята, перезвоним в понедельник."]
    records = []
    for k in range(12):
        for text, rude in ((rude_ops[k % 2], True), (polite_ops[k % 2], False)):
            records.append({"call_id": f"w{k % 3}-{k}-{rude}", "labels": {"rude_operator": rude},
                            "utterances": [{"speaker": "customer", "text": "Где заказ?"},
                                           {"speaker": "operator", "text": text}]})
    art = train_rule_models(records)
    assert set(art) >= {"rude_operator", "meta"}
    assert art["meta"]["labels"]["rude_operator"]["positives"] == 12
    rude = next(a for a in default_rule_analyzers(artifacts=art) if a.name == "rules.rude")
    assert rude.model is not None
    # one weak sign ("женщина") + words the model learnt as rude -> model decides: rude
    out = rude.analyze(Conversation(meta=CallMeta(call_id="x", tenant="telecom-tv"), utterances=[
        Utterance(role="operator", text="Женщина, договор, проблемы, кричите.")]),
        AnalysisContext(tenant=load_tenant("telecom-tv")))
    assert out.labels["rude_operator"] is True
    assert out.findings and all(f.source == "model.rude_text@1" for f in out.findings)
    assert 0.5 <= out.findings[0].details["probability"] <= 1.0
    # one weak sign and polite words -> the model says no
    out = rude.analyze(Conversation(meta=CallMeta(call_id="y", tenant="telecom-tv"), utterances=[
        Utterance(role="operator", text="Молодой человек, спасибо за ожидание, заявка принята, "
                                        "курьер приедет завтра.")]),
        AnalysisContext(tenant=load_tenant("telecom-tv")))
    assert out.labels["rude_operator"] is False and out.findings == []
