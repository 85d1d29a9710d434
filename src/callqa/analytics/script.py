"""Script adherence: which steps of the client's script the operator did, where, in what order.

Scripts are data (``data/scripts/<tenant>.yaml``, falling back to ``default.yaml``): ordered
steps with id, title, description, zone, the call types that require them and example
phrases. A step is detected by the example phrases (lemma match) OR by the general patterns
written here for the standard step ids, always on the OPERATOR's utterances in the step's zone
(opening, anywhere, closing). No rule needs punctuation, so raw ASR text works too; where a
transcript does write "?" (typed text, Whisper output), need_identified and summary_next_step
use it to tell questions and offers from statements.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from callqa.analytics.base import AnalysisContext, AnalyzerOutput, RuleSource
from callqa.analytics.dnc import _acknowledges
from callqa.analytics.phrases import (
    Patterns,
    UttText,
    any_tags,
    evidence,
    find_brand,
    is_first_name,
    is_patronymic,
    phrase_pattern,
    prepare,
    tags,
)
from callqa.conversation import Conversation, Finding
from callqa.errors import InputError
from callqa.text import normalize_text, tokenize

log = logging.getLogger(__name__)
BUNDLED_SCRIPTS = Path(__file__).parent / "data" / "scripts"
DEFAULT_STEPS = ("greeting_company", "operator_introduced", "need_identified",
                 "contact_verified", "summary_next_step", "farewell")


@dataclass(frozen=True)
class ScriptStep:
    id: str
    title: str = ""
    description: str = ""
    zone: str = "any"  # opening | any | closing
    required_for: tuple[str, ...] = ("all",)
    examples: tuple[str, ...] = ()

    def required(self, call_type: str | None) -> bool:
        return "all" in self.required_for or (call_type is not None and
                                              call_type in self.required_for)


@dataclass(frozen=True)
class Script:
    """One versioned script; ``ref`` ("default@1") is stored with every result."""

    id: str
    version: str
    steps: tuple[ScriptStep, ...]
    title: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def for_call_type(self, call_type: str | None) -> tuple[ScriptStep, ...]:
        return tuple(s for s in self.steps if s.required(call_type))


def parse_script(data: dict[str, Any], fallback_id: str = "default") -> Script:
    """Build a Script from its YAML mapping; bad files raise ``InputError`` with the reason."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InputError(f"script {fallback_id!r}: needs a 'steps' list")
    steps = []
    for i, s in enumerate(data["steps"]):
        if not isinstance(s, dict) or not s.get("id"):
            raise InputError(f"script {fallback_id!r}: step {i} needs an 'id'")
        zone = str(s.get("zone", "any"))
        if zone not in ("opening", "any", "closing"):
            raise InputError(f"script {fallback_id!r}: step {s['id']!r} has unknown zone {zone!r}")
        req = s.get("required_for", ["all"])
        steps.append(ScriptStep(
            id=str(s["id"]), title=str(s.get("title", "")),
            description=str(s.get("description", "")).strip(), zone=zone,
            required_for=tuple(str(x) for x in (req if isinstance(req, list) else [req])),
            examples=tuple(str(x) for x in s.get("examples", []) or []),
        ))
    return Script(id=str(data.get("id", fallback_id)), version=str(data.get("version", "1")),
                  steps=tuple(steps), title=str(data.get("title", "")))


@lru_cache(maxsize=128)
def _load_file(path: str, mtime: float) -> Script:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return parse_script(data, Path(path).stem)


def script_dirs(settings: Any = None) -> list[Path]:
    dirs: list[Path] = []
    tdir = getattr(settings, "tenants_dir", None) if settings is not None else None
    if tdir:
        dirs.append(Path(tdir) / "scripts")
    dirs.append(BUNDLED_SCRIPTS)
    return dirs


def load_script(tenant: str | None, call_type: str | None = None, settings: Any = None) -> Script:
    """The script for a tenant and call type: ``<tenant>.<call_type>.yaml``, ``<tenant>.yaml``,
    then ``default.yaml`` (searched in ``<tenants_dir>/scripts`` first, then the bundled folder).
    Steps not required for ``call_type`` stay in the script (detected, not flagged when missed).
    """
    names = []
    if tenant and call_type:
        names.append(f"{tenant}.{call_type}.yaml")
    if tenant:
        names.append(f"{tenant}.yaml")
    names.append("default.yaml")
    for name in names:
        for d in script_dirs(settings):
            p = d / name
            if p.is_file():
                return _load_file(str(p), p.stat().st_mtime)
    raise InputError("no script found (default.yaml is missing)")


# --- general patterns for the standard steps --------------------------------------------

