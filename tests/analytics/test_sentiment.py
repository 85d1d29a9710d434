"""Customer sentiment: the END state decides; the trajectory covers customer turns only."""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.features import fast
from callqa.analytics.sentiment import SentimentAnalyzer
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
    "Приношу извинения. Я нашла ваш заказ: курьер привезёт его сегодня до шести, "
    "и мы вернём вам стоимость доставки.",
    "О, вот это другое дело. Спасибо большое, вы меня очень выручили!",
)


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    m, _ = load_models(load_settings().artifacts_dir)
    return SentimentAnalyzer(fast(m.sentiment), fast(m.sentiment_utterance))


@pytest.mark.parametrize("asr", [False, True])
def test_end_state_decides(analyzer, asr):
    ctx = lambda: AnalysisContext(TenantProfile("t"))  # noqa: E731
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
