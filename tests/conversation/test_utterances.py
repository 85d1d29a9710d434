"""``build_utterances``: the pure words → utterances step."""
from __future__ import annotations

from callqa.conversation import Word, build_utterances, join_words

ROLES = {"0": "operator", "1": "customer"}


def w(text: str, start: float, end: float, spk: str) -> Word:
    return Word(text=" " + text, start=start, end=end, speaker=spk)


def test_turns_alternate_in_time_order():
    words = [w("Здравствуйте,", 0.0, 0.5, "0"), w("ВинПартс.", 0.5, 1.0, "0"),
             w("Добрый", 2.0, 2.3, "1"), w("день.", 2.3, 2.6, "1"),
             w("Чем", 3.5, 3.7, "0"), w("помочь?", 3.7, 4.1, "0")]
    utts = build_utterances(words, ROLES)
    assert [(u.role, u.text) for u in utts] == [
        ("operator", "Здравствуйте, ВинПартс."), ("customer", "Добрый день."),
        ("operator", "Чем помочь?")]
    assert utts[1].start == 2.0 and utts[1].end == 2.6


def test_overlapping_backchannel_keeps_every_word_and_does_not_split_the_turn():
    op = [w(t, i * 0.4, i * 0.4 + 0.35, "0") for i, t in
          enumerate("Я вам сейчас всё подробно расскажу про доставку".split())]
    words = op + [w("угу", 1.0, 1.2, "1")]  # said while the operator talks
    utts = build_utterances(words, ROLES)
    assert sum(len(u.words) for u in utts) == len(words)
    assert [u.role for u in utts] == ["operator", "customer"]
    assert utts[0].text == "Я вам сейчас всё подробно расскажу про доставку"


def test_other_side_speaking_in_a_short_pause_is_a_turn_change():
    words = [w("Алло?", 0.0, 0.4, "0"), w("Да.", 0.6, 0.8, "1"), w("Это", 1.0, 1.2, "0"),
             w("Ирина.", 1.2, 1.5, "0")]
    utts = build_utterances(words, ROLES, max_gap=1.5)
    assert [u.text for u in utts] == ["Алло?", "Да.", "Это Ирина."]


def test_long_own_pause_splits_and_unknown_speaker_gets_unknown_role():
    words = [w("Секунду.", 0.0, 0.5, "0"), w("Нашёл.", 5.0, 5.4, "0"), w("Эм", 6.0, 6.2, "2")]
    utts = build_utterances(words, ROLES, max_gap=1.5)
    assert [u.text for u in utts] == ["Секунду.", "Нашёл.", "Эм"]
    assert utts[-1].role == "unknown"


def test_empty_input_gives_no_utterances():
    assert build_utterances([], ROLES) == []


def test_join_words_handles_whisper_spacing_and_punctuation():
    ws = [Word(" Добрый", 0, 1), Word(" день", 1, 2), Word(",", 2, 2), Word(" Ирина", 2, 3),
          Word("!", 3, 3)]
    assert join_words(ws) == "Добрый день, Ирина!"
