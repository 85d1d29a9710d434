"""The hallucination filter is pure: segments in, kept segments and a report out."""
from __future__ import annotations

from callqa.asr import AsrSegment, FilterConfig, filter_segments, is_known_hallucination
from callqa.conversation import Word


def seg(text: str, start: float = 0.0, nsp: float = 0.1, lp: float = -0.3) -> AsrSegment:
    words = [Word(" " + t, start + i * 0.3, start + i * 0.3 + 0.25) for i, t in enumerate(text.split())]
    return AsrSegment(start, start + 0.3 * len(words), text, lp, nsp, 1.5, words)


def test_known_russian_silence_hallucinations() -> None:
    for t in ["Субтитры создавал DimaTorzok", "Продолжение следует...", "Субтитры сделал DimaTorzok",
              "Редактор субтитров А.Семкин Корректор А.Егорова", "Спасибо за просмотр!",
              "Подписывайтесь на канал", "ПРОДОЛЖЕНИЕ СЛЕДУЕТ", "Субтитры подготовлены сообществом"]:
        assert is_known_hallucination(t), t
    for t in ["Спасибо, всего доброго", "Продолжение разговора завтра", "Подпишите договор",
              "Я смотрел канал вчера", ""]:
        assert not is_known_hallucination(t), t


def test_phrase_inside_real_speech_is_kept() -> None:
    long = "Да я вам говорю что продолжение следует ждать в четверг когда привезут заказ на склад"
    assert not is_known_hallucination(long)
    kept, rep = filter_segments([seg(long)])
    assert len(kept) == 1 and rep.dropped_words == 0


def test_drops_silence_segments_by_scores() -> None:
    real = seg("Добрый день компания", 0.0)
    silent = seg("Ну вот", 5.0, nsp=0.9, lp=-1.4)
    confident = seg("Да", 9.0, nsp=0.9, lp=-0.2)  # high no-speech but confident text stays
    kept, rep = filter_segments([real, silent, confident])
    assert [k.text for k in kept] == ["Добрый день компания", "Да"]
    assert rep.dropped_segments[0]["reason"] == "no_speech"


def test_trims_repetition_loops_keeps_normal_repeats() -> None:
    loop = seg("хорошо " * 2 + "я вас понял " * 6 + "до свидания")
    kept, rep = filter_segments([loop])
    words = [w.text.strip() for w in kept[0].words]
    assert words == ["хорошо", "хорошо", "я", "вас", "понял", "до", "свидания"]
    assert rep.trimmed_loops == 1 and rep.dropped_words == 15
    normal = seg("да да да конечно")
    kept, rep = filter_segments([normal])
    assert len(kept[0].words) == 4 and rep.trimmed_loops == 0


def test_words_outside_audio_dropped_and_clipped() -> None:
    s = seg("раз два три четыре", start=9.5)  # words at 9.5, 9.8, 10.1, 10.4
    kept, rep = filter_segments([s], duration=10.0)
    assert [w.text.strip() for w in kept[0].words] == ["раз", "два"]
    assert all(w.end <= 10.0 for w in kept[0].words)
    kept, rep = filter_segments([seg("эхо", start=12.0)], duration=10.0)
    assert kept == [] and rep.dropped_segments[0]["reason"] == "no_words_left"


def test_thresholds_are_configurable() -> None:
    s = seg("ну", nsp=0.5, lp=-1.2)
    assert filter_segments([s])[0]
    assert not filter_segments([s], config=FilterConfig(no_speech_prob=0.4))[0]
