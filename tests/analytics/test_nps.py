"""Stated-NPS extraction: a table of answers (clean and ASR-style) → expected score."""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.nps import NpsExtractor, extract_nps, is_rating_question
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
