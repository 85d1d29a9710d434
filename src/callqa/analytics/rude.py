"""Rude operator: insults, mocking, raising the tone, blaming or dismissing the customer.

Rules over lemmas find the typical forms of each kind ("это ваши проблемы", "а я что
сделаю?", "надо было читать", "вы что, не понимаете?", addressing the customer as
"женщина"/"мужчина"); a hit counts unless negated or part of an apology. Insults are
critical, the rest major. An optional model backs up the rules (see ``rules.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callqa.analytics.base import AnalysisContext, AnalyzerOutput
from callqa.analytics.phrases import Patterns, evidence, prepare
from callqa.conversation import Conversation, Finding

INSULT = Patterns([
    "дурак|дура|идиот|идиотка|тупой|тупица|дебил|придурок|кретин|бестолковый|ненормальный|"
    "неадекватный|истеричка|истерик|больной",
    "бред|чушь|ерунда ~1 какой|говорить|нести",
    "сам ~1 такой",
    "заткнуться|заткнитесь|заткнись",
    "с ~1 ум ~1 сойти",
    "что ~1 за ~1 бред|чушь|ерунда",
    "все ~1 вы ~1 умный",
    "странный ~1 вы",
    "вы ~1 странный",
])
# clear on their own: one is enough
STRONG = Patterns([
    "ваш|твой ~1 проблема|беда|забота",
    "не ~1 наш|мой ~1 проблема|забота",
    "сам ~1 виноватый|виноват|виноваты",
    "надо|нужно ~1 было ~2 читать|думать|смотреть|проверять|слушать|раньше",
    "читать|смотреть|слушать|думать ~1 надо|нужно",
    "я|мы ~2 не ~1 волшебник|нянька|диспетчер|справочная|обязан|обязанный",
    "вы ~2 не ~1 слушать|слышать",
    "идите|иди|обращайтесь|пишите|жалуйтесь ~2 куда ~1 хотеть|угодно",
    "на ~1 нас|меня ~1 валить",
    "гадать ~2 не ~1 буду|быть|стану",
    "за ~1 вас ~2 не ~1 буду|быть|стану",
    "сидите|сидеть ~2 без",
    "потом ~2 не ~1 жаловаться|жалуйтесь|прибегать|плакать|говорить|говорите",
    "не ~1 жаловаться|жалуйтесь ~2 потом",
    "жаловаться|жалуйтесь|пишите ~2 куда ~2 хотеть|угодно",
    "каждый ~1 второй|первый",
    "все ~1 так ~1 говорить",
    "как ~1 обычно ~3 не ~1 читать|слушать|смотреть",
    "рука ~1 кривой",
    "вы ~1 что ~4 не ~1 понимать|слышать|видеть|знать|уметь|мочь",
    "русский|нормальный ~1 язык",
    "не ~1 кричите|кричать|орите|орать|кипятиться|истерить|психовать|хамить",
    "не ~1 повышайте|повышать ~2 голос|тон",
    "вы ~2 меня ~1 вообще ~1 слышать|слушать|понимать",
    "вы ~1 вообще ~2 слышать|слушать|понимать",
    "сам ~1 же ~2 прибежать|прибегать|виноватый|приходить|прийти",
    "не ~1 очень-то|очень ~2 хотеться",
    "вы ~3 не ~1 в ~1 курс",
    "это ~1 же ~1 ваш ~1 деньги|дело|машина",
    "что ~1 тут ~1 непонятный|непонятного",
    "привезти|привезут ~1 когда ~1 привезти|привезут",
    "мало ~1 ли ~2 когда|что|где",
    "вы ~2 мне ~1 надоесть",
    "надоесть ~2 вы",
    "кому ~1 вы ~1 нужный|нужен|нужна|нужны",
    "вы ~2 соображать|соображаете",
    "какой ~1 все ~1 нервный",
    "скандалить|скандальте|скандалите",
    "голова ~1 морочить|морочите|морочьте",
    "морочить|морочите ~1 голова",
    "меня ~2 не ~1 касаться",
    "сам ~1 разбираться|разбирайтесь",
    "не ~1 надо|нужно ~3 рассказывать|сочинять|выдумывать|врать",
    "вы ~1 издеваться",
    "вам ~1 делать ~1 нечего",
    "не ~1 учить|учите ~1 меня",
    "не ~1 ваш ~1 дело",
])
# each alone is often neutral ("это не ко мне, это гарантийный отдел"); two make a rude call
WEAK = Patterns([
    "ваш ~1 дело",
    "это ~1 не ~1 ко|к ~1 мне|нам",
    "не ~1 мой|наш ~1 вопрос|дело",
    "при ~1 чем ~1 тут|здесь",
    "тут|здесь ~1 при ~1 чем",
    "а ~1 я ~1 что ~1 сделать|мочь|могу",
    "что ~1 вы ~2 от ~1 меня|нас ~1 хотеть",
    "чего ~1 вы ~2 хотеть|звонить",
    "вы ~1 сам ~3 принять|поставить|подписать|ставить",
    "сам ~2 поставить|ставить|смотреть|разбираться",
    "я ~2 вам ~2 все ~1 сказать|объяснить",
    "ничем ~2 не ~1 помочь|помогу|мочь",
    "я ~1 вам ~1 уже ~1 сказать|говорить|объяснять|объяснить",
    "не ~1 мочь ~2 ничем",
    "не ~1 хотеть ~2 как ~1 хотеть",
    "ну ~1 как ~1 знать",
    "нормально ~1 разговаривать|говорить|отвечать",
    "вы ~3 перебивать",
    "это ~1 ваш ~1 право",
    "я|я-то ~1 не ~1 виноватый|виноват",
    "а ~1 что ~1 вы ~1 хотеть",
    "я ~2 этим|это ~1 не ~1 заниматься",
    "молодой ~1 человек",
    "девушка",
    "пусть ~3 разбираться",
    "не ~1 я ~1 же",
    "я ~1 же ~2 сказать|объяснить|говорить|объяснять",
    "я ~2 еще ~1 раз ~1 повторить|повторяю|объясняю|говорить",
    "второй|третий ~1 раз ~2 объяснять|говорить|повторять",
    "слушайте ~1 внимательно",
    "не ~1 морочьте|отнимайте",
    "у ~1 меня ~2 очередь",
    "женщина|мужчина|гражданин|гражданка",
    "я ~1 вам ~1 нормально ~1 отвечать|объяснять|говорить",
    "ждите ~1 и ~1 все",
    "все ~1 говорить",
    "господи",
    "мне ~1 все ~1 равно",
    "некогда ~2 с ~1 вами",
])
# polite contexts that contain the same words
SOFTEN = Patterns([
    "извините|простите|прошу ~1 прощение|приношу ~1 извинение",
    "понимать ~1 ваш",
])


@dataclass
class RudeOptions:
    """``min_weak_hits``: how many weak signs (and no strong one) make a rude call."""

    min_weak_hits: int = 2
    model_threshold: float = 0.5  # tie-breaker probability for a call with one weak sign


@dataclass
class RudeAnalyzer:
    """Rules (+ optional model for the borderline calls): was the operator rude?"""

    options: RudeOptions = field(default_factory=RudeOptions)
    model: Any = None  # sklearn pipeline over operator lemmas (see ``rules.train_rule_models``)
    model_version: str = "1"
    name: str = "rules.rude"
    version: str = "1"

    @property
    def source(self) -> str:
        return f"{self.name}@{self.version}"

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        texts = prepare(conversation, context.cache)
        utts = conversation.utterances
        findings: list[Finding] = []
        weak: list[Finding] = []
        for i, (u, ut) in enumerate(zip(utts, texts)):
            if u.role != "operator":
                continue
            ins = INSULT.search(ut)
            if ins is not None:
                findings.append(Finding("rude_operator", "critical", i, u.start,
                                        evidence(ut, ins, 3), self.source,
                                        {"kind": "insult", "text": u.text}))
                continue
            span = STRONG.search(ut)
            if span is not None:
                findings.append(Finding("rude_operator", "major", i, u.start,
                                        evidence(ut, span, 3), self.source,
                                        {"kind": "blame_dismiss_tone", "text": u.text}))
                continue
            if SOFTEN.search(ut) is not None:
                continue
            last_end = -1
            for span in WEAK.finditer(ut):
                if span[0] < last_end:
                    continue  # two patterns on the same words count once
                last_end = span[1]
                weak.append(Finding("rude_operator", "major", i, u.start,
                                    evidence(ut, span, 3), self.source,
                                    {"kind": "weak", "text": u.text}))
        rude = bool(findings) or len(weak) >= self.options.min_weak_hits
        if not rude and weak and self.model is not None:
            from callqa.analytics.rules import operator_text

            p = float(self.model.predict_proba([operator_text(utts)])[0][1])
            if p >= self.options.model_threshold:
                rude = True
                src = f"model.rude_text@{self.model_version}"
                for f in weak:
                    f.source = src
                    f.details["probability"] = round(p, 3)
        findings = sorted(findings + weak, key=lambda f: f.utterance_index or 0) if rude else []
        return AnalyzerOutput({"rude_operator": rude}, findings)
