"""Role assignment as pure functions.

Stereo PBX recordings put each party on its own channel, so the role is metadata
(``operator_channel``). Mono recordings only give anonymous diarization speakers; the operator is
then recognised by what they say. Operators across call types share a register: they name the
company ("компания X", "X, здравствуйте"), introduce themselves ("меня зовут", "это Ольга"),
offer help ("чем могу помочь", "слушаю вас"), ask for permission and data ("удобно говорить",
"подскажите номер заказа"), speak for the company ("у нас", "мы отправим", "я проверю") and close
formally ("спасибо за обращение"). Customers speak about their own situation ("я у вас заказывал",
"мне нужно", "у меня"), answer outbound calls ("алло", "кто это") and refer to the company as
"вы"/"у вас". Each cue is a weighted regular expression over normalised text (lowercase, ё→е,
no punctuation, so raw ASR output works); a speaker's score sums the cues found (each counted
once, greeting cues weigh more in the speaker's opening turns). The difference between the two
best speakers gives the decision and a confidence in [0, 1].
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from callqa.conversation import Role

_PUNCT_RE = re.compile(r"[^\w\s]+", re.UNICODE)


def _norm(text: str) -> str:
    return " ".join(_PUNCT_RE.sub(" ", text.lower().replace("ё", "е")).split())


@dataclass(frozen=True)
class Cue:
    """A phrase pattern; positive weight = operator-like, negative = customer-like."""

    name: str
    pattern: str
    weight: float
    opening_only: bool = False  # only counts in the speaker's first turns (greetings)

    def compiled(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w)(?:{self.pattern})(?!\w)")


CUES: tuple[Cue, ...] = (
    # --- operator: company greeting and self-introduction
    Cue("company_word", r"(?:компания|компании|магазин\w*|интернет магазин\w*|дилерский центр|"
                        r"горячая линия|служба (?:поддержки|доставки|качества)|"
                        r"техническая поддержка|техподдержка|отдел \w+|сервисный центр|"
                        r"контакт центр|колл центр|call центр)", 1.0, opening_only=True),
    Cue("introduce", r"меня зовут|меня \w+ зовут|вас приветствует|на связи|"
                     r"(?:это|с вами) (?:говорит )?[а-я]+ (?:из|от) компании", 2.5, opening_only=True),
    Cue("offer_help", r"чем (?:я )?могу (?:вам )?(?:помочь|быть полезн\w*)|слушаю вас|"
                      r"\w+ слушает|чем помочь|какой у вас вопрос|по какому вопросу", 3.0),
    Cue("calling_from", r"(?:звоню|звоним|беспокоит|беспокою|беспокоим) (?:вам |вас )?"
                        r"(?:из|от|по поводу|по вашему|по вашей|насчет|с)|вас беспокоит|"
                        r"беспокоит компания|это по поводу|я по поводу|звоню по", 2.5),
    Cue("permission", r"(?:вам )?удобно (?:сейчас )?(?:говорить|разговаривать)|"
                      r"(?:можете|сможете) (?:сейчас )?уделить|уделить (?:пару |одну )?минут\w*|"
                      r"могу (?:я )?поговорить с|я говорю с|"
                      r"пару минут вашего времени", 2.5),
    Cue("survey", r"по шкале|от (?:нуля|одного|0|1) до (?:десяти|10)|оцените|оценить (?:нас|работу|"
                  r"качество|обслуживание)|насколько вероятно|порекомендуете|"
                  r"(?:провод\w*|небольшой|короткий|пройти) (?:опрос\w*|анкет\w*)", 2.0),
    Cue("ask_data", r"(?:подскажите|назовите|продиктуйте|уточните|скажите) (?:пожалуйста )?"
                    r"(?:ваш\w*|номер|вин|vin|фамилию|имя|адрес|марку|модель|год)|"
                    r"номер (?:вашего )?(?:заказа|договора|заявки|лицевого счета)|"
                    r"на кого оформлен|как (?:к вам|вас) (?:можно )?обращаться|"
                    r"номер подтвердите|подтвердите (?:пожалуйста )?(?:номер|адрес|данные)", 2.0),
    Cue("company_we", r"у нас (?:есть|сейчас|в наличии|действует|проходит|акция)|мы (?:можем|"
                      r"предлагаем|отправим|привезем|доставим|вернем|заменим|перезвоним|свяжемся|"
                      r"оформим|проверим|рассмотрим|компенсируем|начислим)|вы у нас|"
                      r"наш (?:мастер|специалист|менеджер|сервис|магазин|курьер|склад)|"
                      r"наши (?:мастера|специалисты|менеджеры)|"
                      r"для (?:вас|наших (?:клиентов|абонентов|покупателей))", 1.5),
    Cue("agent_action", r"(?:я |сейчас )?(?:проверю|посмотрю|уточню|оформлю|зафиксирую|отмечу|"
                        r"передам|запишу|создам заявку|направлю|переключу|соединю)|"
                        r"оставайтесь на линии|не кладите трубку|одну минуту|минуточку|"
                        r"оформила|оформил заявку|заявку оформ\w*|отметку постав\w*|"
                        r"в вашей карточке|в карточке|по системе|в системе вижу|"
                        r"могу предложить|предлагаю|предлагаем|есть (?:в наличии|аналог)", 1.5),
    Cue("formal_close", r"спасибо за (?:обращение|звонок|ваше время|ответ\w*|ожидание|"
                        r"терпение|покупку|выбор)|спасибо что (?:уделили|обратились|дождались)|"
                        r"обращайтесь|хорошего (?:вам )?(?:дня|вечера)|приятного дня|"
                        r"всего (?:вам )?доброго", 1.0),
    Cue("apology_company", r"приносим (?:свои )?извинения|приношу (?:свои )?извинения|"
                           r"извините за (?:ожидание|неудобства|беспокойство)", 1.5),
    # --- customer: answering, own situation, talking to the company
    # A bare "алло" / "да, слушаю" as the whole first turn is how a called person picks up.
    Cue("answer_phone", r"^(?:да )?(?:алло|алле|але)(?: да)?(?: слушаю)?$|^да слушаю$", -2.0,
        opening_only=True),
    Cue("who_calls", r"кто это|кто звонит|откуда (?:вы )?звоните|откуда у вас (?:мой )?номер|"
                     r"что за компания|откуда вы|(?:это|вы) (?:горячая линия|магазин|сервис|компания)",
        -3.0),
    Cue("i_bought", r"я у вас|у вас (?:заказывал\w*|купил\w*|брал\w*|покупал\w*|оформлял\w*)|"
                    r"я (?:заказывал\w*|заказал\w*|купил\w*|покупал\w*|брал\w*|оформил\w*|"
                    r"оплатил\w*|оплачивал\w*|жду|ждал\w*|звонил\w*|обращал\w*)", -2.0),
    Cue("i_need", r"мне (?:нужн\w*|надо|бы|нужен)|я хочу|я хотел\w*|хотел\w* бы|у меня|"
                  r"моя (?:машина|заявка|посылка)|мой (?:заказ|номер|договор)|"
                  r"мне (?:не )?(?:интересно|подходит|удобно)|не звоните|не надо мне", -1.5),
    Cue("you_company", r"вы (?:мне|обещали|звоните|опять|же|сказали)|ваш\w* (?:магазин\w*|"
                       r"компани\w*|сервис\w*|оператор\w*|сотрудник\w*|мастер\w*|курьер\w*)|"
                       r"девушка|молодой человек", -1.5),
    Cue("price_question", r"сколько (?:это )?(?:стоит|будет стоить)|когда (?:привезут|будет|"
                          r"доставят|придет)|а можно|можно ли|а есть", -1.0),
)

_COMPILED = tuple((c, c.compiled()) for c in CUES)


_SELF_NAME_RE = re.compile(r"(?<!\w)(?:это|я)\s+([а-я]+)(?:\s+([а-я]+))?")


@lru_cache(maxsize=50_000)
def _is_first_name(word: str) -> bool:
    """pymorphy3 tags given names ("Name"); used for "это Денис" style self-introductions."""
    from callqa.text.normalize import _morph

    return any("Name" in p.tag and p.score >= 0.1 for p in _morph().parse(word)[:3])


def _self_named(norm_text: str) -> bool:
    """True for an opening like "здравствуйте это Денис" (not "это Винпартс?", not "это я")."""
    for m in _SELF_NAME_RE.finditer(norm_text):
        if len(m.group(1)) > 2 and _is_first_name(m.group(1)):
            return True
    return False


def brand_pattern(brand_names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for a tenant's brand names that tolerates ASR spelling: spaces, hyphens,
    Latin/Cyrillic look-alikes ("Телеком ТВ" ~ "телекомтв", "телеком tv", "телеком тиви")."""
    alts: list[str] = []
    for b in brand_names:
        words = _norm(b).split()
        if not words:
            continue
        parts = [re.escape(w) for w in words]
        alts.append(r"\s*".join(parts))
        if len(words) > 1 and len(words[0]) >= 5:
            alts.append(re.escape(words[0]))  # the distinctive first word alone
        if len(words) == 1 and len(words[0]) >= 7:
            alts.append(re.escape(words[0][:6]) + r"\w*")  # stem for inflected / split forms
    if not alts:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(sorted(set(alts), key=len, reverse=True))})")