GREET = Patterns([
    "здравствуйте|здравствуй|здравствовать|здрасьте|здрасте|здраствуйте|приветствовать|привет|"
    "приветствие",
    "добрый|доброе|доброго ~1 день|утро|вечер|время|ночь",
    "добрый|доброе",
])
INTRO = Patterns([
    "меня ~1 звать",
    "с ~1 вами ~1 говорить|разговаривать",
    "мой ~1 имя",
    "на ~1 связь",
    "вас ~1 беспокоить|приветствовать",
])
# A request for information that needs no "?" ("Назовите номер заказа.", "Оцените от нуля до
# десяти.", "Расскажите, что случилось.")
NEED_ASK = Patterns([
    "чем|что ~2 помочь|подсказать",
    "чем ~2 быть ~1 полезный",
    "в ~1 чем ~1 проблема|вопрос|дело|причина|сложность",
    "по ~1 какой ~1 вопрос|поводу",
    "вин|vin|вин-код|винкод|виин",
    "номер ~2 заказ|договор|заявка|счет|обращение|кузов|чек|вин|карта|карточка",
    "от ~1 ноль|нуль|0|один|1 ~1 до ~1 десять|10|пять|5",
    "по ~1 шкала|десятибалльный|пятибалльный",
    "оцените|оценить ~3 пожалуйста|от|по|наш|нас|работа|обслуживание|сервис",
    "рассказать|расскажите|опишите|описать ~3 что|ситуация|проблема|подробно|подробный|"
    "подробнее|случиться",
    "подскажите|подсказать|назовите|назвать|продиктуйте|продиктовать|уточните|уточнить ~3 "
    "марка|модель|год|вин|артикул|что|какой",
    "скажите|подскажите ~3 какой|чей|сколько|как|что|где|когда|куда|откуда",
])
# Question words and phrasings: a question only when the sentence is one (ends with "?" in
# punctuated text; in unpunctuated ASR text only the lexical filters below can tell)
NEED = Patterns([
    "чем|что ~2 помочь|подсказать",
    "чем ~2 быть ~1 полезный",
    "какой|каков|чей|сколько|откуда|почему|зачем",
    "а ~1 что ~1 с",
    "а ~1 вы ~4 *ли",
    "что ~2 случиться|произойти|беспокоить|интересовать|искать|подобрать|нужно|нужный|"
    "требоваться|хотеть|беспокоиться|сломаться|стрястись|подсказать",
    "какой ~1 вопрос|проблема|машина|автомобиль|модель|год|двигатель|мотор|бюджет|цвет|"
    "комплектация|кузов|пробег|деталь|запчасть|размер|тариф|услуга|скорость|адрес|магазин|товар|"
    "причина|срок|сумма",
    "что ~2 для ~1 вас ~1 важн*|главн*|приоритет*|лучше|удобн*",
    "для ~1 вас ~2 что ~2 важн*|главн*|приоритет*|лучше|удобн*",
    "скажите|подскажите|скажи|подскажи ~3 какой|чей|сколько|как|что|где|когда|ли|а|куда",
    "какой|чей|сколько|куда|откуда|почему|зачем ~2 у ~1 вас|вы|вам|ваш",
    "какой|чей|сколько|куда|откуда|почему|зачем ~3 вы|вас|вам|ваш",
    "как ~2 вам ~1 удобн*|удобно",
    "есть ~2 пожелание|предпочтение|требование|вопрос",
    "двигатель|мотор|кузов|год|модель|объем|комплектация|цвет|бюджет|пробег ~1 какой",
    "скажите|подскажите|скажи|подскажи ~1 а",
    "вы|вам ~2 сейчас",
    "вам ~2 хватать|нужный|нужно|надо|интересно|интересный|важн*|удобн*|приоритет*",
    "ли",
    "вы ~3 пользоваться|смотреть|планировать|решить|собираться|хотеть|искать|перезагружать|"
    "проверять|проверить|ставить|поставить|обращаться|обратиться",
    "как ~2 вам ~3 понравиться|впечатление|машина|автомобиль|обслуживание|сервис|покупка",
    "все ~1 ли ~2 устраивать|нравиться|понравиться|в ~1 порядок|хорошо",
    "устраивать ~2 ли",
    "интересовать ~3 ли",
    "когда ~3 заказывать|заказать|купить|покупать|оформлять|оформить|ставить|поставить|"
    "установить|получить|получать|обнаружить|заметить|начаться|появиться|произойти|случиться",
    "где ~3 покупать|купить|заказывать|заказать|ставить|поставить|установить|брать",
    ("покупать|купить|заказывать|заказать|ставить|поставить|установить|устанавливать|брать|"
     "менять|поменять ~1 где|когда|сами"),
    "вам|вы|вас|ваш ~4 или",
    "что ~1 именно",
    "что ~2 с ~2 машина|автомобиль|заказ|товар|деталь|интернет|телевидение|связь",
    "ищете|ищите|искать ~2 что",
    "оценить|оцените|порекомендовать|рекомендовать|посоветовать",
])
NEED_NOT = Patterns([
    "дешевле|дороже|больше|меньше|лучше|выгоднее ~1 чем",
    "что ~1 вы ~1 сразу",
    "вообще ~1 видеть|знать|понимать|слышать",
    "давайте|давай ~3 я|мы",
    "если ~2 я|мы",
    "перевести ~1 вас|вам",
    "какой|какой-то ~1 то|нибудь|либо",
    "мало ~1 ли",
    "откуда ~1 я ~1 знать",
    "каким ~1 тоном",
    "какой ~1 тон",
    "это ~2 вы",
    "говорить|разговаривать|поговорить ~1 с",
    "всё|все ~1 верно|правильно|в ~1 сила",
    "подойти|устроить|договориться",
    "что ~1 вы ~1 от ~1 я|меня ~1 хотеть",
    "я ~1 что ~1 сделать",
    "при ~1 что",
    "удобно|удобный ~2 говорить|разговаривать|поговорить|общаться|минута|минутка",
    "есть ~1 минута|минутка",
    "записать|оформить|оформлять|подключить|подключать ~1 вас|вам",
])
CONTACT = Patterns([
    "как ~2 к ~1 вам ~1 обращаться",
    "как ~2 вас ~1 звать|величать|зовут",
    "ваш ~1 имя|фамилия|отчество|телефон|почта|email|адрес",
    "имя|фамилия ~1 отчество",
    "номер ~2 заказ|договор|телефон|заявка|лицевой|счет|карта|обращение|накладная|чек|паспорт|"
    "полис|сделка",
    "лицевой ~1 счет",
    "заканчиваться ~1 на",
    "подтвердить|подтвердите|уточнить|уточните|сверить|продиктовать|продиктуйте|назвать|"
    "назовите|напомнить|напомните|подсказать|подскажите ~4 номер|имя|фамилия|адрес|данные|"
    "телефон|дата|почта|договор|заказ",
    "на ~1 кто ~2 оформить|оформлен|оформлять|заказ|договор",
    "дата ~1 рождение",
    "с ~1 кем ~1 я ~1 говорить|разговаривать",
    "я ~1 говорить|разговаривать ~1 с",
    "мочь ~1 я ~1 поговорить|услышать|говорить ~1 с",
    "мочь ~1 я ~1 услышать",
    "это ~1 вы",
    "правильно ~1 понимать ~2 что ~1 вы",
    "я ~1 правильно ~1 понимать",
    "номер ~3 этот|тот ~2 же|который",
    "верно|правильно",
    "адрес ~2 доставка ~3 прежний|тот|тот ~1 же|верный|правильный",
])
SUMMARY = Patterns([
    "итак|итого|резюмировать|подытожить|резюмирую|подытожу",
    "значит ~1 так",
    "то ~1 есть ~3 завтра|сегодня|понедельник|вторник|среда|четверг|пятница|суббота",
])
# a next step = an action + something concrete about it (when, where, how)
SUMMARY_ACTION = frozenset("""перезвонить позвонить набрать связаться написать отправить прислать
выслать скинуть привезти доставить прийти приходить приехать подъехать передать оформить записать
подготовить проверить сообщить рассмотреть ответить вернуть перевести списать зачислить поступить
готовый готовить забрать ждать ожидать согласовать выехать отправлять присылать направить
направлять зарегистрировать оформлять записывать звонить созвониться прибыть доставлять привозить
выдать выдавать отгрузить собрать сделать обработать начислить пересчитать продлить подключить
приедет придет позвонит наберет перезвонит вернуться перенестись перенести зачислить зачислиться
обновиться прийти зарезервировать учесть указать зафиксировать уточнить приезжать подъезжать
приносить принести забирать отметить пометить""".split())
SUMMARY_WHEN = frozenset("""завтра сегодня послезавтра понедельник вторник среда четверг пятница
суббота воскресенье утро утром вечер вечером обед течение час день неделя минута до через после
январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь смс эсэмэска
эсэмэс sms почта полчаса накануне неделька месяц конец начало whatsapp ватсап вотсап телеграм телеграмм мессенджер адрес пункт склад офис
сервис номер обращение заявка кабинет приложение сайт магазин""".split())
SUMMARY_NOT = Patterns([
    "переключать|переключить|соединять|соединить|перевести|переводить ~2 вас|на|звонок",
])
FAREWELL = Patterns([
    "до ~1 свидание",
    "до ~1 встреча|связь",
    "всего ~1 добрый|хороший|наилучший",
    "всего ~1 доброго|хорошего",
    "хороший|добрый|удачный|приятный|отличный ~1 день|вечер|выходные|дорога|неделя",
    "спасибо|благодарить|благодарю|благодарность|спасибочка",
    "удача|удачи|счастливо|счастливый|берегите|беречь",
])

