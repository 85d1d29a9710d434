"""Call type: the committed model on short synthetic calls, tenant restriction, fast path."""
from __future__ import annotations

import numpy as np
import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.calltype import CallTypeAnalyzer, CallTypeOptions, build_calltype_model
from callqa.analytics.features import FastLinear, call_views, fast
from callqa.analytics.train import load_models
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.settings import load_settings
from callqa.tenants import TenantProfile


def conv(direction: str, *turns: str) -> Conversation:
    roles = ["operator", "customer"]
    return Conversation(CallMeta("c", direction=direction),  # type: ignore[arg-type]
                        [Utterance(roles[i % 2], t) for i, t in enumerate(turns)])  # type: ignore[arg-type]


CALLS = {
    "delivery_status": conv("inbound", "Добрый день, слушаю вас.",
                            "Я неделю назад оплатил заказ, масляный фильтр, когда его доставят? Трек не обновляется.",
                            "Назовите номер заказа.", "Сорок два, восемнадцать.",
                            "Посылка в транспортной компании, приедет в пункт выдачи в четверг.",
                            "Понял, буду ждать."),
    "warranty": conv("inbound", "Здравствуйте, чем могу помочь?",
                     "Купил у вас генератор месяц назад, он уже сгорел, не заряжает. Хочу вернуть по гарантии.",
                     "Понимаю. Нужен акт из сервиса о неисправности, тогда оформим гарантийный возврат или замену.",
                     "Хорошо, привезу акт."),
    "sales_offer": conv("outbound", "Добрый день! Хотим предложить вам новый тариф: интернет и телевидение "
                                    "со скидкой тридцать процентов на полгода.",
                        "А сколько это будет стоить в месяц?", "Пятьсот девяносто рублей, подключим бесплатно.",
                        "Нет, спасибо, мне не нужно."),
    "nps_survey": conv("outbound", "Здравствуйте! Вы недавно были у нас на техобслуживании. Оцените, "
                                   "пожалуйста, от нуля до десяти, насколько вероятно, что вы порекомендуете наш сервис?",
                       "Восемь, всё сделали нормально.", "Спасибо за оценку! Хорошего дня."),
    "complaint": conv("inbound", "Горячая линия, слушаю.",
                      "Я хочу пожаловаться на кассира в вашем магазине, она мне нахамила и обсчитала. "
                      "Требую разобраться и наказать сотрудника!",
                      "Приношу извинения. Зарегистрировала жалобу, директор магазина проведёт проверку."),
}


@pytest.fixture(scope="module")
def model():
    models, _ = load_models(load_settings().artifacts_dir)
    return models.call_type


@pytest.mark.parametrize("expected", sorted(CALLS))
def test_committed_model_on_synthetic_calls(model, expected):
    out = CallTypeAnalyzer(fast(model)).analyze(CALLS[expected], AnalysisContext(TenantProfile("t")))
    assert out.labels["call_type"] == expected
    scores = out.labels["call_type_scores"]
    assert abs(sum(scores.values()) - 1.0) < 1e-6
    assert out.labels["call_type_confidence"] == max(scores.values())


def test_tenant_call_types_restrict_the_choice(model):
    tenant = TenantProfile("x", call_types=["complaint", "warranty"])
    a = CallTypeAnalyzer(fast(model), options=CallTypeOptions(out_of_tenant_weight=0.0))
    out = a.analyze(CALLS["sales_offer"], AnalysisContext(tenant))
    assert out.labels["call_type"] in ("complaint", "warranty")
    assert set(k for k, v in out.labels["call_type_scores"].items() if v > 0) <= {"complaint", "warranty"}


def test_empty_call_has_no_type(model):
    out = CallTypeAnalyzer(fast(model)).analyze(conv("inbound"), AnalysisContext(TenantProfile("t")))
    assert out.labels["call_type"] is None and out.labels["call_type_confidence"] == 0.0


def test_fast_path_matches_sklearn():
    docs = [call_views(c) for c in CALLS.values()] * 2
    y = list(CALLS) * 2
    m = build_calltype_model().set_params(features__all__tfidf__min_df=1,
                                          features__open__tfidf__min_df=1,
                                          features__chars__tfidf__min_df=1).fit(docs, y)
    f = fast(m)
    assert isinstance(f, FastLinear)
    probe = docs[:5] + [call_views(conv("inbound", "совсем другой текст про гарантию"))]
    assert np.allclose(m.predict_proba(probe), f.predict_proba(probe), atol=1e-6)
    assert list(m.predict(probe)) == list(f.predict(probe))