@dataclass
class SpeakerText:
    """A speaker's turns in order: (start second or None, text)."""

    speaker: str
    turns: list[tuple[float | None, str]] = field(default_factory=list)

    @property
    def first_start(self) -> float:
        starts = [s for s, _ in self.turns if s is not None]
        return min(starts) if starts else math.inf


@dataclass
class RoleDecision:
    """Speaker → role, the operator's label, a confidence in [0, 1] and the evidence."""

    roles: dict[str, Role]
    operator: str | None
    confidence: float
    method: str
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"roles": dict(self.roles), "operator": self.operator,
                "confidence": round(self.confidence, 3), "method": self.method,
                "scores": {k: round(v, 2) for k, v in self.scores.items()},
                "evidence": self.evidence}


def stereo_roles(channels: int, operator_channel: int | None = 0) -> RoleDecision:
    """Channel = speaker; the metadata names the operator's channel (default 0, the left)."""
    op = 0 if operator_channel is None else int(operator_channel)
    if channels < 1:
        return RoleDecision({}, None, 0.0, "channel")
    if op >= channels or op < 0:
        raise ValueError(f"operator_channel={op} but the recording has {channels} channel(s)")
    roles: dict[str, Role] = {str(c): ("operator" if c == op else "customer") for c in range(channels)}
    return RoleDecision(roles, str(op), 1.0, "channel")


