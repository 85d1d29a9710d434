"""DNC request and ignored-DNC rules on hand-written calls, clean and ASR-style."""
from __future__ import annotations

import re

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.dnc import DncAnalyzer
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.tenants import load_tenant


def asr(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def conv(*turns: tuple[str, str], lower: bool = False) -> Conversation:
    utts = [Utterance(role=r, text=asr(t) if lower else t) for r, t in turns]  # type: ignore[arg-type]
    return Conversation(meta=CallMeta(call_id="c1", tenant="telecom-tv", direction="outbound"),
                        utterances=utts)


def run(c: Conversation):
    return DncAnalyzer().analyze(c, AnalysisContext(tenant=load_tenant("telecom-tv")))


OFFER = ("operator", "Здравствуйте, Телеком ТВ, меня зовут Анна. У нас акция: интернет и ТВ "
                     "за 499 рублей.")

DNC = [
    "Нет, спасибо. И больше не звоните мне, пожалуйста.",
    "Удалите мой номер из вашей базы.",
    "Не беспокойте меня больше, ни с какими предложениями.",
    "Вычеркните меня из списка, очень прошу.",
    "Уберите из базы мой телефон.",
    "Забудьте мой номер, пожалуйста.",
    "Давайте вы мне больше звонить не будете.",
    "Сделайте так, чтобы мне от вас больше никто не звонил.",
    "Занесите меня в чёрный список, а?",
    "Звонить мне больше не надо, спасибо.",
    "Я запрещаю вам мне звонить.",
    "Перестаньте мне звонить.",
    "Я отказываюсь от любых звонков от вашей компании.",
    "Оставьте меня в покое.",
    "Если можно, не звоните мне больше с такими предложениями.",
    "Внесите мой номер в стоп-лист.",
    "не вводите мне больше с предложениями",  # ASR misheard "звоните"
]
NOT_DNC = [
    "Перезвоните позже, я за рулём.",
    "Сейчас неудобно, давайте вечером.",
    "Звоните после шести, пожалуйста.",
    "Лучше напишите в WhatsApp.",
    "Мне это не интересно.",
    "Не звоните мне на работу, звоните на мобильный.",
    "Я же месяц назад просил не звонить, вы что там, не записываете?",
    "Мне ваш коллега обещал, что больше не позвонят.",
    "Я уже не знаю, кому звонить.",
    "Никто не звонит, курьера нет.",
    "Старый номер из заказа удалите, он не работает.",
    "Не звоните мне больше на домашний, только на мобильный.",
    "Я не звоню вам больше, потому что всё решилось.",
    "Если не позвоните до пятницы, я напишу жалобу.",
    "Можете не перезванивать, я сам всё узнал.",
    "Курьер мне не звонил.",
    "Он мне сказал: больше не звоните, и бросил трубку.",
    "Сегодня не звоните, я на похоронах.",
    "Уберите, пожалуйста, вторую позицию из корзины.",
]


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text", DNC)
def test_dnc_request_detected(text: str, lower: bool) -> None:
    out = run(conv(OFFER, ("customer", text), ("operator", "Хорошо, больше не побеспокоим."),
                   lower=lower))
    assert out.labels["dnc_request"] is True
    assert out.labels["dnc_request_utterance"] == 1
    assert out.labels["dnc_ignored_in_call"] is False
    f = [f for f in out.findings if f.code == "dnc_request"]
    assert f and f[0].source == "rules.dnc@1" and f[0].utterance_index == 1 and f[0].evidence


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text", NOT_DNC)
def test_not_dnc(text: str, lower: bool) -> None:
    out = run(conv(OFFER, ("customer", text), ("operator", "Хорошо."), lower=lower))
    assert out.labels["dnc_request"] is False
    assert out.labels["dnc_request_utterance"] is None
    assert out.labels["dnc_ignored_in_call"] is False
    assert out.findings == []


def test_first_request_index_is_kept() -> None:
    out = run(conv(OFFER, ("customer", "Не интересно."), ("operator", "А если бесплатно?"),
                   ("customer", "Удалите мой номер!"), ("operator", "Хорошо, удалю."),
                   ("customer", "И больше не звоните.")))
    assert out.labels["dnc_request_utterance"] == 3


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("reply,ignored", [
    ("Хорошо, убираю ваш номер из обзвона, больше звонков не будет.", False),
    ("Понял, больше не побеспокоим. Всего доброго!", False),
    ("Отмечаю запрет на рекламные звонки по вашему номеру.", False),
    ("Хорошо, передам вашу просьбу, звонков больше не будет.", False),
    ("Хорошо, понял.", True),  # no commitment: not an acknowledgement
    ("Принято, ваш номер удалён из базы.", False),
    ("Без проблем, больше вас не потревожим.", False),
    ("Это не я решаю, звонки делает система.", True),
    ("Вы просто не дослушали, там скидка пятьдесят процентов!", True),
    ("Но вы послушайте, там ещё роутер бесплатно!", True),
    ("Хорошо, тогда я вам в четверг наберу, обсудим ещё раз.", True),
    ("Удалить номер я не могу, вы наш абонент.", True),
    ("Всего доброго.", True),
])
def test_dnc_ignored(reply: str, ignored: bool, lower: bool) -> None:
    out = run(conv(OFFER, ("customer", "Не звоните мне больше."), ("operator", reply),
                   lower=lower))
    assert out.labels["dnc_request"] is True
    assert out.labels["dnc_ignored_in_call"] is ignored
    codes = [f.code for f in out.findings]
    assert ("dnc_ignored" in codes) is ignored
    if ignored:
        f = next(f for f in out.findings if f.code == "dnc_ignored")
        assert f.severity == "critical" and f.details["request_utterance"] == 1


def test_request_at_end_without_reply_is_ignored() -> None:
    out = run(conv(OFFER, ("customer", "Удалите мой номер.")))
    assert out.labels["dnc_ignored_in_call"] is True


def test_operator_saying_it_is_not_a_request() -> None:
    out = run(conv(("operator", "Больше не звоните сюда, это служебный номер."),
                   ("customer", "Ладно.")))
    assert out.labels["dnc_request"] is False


def test_empty_and_no_times() -> None:
    out = run(conv())
    assert out.labels == {"dnc_request": False, "dnc_request_utterance": None,
                          "dnc_ignored_in_call": False}
