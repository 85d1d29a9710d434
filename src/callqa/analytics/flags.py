"""Other failure flags: long silence, overtalk, transfer ping-pong, unresolved complaint.

Silence and overtalk need utterance times and are skipped (no flag, no error) without them;
their thresholds come from the constructor, ``context.options`` (``long_silence_s``,
``overtalk_s``) or the settings, in that order. Ping-pong counts transfers the operator makes
("переключаю", "соединяю") plus transfers the customer reports ("меня уже три раза
переключали"). An unresolved complaint is a complaint call whose closing has no resolution or
concrete next step (the script's ``summary_next_step``). Skipped script steps and script order
are flagged by the script analyzer itself (``script_step_missing``, ``script_order``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callqa.analytics.base import AnalysisContext, AnalyzerOutput, RuleSource
from callqa.analytics.phrases import Patterns, UttText, evidence, prepare
from callqa.conversation import Conversation, Finding

OPERATOR_TRANSFER = Patterns([
    "переключать|переключить|соединять|соединить|перевести|переводить|перенаправить|"
    "перенаправлять ~2 вас|на|звонок|в|с",
    "переключать|переключить|соединять|соединить",
    "вам ~2 нужно|надо ~1 в|к ~2 отдел|служба|магазин|администратор|доставка",
    "это ~2 не ~1 к ~1 нам|мне",
    "обратитесь|обращаться|звоните|позвоните ~2 в|к ~2 отдел|служба|магазин|администратор|"
    "производитель|доставка|горячий",
])
CUSTOMER_BOUNCED = Patterns([
    "меня|я ~3 переключать|переключить|переводить|перевести|отправлять|отправить|"
    "футболить|гонять|перекидывать|перекинуть|посылать|послать",
    "переключать|переключить|переводить|перевести|отправлять|отправить|футболить|гонять|"
    "перекидывать|посылать ~3 меня|туда|сюда|обратно|опять|снова|уже|раз",
    "футболить|футболите|гоняете|гонять|по ~1 круг",
    "там ~3 говорить|сказать ~3 звоните|позвоните|обращайтесь|идите|к ~1 вам|на ~1 горячий",
    "вы ~3 отправлять|отправить|посылать ~2 туда|в|к",
    "опять ~2 к ~1 вам|звонить|звоню",
    "уже ~1 не ~1 знать ~2 кому|куда ~1 звонить|обращаться",
    "кому|куда ~1 звонить|обращаться",
    "второй|третий|четвертый|пятый|шестой ~1 человек|оператор|специалист|сотрудник",
])
# the operator admits the customer was bounced ("извините, что вас так гоняли")
OPERATOR_ADMITS = Patterns([
    "вас ~3 гонять|переадресовывать|переадресовать|футболить|отправлять|переключать|"
    "перекидывать",
    "по ~1 круг",
])
MULTI = frozenset({"опять", "снова", "уже", "раз", "второй", "третий", "четвертый", "пятый",
                   "два", "три", "четыре", "круг", "обратно", "туда", "сюда", "весь", "каждый"})
COMPLAINT_TYPES = ("complaint",)
# the operator's closing deflects the complaint instead of resolving it
DEFLECT = Patterns([
    "ничем ~2 не ~1 помочь|мочь",
    "не ~1 мочь ~2 помочь",
    "обращайтесь|обращаться|звоните|пишите|идите|несите ~3 в|к|на",
    "переключать|соединять|переключить|соединить",
    "как ~2 решить|решат",
    "не ~1 ко ~1 мне",
    "не ~1 знать",
    "ждите|ждать ~1 ответ",
])


@dataclass
class FlagOptions:
    """Thresholds (None = from ``context.options`` or the settings)."""

    long_silence_s: float | None = None
    overtalk_s: float | None = None
    pingpong_min_transfers: int = 2


@dataclass
class FlagsAnalyzer(RuleSource):
    """Rules: silence, overtalk, transfer ping-pong, unresolved complaint."""

    options: FlagOptions = field(default_factory=FlagOptions)
    settings: Any = None
    name: str = "rules.flags"
    version: str = "1"

    def _threshold(self, key: str, context: AnalysisContext, default: float) -> float:
        own = getattr(self.options, key)
        if own is not None:
            return float(own)
        if key in context.options:
            return float(context.options[key])
        settings = self.settings
        if settings is None:
            from callqa.settings import get_settings

            settings = get_settings()
        return float(getattr(settings, key, default))

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        texts = prepare(conversation, context.cache)
        findings: list[Finding] = []
        findings += self._silence(conversation, self._threshold("long_silence_s", context, 10.0))
        findings += self._overtalk(conversation, self._threshold("overtalk_s", context, 3.0))
        ping = self._pingpong(conversation, texts)
        findings += ping
        unresolved = self._unresolved(conversation, texts, context)
        findings += unresolved
        return AnalyzerOutput({"transfer_pingpong": bool(ping),
                               "unresolved_complaint": bool(unresolved)}, findings)

    # -- times -------------------------------------------------------------------------
    def _silence(self, conv: Conversation, threshold: float) -> list[Finding]:
        out = []
        last_end: float | None = None
        for i, u in enumerate(conv.utterances):
            if u.start is None or u.end is None:
                continue
            if last_end is not None and u.start - last_end >= threshold:
                out.append(Finding("long_silence", "minor", i, last_end,
                                   f"пауза {u.start - last_end:.1f} с перед: {u.text[:120]}",
                                   self.source, {"seconds": round(u.start - last_end, 2),
                                                 "threshold_s": threshold}))
            last_end = u.end if last_end is None else max(last_end, u.end)
        return out

    def _overtalk(self, conv: Conversation, threshold: float) -> list[Finding]:
        out = []
        timed = [(i, u) for i, u in enumerate(conv.utterances)
                 if u.start is not None and u.end is not None]
        for k, (i, u) in enumerate(timed):
            for j, v in timed[k + 1:]:
                if v.start >= u.end:  # type: ignore[operator]
                    break
                if v.role == u.role:
                    continue
                overlap = min(u.end, v.end) - max(u.start, v.start)  # type: ignore[type-var]
                if overlap >= threshold:
                    out.append(Finding("overtalk", "minor", j, v.start,
                                       f"одновременная речь {overlap:.1f} с: {v.text[:120]}",
                                       self.source, {"seconds": round(overlap, 2),
                                                     "with_utterance": i,
                                                     "threshold_s": threshold}))
        return out

    # -- text --------------------------------------------------------------------------
    def _pingpong(self, conv: Conversation, texts: list[UttText]) -> list[Finding]:
        count = 0
        first: tuple[int, tuple[int, int]] | None = None
        for i, (u, ut) in enumerate(zip(conv.utterances, texts)):
            if u.role == "operator":
                span = OPERATOR_ADMITS.search(ut)
                if span is not None:
                    count += 2
                    first = first or (i, span)
                    continue
                span = OPERATOR_TRANSFER.search(ut)
                if span is not None:
                    count += 1
                    first = first or (i, span)
            elif u.role == "customer":
                span = CUSTOMER_BOUNCED.search(ut)
                if span is not None:
                    near = set(ut.lemmas[max(0, span[0] - 6): span[1] + 6])
                    count += 2 if near & MULTI else 1
                    first = first or (i, span)
        if count < self.options.pingpong_min_transfers or first is None:
            return []
        i, span = first
        return [Finding("transfer_pingpong", "major", i, conv.utterances[i].start,
                        evidence(texts[i], span, 4), self.source, {"transfers": count})]

    def _unresolved(self, conv: Conversation, texts: list[UttText],
                    context: AnalysisContext) -> list[Finding]:
        if context.labels.get("call_type") not in COMPLAINT_TYPES:
            return []
        script = context.labels.get("script")
        if isinstance(script, dict) and "summary_next_step" in script:
            resolved = bool(script["summary_next_step"])
        else:
            from callqa.analytics.script import _summary

            ops = [i for i, u in enumerate(conv.utterances) if u.role == "operator"]
            resolved = any(_summary(texts[i]) is not None for i in ops[-3:])
        ops = [i for i, u in enumerate(conv.utterances) if u.role == "operator"]
        deflected = bool(ops) and any(DEFLECT.search(texts[i]) is not None for i in ops[-2:])
        if context.labels.get("rude_operator") is True:
            deflected = True  # a rude close does not resolve a complaint
        if resolved and not deflected:
            return []
        last = len(conv.utterances) - 1
        return [Finding("unresolved_complaint", "major", last if last >= 0 else None,
                        conv.utterances[last].start if last >= 0 else None,
                        conv.utterances[last].text if last >= 0 else "", self.source, {})]
