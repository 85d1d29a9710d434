"""Stated-NPS extraction: a table of answers (clean and ASR-style) → expected score."""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.nps import (
    NpsExtractor,
    extract_nps,
    is_rating_question,
    normalize_score_forms,
)
from callqa.analytics.train import asr_style_text
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.tenants import TenantProfile

Q = "И последний вопрос: по шкале от нуля до десяти, насколько вероятно, что вы порекомендуете нас?"

# (operator question or None, customer answer(s) in order, expected)
CASES = [
    (Q, ["Ну на восьмёрку, нормально всё."], 8),
    (Q, ["Девять из десяти."], 9),
    (Q, ["Ну, семь, наверное."], 7),
    (Q, ["Десять! Всё супер."], 10),
    (Q, ["10, без вопросов"], 10),
    (Q, ["Ноль. Можете так и записать."], 0),
    (Q, ["Вам лично десять, магазину шесть."], 6),
    (Q, ["Тебе лично — десятка, а компании вашей — четыре."], 4),
    (Q, ["Пять. Хотя... ладно, вы быстро всё решили. Шесть."], 6),
    (Q, ["Ставлю восемь. Хотя нет, подождите. Давайте девять."], 9),
    (Q, ["Ну... после такого — восемь. Было бы десять, если б сразу правильно продали."], 8),
    (Q, ["Восемь. Десять я никому не ставлю."], 8),
    (Q, ["Десять не поставлю — девять."], 9),
    (Q, ["На восьмёрку. Два балла снимаю за то, что долго искали."], 8),
    (Q, ["Девять. Десять — это когда ещё и бесплатно."], 9),
    (Q, ["Сегодня — семь. Из-за опоздания."], 7),
    (Q, ["Четыре.", "Записался на девять утра, машину взяли в одиннадцать."], 4),
    (Q, ["Ну, семь. Раньше бы ноль сказала, честно."], 7),
    (Q, ["Я бы поставила два из десяти, не больше."], 2),
    (Q, ["Слушайте, ничего я оценивать не буду."], None),
    (Q, ["Три тарелки разбили, какая оценка? Не буду."], None),
    (Q, ["Запишите номер: восемь, девятьсот семнадцать, шестьсот, ноль четыре, двенадцать."], None),
    ("Оцените нас от одного до пяти?", ["Пять из пяти."], 10),
    ("Оцените, пожалуйста, по пятибалльной шкале.", ["Четыре."], 8),
    # no rating question: numbers are prices, years, times, VINs — not scores
    ("Чем могу помочь?", ["Колодки на Рио, семнадцатый год, до трёх тысяч. Номер машины восемь."], None),
    ("Здравствуйте, ВинПартс.", ["Заказ пять-два-семь, приеду к десяти."], None),
    # an unprompted score names the scale
    ("Я тут ничем не помогу.", ["Знаете что — ноль вам из десяти. И магазину, и линии."], 0),
    ("Переключаю.", ["По десятибалльной шкале я вас оцениваю на двойку."], 2),
    # collective forms and digit forms that survive lowercasing / punctuation loss
    (Q, ["Девяточка, честно."], 9),
    (Q, ["Ну, на 8."], 8),
    (Q, ["На 8-ку, пожалуй."], 8),
    (Q, ["Ставлю на 9-ку."], 9),
    (Q, ["Твёрдая 10-ка."], 10),
    (Q, ["5-5, без вопросов."], 10),
    (Q, ["Восемь из 10-ти."], 8),
    (Q, ["По 5-ти балльной четыре."], 8),
    # the 5-point scale named by the customer, also misspelt the way ASR mishears it
    (Q, ["По пятибалльной — четыре."], 8),
    (Q, ["Ну, по пятибальной тройка."], 6),
    (Q, ["Ну по питибаленной четвёрка, нормально."], 8),
    (Q, ["По пяти бальной пятёрка."], 10),
    (Q, ["По десятибальной восемь."], 8),
    # without punctuation: a gendered number word that does not agree with the next noun
    # starts a new sentence; a number being questioned is not the answer
    (Q, ["Два. Фары так и не отрегулировали, вот и весь ответ."], 2),
    (Q, ["Две фары поменяли, а так восемь."], 8),
    (Q, ["Тройка. Хотя нет — двойка. Ну за что тройку-то, правда?"], 2),
    # digit sequences that are not scores
    (Q, ["Ну, 8. Пробег, кстати, 28 тысяч, и запишите на 9 утра."], 8),
    (Q, ["Сначала заказ проверьте: два, две, три, два."], None),
    (Q, ["Дней 9-10 ждал, а так — семь."], 7),
    ("Чем могу помочь?", ["Верните 292 рубля, заказ 40-90-120, машина с пробегом 28 тысяч."], None),
    ("Слушаю.", ["Телефон 8-917-600-04-12, приеду к 9 утра, на 5-10 минут."], None),
]