def speaker_texts(items: Iterable[tuple[str, float | None, str]]) -> list[SpeakerText]:
    """Group (speaker, start, text) turns per speaker, keeping order."""
    by: dict[str, SpeakerText] = {}
    for spk, start, text in items:
        by.setdefault(spk, SpeakerText(spk)).turns.append((start, text))
    return list(by.values())


_SENTENCE_RE = re.compile(r"[^.!?…]+[.!?…]*")
_CHECK_RE = re.compile(r"(?<!\w)(?:что ли|да ли|или нет|это (?:что|кто))(?!\w)")


def _score(st: SpeakerText, brand: re.Pattern[str] | None, opening_turns: int,
           opening_idx: list[bool] | None = None) -> tuple[float, list[str]]:
    """Sum of cue weights found in one speaker's turns. ``opening_idx[k]`` tells whether the
    speaker's k-th turn is among the first turns of the whole call (greeting position)."""
    score = 0.0
    hits: list[str] = []
    texts = [_norm(t) for _, t in st.turns]
    if opening_idx is None:
        opening_idx = [k < opening_turns for k in range(len(texts))]
    opening = " | ".join(t for t, o in zip(texts, opening_idx) if o)
    everything = " | ".join(texts)
    for cue, rx in _COMPILED:
        where = opening if cue.opening_only else everything
        if cue.name == "answer_phone":
            found = bool(texts) and bool(rx.search(texts[0].strip()))
        else:
            found = bool(rx.search(where))
        if found:
            w = cue.weight
            if not cue.opening_only and cue.weight > 0 and rx.search(opening):
                w *= 1.25  # operator register right at the start is more telling
            score += w
            hits.append(cue.name)
    if any(_self_named(t) for t in texts[:opening_turns]):
        score += 2.0
        hits.append("self_named")
    if brand is not None:
        # A brand said as a statement in the call's opening is the company greeting; a brand
        # in a question ("это X?", "X, что ли?") is the customer checking who is calling.
        stated_open = stated_later = asked = False
        for k, (_, raw) in enumerate(st.turns):
            for sentence in _SENTENCE_RE.findall(raw):
                norm = _norm(sentence)
                if not brand.search(norm):
                    continue
                if sentence.rstrip().endswith("?") or _CHECK_RE.search(norm):
                    asked = True
                elif k < len(opening_idx) and opening_idx[k]:
                    stated_open = True
                else:
                    stated_later = True
        if stated_open:
            score += 3.0
            hits.append("brand_opening")
        elif stated_later:
            score += 0.5
            hits.append("brand_later")
        if asked and not stated_open:
            score -= 1.0
            hits.append("brand_asked")
    # Operators ask the questions and steer; customers answer. Needs punctuation (raw ASR has it).
    n_q = sum(t.count("?") for _, t in st.turns)
    if st.turns:
        score += 0.5 * min(1.0, n_q / max(1, len(st.turns)))
    return score, hits


