"""NPS: the score the customer states (rules) and the score the model predicts (regression).

Extraction (``extract_nps``) is rule-based because it must be exact and explainable: find the
operator's rating question (or a re-asked / clarified one), read the customer's answer in the
next few customer turns, and parse a 0–10 number in digits or words ("на восьмёрку", "девять
из десяти", "ну, семь, наверное"). Numbers that are quantities ("три тарелки", "два часа",
"двадцать три тысячи"), the scale itself ("от нуля до десяти"), counterfactuals ("было бы
десять", "десять не поставлю", "десять — это когда…"), points taken off ("два балла снимаю")
and a personal score for the operator when a company score is also given ("вам лично десять,
магазину шесть") are not the score. The last score the customer states wins. A 5-point
answer ("пять из пяти", or an answer to a 1–5 question) is converted to 0–10 (×2).

Real ASR output is handled on top of that: digit spellings Whisper uses for spoken scores
("0,10", "10/10", "5-5", "на 8-ку", "из 10-ти") are rewritten first (``normalize_score_forms``);
a point-scale cue is matched by character similarity, so misheard "пятибалльной" still converts;
an operator restating the scale ("шкала от нуля до …", top possibly garbled) re-opens the
answer window, so the customer's re-answer wins over a first 5-point answer.

Prediction (``NpsPredictor``) never reads the stated score: number words are removed from
its input, and it combines a ridge regression over the customer's words with the sentiment
model's probabilities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.pipeline import FeatureUnion, Pipeline

from callqa.analytics.base import AnalysisContext, AnalyzerOutput
from callqa.analytics.features import Field, call_text, call_views
from callqa.conversation import Conversation
from callqa.text import lemma, tokenize
from callqa.text.normalize import _morph

NUMBER_WORDS: dict[str, int] = {}
for _v, _words_ in {
    0: "ноль нуль ноль-ноль",
    1: "один одна одну единица единицу единичка единичку кол",
    2: "два две двойка двойку двоечка двоечку",
    3: "три тройка тройку троечка троечку трояк",
    4: "четыре четверка четверку четверочка четверочку",
    5: "пять пятерка пятерку пятерочка пятерочку",
    6: "шесть шестерка шестерку шестерочка шестерочку",
    7: "семь семерка семерку семерочка семерочку",
    8: "восемь восьмерка восьмерку восьмерочка восьмерочку",
    9: "девять девятка девятку девяточка девяточку",
    10: "десять десятка десятку десяточка десяточку",
}.items():
    for _w in _words_.split():
        NUMBER_WORDS[_w] = _v
_COLLECTIVE = {w for w in NUMBER_WORDS if w.endswith(("ка", "ку", "як", "ца", "цу")) or w == "кол"}

_BIG_PRECEDERS = set(
    "двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто сто двести "
    "триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот тысяча тысячи тысяч "
    "миллион".split()
)
# lemmas of words that make the number a quantity, time, price, date… rather than a score
_UNIT_LEMMAS = set(
    "тысяча сотня миллион рубль руб р копейка год лет час минута секунда день сутки неделя "
    "месяц процент км километр метр утро вечер ночь число штука раз человек этаж январь "
    "февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь половина "
    "полтора литр кг килограмм грамм тонна".split()
)
_SCALE_WORDS = {"десяти", "пяти", "10", "5"}
_STRONG_ANSWER_LEMMAS = {"балл", "оценка", "оценить", "ставить", "поставить",
                         "десятибалльный", "пятибалльный", "десятибалльной"}
_NEG_RATING = {"не_ставить", "не_поставить", "не_дотягивать", "не_заслуживать", "не_дать"}
_CLAUSE_SPLIT = re.compile(r"[.,!?;:…—–()«»\"]+|\s-\s")


@lru_cache(maxsize=50_000)
def _tokenize(text: str) -> tuple[str, ...]:
    """Cached: the same turn is looked at by several rules."""
    return tuple(tokenize(text))


@dataclass
class NpsAnswer:
    """A stated score with its evidence."""

    score: int
    utterance_index: int
    evidence: str
    scale: int = 10


@dataclass
class _Tok:
    text: str
    lemma: str
    clause: int
    question: bool = False  # the clause ends with "?"


def _toks(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pieces = _CLAUSE_SPLIT.split(text)
    seps = _CLAUSE_SPLIT.findall(text) + [""]
    for ci, clause in enumerate(pieces):
        q = "?" in seps[ci] if ci < len(seps) else False
        for t in _tokenize(clause):
            out.append(_Tok(t, lemma(t), ci, q))
    # fold negation into the following lemma ("не ставлю" → "не_ставить")
    for i in range(len(out) - 1):
        if out[i].lemma in ("не", "ни"):
            nx = out[i + 1]
            out[i + 1] = _Tok(nx.text, "не_" + nx.lemma, nx.clause, nx.question)
    return out


def _value(tok: str) -> int | None:
    if tok in NUMBER_WORDS:
        return NUMBER_WORDS[tok]
    if tok.isdigit() and (tok == "0" or not tok.startswith("0")) and int(tok) <= 10:
        return int(tok)
    return None


_BIG_NUMBER_RE = re.compile(r"^\w*(надцать|дцать|десят|сот|ста|сто|тысяч\w*|миллион\w*)$")


def _is_numberish(tok: str) -> bool:
    return (tok in NUMBER_WORDS or tok.isdigit() or tok in _BIG_PRECEDERS
            or bool(_BIG_NUMBER_RE.match(tok)))


# gendered number words only count a noun of their gender ("две колодки", not "два колодки":
# without punctuation "два колодки поменяли" is a score "два" followed by a new sentence)
_GENDER_OF = {"два": ("masc", "neut"), "две": ("femn",), "один": ("masc",), "одна": ("femn",),
              "одну": ("femn",), "одно": ("neut",)}


def _counted_noun(word: str, value: int, number_word: str = "") -> bool:
    """True if ``word`` is a noun in the form a quantity ``value`` would govern."""
    genders = _GENDER_OF.get(number_word)
    for p in _morph().parse(word)[:3]:
        tag = p.tag
        if "NOUN" not in tag or p.normal_form in ("балл", "оценка"):
            continue
        if genders and tag.gender is not None and tag.gender not in genders and \
                "Ms-f" not in tag:
            continue
        if value == 1 or value == 0:
            return True
        if 2 <= value <= 4 and ("gent" in tag or "nomn" in tag or "accs" in tag):
            return True
        if value >= 5 and "gent" in tag and "plur" in tag:
            return True
    return False


def _is_adjective(word: str) -> bool:
    p = _morph().parse(word)
    return bool(p) and ("ADJF" in p[0].tag or "PRTF" in p[0].tag)


_COLLECTIVE_OF = {0: "ноль", 1: "единицу", 2: "двойку", 3: "тройку", 4: "четверку",
                  5: "пятерку", 6: "шестерку", 7: "семерку", 8: "восьмерку", 9: "девятку",
                  10: "десятку"}
# "8-ку", "на 9-ку", "10-ка", "8ку" — ASR writes collective number words with digits
_DIGIT_COLLECTIVE_RE = re.compile(
    r"(?<![\w.,/:-])(\d{1,2})-?(ку|ка|ки|ке|кой|очку|очка|очкой|ечку|ечка|ечкой)(?!\w)",
    re.IGNORECASE)
# "0/10", "5-5", "0,10", "8 / 10" — ASR writes "X из Y" as two digit groups
_DIGIT_PAIR_RE = re.compile(r"(?<![\w.,/:-])(\d{1,2})\s?([/,\-–])\s?(10|5)(?![\w]|[.,/:\-–]\d)")
_NEXT_WORD_RE = re.compile(r"\s*[^\w\s]*\s*([^\W\d_]+)")


def _digit_pair(m: re.Match[str]) -> str:
    a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
    # a comma between digits is a decimal unless the second group is the 10-point scale; a
    # dash is a range ("4-5", "9-10") unless both ends are equal ("5-5") or it starts at 0
    if a > b or (sep == "," and b != 10) or (sep in "-–" and a not in (0, b)):
        return m.group(0)
    nxt = _NEXT_WORD_RE.match(m.string, m.end())
    if nxt is not None:
        w = nxt.group(1).lower()
        if lemma(w) in _UNIT_LEMMAS or _counted_noun(w, 5):
            return m.group(0)  # "9-10 дней", "2/5 тысячи": a range or quantity, not a score
    return f"{a} из {b}"


# "из 10-ти", "по 5-ти балльной" — digits with a genitive ending
_DIGIT_GENITIVE_RE = re.compile(r"(?<![\w.,/:-])(5|10)-(ти|и)(?!\w)", re.IGNORECASE)


def normalize_score_forms(text: str) -> str:
    """Rewrite the digit spellings ASR produces for spoken scores into the forms the rules read:
    "0,10" / "10/10" / "5-5" → "0 из 10" / "10 из 10" / "5 из 5", "на 8-ку" → "на восьмерку",
    "из 10-ти" → "из десяти"."""
    text = _DIGIT_GENITIVE_RE.sub(lambda m: "пяти" if m.group(1) == "5" else "десяти", text)
    text = _DIGIT_COLLECTIVE_RE.sub(
        lambda m: _COLLECTIVE_OF[int(m.group(1))] if int(m.group(1)) <= 10 else m.group(0), text)
    return _DIGIT_PAIR_RE.sub(_digit_pair, text)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


@lru_cache(maxsize=20_000)
def _point_scale_cue(tok: str, prev: str = "") -> int | None:
    """5 or 10 if the token names a point scale ("пятибалльной", or misheard forms such as
    "потятибалленной", "пятибальной", "пяти бальной"); None otherwise. The part before "бал"
    is matched by character similarity to "пяти" / "десяти", so ASR spelling slips still count."""
    tok = tok.lower().replace("ё", "е")
    k = tok.find("бал")
    if k < 0 or not re.match(r"бал+[ьъеиы]?н", tok[k:]):  # not "баланс", "балкон"
        return None
    head = tok[:k] or prev.lower().replace("ё", "е")
    if not head:
        return None
    s5, s10 = _similar(head, "пяти"), _similar(head, "десяти")
    if max(s5, s10) < 0.6:
        return None
    return 5 if s5 > s10 else 10


def _scale_cues(toks: list[str]) -> list[int | None]:
    return [_point_scale_cue(t, toks[i - 1] if i else "") for i, t in enumerate(toks)]


_ASK_PREFIXES = ("порекоменд", "рекоменд", "посовет", "совет", "оцени", "оценит")
_ASK_ENDINGS = ("ете", "ите", "ть", "ли", "ете-ка")


def _asks_for_rating(toks: list[str]) -> bool:
    """A request for a score: "оцените", "порекомендуете", "готовы рекомендовать", "какую
    оценку поставите" — not the operator recommending a part ("рекомендую") or talking about
    a score already given ("что повлияло на оценку")."""
    for i, t in enumerate(toks):
        if t.startswith(_ASK_PREFIXES) and t.endswith(_ASK_ENDINGS):
            return True
        if lemma(t) in ("оценка", "балл") and any(
                lemma(x) in ("поставить", "ставить", "дать", "какой", "сколько")
                for x in toks[max(0, i - 3):i + 3]):
            return True
    return False


def is_rating_question(text: str) -> tuple[bool, int]:
    """Does this turn ask for (or clarify the scale of) a rating? Returns (yes, scale)."""
    toks = _tokenize(text)
    joined = " ".join(toks)
    cues = _scale_cues(list(toks))
    scale10 = bool(re.search(r"\b(до|из) (десяти|10)\b", joined)) or 10 in cues
    scale5 = (bool(re.search(r"\b(до|из) (пяти|5)\b", joined)) or 5 in cues) and not scale10
    # the operator restating the scale: "шкала от нуля до десяти", where ASR may garble the
    # top ("от нуля до 90"); a zero-based scale is the 0–10 one
    restated = _zero_based_scale(list(toks))
    yes = scale10 or scale5 or restated or _asks_for_rating(toks)
    return yes, 5 if scale5 else 10


def _zero_based_scale(toks: list[str]) -> bool:
    """"от нуля до <number>" (not "от нуля до 30 тысяч рублей")."""
    for i in range(len(toks) - 2):
        if toks[i] == "от" and toks[i + 1] in ("нуля", "нуль", "ноля", "0") and toks[i + 2] == "до":
            top = toks[i + 3] if i + 3 < len(toks) else ""
            after = toks[i + 4] if i + 4 < len(toks) else ""
            # not a speed or a quantity: "разгон от нуля до ста за 9 секунд"
            if _is_numberish(top) and top not in ("ста", "сто", "100", "сотни") and \
                    after != "за" and lemma(after) not in _UNIT_LEMMAS:
                return True
    return False


_PLACE_LEMMAS = {"квартира", "дом", "корпус", "подъезд", "этаж", "номер", "касса", "строение",
                 "офис", "кабинет", "окно", "ряд", "место", "пункт", "смена"}
_DETERMINERS = {"этот", "тот", "прошлый", "следующий", "каждый", "первый", "последний"}
_TIME_PREPS = {"в", "к", "с", "после", "около", "до", "от", "через"}


def _candidates(text: str) -> list[tuple[int, int, bool, bool]]:
    """(value, token position, is_personal, scale5) of plausible scores in one utterance."""
    toks = _toks(text)
    n = len(toks)
    numberish = [_is_numberish(t.text) for t in toks]
    cues = _scale_cues([t.text for t in toks])
    out: list[tuple[int, int, bool, bool]] = []
    for i, t in enumerate(toks):
        v = _value(t.text)
        if v is None or t.question:
            continue
        # a run of 3+ numbers is a phone, VIN or order number, not a score
        j0 = i
        while j0 > 0 and numberish[j0 - 1]:
            j0 -= 1
        j1 = i
        while j1 + 1 < n and numberish[j1 + 1]:
            j1 += 1
        if j1 - j0 >= 2:
            continue
        prev = [x.text for x in toks[max(0, i - 3):i] if x.clause == t.clause]
        prev_lem = [x.lemma for x in toks[max(0, i - 4):i] if x.clause == t.clause]
        nxt = toks[i + 1:i + 5]
        nxt_same = [x for x in nxt if x.clause == t.clause]
        nxt_text = [x.text for x in nxt_same]
        nxt_lem = [x.lemma for x in nxt_same]
        if prev and prev[-1] in _TIME_PREPS:
            continue  # "от нуля до десяти", "в два", "к десяти"
        if prev and prev[-1] == "из":
            continue  # the scale's top in "8 из 10", "5 из 5"
        if prev and (prev[-1] in _BIG_PRECEDERS or prev[-1].isdigit()):
            continue  # "двадцать три", "2 150"
        if prev_lem and (prev_lem[-1] in _PLACE_LEMMAS or prev_lem[-1] in _UNIT_LEMMAS) and \
                not (len(prev) >= 2 and lemma(prev[-2]) in _DETERMINERS):
            continue  # "квартира три", "раза три" (but not "в этот раз — восемь")
        if nxt_same:
            nx = nxt_same[0]
            nl = nx.lemma.removeprefix("не_")
            if nl in _UNIT_LEMMAS:
                continue
            if t.text not in _COLLECTIVE and nl not in ("из", "балл"):
                if _counted_noun(nx.text, v, t.text):
                    continue
                if _is_adjective(nx.text) and len(nxt_same) > 1 and \
                        _counted_noun(nxt_same[1].text, v, t.text):
                    continue  # "три детских кресла"
                if v == 1 and _is_adjective(nx.text):
                    continue  # "одна нормальная"
        if nxt_lem[:1] == ["балл"] and any(x in nxt_lem for x in ("снимать", "снять", "минус",
                                                                   "отнять", "отнимать")):
            continue
        if prev_lem and prev_lem[-1] == "минус":
            continue
        if prev[-2:] == ["за", "что"] or (prev and prev[-1] in ("почему", "зачем", "разве")):
            continue  # "ноль, за что единицу-то": questioning a score, not stating one
        upto_next_number = []
        for x in nxt_same:
            if _value(x.text) is not None:
                break
            upto_next_number.append(x.lemma)
        if any(x in _NEG_RATING for x in upto_next_number):
            continue  # "десять не поставлю"
        nxt_any = [x.text for x in nxt[:3]]
        explicit_scale = nxt_text[:1] == ["из"]
        if ("если" in nxt_text[:3] and not explicit_scale) or \
                (nxt_any[:1] == ["это"] and "когда" in nxt_any[:3]):
            continue  # "десять — это когда…"
        if ("бы" in prev or "б" in prev) and any(x in ("быть", "стать", "раньше", "рано", "ранний")
                                                 for x in prev_lem):
            continue  # "было бы десять", "раньше бы ноль сказала"
        if any(x in ("будет", "будут", "станет", "было", "была") for x in prev[-2:]) and \
                not any(x in ("пусть", "пускай") for x in prev):
            continue  # "будет десять", "было восемь" (but "пусть будет семь" is a score)
        personal = "лично" in prev_lem
        scale5 = (len(nxt_text) >= 2 and nxt_text[0] == "из" and nxt_text[1] in ("пяти", "5")) \
            or _near_cue(cues, toks, i) == 5
        if len(nxt_text) >= 2 and nxt_text[0] == "из" and nxt_text[1] not in _SCALE_WORDS \
                and nxt_text[1] != "за":
            continue  # "два из трёх" etc.
        out.append((v, i, personal, scale5))
    return out


def _near_cue(cues: list[int | None], toks: list[_Tok], i: int) -> int | None:
    """The point scale named right before the number ("по пятибалльной — четыре") or right
    after it in the same clause ("четыре по пятибалльной"); another number in between ends
    the search."""
    for j in range(i - 1, max(-1, i - 5), -1):
        if cues[j] is not None:
            return cues[j]
        if _value(toks[j].text) is not None:
            break
    for j in range(i + 1, min(len(toks), i + 4)):
        if toks[j].clause != toks[i].clause or _value(toks[j].text) is not None:
            break
        if cues[j] is not None:
            return cues[j]
    return None


def _pick(cands: list[tuple[int, int, bool, bool]]) -> tuple[int, bool] | None:
    if not cands:
        return None
    impersonal = [c for c in cands if not c[2]]
    chosen = (impersonal or cands)[-1]
    return chosen[0], chosen[3]


def _self_rating(text: str) -> bool:
    """An unprompted score: the customer names the scale ("ноль вам из десяти",
    "по десятибалльной шкале на двойку", "по шкале от нуля до десяти ... на единицу")."""
    toks = _tokenize(text)
    joined = " ".join(toks)
    return bool(re.search(r"\bиз (десяти|10|пяти|5)\b|\bот (нуля|0) до (десяти|10)\b", joined)) \
        or any(c is not None for c in _scale_cues(list(toks)))


def extract_nps(roles: list[str], texts: list[str], window: int = 3) -> NpsAnswer | None:
    """The 0–10 score the customer finally states, or None (pure function of the turns)."""
    found: list[NpsAnswer] = []
    customer_roles = ("customer",) if "customer" in roles else ("customer", "unknown")
    anchor_scale: int | None = None
    remaining = 0
    answered = False
    for i, (role, text) in enumerate(zip(roles, texts)):
        if not text:
            continue
        raw, text = text, normalize_score_forms(text)
        if role == "operator":
            yes, scale = is_rating_question(text)
            if yes:
                anchor_scale, remaining, answered = scale, window, False
            continue
        if role not in customer_roles:
            continue
        in_window = anchor_scale is not None and remaining > 0
        explicit = _self_rating(text)
        if not in_window and not explicit:
            continue
        if in_window:
            remaining -= 1
        if answered and not explicit:
            lems = {lemma(t) for t in _tokenize(text)}
            if not (lems & _STRONG_ANSWER_LEMMAS):
                continue
        picked = _pick(_candidates(text))
        if picked is None:
            continue
        value, scale5 = picked
        scale = 5 if scale5 else (anchor_scale if in_window and anchor_scale else 10)
        if scale == 5:
            value = min(10, value * 2)
        found.append(NpsAnswer(score=value, utterance_index=i, evidence=raw.strip()[:200],
                               scale=scale))
        answered = True
    return found[-1] if found else None


def stated_nps(conversation: Conversation, cache: dict[str, Any] | None = None) -> NpsAnswer | None:
    """``extract_nps`` on a conversation, memoised in the analysis context's cache."""
    if cache is not None and "stated_nps" in cache:
        return cache["stated_nps"]
    utts = conversation.utterances
    ans = extract_nps([u.role for u in utts], [u.text or "" for u in utts])
    if cache is not None:
        cache["stated_nps"] = ans
    return ans


