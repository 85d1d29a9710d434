"""Do-not-call: did the customer ask not to be contacted again, and did the operator comply?

A DNC request is an explicit, lasting "stop contacting me" or "remove my number" (labeling
guide). Requests to call later, at another time or through another channel, a bare refusal
of the offer, and complaints about an *earlier* request that are not repeated are not DNC.
Rules run over lemmas (see ``phrases``), so ASR text without punctuation works the same.

The operator ignored the request when, after it, they kept pitching, argued, promised to call
again, or ended the call without acknowledging it ("больше не побеспокоим", "уберём номер").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callqa.analytics.base import AnalysisContext, AnalyzerOutput, RuleSource
from callqa.analytics.phrases import Patterns, UttText, evidence, levenshtein, prepare, tags
from callqa.conversation import Conversation, Finding

# verbs of contacting (lemmas)
CALL_V = ("звонить|позвонить|названивать|набирать|перезванивать|беспокоить|побеспокоить|"
          "дергать|тревожить|потревожить|донимать|доставать")
# "lasting" markers: make a negated call verb a DNC request whatever else is said
STRONG_LASTING = {"больше", "никогда", "навсегда", "впредь", "хватить", "прекратить",
                  "последний"}
WEAK_LASTING = {"вообще", "совсем", "никто", "никакой"}
# the request is about a time or a channel, not about contact itself
TIME_CHANNEL = set("""сейчас пока сегодня завтра утро утром вечер вечером ночь ночью до после позже
попозже час выходной обед работа рабочий мобильный сотовый домашний городской личный служебный
whatsapp ватсап вотсап ватсапп почта телеграм телеграмм мессенджер смс неделя понедельник вторник
среда четверг пятница суббота воскресение воскресенье минута занятой занят занятый неудобно
перезвонить время""".split())
# past-tense speech verbs: "я же просил не звонить" reports an earlier request
REPORT_V = {"просить", "попросить", "сказать", "говорить", "обещать", "пообещать",
            "предупреждать", "предупредить", "писать", "написать", "объяснять", "объяснить",
            "отказываться", "отказаться", "договориться", "договариваться"}
NOT_CONTACT = {"заказ", "корзина", "карточка", "доставка", "адрес", "лист", "ожидание",
               "очередь", "старый", "заявка", "договор", "позиция"}
CONTACT_LIST = {"база", "список", "обзвон", "рассылка", "черный", "стоп", "стоп-лист"}
MODAL = {"надо", "нужно", "стоить", "быть", "нужный", "хотеть", "мочь", "можно"}

NEG_CALL = Patterns([
    f"не ~3 {CALL_V}",
    f"{CALL_V} ~2 не ~1 надо|нужно|стоить|быть|нужный",
    f"прекратить|перестать|хватить ~2 {CALL_V}|звонок|обзвон|названивание",
    f"не хотеть ~3 чтобы ~4 {CALL_V}",
    f"запрещать|запретить ~3 {CALL_V}|звонок",
    "отказываться|отказаться ~3 от ~3 звонок|обзвон|рассылка|звонить",
    "оставить|оставьте ~2 в ~1 покой",
    "звонок ~3 больше ~2 не ~1 быть|надо|нужно",
    "больше ~2 ни ~1 один ~1 звонок",
    "без ~1 звонок ~2 больше",
    "больше ~2 без ~1 звонок",
    "заблокировать|заблокируйте ~3 номер|меня",
    "не хотеть ~3 звонок|обзвон|звонить|получать",
    "последний звонок|разговор",
    "забыть ~2 о|про ~1 я|существование|мой",
    "забыть ~2 мой|этот|наш ~1 номер|телефон",
])
REMOVE = Patterns([
    "удалить|удалять|убрать|убирать|вычеркнуть|вычеркивать|исключить|исключать|стереть "
    "~3 меня|номер|телефон|контакт|база|список|обзвон|рассылка|данные",
    "меня|номер|телефон ~4 удалить|удалять|убрать|убирать|вычеркнуть|вычеркивать|исключить|"
    "исключать|стереть",
    "внести|занести|записать|добавить|вписать|поставить ~4 черный|стоп|стоп-лист|стоплист|"
    "запрет|отказной",
    "черный список",
    "стоп лист|стоп-лист",
    "отписать|отписаться ~3 от ~2 звонок|обзвон|рассылка",
])

# --- operator side ---
ACK_V = ("удалить|удалять|убрать|убирать|исключить|исключать|вычеркнуть|вычеркивать|внести|"
         "вносить|занести|заносить|снять|снимать|добавить|добавлять|поставить|ставить|отметить|"
         "отмечать|пометить|помечать|передать|передавать|зафиксировать|фиксировать|записать|"
         "записывать|оформить|оформлять|отключить|отключать|отписать|отписывать|убираться")
CONTACT_N = ("номер|телефон|база|список|обзвон|рассылка|стоп|стоп-лист|отказ|запрет|контакт|"
             "карточка|звонок|звонить|смс|просьба|пожелание")
ACK = Patterns([
    f"не ~3 {CALL_V}|звонок",  # "больше не побеспокоим", "звонить не будем"
    f"{CALL_V} ~2 не ~1 быть|станем|стать",
    f"{ACK_V} ~4 {CONTACT_N}",
    "номер|вас ~3 удалить|удалять|убрать|убирать|исключить|исключать|вычеркнуть|вычеркивать|"
    "внести|вносить|занести|заносить|отписать|отписывать|отключить|отключать",
    "звонок|звонить|предложение|рассылка|обзвон|реклама|опрос ~4 больше ~2 не ~2 быть|поступить|"
    "поступать|приходить|прийти|беспокоить|побеспокоить",
    "больше ~3 не ~2 быть|поступить|поступать|беспокоить|звонить|побеспокоить|прийти|приходить",
    "номер|вы|телефон|контакт ~3 удаленный|удален|исключенный|исключен|внесенный|внесен|"
    "занесенный|занесен|убранный|убран|заблокированный|отключенный",
    f"нельзя ~2 {CALL_V}",
    f"{CALL_V} ~2 нельзя",
    "прекращать|прекратить|остановить|останавливать ~2 звонок|звонить|обзвон|рассылка",
    "звонок|обзвон|рассылка ~2 прекращать|прекратить|остановить|останавливать|отключить|"
    "отключать",
    "черный список",
    "стоп лист|стоп-лист",
])
# promises to contact again (non-negated, first person or "we")
CALL_AGAIN = Patterns([
    "перезвонить|позвонить|набрать|связаться|созвониться|наберу|звякнуть",
])
PITCH = Patterns([
    "предложение|акция|скидка|выгодный|выгода|тариф|подключить|пакет|бесплатно|"
    "бесплатный|бонус|подарок|спецпредложение|промокод|рассрочка|кешбэк|кэшбэк|страховка|"
    "каско|осаго|трейд-ин|трейдин|подписка|экономия|сэкономить|дешевле|выгоднее",
    "может ~1 все-таки|всетаки|все ~1 таки",
    "все-таки|всё-таки ~3 подумать|попробовать|рассмотреть|посмотреть",
    "подумать|рассмотреть|попробовать|взвесить",
    "а ~1 если",
    "зря",
    "но ~2 ведь|же",
    "всего ~2 за|рубль",
    "давать ~1 я ~2 расскажу|рассказать|запишу|записать|оформлю|оформить|подключу|подключить|"
    "отправлю|отправить|пришлю|прислать",
    "давать ~1 я ~2 хотя ~1 бы",
    "хотя ~1 бы",
    "последний ~2 предложение|вопрос",
])


def _main_verb(ut: UttText, start: int, end: int) -> int | None:
    """Index of the last full verb in a span (modal "надо/нужно/быть" skipped)."""
    found = None
    for i in range(start, min(end, len(ut.tokens))):
        t = tags(ut.tokens[i])
        if ("VERB" in t or "INFN" in t) and ut.lemmas[i] not in MODAL:
            found = i
    return found


def _is_reported(ut: UttText, start: int, end: int) -> bool:
    """"Я же просил не звонить" — an earlier request reported, not (necessarily) repeated.

    A direct address (imperative or 2nd person: "не звоните", "удалите") is never reported.
    After "чтобы"/"бы" the past is a wish ("чтобы мне не звонили"), not a report. Otherwise a
    past or 3rd-person future verb ("обещали, что не позвонят"), or an infinitive right after
    a past speech verb ("просила не звонить"), reports an earlier request.
    """
    v = _main_verb(ut, start, end)
    if v is None:
        return False
    t = tags(ut.tokens[v])
    direct = "impr" in t or "2per" in t
    for i in range(max(0, start - (2 if direct else 4)), start):
        if ut.lemmas[i] in REPORT_V and "бы" not in ut.lemmas[max(0, i - 3):i] and (
                "past" in tags(ut.tokens[i]) or {"ему", "ей", "им"} & set(ut.lemmas[i - 2:i])):
            return True  # "я ему говорю — не звоните", "сказал: не звоните мне"
    if direct:
        return False
    before = ut.lemmas[max(0, start - 7): v]
    if "чтобы" in before or "бы" in before:
        return False
    # past, 1st or 3rd person: a statement ("я не звоню", "курьер не звонил"), not a request
    return "past" in t or "3per" in t or ("1per" in t and ut.lemmas[v] in _CALL_LEMMAS)


def _negation_reaches(ut: UttText, a: int, b: int) -> bool:
    """In "не ... звонить" no other verb stands between ("не знаю, кому звонить",
    "не я решаю, звонки делает система"); modal verbs ("не будем звонить") are fine."""
    if ut.lemmas[a] != "не":
        return True
    for i in range(a + 1, b - 1):
        t = tags(ut.tokens[i])
        if ("VERB" in t or "INFN" in t) and ut.lemmas[i] not in MODAL:
            return False
    return True


def _acknowledges(ut: UttText) -> bool:
    """An operator utterance that accepts the request ("уберу номер", "больше не позвоним").

    Rejected: a refusal ("удалить номер я не могу"), the customer quoted or addressed
    ("что вы сразу «вычеркните»?", "вы сами поставили галочку на рассылку"), a negation of
    something else ("это не я решаю, звонки делает система").
    """
    for a, b in ACK.finditer(ut):
        if not _negation_reaches(ut, a, b):
            continue
        near = ut.lemmas[max(0, a - 3): b + 3]
        if "нельзя" in near and "нельзя" not in ut.lemmas[a:b]:
            continue
        if "невозможно" in near or any(near[k] == "не" and near[k + 1] in ("мочь", "получиться",
                                                                          "можно")
                                       for k in range(len(near) - 1)):
            continue
        v = _main_verb(ut, a, b)
        if v is not None:
            t = tags(ut.tokens[v])
            if "impr" in t or ("2per" in t and ut.lemmas[a] != "не"):
                continue
            if "past" in t and "вы" in ut.lemmas[max(0, v - 4): v]:
                continue
        return True
    return False


def _window(ut: UttText, a: int, b: int, before: int = 5, after: int = 6) -> set[str]:
    return set(ut.lemmas[max(0, a - before): b + after])


def dnc_match(ut: UttText) -> tuple[int, int] | None:
    """Span of the first DNC request in one customer utterance, or None."""
    for a, b in REMOVE.finditer(ut):
        win = _window(ut, a, b, 2, 4)
        if win & NOT_CONTACT and not win & CONTACT_LIST:
            continue  # "старый номер из заказа удалите"
        if not _is_reported(ut, a, b):
            return a, b
    for a, b in NEG_CALL.finditer(ut):
        if not _negation_reaches(ut, a, b) or _is_reported(ut, a, b):
            continue
        prev = ut.lemmas[a - 1] if a > 0 else ""
        if prev in ("если", "мочь") or (prev == "можно" and (a < 2 or ut.lemmas[a - 2] != "если")):
            continue  # "если не позвоните до пятницы", "можете не перезванивать" (but a polite
            # "если можно, не звоните больше" is a request)
        if _alternative_contact(ut, b):
            continue  # "не звоните мне больше на домашний, звоните на мобильный"
        win = _window(ut, a, b)
        if win & STRONG_LASTING:
            return a, b
        if win & TIME_CHANNEL:
            continue
        if win & WEAK_LASTING:
            return a, b
        # "не звоните мне, перезвоните потом / запишите мой личный": another time or channel
        rest = set(ut.lemmas[b: b + 8])
        if rest & {"звонить", "позвонить", "писать", "написать", "перезвонить", "записать"}:
            continue
        return a, b
    return _misheard_match(ut)


def _alternative_contact(ut: UttText, b: int) -> bool:
    """After the request, the customer tells the operator to contact them otherwise:
    a non-negated 2nd-person contact verb ("звоните на мобильный", "пишите в WhatsApp") or
    "только на/в ..." within the next eight words."""
    for k in range(b, min(len(ut.tokens), b + 8)):
        lem = ut.lemmas[k]
        if lem in ("звонить", "позвонить", "писать", "написать", "перезвонить", "набирать"):
            t = tags(ut.tokens[k])
            if ("impr" in t or "2per" in t) and ut.lemmas[k - 1] != "не":
                return True
        if lem == "только" and k + 1 < len(ut.lemmas) and ut.lemmas[k + 1] in ("на", "в", "по"):
            return True
    return False


_CALL_LEMMAS = frozenset(CALL_V.split("|")) | {"перезвонить", "звонок"}
_CALL_FORMS = ("звоните", "звони", "позвоните", "беспокойте", "набирайте", "названивайте")


def _misheard_match(ut: UttText) -> tuple[int, int] | None:
    """ASR mishears the verb ("не вводите мне больше с предложениями"): a negated word within
    two edits of a call verb form, followed by "больше/никогда", is taken as the call verb."""
    for k in range(1, len(ut.tokens)):
        if ut.lemmas[k - 1] != "не" or len(ut.tokens[k]) < 5:
            continue
        tok = ut.tokens[k]
        if ut.lemmas[k] in _CALL_LEMMAS:
            continue  # a real call verb: the rules above already judged it
        if not any(levenshtein(tok, f, 2) <= 2 for f in _CALL_FORMS):
            continue
        if set(ut.lemmas[k + 1: k + 4]) & {"больше", "никогда", "впредь"}:
            return k - 1, k + 1
    return None


@dataclass
class DncOptions:
    """``acknowledge_window``: operator utterances after the request searched for an ack."""

    acknowledge_window: int = 6


@dataclass
class DncAnalyzer(RuleSource):
    """Rules: DNC request (customer), and whether the operator ignored it in this call."""

    options: DncOptions = field(default_factory=DncOptions)
    name: str = "rules.dnc"
    version: str = "1"

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        texts = prepare(conversation, context.cache)
        utts = conversation.utterances
        req: int | None = None
        span = None
        for i, (u, ut) in enumerate(zip(utts, texts)):
            if u.role != "customer":
                continue
            span = dnc_match(ut)
            if span is not None:
                req = i
                break
        labels: dict[str, Any] = {"dnc_request": req is not None, "dnc_request_utterance": req,
                                  "dnc_ignored_in_call": False}
        findings: list[Finding] = []
        if req is None:
            return AnalyzerOutput(labels, findings)
        findings.append(Finding("dnc_request", "major", req, utts[req].start,
                                evidence(texts[req], span, 3), self.source,
                                {"text": utts[req].text}))
        ignored, why, at = self._ignored(conversation, texts, req)
        labels["dnc_ignored_in_call"] = ignored
        if ignored:
            ev = utts[at].text if at is not None else utts[req].text
            findings.append(Finding("dnc_ignored", "critical", at if at is not None else req,
                                    utts[at].start if at is not None else utts[req].start,
                                    ev, self.source, {"reason": why, "request_utterance": req}))
        return AnalyzerOutput(labels, findings)

    def _ignored(self, conv: Conversation, texts: list[UttText],
                 req: int) -> tuple[bool, str, int | None]:
        """(ignored?, reason, utterance index of the evidence)."""
        acked_at: int | None = None
        seen = 0
        for j in range(req + 1, len(conv.utterances)):
            u, ut = conv.utterances[j], texts[j]
            if u.role != "operator":
                continue
            seen += 1
            if acked_at is None and seen <= self.options.acknowledge_window:
                if _acknowledges(ut) and not self._promises_call(ut):
                    acked_at = j
            if acked_at is None:
                if self._promises_call(ut):
                    return True, "promised_call_again", j
                if PITCH.search(ut) is not None:
                    return True, "kept_pitching", j
        if acked_at is None:
            return True, "not_acknowledged", None
        return False, "acknowledged", acked_at

    @staticmethod
    def _promises_call(ut: UttText, ignore: tuple[int, int] | None = None) -> bool:
        for a, b in CALL_AGAIN.finditer(ut):
            if ignore and ignore[0] <= a < ignore[1]:
                continue
            if "не" in ut.lemmas[max(0, a - 3): a]:
                continue
            t = tags(ut.tokens[a])
            if "impr" in t or "2per" in t or "INFN" in t and "вы" in ut.lemmas[max(0, a - 3):a]:
                continue  # "позвоните нам", "если что, звоните"
            if "если" in ut.lemmas[max(0, a - 4): a] and "1per" not in t:
                continue
            return True
        return False