# raw faster-whisper output keeps punctuation inside digit groups ("0,10", "10/10"); these
# forms do not survive ``asr_style_text``, so they are checked as written
WHISPER_CASES = [
    ("Звоните в магазин.", ["Ну и оценивайте себя сами, а от меня 0,10, 0. До свидания."], 0),
    ("Больше ничего не нужно?", ["Нет. И вообще, вам 2/10 за такое."], 2),
    (Q, ["10/10, всё понравилось."], 10),
    (Q, ["Ну, 8 из 10."], 8),
    (Q, ["7 / 10, наверное."], 7),
    (Q, ["Где-то 3/5."], 6),
    (Q, ["Ну, 2,5 литра масла долили, а так 9."], 9),
    ("Чем могу помочь?", ["Заказ от 10/10/2026, сумма 1,10 тысячи, 0,5 литра."], None),
]


def _turns(question: str | None, answers: list[str]) -> tuple[list[str], list[str]]:
    roles, texts = [], []
    if question:
        roles.append("operator")
        texts.append(question)
    for a in answers:
        roles.append("customer")
        texts.append(a)
        roles.append("operator")
        texts.append("Понятно, спасибо.")
    return roles, texts


@pytest.mark.parametrize("question,answers,expected", CASES)
def test_extract_clean(question, answers, expected):
    ans = extract_nps(*_turns(question, answers))
    assert (ans.score if ans else None) == expected


@pytest.mark.parametrize("question,answers,expected", CASES)
def test_extract_asr_style(question, answers, expected):
    roles, texts = _turns(question, answers)
    ans = extract_nps(roles, [asr_style_text(t) for t in texts])
    assert (ans.score if ans else None) == expected


@pytest.mark.parametrize("question,answers,expected", WHISPER_CASES)
def test_extract_whisper_digits(question, answers, expected):
    ans = extract_nps(*_turns(question, answers))
    assert (ans.score if ans else None) == expected


@pytest.mark.parametrize("restated", [
    "Вообще-то у нас шкала от нуля до десяти.",
    "вообще то у нас шкала от нуля до 70",  # ASR garbled the top of the scale
    "Уточню: оценка от 0 до 10.",
])
@pytest.mark.parametrize("asr", [False, True])
def test_reanswer_after_scale_restated(restated, asr):
    roles = ["operator", "customer", "operator", "customer"]
    texts = ["Оцените, пожалуйста, как вам наш сервис?", "Пять из пяти!", restated,
             "А, тогда девятка, чего уж."]
    if asr:
        texts = [asr_style_text(t) for t in texts]
    ans = extract_nps(roles, texts)
    assert ans is not None and ans.score == 9 and ans.utterance_index == 3


def test_five_point_answer_kept_without_reanswer():
    roles = ["operator", "customer", "operator", "customer"]
    texts = ["Оцените нашу работу, пожалуйста.", "По пятибальной — четыре.",
             "У нас вообще шкала от нуля до десяти.", "Ну я же сказал уже, всё."]
    assert extract_nps(roles, texts).score == 8


def test_scale_restatement_detection():
    assert is_rating_question("А у нас шкала от нуля до 90.")[0]
    assert is_rating_question("по пятибальной шкале как оцените") == (True, 5)
    assert not is_rating_question("Доставка займёт от одного до трёх дней.")[0]
    assert not is_rating_question("Цены от нуля до 30 тысяч рублей.")[0]
    assert not is_rating_question("Разгон от нуля до ста за девять секунд.")[0]


def test_normalize_score_forms():
    assert normalize_score_forms("а от меня 0,10, 0.") == "а от меня 0 из 10, 0."
    assert normalize_score_forms("5-5, однозначно") == "5 из 5, однозначно"
    assert normalize_score_forms("на 9-ку") == "на девятку"
    assert normalize_score_forms("0-10, не меньше") == "0 из 10, не меньше"
    assert normalize_score_forms("ну 7/10") == "ну 7 из 10"
    for keep in ("9-10 дней", "2,5 литра", "40-90-120", "8-800-555", "с 9-10 утра", "12-ку",
                 "ну 4-5", "1,5"):
        assert normalize_score_forms(keep) == keep


def test_evidence_is_the_original_text():
    ans = extract_nps(["operator", "customer"], [Q, "Ну, 10/10."])
    assert ans.score == 10 and ans.evidence == "Ну, 10/10."


def test_rescale_clarified_by_operator():
    roles = ["operator", "customer", "operator", "customer"]
    texts = ["Насколько вероятно, что вы порекомендуете наш сервис?", "Ставлю пять!",
             "Уточню: у нас шкала от нуля до десяти.", "А, ну тогда девятка."]
    assert extract_nps(roles, texts).score == 9


def test_rating_question_detection():
    assert is_rating_question("Оцените, пожалуйста, нашу работу")[0]
    assert is_rating_question("насколько вы готовы рекомендовать нас знакомым")[0]
    assert not is_rating_question("Рекомендую колодки Brembo, они тише.")[0]
    assert not is_rating_question("А что повлияло на оценку?")[0]


def test_analyzer_evidence():
    conv = Conversation(CallMeta("c1"), [
        Utterance("operator", Q, 0.0, 3.0), Utterance("customer", "Ну, девять.", 3.5, 4.0)])
    out = NpsExtractor().analyze(conv, AnalysisContext(TenantProfile("t")))
    assert out.labels["nps_score"] == 9
    ev = out.labels["nps_evidence"]
    assert ev["utterance_index"] == 1 and ev["start_s"] == 3.5 and "девять" in ev["text"]