class NpsExtractor:
    """Rule analyzer: ``nps_score`` and ``nps_evidence`` (utterance, time, text)."""

    name = "rules.nps_extract"
    version = "1"

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        utts = conversation.utterances
        ans = stated_nps(conversation, context.cache)
        if ans is None:
            return AnalyzerOutput(labels={"nps_score": None, "nps_evidence": None})
        # evidence as a label, not a finding: a stated score is not something that went wrong
        return AnalyzerOutput(labels={"nps_score": ans.score, "nps_evidence": {
            "utterance_index": ans.utterance_index, "start_s": utts[ans.utterance_index].start,
            "text": ans.evidence, "scale": ans.scale, "source": f"{self.name}@{self.version}"}})


# --- predicted NPS -----------------------------------------------------------------------


def build_nps_text_model(seed: int = 0) -> Pipeline:
    """Ridge regression over the customer's words with every number word removed."""
    feats = FeatureUnion([
        ("cust", Pipeline([("field", Field("cust_nonum")),
                           ("tfidf", TfidfVectorizer(token_pattern=r"\S+", lowercase=False,
                                                     ngram_range=(1, 2), min_df=2,
                                                     sublinear_tf=True, dtype=np.float32))])),
        ("end", Pipeline([("field", Field("end_c_nonum")),
                          ("tfidf", TfidfVectorizer(token_pattern=r"\S+", lowercase=False,
                                                    min_df=2, sublinear_tf=True,
                                                    dtype=np.float32))])),
    ])
    return Pipeline([("features", feats), ("reg", Ridge(alpha=1.0, random_state=seed))])