STEP_PATTERNS: dict[str, Patterns] = {
    "need_identified": NEED,
    "contact_verified": CONTACT,
    "summary_next_step": SUMMARY,
    "farewell": FAREWELL,
    "operator_introduced": INTRO,
}


@dataclass
class ScriptOptions:
    """Zones: how many operator utterances count as opening / closing."""

    opening_utterances: int = 2
    closing_utterances: int = 3
    # the outcome often comes before a survey question and the farewell: a wider closing
    summary_utterances: int = 4
    tenant: str | None = None  # script tenant override (else the conversation's tenant)


@dataclass
class ScriptAnalyzer(RuleSource):
    """Rules: script steps done or not, where, and whether their order was kept."""

    options: ScriptOptions = field(default_factory=ScriptOptions)
    settings: Any = None
    name: str = "rules.script"
    version: str = "1"

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        call_type = context.labels.get("call_type")
        tenant = self.options.tenant or conversation.meta.tenant
        settings = self.settings
        if settings is None:
            from callqa.settings import get_settings

            settings = get_settings()
        script = context.options.get("script") or load_script(tenant, call_type, settings)
        texts = prepare(conversation, context.cache)
        ops = [i for i, u in enumerate(conversation.utterances) if u.role == "operator"]
        n_open = int(context.options.get("opening_utterances", self.options.opening_utterances))
        n_close = int(context.options.get("closing_utterances", self.options.closing_utterances))
        # the closing never includes the operator's first words (a short sales call's pitch
        # is not a summary, its "добрый день" not a farewell)
        closing = [i for i in ops[-n_close:] if len(ops) < 2 or i != ops[0]]
        zones = {"opening": ops[:n_open], "any": ops, "closing": closing}
        brands = list(context.tenant.brand_names) or [context.tenant.display_name or ""]
        adherence: dict[str, Any] = {}
        done: dict[str, bool] = {}
        findings: list[Finding] = []
        required = {s.id for s in script.for_call_type(call_type)}
        n_sum = int(context.options.get("summary_utterances", self.options.summary_utterances))
        summary_zone = [i for i in ops[-max(n_sum, n_close):] if len(ops) < 2 or i != ops[0]]
        for step in script.steps:
            zone = zones[step.zone]
            if step.id == "summary_next_step" and step.zone == "closing":
                zone = summary_zone
            idx, ev = self._detect(step, conversation, texts, zone, ops, brands)
            done[step.id] = idx is not None
            adherence[step.id] = {"done": idx is not None, "utterance_index": idx,
                                  "evidence": ev, "required": step.id in required,
                                  "title": step.title}
            if idx is None and step.id in required:
                findings.append(Finding(
                    "script_step_missing", "minor", None, None,
                    f"не выполнен шаг: {step.title or step.id}", self.source,
                    {"step": step.id, "script": script.ref}))
        # order: the positions of the done steps must follow the script order
        positions = [adherence[s.id]["utterance_index"] for s in script.steps
                     if adherence[s.id]["done"]]
        order_kept = all(a <= b for a, b in zip(positions, positions[1:]))
        adherence["order_kept"] = order_kept
        adherence["script"] = script.ref
        if not order_kept:
            bad = next(i for i, (a, b) in enumerate(zip(positions, positions[1:])) if a > b)
            findings.append(Finding("script_order", "info", positions[bad + 1],
                                    conversation.utterances[positions[bad + 1]].start,
                                    conversation.utterances[positions[bad + 1]].text,
                                    self.source, {"script": script.ref}))
        return AnalyzerOutput({"script": done, "script_adherence": adherence,
                               "script_id": script.ref}, findings)

    # -- detection ------------------------------------------------------------------------
    def _detect(self, step: ScriptStep, conv: Conversation, texts: list[UttText],
                zone: list[int], ops: list[int],
                brands: list[str]) -> tuple[int | None, str | None]:
        examples = _examples(step.examples)
        # a transcript that never writes "?" (some ASR, exports) can't mark questions by it
        asks = step.id == "need_identified" and any("?" in u.text for u in conv.utterances)
        special = {
            "greeting_company": lambda i: _greeting_company(texts[i], brands),
            "operator_introduced": lambda i: _introduced(texts[i], i, ops, brands, conv),
            "need_identified": lambda i: _need(texts[i], conv.utterances[i].text, examples,
                                               asks),
            "contact_verified": lambda i: _contact(texts[i], i, ops, conv),
            "summary_next_step": lambda i: _summary(texts[i], conv.utterances[i].text),
            "farewell": lambda i: _farewell(texts[i], i, ops),
        }.get(step.id)
        general = STEP_PATTERNS.get(step.id)
        for i in zone:
            ut = texts[i]
            span = None
            if special is not None:
                span = special(i)
            elif general is not None:
                span = general.search(ut)
            if span is None and examples and step.id != "need_identified":
                span = examples.search(ut)  # (need_identified checks its examples itself)
            if span is not None:
                return i, evidence(ut, span, 3)
        return None, None


