"""Script adherence: each default step on hand-written openings/closings, scripts as data."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.script import ScriptAnalyzer, ScriptOptions, load_script, parse_script
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.errors import InputError
from callqa.tenants import load_tenant


def asr(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def run(turns: list[tuple[str, str]], tenant: str = "vinparts", direction: str = "inbound",
        call_type: str = "parts_selection", lower: bool = False, analyzer=None):
    utts = [Utterance(role=r, text=asr(t) if lower else t) for r, t in turns]  # type: ignore[arg-type]
    c = Conversation(meta=CallMeta(call_id="c", tenant=tenant, direction=direction),  # type: ignore[arg-type]
                     utterances=utts)
    ctx = AnalysisContext(tenant=load_tenant(tenant), labels={"call_type": call_type})
    return (analyzer or ScriptAnalyzer()).analyze(c, ctx)


GOOD = [
    ("operator", "Интернет-магазин Винпартс, здравствуйте, меня зовут Андрей. Чем могу помочь?"),
    ("customer", "Нужны колодки на Киа Рио."),
    ("operator", "Продиктуйте, пожалуйста, VIN-код."),
    ("customer", "Z94CB41..."),
    ("operator", "Как к вам обращаться и номер телефона этот?"),
    ("customer", "Павел, да, этот."),
    ("operator", "Итак: колодки Брембо, заказ будет готов завтра после двух, придёт СМС."),
    ("customer", "Спасибо."),
    ("operator", "Спасибо, Павел! Хорошего дня, до свидания."),
]
BAD = [
    ("operator", "Да."),
    ("customer", "Мне колодки на Рио."),
    ("operator", "Есть по три тысячи."),
    ("customer", "Ладно, возьму."),
    ("operator", "Переключаю."),
]


@pytest.mark.parametrize("lower", [False, True])
def test_all_steps_done(lower: bool) -> None:
    out = run(GOOD, lower=lower)
    assert out.labels["script"] == {s: True for s in out.labels["script"]}
    adh = out.labels["script_adherence"]
    assert adh["greeting_company"]["utterance_index"] == 0
    assert adh["summary_next_step"]["utterance_index"] in (6, 8)
    assert adh["order_kept"] is True and out.labels["script_id"] == "default@1"
    assert not [f for f in out.findings if f.code == "script_step_missing"]


@pytest.mark.parametrize("lower", [False, True])
def test_all_steps_missing(lower: bool) -> None:
    out = run(BAD, lower=lower)
    assert out.labels["script"] == {s: False for s in out.labels["script"]}
    missing = {f.details["step"] for f in out.findings if f.code == "script_step_missing"}
    assert missing == set(out.labels["script"])
    assert all(f.severity == "minor" and f.source == "rules.script@1" for f in out.findings)


@pytest.mark.parametrize("opening,greet,intro", [
    ("«ВинПартс», Ирина.", False, True),  # brand without a greeting word
    ("Здравствуйте, вин партс, слушаю вас.", True, False),  # ASR splits the brand
    ("Добрый день, винпарт, Ирина, слушаю.", True, True),  # truncated brand
    ("Здравствуйте, чем могу помочь?", False, False),
    ("Добрый день, компания Винпартс, с вами говорит Олег.", True, True),
])
def test_greeting_and_intro(opening: str, greet: bool, intro: bool) -> None:
    s = run([("operator", opening), ("customer", "Здравствуйте.")]).labels["script"]
    assert s["greeting_company"] is greet
    assert s["operator_introduced"] is intro


def test_customer_name_is_not_operator_intro() -> None:
    s = run([("operator", "Здравствуйте, Телеком ТВ. Ильдар Ринатович?"), ("customer", "Да.")],
            tenant="telecom-tv", direction="outbound", call_type="sales_offer").labels["script"]
    assert s["greeting_company"] is True
    assert s["operator_introduced"] is False
    assert s["contact_verified"] is True  # the customer's name checked


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text,need,contact", [
    ("Вам удобно говорить?", False, False),
    ("Записать вас на субботу?", False, False),
    ("Чем могу помочь?", True, False),
    ("Что случилось?", True, False),
    ("Продиктуйте номер заказа, пожалуйста.", True, True),
    ("Оцените, пожалуйста, от нуля до десяти, насколько вы готовы нас рекомендовать?", True, False),
    ("Номер заканчивается на сорок шесть двадцать один?", False, True),
    ("Павел, спасибо.", False, False),  # addressing by name is not a verification
])
def test_need_and_contact(text: str, need: bool, contact: bool, lower: bool) -> None:
    s = run([("operator", "Добрый день."), ("customer", "Алло."), ("operator", text),
             ("customer", "Да.")], lower=lower).labels["script"]
    assert s["need_identified"] is need
    assert s["contact_verified"] is contact


@pytest.mark.parametrize("closing,summary,farewell", [
    ("Хорошо, перезвоним вам в понедельник до обеда. Всего доброго!", True, True),
    ("Больше не побеспокоим, до свидания.", True, True),
    ("Переключаю.", False, False),
    ("Ничем не могу помочь.", False, False),
    ("Спасибо за звонок!", False, True),
])
def test_summary_and_farewell(closing: str, summary: bool, farewell: bool) -> None:
    s = run([("operator", "Добрый день."), ("customer", "Вопрос."),
             ("operator", closing)]).labels["script"]
    assert s["summary_next_step"] is summary
    assert s["farewell"] is farewell


def test_order_not_kept_is_reported() -> None:
    out = run([("operator", "Да."), ("customer", "Алло."),
               ("operator", "Всего доброго. А, чем могу помочь?")])
    adh = out.labels["script_adherence"]
    assert adh["need_identified"]["done"] and adh["farewell"]["done"]
    # farewell and need in the same utterance: order is kept (same position)
    assert adh["order_kept"] is True
    out = run([("operator", "Здравствуйте, Винпартс, меня зовут Ирина."), ("customer", "Да."),
               ("operator", "Спасибо, всего доброго!"), ("customer", "Подождите!"),
               ("operator", "Ой, а что случилось?")])
    assert out.labels["script_adherence"]["order_kept"] is False
    assert any(f.code == "script_order" and f.severity == "info" for f in out.findings)


def test_scripts_are_data(tmp_path: Path) -> None:
    sdir = tmp_path / "scripts"
    sdir.mkdir()
    (sdir / "vinparts.yaml").write_text(
        "id: vinparts-short\nversion: '7'\nsteps:\n"
        "  - id: farewell\n    title: Прощание\n    zone: closing\n"
        "  - id: upsell\n    title: Допродажа\n    zone: any\n    required_for: [parts_selection]\n"
        "    examples: ['ещё масляный фильтр']\n", encoding="utf-8")
    settings = SimpleNamespace(tenants_dir=tmp_path)
    sc = load_script("vinparts", "parts_selection", settings)
    assert sc.ref == "vinparts-short@7" and [s.id for s in sc.steps] == ["farewell", "upsell"]
    assert load_script("telecom-tv", None, settings).id == "default"
    an = ScriptAnalyzer(settings=settings)
    out = run([("operator", "Добрый день. Может, ещё масляный фильтр добавить?"),
               ("customer", "Нет.")], analyzer=an)
    assert out.labels["script"] == {"farewell": False, "upsell": True}
    out = run([("operator", "Добрый день.")], analyzer=an, call_type="delivery_status")
    missing = {f.details["step"] for f in out.findings if f.code == "script_step_missing"}
    assert missing == {"farewell"}  # upsell is not required for this call type


def test_bad_script_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="steps"):
        parse_script({"id": "x"})
    with pytest.raises(InputError, match="zone"):
        parse_script({"steps": [{"id": "a", "zone": "middle"}]})


def test_default_script_has_the_six_steps() -> None:
    sc = load_script("no-such-tenant")
    assert [s.id for s in sc.steps] == ["greeting_company", "operator_introduced",
                                         "need_identified", "contact_verified",
                                         "summary_next_step", "farewell"]
    assert sc.version and all(s.title and s.examples for s in sc.steps)


PROBES = {
    "need_identified": (["Что вас интересует?", "Какая у вас машина?", "Что именно сломалось?",
                         "Расскажите, что произошло.", "По какому поводу звоните?"],
                        ["Всего доброго.", "Ваш заказ готов.", "Удобно вам сейчас говорить?"]),
    "contact_verified": (["Назовите, пожалуйста, ваше имя.", "Уточните фамилию.",
                          "На кого оформлен заказ?"],
                         ["Спасибо, Анна.", "Ваш заказ готов."]),
    "summary_next_step": (["Мастер будет у вас завтра с десяти до двенадцати.",
                           "Я оформила возврат, деньги придут в течение пяти дней."],
                          ["Переключаю на отдел гарантии.", "Ничем помочь не могу."]),
}


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("step", sorted(PROBES))
def test_step_probes(step: str, lower: bool) -> None:
    pos, neg = PROBES[step]
    for text in pos + neg:
        s = run([("operator", "Алло."), ("customer", "Да."), ("operator", text),
                 ("customer", "Да.")], lower=lower).labels["script"]
        assert s[step] is (text in pos), text


def _step(text: str, step: str, lower: bool, **kw) -> bool:
    s = run([("operator", "Алло."), ("customer", "Да."), ("operator", text),
             ("customer", "Да.")], lower=lower, **kw).labels["script"]
    return bool(s[step])


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text,need", [
    # a statement holding a question word is no question
    ("Я вам уже объяснил всё, что мне известно.", False),
    ("Это выходит дешевле, чем вы сейчас платите.", False),
    ("Такой вариант мы не рекомендуем.", False),
    ("Давайте я вам хотя бы на почту расчёт скину?", False),  # an offer
    ("Вам передали, что срок примерный.", False),  # "передали": no request
    # a request or a question about the customer's situation
    ("Назовите, пожалуйста, номер договора.", True),
    ("А вы при получении упаковку проверяли?", True),  # yes/no, no question word
    ("Подскажите, какой у вас год выпуска?", True),
    ("Доброе утро. Чем помочь?", True),  # no "могу"
    ("А устанавливали где, в сервисе?", True),
    ("Вам под дизель или под бензин?", True),  # a choice question
])
def test_need_questions_vs_statements(text: str, need: bool, lower: bool) -> None:
    assert _step(text, "need_identified", lower) is need


@pytest.mark.parametrize("text,need", [
    ("Вы хотите за эти деньги машину без пробега, так не бывает.", False),
    ("Ну чего вы кричите?", False),  # rhetorical
    ("Термостат после замены ставили в сервисе?", True),
    ("Кто-то будет дома в это время?", True),
])
def test_need_uses_question_marks_when_there_are_any(text: str, need: bool) -> None:
    """Punctuated text (typed chats, Whisper output) tells questions from statements."""
    s = run([("operator", "Алло."), ("customer", "Да? Слушаю."), ("operator", text),
             ("customer", "Да.")]).labels["script"]
    assert s["need_identified"] is need


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("text,summary", [
    ("Записала: пятница, с десяти до двух, мастер позвонит за час.", True),
    ("Записал, передам руководителю отдела.", True),
    ("Хорошо, напишу вам.", True),
    ("Тогда я вам через пару недель наберу, вдруг передумаете.", True),  # a date: concrete
    ("Семь, записала.", False),  # a survey score noted
    ("Понимаю, не буду настаивать. Хорошего дня!", False),
    ("Тогда мы вам перезвоним, когда появится новая акция.", False),  # no date: vague
    ("Может, хотя бы на почту условия скину?", False),  # an offer
    ("Скидка только до пятницы, потом будет дороже.", False),  # the offer's deadline
    ("Звоните в транспортную компанию, это их вопрос.", False),  # sent elsewhere
    ("У нас таких заказов сто штук в день.", False),
])
def test_summary_next_step_phrasings(text: str, summary: bool, lower: bool) -> None:
    assert _step(text, "summary_next_step", lower) is summary


@pytest.mark.parametrize("lower", [False, True])
def test_summary_before_survey_question_and_farewell(lower: bool) -> None:
    """The outcome often comes before the 0-10 question and the goodbye."""
    turns = [("operator", "Добрый день, Винпартс, Ольга."), ("customer", "Где заказ?"),
             ("operator", "Заказ приедет в пункт выдачи в четверг, придёт смс."),
             ("customer", "Хорошо."),
             ("operator", "И вопрос: по шкале от нуля до десяти, насколько порекомендуете нас?"),
             ("customer", "Восемь."), ("operator", "Спасибо за оценку."),
             ("customer", "Пока."), ("operator", "Всего доброго!")]
    adh = run(turns, lower=lower).labels["script_adherence"]
    assert adh["summary_next_step"]["done"] and adh["summary_next_step"]["utterance_index"] == 2
    short = run(turns, lower=lower, analyzer=ScriptAnalyzer(
        options=ScriptOptions(summary_utterances=3))).labels["script"]
    assert short["summary_next_step"] is False  # the zone is an option


def test_need_without_any_question_mark_in_the_call_uses_the_lexical_rules() -> None:
    """A transcript with periods but no "?" at all: its periods don't make statements."""
    turns = [("operator", "Добрый день, Винпартс."), ("customer", "Здравствуйте."),
             ("operator", "Скажите, какой у вас двигатель."), ("customer", "Бензин.")]
    assert run(turns).labels["script"]["need_identified"] is True
    turns[0] = ("operator", "Добрый день, Винпартс. Слышно меня?")
    turns[2] = ("operator", "Я вам уже объяснил всё, что мне известно.")
    assert run(turns).labels["script"]["need_identified"] is False