def detect_roles(
    speakers: Sequence[SpeakerText],
    brand_names: Iterable[str] = (),
    direction: str | None = None,
    opening_turns: int = 2,
    scale: float = 2.0,
) -> RoleDecision:
    """Decide the operator among anonymous speakers from their words.

    Returns every speaker's role (one operator, the rest customers) and a confidence: the
    logistic of the score margin between the best and second-best speaker (0.5 = a coin toss).
    Who spoke first is a weak prior: on inbound calls the operator answers, on outbound ones the
    customer picks up.
    """
    speakers = [s for s in speakers if s.turns]
    if not speakers:
        return RoleDecision({}, None, 0.0, "text")
    brand = brand_pattern(brand_names)
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    # The call's opening: its first few turns, whoever spoke them (greeting, pick-up).
    order = sorted(((t[0] if t[0] is not None else math.inf, k, st.speaker, j)
                    for k, st in enumerate(speakers) for j, t in enumerate(st.turns)))
    opening_keys = {(spk, j) for _, _, spk, j in order[: opening_turns + 1]}
    for st in speakers:
        idx = [(st.speaker, j) in opening_keys for j in range(len(st.turns))]
        if not any(idx):  # a speaker who only starts later still has an "opening" turn
            idx[0] = True
        scores[st.speaker], evidence[st.speaker] = _score(st, brand, opening_turns, idx)
    first = min(speakers, key=lambda s: s.first_start)
    if len(speakers) > 1 and first.first_start < math.inf and direction in ("inbound", "outbound"):
        prior = 0.75 if direction == "inbound" else -0.75
        scores[first.speaker] += prior
        evidence[first.speaker].append(f"spoke_first_{direction}")
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) == 1:
        spk, sc = ranked[0]
        role: Role = "operator" if sc > 0 else "customer"
        conf = 1.0 / (1.0 + math.exp(-abs(sc) / scale))
        return RoleDecision({spk: role}, spk if role == "operator" else None, conf, "text",
                            scores, evidence)
    op, best = ranked[0]
    margin = best - ranked[1][1]
    conf = 1.0 / (1.0 + math.exp(-margin / scale))
    roles: dict[str, Role] = {s: ("operator" if s == op else "customer") for s in scores}
    return RoleDecision(roles, op, conf, "text", scores, evidence)


def roles_mapping(decision: RoleDecision) -> Mapping[str, Role]:
    return decision.roles