@lru_cache(maxsize=256)
def _examples(examples: tuple[str, ...]) -> Patterns:
    return Patterns([phrase_pattern(e) for e in examples if e.strip()])


def _greeting_company(ut: UttText, brands: list[str]) -> tuple[int, int] | None:
    g = GREET.search(ut)
    if g is None:
        return None
    b = find_brand(ut.tokens, brands)
    if b is None:
        return None
    return min(g[0], b[0]), max(g[1], b[1])


_NOT_NAMES = frozenset({"камри", "роза", "вера", "надежда", "любовь", "слава", "мир", "ока",
                        "нива", "лада", "гранта", "веста", "веста", "калина", "приора", "ларгус",
                        "рио", "поло", "солярис", "гольф", "октавия", "киа", "шкода", "марка"})


def _own_names(ut: UttText) -> list[int]:
    """Token indices of first names not followed by a patronymic (a customer's full name)."""
    out = []
    for i, t in enumerate(ut.tokens):
        if t in _NOT_NAMES or not is_first_name(t):
            continue
        if i + 1 < len(ut.tokens) and is_patronymic(ut.tokens[i + 1]):
            continue
        out.append(i)
    return out


def _introduced(ut: UttText, i: int, ops: list[int], brands: list[str],
                conv: Conversation) -> tuple[int, int] | None:
    hit = INTRO.search(ut)
    if hit is not None:
        return hit
    names = _own_names(ut)
    if not names:
        return None
    outbound = conv.meta.direction == "outbound"
    first_op = bool(ops) and i == ops[0]
    brand = find_brand(ut.tokens, brands)
    for k in names:
        prev = ut.lemmas[max(0, k - 2):k]
        nxt = ut.lemmas[k + 1:k + 3]
        if "звать" in prev or {"беспокоить", "из", "компания", "звонить"} & set(nxt):
            return k, k + 1
        if brand is not None and (abs(k - brand[1]) <= 2 or abs(brand[0] - k) <= 2):
            return k, k + 1
        if "это" in prev and (not outbound or not _asked(conv.utterances[i].text,
                                                          ut.tokens[k])):
            return k, k + 1  # "Здравствуйте, это Денис." (not "Это Денис?" checking a name)
        if first_op and not outbound and "вы" not in prev:
            return k, k + 1
        if {"я", "это"} & set(prev) and nxt[:1] != ["?"] and ("из" in nxt or not outbound):
            return k, k + 1
    return None




