"""Customer sentiment: the END state decides; the trajectory covers customer turns only."""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.features import call_text, fast
from callqa.analytics.sentiment import SentimentAnalyzer, decide_sentiment, end_cues
from callqa.analytics.train import asr_style_text, load_models
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.settings import load_settings
from callqa.tenants import TenantProfile


def conv(*turns: str, asr: bool = False) -> Conversation:
    roles = ["operator", "customer"]
    return Conversation(CallMeta("c"), [
        Utterance(roles[i % 2], asr_style_text(t) if asr else t)  # type: ignore[arg-type]
        for i, t in enumerate(turns)])


ANGRY_END = (
    "Здравствуйте, слушаю вас.",
    "Я третий раз звоню, заказ так и не привезли!",
    "Ничем не могу помочь, это не наш отдел.",
    "Безобразие. Это просто издевательство, больше никогда у вас ничего не закажу!",
)
CALMED_DOWN = (
    "Здравствуйте, слушаю вас.",
    "Я третий раз звоню, заказ так и не привезли! Это безобразие!",
    ("Приношу извинения. Я нашла ваш заказ: курьер привезёт его сегодня до шести, "
     "и мы вернём вам стоимость доставки."),
    "О, вот это другое дело. Спасибо большое, вы меня очень выручили!",
)


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    m, _ = load_models(load_settings().artifacts_dir)
    return SentimentAnalyzer(fast(m.sentiment), fast(m.sentiment_utterance))


@pytest.mark.parametrize("asr", [False, True])
def test_end_state_decides(analyzer, asr):
    ctx = lambda: AnalysisContext(TenantProfile("t"))
    assert analyzer.analyze(conv(*ANGRY_END, asr=asr), ctx()).labels["customer_sentiment"] == "negative"
    assert analyzer.analyze(conv(*CALMED_DOWN, asr=asr), ctx()).labels["customer_sentiment"] != "negative"


def test_trajectory_is_per_customer_utterance(analyzer):
    out = analyzer.analyze(conv(*CALMED_DOWN), AnalysisContext(TenantProfile("t")))
    traj = out.labels["customer_sentiment_trajectory"]
    assert [t["utterance_index"] for t in traj] == [1, 3]
    for t in traj:
        assert t["sentiment"] in ("negative", "neutral", "positive") and -1 <= t["score"] <= 1
    assert traj[-1]["score"] > traj[0]["score"]  # the customer calmed down


def test_no_customer_words_is_neutral(analyzer):
    c = Conversation(CallMeta("c"), [Utterance("operator", "Алло? Вас не слышно.")])
    out = analyzer.analyze(c, AnalysisContext(TenantProfile("t")))
    assert out.labels["customer_sentiment"] == "neutral"
    assert out.labels["customer_sentiment_trajectory"] == []


# --- the end-of-call cue layer (pure; no model needed) ---


NEUTRAL_LEANING = {"negative": 0.25, "neutral": 0.45, "positive": 0.30}


def cues(*turns: str, asr: bool = False) -> dict[str, float]:
    return end_cues(call_text(conv(*turns, asr=asr)))


@pytest.mark.parametrize("asr", [False, True])
def test_sarcastic_short_praise_after_a_problem_is_negative(asr):
    c = conv("Мастер будет только через неделю.", "Ещё неделю?", "Да, раньше никак.",
             "Ну просто замечательно.", asr=asr)
    assert end_cues(call_text(c))["sarcasm"] > 0
    assert decide_sentiment(NEUTRAL_LEANING, call_text(c)) == "negative"


@pytest.mark.parametrize("asr", [False, True])
def test_explicit_thanks_tips_a_neutral_leaning_call_to_positive(asr):
    c = conv("Готово, всё оформили.", "Вот это здорово, вы меня очень выручили, благодарю!",
             asr=asr)
    assert decide_sentiment(NEUTRAL_LEANING, call_text(c)) == "positive"


def test_plain_goodbye_and_negated_praise_are_no_cues():
    assert cues("Всего доброго.", "Спасибо, до свидания.") == {
        "positive": 0.0, "negative": 0.0, "sarcasm": 0.0}
    # negation is folded into the lemma, so "не отлично" is not praise
    assert cues("Как вам обслуживание?", "Не отлично, прямо скажем.")["positive"] == 0.0
    # "нет, спасибо" (a polite answer) is still thanks, not a negated one; "ну всё, спасибо" is
    # a closing, not sarcasm
    assert cues("Что-то ещё?", "Нет, спасибо большое.", asr=True)["positive"] > 0
    assert cues("Что-то ещё?", "Ну всё, спасибо.")["sarcasm"] == 0.0


def test_dissatisfaction_counts_and_final_turn_weighs_most():
    late = cues("Что-то ещё?", "Нет.", "Всего доброго.", "Безобразие, я напишу жалобу.")
    early = cues("Что-то ещё?", "Безобразие, я напишу жалобу.", "Всего доброго.", "Ладно.")
    assert late["negative"] > early["negative"] > 0
    assert decide_sentiment({"negative": 0.3, "neutral": 0.5, "positive": 0.2},
                            call_text(conv("Что-то ещё?", "Безобразие, я напишу жалобу."))) \
        == "negative"


def test_rules_off_is_the_model_argmax():
    c = call_text(conv("Готово.", "Ну просто отлично."))
    assert decide_sentiment(NEUTRAL_LEANING, c, use_rules=False) == "neutral"
    # a confident model is not overruled by a single cue
    assert decide_sentiment({"negative": 0.02, "neutral": 0.08, "positive": 0.9},
                            call_text(conv("Готово.", "Безобразие."))) == "positive"
