"""Role detection on text-only fixtures written for these tests (several call types, clean and
raw-ASR style), plus the stereo channel rule."""
from __future__ import annotations

import pytest

from callqa.roles import SpeakerText, detect_roles, speaker_texts, stereo_roles


def conv(*turns: tuple[str, str], start_step: float = 5.0) -> list[SpeakerText]:
    return speaker_texts((spk, i * start_step, text) for i, (spk, text) in enumerate(turns))


CASES = {
    "inbound_support": (conv(
        ("A", "Служба поддержки интернет-магазина Колесо, Марина, здравствуйте."),
        ("B", "Здравствуйте. Я на прошлой неделе заказал шины, а трек-номер не работает."),
        ("A", "Назовите, пожалуйста, номер заказа, я проверю."),
        ("B", "Сейчас... сорок два ноль семь."),
        ("A", "Вижу, посылка в пути, мы отправим вам новое уведомление. Спасибо за обращение!"),
    ), ["Колесо"], "inbound", "A"),
    "outbound_survey": (conv(
        ("B", "Алло."),
        ("A", "Добрый день! Меня зовут Елена, компания Чистый дом. Вам удобно говорить?"),
        ("B", "Ну, говорите."),
        ("A", "Оцените, пожалуйста, по шкале от нуля до десяти, насколько вероятно, что вы нас порекомендуете?"),
        ("B", "Восемь, наверное."),
        ("A", "Спасибо за ответ, хорошего дня!"),
    ), ["Чистый дом"], "outbound", "A"),
    "outbound_sales_customer_angry": (conv(
        ("B", "Да?"),
        ("A", "Здравствуйте, это Павел, у нас сейчас действует акция на подключение."),
        ("B", "Кто это? Откуда у вас мой номер? Мне не интересно."),
        ("A", "Я понимаю, мы можем предложить скидку."),
        ("B", "Не звоните мне больше."),
    ), [], "outbound", "A"),
    "customer_names_brand_first": (conv(
        ("A", "Да, слушаю вас."),
        ("B", "Алло, это Мегамаркет? Я у вас заказывала пылесос, он не включается."),
        ("A", "Подскажите номер заказа, пожалуйста."),
        ("B", "Сто двенадцать."),
        ("A", "Минуточку, оформлю возврат."),
    ), ["Мегамаркет"], "inbound", "A"),
    "raw_asr_lowercase": (conv(
        ("B", "алло"),
        ("A", "здравствуйте компания автомир меня зовут игорь звоню по поводу вашей заявки"),
        ("B", "да я оставлял заявку на тест драйв"),
        ("A", "могу предложить субботу в двенадцать"),
        ("B", "хорошо"),
    ), ["Автомир"], "outbound", "A"),
    "customer_checks_brand_later": (conv(
        ("A", "Здравствуйте, это Кирилл, звоню по поводу вашего тарифа."),
        ("B", "Так."),
        ("A", "Предлагаем перейти на безлимит, это выгоднее."),
        ("B", "Подождите, это Связьком, что ли? Я же просил больше не звонить."),
        ("A", "Понял вас, отмечу отказ."),
    ), ["Связьком"], "outbound", "A"),
    "speaker_labels_swapped": (conv(
        ("X", "Здравствуйте, мне нужны колодки на Фокус."),
        ("Y", "Да, подскажите год выпуска, я посмотрю наличие."),
        ("X", "Двенадцатый."),
        ("Y", "Есть в наличии, оформлю заказ на ваш номер?"),
    ), [], None, "Y"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_operator_found(name: str) -> None:
    speakers, brands, direction, operator = CASES[name]
    d = detect_roles(speakers, brands, direction)
    assert d.operator == operator, d.as_dict()
    assert d.roles[operator] == "operator"
    assert all(r == "customer" for s, r in d.roles.items() if s != operator)
    assert 0.5 < d.confidence <= 1.0


def test_confidence_is_low_when_nothing_tells() -> None:
    d = detect_roles(conv(("A", "Ну да."), ("B", "Угу.")), [], None)
    assert 0.45 <= d.confidence <= 0.6


def test_single_and_no_speaker() -> None:
    d = detect_roles(conv(("A", "Компания Ромашка, меня зовут Ольга, чем могу помочь?")), ["Ромашка"])
    assert d.roles == {"A": "operator"}
    assert detect_roles([], []).roles == {}


def test_stereo_roles_follow_metadata() -> None:
    assert stereo_roles(2, 0).roles == {"0": "operator", "1": "customer"}
    assert stereo_roles(2, 1).roles == {"0": "customer", "1": "operator"}
    assert stereo_roles(2, None).operator == "0"
    with pytest.raises(ValueError):
        stereo_roles(2, 3)