def _asked(text: str, token: str) -> bool:
    """Is ``token`` followed by a question mark in the raw text ("Это Дарья?")?"""
    return re.search(re.escape(token) + r"[^\w.!]{0,3}\?", normalize_text(text)) is not None


def _need(ut: UttText, text: str = "", examples: Patterns | None = None,
          question_marks: bool = True) -> tuple[int, int] | None:
    """A question about the customer's need or situation.

    A request for information ("назовите номер заказа", "оцените от нуля до десяти") counts
    as it is. A question word or phrasing counts only in a question: in punctuated text its
    sentence must end with "?" (the writer or ASR said it was one: "Вы хотите двадцатый год
    за шестьсот — таких нет." is not), and any "?" sentence that asks about the customer
    counts too. Raw ASR text has no "?", so there lexical filters drop the usual declaratives
    ("я вам сказал", "вы же переплачиваете"). Excluded everywhere: "удобно говорить?", sales
    closes, name checks, rhetorical "что вы от меня хотите?". ``question_marks``: whether the
    transcript writes "?" at all (if not, its punctuation says nothing about questions).
    """
    marks = sentence_marks(text) if text else None
    if marks is not None and len(marks) != len(ut.tokens):
        marks = None  # tokenisation differs by sentence: fall back to the lexical rules
    punctuated = question_marks and bool(text) and _PUNCT_RE.search(text) is not None

    def excluded(a: int, b: int) -> bool:
        if "чего" in ut.tokens[max(0, a - 1):b]:
            return True  # "чего вы кричите?", "чего вы хотите за такие деньги?": a reproach
        near = NEED_NOT.search(ut, max(0, a - 2))
        return near is not None and near[0] <= b + 1 and a <= near[1]

    weak: list[tuple[int, int]] = []
    demoted: set[tuple[int, int]] = set()
    for a, b in NEED_ASK.finditer(ut):
        if excluded(a, b):
            continue
        t = tags(ut.tokens[a])
        if t & {"VERB", "INFN"} and "impr" not in t:
            weak.append((a, b))  # "я вам сказал, что..." is no request: a question or not
            demoted.add((a, b))
            continue
        return a, b
    weak += NEED.finditer(ut)
    if examples:
        weak += examples.finditer(ut)  # the script's phrases ("что случилось") are questions
    for a, b in sorted(weak):
        if excluded(a, b):
            continue
        if punctuated:
            if marks is None or any(marks[k] == "?" for k in range(a, b)):
                return a, b
            continue
        # unpunctuated: no "?" to tell a question from a statement
        if (a, b) in demoted or _asr_declarative(ut, a, b):
            continue
        if not _has_wh(ut, a, b) and any("1per" in tags(ut.tokens[j])
                                          for j in range(max(0, a - 3), b)):
            continue  # "не рекомендуем", "я отмечу, что вам звонить не надо": the operator's own
        return a, b
    if punctuated and marks is not None:
        return _situation_question(ut, sentences(text) or (), excluded)
    if not punctuated:
        # "а вы при курьере коробку вскрывали", "а вы уже переобувались": "а вы" + a past verb
        for j in range(len(ut.tokens) - 2):
            if ut.tokens[j] == "а" and ut.tokens[j + 1] == "вы":
                for v in range(j + 2, min(len(ut.tokens), j + 7)):
                    if {"VERB", "past", "plur"} <= tags(ut.tokens[v]) and not excluded(j, v + 1):
                        return j, v + 1
    return None


