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
]
POLITE = [
    "Понимаю вас, извините за неудобства. Сейчас проверю линию.",
    "Давайте я оформлю заявку, техник приедет завтра с десяти до двух.",
    "Спасибо, что подождали. Авария устранена, перезагрузите роутер.",
    "Подскажите, пожалуйста, номер договора.",
    "Это не ко мне, это гарантийный отдел, сейчас переключу.",  # one weak sign only
    "Поняла вас, не буду отнимать время. Хорошего дня!",
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
