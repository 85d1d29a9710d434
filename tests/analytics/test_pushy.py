"""Pushing after refusal, including the survey convention (re-asking the score is not pushy)."""
from __future__ import annotations

import re

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.pushy import PushyAnalyzer, PushyOptions
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.tenants import load_tenant


def asr(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def run(turns: list[tuple[str, str]], call_type: str = "sales_offer", lower: bool = False):
    utts = [Utterance(role=r, text=asr(t) if lower else t) for r, t in turns]  # type: ignore[arg-type]
    c = Conversation(meta=CallMeta(call_id="c", tenant="autodealer-kzn", direction="outbound"),
                     utterances=utts)
    ctx = AnalysisContext(tenant=load_tenant("autodealer-kzn"), labels={"call_type": call_type})
    return PushyAnalyzer().analyze(c, ctx)


OFFER = ("operator", ("Добрый день, Автоград Казань. У вас заканчивается КАСКО, можем продлить "
                     "со скидкой пятнадцать процентов."))


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("refusal,push", [
    ("Нет, спасибо, не интересно.", "Подождите, вы же даже условия не дослушали! Это выгодно."),
    ("Мне это не нужно.", "А если я добавлю бесплатную мойку? Может, всё-таки оформим?"),
    ("Не надо, я сам продлю.", "Зря отказываетесь, у нас дешевле выйдет."),
    ("Больше мне не звоните.", "Ну вы хотя бы послушайте: подключение бесплатное."),
    # other ways to refuse, and pushes that present an alternative or a benefit
    ("Не, не надо, спасибо.", "А новую резину не рассматриваете? Мы подберём."),
    ("Откажусь, пожалуй.", "Тогда, может, диагностику возьмёте? Она бесплатная."),
    ("Нет, неинтересно.", "Но это же почти даром, первый месяц вообще ничего не платите!"),
    ("Я ничего менять не планирую.", "Могу предложить другой вариант, попроще."),
    ("Нам это ни к чему.", "Зря, вы многое теряете, акция только до пятницы."),
    ("У меня уже есть страховка в другой компании.", "Не упустите: последний день скидки!"),
])
def test_pushy(refusal: str, push: str, lower: bool) -> None:
    out = run([OFFER, ("customer", refusal), ("operator", push), ("customer", "Нет.")],
              lower=lower)
    assert out.labels["pushy_after_refusal"] is True
    f = out.findings[0]
    assert f.code == "pushy_after_refusal" and f.utterance_index == 2
    assert f.source == "rules.pushy@1" and f.details["refusal_utterance"] == 1


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("reply", [
    "Хорошо, поняла вас. Спасибо за время, всего доброго!",
    "Понимаю. Больше не побеспокоим, до свидания.",
])
def test_accepting_the_refusal_is_not_pushy(reply: str, lower: bool) -> None:
    out = run([OFFER, ("customer", "Нет, спасибо, не интересно."), ("operator", reply)],
              lower=lower)
    assert out.labels["pushy_after_refusal"] is False
    assert out.findings == []


@pytest.mark.parametrize("lower", [False, True])
def test_a_bare_no_to_an_offer_question_is_a_refusal(lower: bool) -> None:
    out = run([("operator", "Автоград, здравствуйте. Хотите продлить страховку на год?"),
               ("customer", "Нет."),
               ("operator", "А если со скидкой десять процентов?")], lower=lower)
    assert out.labels["pushy_after_refusal"] is True
    assert out.findings[0].details["refusal_utterance"] == 1


@pytest.mark.parametrize("lower", [False, True])
def test_answering_the_customers_question_is_not_pushy(lower: bool) -> None:
    """Offering after the customer asked is not pushing, even after an earlier refusal."""
    out = run([OFFER, ("customer", "Нет, КАСКО не надо. А ОСАГО у вас есть?"),
               ("operator", "Есть, ОСАГО у нас со скидкой десять процентов.")], lower=lower)
    assert out.labels["pushy_after_refusal"] is False
    out = run([OFFER, ("customer", "Не интересно."), ("operator", "Поняла вас."),
               ("customer", "Хотя подождите, а сколько это будет стоить?"),
               ("operator", "Со скидкой выйдет тридцать две тысячи, рассрочка без процентов.")],
              lower=lower)
    assert out.labels["pushy_after_refusal"] is False


@pytest.mark.parametrize("lower", [False, True])
def test_questions_and_answers_that_look_like_refusals_are_not(lower: bool) -> None:
    # a worried question about the offer, then the operator explains it
    out = run([OFFER, ("customer", "А не будет так, что потом цена вырастет?"),
               ("operator", "Нет, цена фиксирована на год, это выгодно.")], lower=lower)
    assert out.labels["pushy_after_refusal"] is False
    # a survey answer that gives the score ("десять не ставлю никому") is not a refusal
    out = run([("operator", "Оцените, пожалуйста, нашу работу от нуля до десяти."),
               ("customer", "Восемь. Десять я никому не ставлю."),
               ("operator", "Спасибо! Напомню, у нас сейчас бесплатная диагностика подвески.")],
              call_type="nps_survey", lower=lower)
    assert out.labels["pushy_after_refusal"] is False


def test_reasking_the_score_in_a_survey_is_not_pushy() -> None:
    out = run([("operator", ("Оцените, пожалуйста, от нуля до десяти, насколько вы готовы "
                            "рекомендовать нас?")),
               ("customer", "Не буду я ничего оценивать."),
               ("operator", "Ну хоть примерно? Одну цифру."),
               ("customer", "Ладно, восемь.")], call_type="nps_survey")
    assert out.labels["pushy_after_refusal"] is False


def test_pitching_after_survey_refusal_is_pushy() -> None:
    out = run([("operator", "Оцените нас от нуля до десяти?"),
               ("customer", "Нет, не буду оценивать."),
               ("operator", ("Понял. А вы знаете, что можно добавить телевидение всего за "
                            "двести рублей? Приставка бесплатно."))], call_type="nps_survey")
    assert out.labels["pushy_after_refusal"] is True


def test_no_offer_no_refusal() -> None:
    out = run([("operator", "ВинПартс, здравствуйте. Чем помочь?"),
               ("customer", "Нужны колодки на Рио."),
               ("operator", "Есть Брембо за три тысячи, со скидкой.")], call_type="parts_selection")
    assert out.labels["pushy_after_refusal"] is False
    assert run([]).labels["pushy_after_refusal"] is False


def test_after_a_dnc_request_even_reasking_the_score_is_pushy() -> None:
    turns = [("operator", "Оцените, пожалуйста, от нуля до десяти нашу работу?"),
             ("customer", "Не буду я ничего оценивать. И не звоните мне больше.")]

    def pushy(reply: str, an: PushyAnalyzer) -> bool:
        utts = [Utterance(role=r, text=t) for r, t in turns + [("operator", reply)]]  # type: ignore[arg-type]
        c = Conversation(meta=CallMeta(call_id="c", tenant="avtopodbor"), utterances=utts)
        ctx = AnalysisContext(tenant=load_tenant("avtopodbor"),
                              labels={"call_type": "nps_survey", "dnc_request_utterance": 1})
        return an.analyze(c, ctx).labels["pushy_after_refusal"]

    for reply in ("Ну хотя бы одну цифру, и я отстану.", "Ну оценку-то поставьте, это секунда."):
        assert pushy(reply, PushyAnalyzer()) is True, reply
    # "we'll call again" ignores the DNC request (dnc_ignored) but pitches nothing: the guide's
    # pushy needs an offer pushed again; the option restores the stricter reading
    callback = "Ну ладно. Мы тогда через месяц ещё наберём."
    assert pushy(callback, PushyAnalyzer()) is False
    assert pushy(callback, PushyAnalyzer(PushyOptions(call_back_is_push=True))) is True
    # the same score re-ask without a DNC request is not pushy
    utts = [Utterance(role=r, text=t) for r, t in [
        turns[0], ("customer", "Не буду я ничего оценивать."),
        ("operator", "Ну хотя бы одну цифру?")]]  # type: ignore[arg-type]
    c = Conversation(meta=CallMeta(call_id="c", tenant="avtopodbor"), utterances=utts)
    ctx = AnalysisContext(tenant=load_tenant("avtopodbor"), labels={"call_type": "nps_survey"})
    assert PushyAnalyzer().analyze(c, ctx).labels["pushy_after_refusal"] is False


def test_polite_close_naming_the_offer_is_not_pushy() -> None:
    out = run([OFFER, ("customer", "Мне это не интересно, спасибо."),
               ("operator", ("Понимаю, не буду отнимать время, отмечу, что пакет вам сейчас не "
                            "актуален. Спасибо, хорошего дня!"))])
    assert out.labels["pushy_after_refusal"] is False