_PUNCT_RE = re.compile(r"[.!?…]")
_SENT_RE = re.compile(r"[^.!?…]+(?:[.!?…]+|$)")


@lru_cache(maxsize=20_000)
def sentences(text: str) -> tuple[tuple[int, int, str], ...] | None:
    """Token spans (start, end, closing mark "?", ".", "!" or "") of the sentences of ``text``;
    None without any sentence punctuation (raw ASR text), where they can't be told apart."""
    if not _PUNCT_RE.search(text):
        return None
    out: list[tuple[int, int, str]] = []
    k = 0
    for m in _SENT_RE.finditer(text):
        sent = m.group(0)
        n = len(tokenize(sent))
        if n:
            tail = sent.rstrip()[-3:]
            mark = "?" if "?" in tail else ("!" if "!" in tail else ("." if tail[-1:] in ".…"
                                                                      else ""))
            out.append((k, k + n, mark))
            k += n
    return tuple(out)


def sentence_marks(text: str) -> tuple[str, ...] | None:
    """Per token, the mark closing its sentence (see ``sentences``)."""
    spans = sentences(text)
    if spans is None:
        return None
    return tuple(mark for a, b, mark in spans for _ in range(a, b))


# 2nd person / the customer's things, and a past or present verb: "вы ... вскрывали?",
# "чек сохранился?", "ставили сами?"
_YOU = frozenset({"вы", "вас", "вам", "ваш", "сам", "сами"})
_NOT_SITUATION = Patterns([
    "удобно|удобный ~2 говорить|разговаривать|поговорить|общаться|минута|минутка",
    "минута|минутка|вопрос ~2 можно|есть|уделить",
    "можно ~2 вопрос|минута|минутка",
    ("записать|оформить|оформлять|подключить|подключать|переключить|соединить|прислать|"
     "отправить|скинуть|рассказать ~1 вас|вам"),
    "подойти|устроить|договориться|удобно|подходить|устраивать",
    "мочь ~1 я|мы",
    "это ~2 вы",
    "я ~1 говорить|разговаривать ~1 с",
    "вы ~1 что|меня ~2 слышать|понимать|слушать",
    "что ~1 вы ~1 от ~1 я|меня ~1 хотеть",
    "понятно|ясно|слышно",
])


def _situation_question(ut: UttText, spans: tuple[tuple[int, int, str], ...],
                        excluded: Any) -> tuple[int, int] | None:
    """A yes/no question about the customer's situation ("А вы при курьере коробку
    вскрывали?", "Чек сохранился?", "Кто-то будет дома?"), punctuated text only."""
    for k, e, mark in spans:
        if mark != "?" or e - k < 2 or e > len(ut.tokens):
            continue
        sent = UttText(ut.tokens[k:e], ut.lemmas[k:e], " " + " ".join(ut.lemmas[k:e]) + " ")
        if _NOT_SITUATION.search(sent) is not None or _name_check(sent) or excluded(k, e):
            continue
        verbs = [tags(t) for t in sent.tokens]
        verbs = [t for t in verbs if t & {"VERB", "PRTS", "ADJS"}]
        if verbs and (_YOU & set(sent.lemmas) or any(
                {"past", "plur"} <= t or {"futr", "3per"} <= t or {"pres", "2per"} <= t
                for t in verbs)):
            return k, e
    return None


_WH = frozenset({"какой", "каков", "чей", "сколько", "откуда", "почему", "зачем", "где", "куда",
                 "когда", "что", "чем", "как", "кто", "ли", "ль", "какие", "каким", "насколько"})


def _has_wh(ut: UttText, a: int, b: int) -> bool:
    return any(ut.lemmas[j] in _WH or ut.tokens[j] in _WH for j in range(a, b))