@dataclass
class NpsPredictor:
    """Predicted 0–10 NPS = a·text_model + b·P(negative) + c·P(positive) + d, clipped.

    ``blend`` = (a, b, c, d) is fitted on out-of-fold predictions during training.
    """

    text_model: Pipeline
    blend: tuple[float, float, float, float] = (0.5, -2.0, 2.0, 3.5)
    extra: dict[str, Any] = field(default_factory=dict)

    def predict(self, views: dict[str, str], sentiment_scores: dict[str, float]) -> float:
        t = float(self.text_model.predict([views])[0])
        a, b, c, d = self.blend
        v = a * t + b * sentiment_scores.get("negative", 0.0) + \
            c * sentiment_scores.get("positive", 0.0) + d
        return float(min(10.0, max(0.0, v)))


def without_stated_score(views: dict[str, str]) -> dict[str, str]:
    """The views with the stated-score token masked: predicted NPS must not read the score."""
    return {**views, "nps": "nps_none"}


def sentiment_scores_blind(sentiment_model: Any, views: dict[str, str]) -> dict[str, float]:
    """Sentiment class probabilities with the stated score masked."""
    proba = sentiment_model.predict_proba([without_stated_score(views)])[0]
    return {str(c): float(p) for c, p in zip(sentiment_model.classes_, proba)}


class PredictedNpsAnalyzer:
    """Model analyzer: ``predicted_nps`` for every call, blind to any stated score."""

    name = "model.predicted_nps"

    def __init__(self, predictor: NpsPredictor, sentiment_model: Any, version: str = "1"):
        self.predictor = predictor
        self.sentiment_model = sentiment_model
        self.version = version

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        views = without_stated_score(call_views(conversation, context.cache))
        if not any(call_text(conversation, context.cache).tokens):
            scores: dict[str, float] = {}
        else:
            scores = sentiment_scores_blind(self.sentiment_model, views)
        return AnalyzerOutput(labels={"predicted_nps": round(self.predictor.predict(views, scores), 2)})
