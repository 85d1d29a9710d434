"""Pushing after refusal: the customer clearly said no, and the operator pitched again.

Refusal: of the offer ("не интересно", "нет, спасибо, не надо", "сам продлю") or of the
conversation, including a DNC request. Pushing: an operator utterance after the refusal that
pitches the same or another offer, or argues against the refusal ("зря отказываетесь",
"а если первый месяц бесплатно?"). Re-asking for the score in a survey is not pushing
(labeling guide), so the score question is not a pitch. Rules over lemmas (no punctuation).
An optional model (``models/rules_pushy.joblib``) may confirm borderline calls; each finding
says which produced it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from callqa.analytics.base import AnalysisContext, AnalyzerOutput, RuleSource
from callqa.analytics.dnc import DncAnalyzer, _acknowledges, dnc_match
from callqa.analytics.phrases import Patterns, UttText, evidence, prepare, tags
from callqa.conversation import Conversation, Finding

REFUSAL = Patterns([
    ("не ~2 интересно|интересный|интересовать|надо|нужно|нужный|актуально|актуальный|хотеть|"
    "буду|быть|стоить|подходить|требоваться|заинтересовать"),
    "нет ~1 спасибо|благодарить",
    "спасибо ~1 нет|не",
    "отказываться|отказаться|откажусь",
    ("сам ~2 продлить|оформить|разобраться|решить|купить|найти|позвонить|обратиться|справиться|"
    "подумать|застраховать|страховаться"),
    "разговор ~1 окончить|окончен|закончить|закончен",
    "ничего ~2 не ~1 надо|нужно|хотеть|буду|быть",
    "не ~1 надо|нужно ~2 ничего",
    "мне ~1 это ~1 не",
    "меня ~2 все ~1 устраивать",
    "я ~1 же ~1 сказать",
    "я ~1 сказать ~1 нет",
    "нет ~1 нет",
    "хватит",
    "не ~2 оценивать|оценить|отвечать|ответить|ставить|участвовать ~2 оценка|опрос|вопрос",
    "не ~1 ставить|ставлю|оценивать|участвовать",
    "неинтересно|неинтересный|неактуально|неактуальный|ненужный",
    "не ~2 рассматривать|рассмотреть|планировать|собираться|согласный",
    "обойтись|обойдусь",
    "не ~1 сейчас ~1 нет",
    "нет ~1 не ~1 хотеть|надо|нужно|интересно|буду",
    "не ~1 предлагать|предложить|уговаривать|уговорить",
    "ни ~1 к ~1 что",
    "не ~1 до ~1 это|того",
    "у ~1 меня|нас ~3 уже ~1 есть",
])
# the customer asks about an offer (then the operator's answer is not pushing)
ASK = Patterns([
    "а ~3 есть",
    "сколько ~2 стоить|выйти|быть",
    "а ~1 что|какой ~2 у ~1 вас",
    "расскажите|поподробнее|подробнее",
    "а ~1 можно",
    "а ~2 по ~1 деньги|цена|стоимость",
    "что ~1 за ~1 тариф|предложение|условие|акция|пакет|программа",
])
# a refusal-looking hit that is not one: "не будет так, что потом..." (a question about the
# offer), "десять не ставлю из принципа" (a survey answer that gives the score)
NOT_REFUSAL_TOKENS = frozenset({"будет", "будут", "было", "была", "были", "будь"})
SCORE_GIVEN = Patterns([
    ("ноль|один|два|три|четыре|пять|шесть|семь|восемь|девять|десять|единица|двойка|тройка|"
    "четверка|пятерка|шестерка|семерка|восьмерка|девятка|десятка|0|1|2|3|4|5|6|7|8|9|10"),
])
# a bare "нет" answering a pitch question is a refusal too ("А новую не рассматриваете?" "Нет.")
BARE_NO = frozenset({"нет", "не", "неа", "спасибо", "ну", "я", "нам", "мне", "пока", "наверное",
                     "уж", "вот", "так"})
# an offer being made or defended
PITCH = Patterns([
    ("предложение|акция|скидка|выгодный|выгода|выгодно|тариф|подключить|пакет|бесплатно|"
    "бесплатный|бонус|подарок|спецпредложение|промокод|рассрочка|кешбэк|кэшбэк|экономия|"
    "сэкономить|сэкономите|дешевле|выгоднее|процент|даром|стоимость|роутер|приставка|канал|"
    "мегабит|гигабит|каско|осаго|страховка|трейд-ин|продленный|программа"),
    "всего ~1 за",
    "может ~2 все-таки|всетаки|хотя ~1 бы",
    "все-таки",
    "все ~1 таки",
    "а ~1 может",
    "всего ~3 рубль",
    "рубль ~2 в ~1 месяц",
    "может ~1 вам ~1 еще|тоже|также",
    "хоть|хотя ~1 бы",
    "а ~1 потом",
    "потом ~1 же",
    "а ~1 если",
    "зря|напрасно",
    "подумайте|подумать|рассмотрите|рассмотреть|сравните|сравнить|взвесьте|попробуйте",
    "вы ~2 не ~1 дослушать|понимать|слышать|услышать",
    "вы ~1 же ~2 не ~1 дослушать|услышать|знать",
    "подождите|послушайте|постойте|погодите",
    ("давать ~1 я ~2 расскажу|рассказать|запишу|записать|оформлю|оформить|подключу|подключить|"
    "отправлю|отправить|пришлю|прислать|посчитаю|посчитать|сравню|сравнить|скину|скинуть"),
    "последний ~2 предложение",
    "записать|записывать|оформить|оформлять|подключать ~2 вас",
    "пожалеть|пожалеете",
    "потом ~2 не ~1 жаловаться",
    "такой ~1 условие",
    # presenting an alternative or asking to reconsider ("А новую не рассматриваете?",
    # "Тогда, может, онлайн-кинотеатр?", "мы подберём", "я вам выгоду предлагаю")
    "рассматривать|пересмотреть|попробовать",
    ("а ~2 не ~1 интересовать|интересно|нужно|надо|нужный|хотеть|хотеться|актуально|"
    "рассматривать|думать|задумываться"),
    "тогда ~1 может|мочь",
    "может ~1 тогда",
    "мы ~2 подобрать|подберем|предложить",
    "сделать ~2 скидка|дешевле|бесплатно",
    "мочь|могу ~2 предложить|подобрать",
    "предлагать|предложить",
    "другой|еще ~1 вариант",
    "первый ~1 месяц|неделя|год",
    "просто ~1 попробовать|посмотреть|послушать",
    "это ~1 же ~2 бесплатно|выгодно|недорого|копейка",
    "недорого|копейка",
    "последний ~1 шанс|день",
    "только ~1 сегодня|сейчас ~2 действовать|скидка|цена",
    "упустить|упускать",
    "многое|много ~1 терять|потерять",
])
OFFER_WORDS = Patterns([PITCH.patterns[0], "всего ~1 за", ("записать|записывать|оформить|"
                        "оформлять|подключать|подключить|подобрать|купить|взять")])
# how a pitch is politely closed — not a push
CLOSE = Patterns([
    ("хорошо|понять|понятно|ладно|понимать|конечно ~3 всего ~1 добрый|хороший|до ~1 свидание|"
    "спасибо"),
    "не ~1 буду ~2 отнимать|отвлекать|беспокоить|задерживать",
    "не ~1 настаивать",
])
PERSUADE = Patterns(PITCH.patterns[1:])
# an offer was made, so a following "нет, спасибо" refuses it ("Дополнительная гарантия на три
# года — четыре девятьсот. Оформить?"); weaker than PITCH, used only to open the offer
OFFERED = Patterns(PITCH.patterns + (
    "оформить|оформлять|подключить|подключать|записаться|дополнительный|расширенный",))


@dataclass
class PushyOptions:
    """Which call types have an offer to refuse even if no pitch was seen before the refusal."""

    offer_call_types: tuple[str, ...] = ("nps_survey",)
    # "ладно, через месяц наберём" after a DNC request ignores the request (``dnc_ignored``) but
    # offers nothing: the guide's pushy needs an offer pushed again, so off by default
    call_back_is_push: bool = False


@dataclass
class PushyAnalyzer(RuleSource):
    """Rules (+ optional model): did the operator push after a clear refusal?"""

    options: PushyOptions = field(default_factory=PushyOptions)
    model: Any = None  # optional sklearn pipeline over the post-refusal operator text
    name: str = "rules.pushy"
    version: str = "1"

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        texts = prepare(conversation, context.cache)
        utts = conversation.utterances
        call_type = context.labels.get("call_type")
        dnc_at = context.labels.get("dnc_request_utterance")
        pushed_at: int | None = None
        span = None
        start = 0
        while pushed_at is None:
            refusal = self._refusal(conversation, texts, call_type, start)
            if refusal is None:
                break
            after_dnc = isinstance(dnc_at, int) and dnc_at <= refusal or \
                dnc_match(texts[refusal]) is not None
            reopened: int | None = None
            for j in range(refusal + 1, len(utts)):
                ut = texts[j]
                if utts[j].role == "customer":
                    if not after_dnc and ASK.search(ut) is not None and not _is_refusal(ut):
                        reopened = j  # the customer asked about an offer: answering is no push
                        break
                    continue
                if utts[j].role != "operator":
                    continue
                if _acknowledges(ut):
                    break  # accepted the refusal/DNC: what follows is a goodbye
                span = _push_span(ut, after_dnc)
                if span is None and after_dnc and self.options.call_back_is_push and \
                        DncAnalyzer._promises_call(ut):
                    span = (0, len(ut.tokens))  # "мы тогда через месяц ещё наберём"
                if span is not None:
                    pushed_at = j
                    break
            if reopened is None:
                break
            start = reopened + 1
        findings: list[Finding] = []
        if pushed_at is not None:
            findings.append(Finding(
                "pushy_after_refusal", "major", pushed_at, utts[pushed_at].start,
                evidence(texts[pushed_at], span, 4), self.source,
                {"refusal_utterance": refusal, "text": utts[pushed_at].text}))
        return AnalyzerOutput({"pushy_after_refusal": pushed_at is not None}, findings)

    def _refusal(self, conv: Conversation, texts: list[UttText],
                 call_type: str | None, start: int = 0) -> int | None:
        """Index of the first customer refusal of an offer (or DNC request) from ``start``."""
        offered = call_type in self.options.offer_call_types
        pitched_last = False
        for i, (u, ut) in enumerate(zip(conv.utterances, texts)):
            if u.role == "operator":
                pitched_last = OFFERED.search(ut) is not None
                offered = offered or pitched_last
                continue
            if u.role != "customer" or i < start:
                continue
            if dnc_match(ut) is not None:
                return i  # refusing the conversation itself, offer or not
            if offered and (_is_refusal(ut) or pitched_last and _bare_no(ut)):
                return i
        return None


def _is_refusal(ut: UttText) -> bool:
    """A refusal phrase that is not a question about the offer nor a survey answer.

    "Нет, КАСКО не надо. А ОСАГО у вас есть?" refuses one offer but asks for another, so
    the operator's answer is not a push: a question after the refusal cancels it.
    """
    scored = SCORE_GIVEN.search(ut) is not None
    for a, b in REFUSAL.finditer(ut):
        toks = set(ut.tokens[a:b])
        if toks & NOT_REFUSAL_TOKENS:
            continue
        if scored and set(ut.lemmas[a:b]) & {"ставить", "оценивать", "оценить"}:
            continue
        return ASK.search(ut, b) is None
    return False


def _bare_no(ut: UttText) -> bool:
    """A short "нет" / "нет, спасибо" and nothing else."""
    toks = [t for t in ut.tokens if re.search(r"\w", t)]
    return 0 < len(toks) <= 4 and "нет" in toks[:2] and all(t in BARE_NO for t in toks)


SCORE = Patterns([
    "оценить|оценка|оценивать|цифра|балл|ноль|десять|порекомендовать|рекомендовать|опрос|вопрос",
])


def _push_span(ut: UttText, after_dnc: bool = False) -> tuple[int, int] | None:
    hit = PITCH.search(ut)
    if hit is None and after_dnc:
        return _score_reask(ut)  # asked not to be called, yet asked again for the score
    if hit is None:
        return None
    if OFFER_WORDS.search(ut) is None and SCORE.search(ut) is not None and not after_dnc:
        return None  # "ну, может, всё-таки оцените?" re-asks the score: not pushy (guide) —
        # unless the customer asked not to be called at all
    # "Понимаю, не буду отнимать время, отмечу, что пакет вам не актуален. Хорошего дня!" is
    # a close even if it names the offer; a close that still persuades is a push
    if CLOSE.search(ut) is not None and PERSUADE.search(ut) is None:
        return None
    return hit

SCORE_ASK = Patterns(["оценить|оценка|оценивать|цифра|балл|порекомендовать|рекомендовать|опрос"])


def _score_reask(ut: UttText) -> tuple[int, int] | None:
    """"Ну оценку-то поставьте хоть", "Одна цифра": a request for the score, not a goodbye."""
    hit = SCORE_ASK.search(ut)
    if hit is None:
        return None
    asks = any("impr" in tags(t) for t in ut.tokens) or \
        bool(set(ut.lemmas) & {"хоть", "хотя", "один", "просто", "секунда", "минута"})
    return hit if asks else None