_ASR_DECL = Patterns([
    "я ~1 вам|тебе ~1 сказать|говорить|объяснять|объяснить",
    "вы ~1 же",
    "мало ~1 ли",
    "как ~1 хотеть",
    "куда ~1 хотеть",
    "если ~1 что",
    "не ~1 в ~1 курс",
    "не ~1 знать ~3 сколько|какой|что|где|когда",
    "вы ~2 скажите|скажете",
    "я ~1 вам ~2 дело",
    "скорее ~1 всего",
    "наверняка|точно|конечно",
    "перезвонить|позвонить|набрать|наберу ~2 когда",
])


def _asr_declarative(ut: UttText, a: int, b: int) -> bool:
    """In unpunctuated text, the usual statements that contain a question word."""
    near = _ASR_DECL.search(ut, max(0, a - 4))
    return near is not None and near[0] <= b + 1 and a <= near[1] + 2


def _name_check(ut: UttText) -> bool:
    """"Это Дарья?", "Ильдар Ринатович?", "Я говорю с Анной?" — a name being checked."""
    return any(is_first_name(t) or is_patronymic(t) for t in ut.tokens if t not in _NOT_NAMES)


def _contact(ut: UttText, i: int, ops: list[int], conv: Conversation) -> tuple[int, int] | None:
    for a, b in CONTACT.finditer(ut):
        if ut.lemmas[a] in ("верно", "правильно"):
            # "правильно?" confirms data only when data stands just before
            prev = ut.tokens[max(0, a - 6):a]
            if not any(t.isdigit() or tags(t) & {"NUMR", "Name", "Patr", "Surn"} for t in prev):
                continue
        return a, b
    # "Ильдар Ринатович?" / "Это Кирилл?" — the customer's name checked at the start
    if ops and i in ops[:2]:
        for k, t in enumerate(ut.tokens):
            if t in _NOT_NAMES:
                continue
            if is_first_name(t) and k + 1 < len(ut.tokens) and is_patronymic(ut.tokens[k + 1]):
                return k, k + 2
            if is_first_name(t) and k > 0 and ut.lemmas[k - 1] == "это" and (
                    conv.meta.direction == "outbound"):
                text = conv.utterances[i].text
                if _asked(text, t) or not re.search(r"[.!?]", text):
                    return k - 1, k + 1  # "Это Кирилл?" (or unpunctuated ASR: can't tell)
    return None


def _farewell(ut: UttText, i: int, ops: list[int]) -> tuple[int, int] | None:
    """Thanks or goodbye; "Добрый день" opening the call is a greeting, not a farewell."""
    for a, b in FAREWELL.finditer(ut):
        if ops and i == ops[0] and a <= 1 and ut.lemmas[a] in ("добрый", "хороший", "доброе"):
            continue
        if ut.lemmas[a] in ("спасибо", "благодарить", "благодарю", "спасибочка") and \
                "за" not in ut.lemmas[a + 1:a + 3] and a < len(ut.lemmas) - 3:
            continue  # "Спасибо, записала семь" thanks for an answer, it does not close
        return a, b
    return None


def _summary(ut: UttText, text: str = "") -> tuple[int, int] | None:
    """The outcome or the next step: an action with something concrete about it (when, where,
    how), a promise to pass on or write ("передам руководителю", "напишу"), or a DNC request
    accepted. Not: offers and questions ("Записать вас?", "может, скину условия?"), vague
    promises ("перезвоним, когда будет акция"), a survey score noted ("записала, шесть"),
    an offer's deadline ("акция до воскресенья"), the day in "хорошего дня". With punctuation
    the concrete word must be in the action's sentence.
    """
    if _acknowledges(ut) and _POLITE_ONLY.search(ut) is None:
        return 0, len(ut.tokens)
    hit = SUMMARY.search(ut)
    if hit is not None:
        return hit
    spans = sentences(text) if text else None
    if spans and spans[-1][1] != len(ut.tokens):
        spans = None
    farewell_days = {j for a, b in _FAREWELL_TIME.finditer(ut) for j in range(a, b)}
    for k, lem in enumerate(ut.lemmas):
        if not _is_action(ut, k):
            continue
        s0, s1, mark = next(((x, y, m) for x, y, m in spans if x <= k < y),
                            (0, len(ut.tokens), "")) if spans else (0, len(ut.tokens), "")
        if mark == "?":
            continue  # "Записать вас?", "Может, на почту скину?": an offer, not a step
        before = ut.lemmas[max(s0, k - 6):k]
        modal = OFFER_MODAL & set(before)
        if modal == {"можно"} and lem in _PICKUP:
            modal = set()  # "можно забирать сегодня до девяти": the customer's next step
        if modal or ("хотя" in before and "бы" in before):
            continue  # "можем оформить", "хотели предложить", "давайте я скину": an offer
        t = tags(ut.tokens[k])
        if "PRTS" in t and lem in ("написать", "указать", "сказать"):
            continue  # "там написано, что срок ориентировочный": what a text says
        if lem in _REDIRECT and "impr" in any_tags(ut.tokens[k]) and k + 1 < s1 and ut.lemmas[k + 1] in (
                "в", "во", "к", "на"):
            continue  # "звоните в магазин", "пишите в СДЭК": sent elsewhere, no next step
        if {"чего", "зачем", "почему"} & set(ut.tokens[max(s0, k - 5):k]):
            continue  # "чего вы на горячую линию звоните": a reproach
        if lem == "готовый" and "вы" in ut.lemmas[max(s0, k - 2):k]:
            continue  # "насколько вы готовы рекомендовать"
        if lem == "звонить" and "pres" in t and "1per" in t:
            continue  # "звоню сообщить", "звоню по вашей заявке": this call, not a next one
        after = ut.lemmas[k + 1:min(s1, k + 4)]
        if ({"когда", "если"} & set(after) or _VAGUE & set(ut.lemmas[k + 1:min(s1, k + 6)])) and not _concrete(ut, range(max(s0, k - 8), k),
                                                            farewell_days, words_only=True):
            continue  # "перезвоним, когда будет акция", "наберу, вдруг надумаете" (no date)
        near = range(max(s0, k - 8), min(s1, k + 9))
        window = set(ut.lemmas[near.start:near.stop])
        if window & _PROMO and not {"1per", "futr"} <= t:
            continue  # a pitch: "акция до воскресенья, потом будет дороже" ("наберу вечером,
            # расскажу про скидку" is still a promise)
        if {"назад", "прошлый"} & window:
            continue  # "вы неделю назад забрали машину": what happened, not what comes next
        words_only = "past" in t  # "записала, шесть": a past action needs a day, place...
        if _concrete(ut, near, farewell_days, words_only):
            if SUMMARY_NOT.search(ut) is not None and len(ut.tokens) < 8:
                return None
            return max(0, k - 3), k + 4
        if lem in _PROMISE and {"1per", "futr"} <= t and not {"когда", "если"} & set(after) \
                and "ну" not in ut.lemmas[max(s0, k - 2):k]:  # "ну, я передам": a brush-off
            return max(0, k - 3), k + 4  # "Хорошо, напишу.", "Записал, передам руководителю."
    return None


def _concrete(ut: UttText, near: range, skip: set[int], words_only: bool = False) -> bool:
    """Something concrete about the step in ``near``: a day, time, channel, place or number."""
    for j in near:
        if j in skip:
            continue
        if ut.lemmas[j] in SUMMARY_WHEN:
            return True
        if not words_only and ("NUMR" in tags(ut.tokens[j]) or ut.tokens[j].isdigit()):
            return True
    return False


# "хорошего дня", "добрый вечер", "в день" (a rate): no day of a next step
_FAREWELL_TIME = Patterns([
    ("хороший|добрый|доброе|доброго|хорошего|приятный|удачный|отличный|всего ~1 день|вечер|"
     "утро|выходные|неделя|ночь"),
    "в ~1 день|месяц",
    "штука|раз ~2 в ~1 день|неделя|месяц",
])
_PROMO = frozenset({"акция", "скидка", "предложение", "дороже", "дешевле", "выгодный", "выгода",
                    "стоить", "цена", "выгодно"})
# a promise in the first person future is a next step by itself ("передам", "напишу")
_PROMISE = frozenset({"передать", "написать", "отправить", "прислать", "выслать", "скинуть",
                      "перезвонить", "сообщить", "набрать", "связаться", "позвонить",
                      "согласовать", "записать", "оформить", "уточнить", "проверить",
                      "подготовить", "зарезервировать", "учесть", "указать", "зафиксировать",
                      "отметить", "пометить"})
_PICKUP = frozenset({"забрать", "забирать", "приехать", "приезжать", "получить", "получать",
                     "подъехать"})
_VAGUE = frozenset({"вдруг", "надумать", "созреть", "передумать", "решиться"})
_REDIRECT = frozenset({"звонить", "позвонить", "написать", "писать", "обратиться", "обращаться",
                       "перезвонить"})
# "не буду настаивать / отнимать время": politely ending a pitch, not a DNC request accepted
_POLITE_ONLY = Patterns([
    "не ~2 настаивать|отнимать|отвлекать|задерживать|мешать",
])


OFFER_MODAL = frozenset({"мочь", "можно", "предлагать", "предложить", "хотеть", "давать",
                         "звонить", "хотеться", "если"})


def _is_action(ut: UttText, k: int) -> bool:
    """A next-step verb: a known action ("перезвоню", "придёт") or "будет". Any future or
    imperative verb was tried and cost more precision than it gained recall."""
    if ut.lemmas[k] in SUMMARY_ACTION:
        return True
    # "мастер будет у вас завтра": the future of "быть" (not "было", "был")
    return ut.lemmas[k] == "быть" and "futr" in tags(ut.tokens[k])
