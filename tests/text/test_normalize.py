"""Russian normalisation shared by FTS and analytics."""
from __future__ import annotations

from callqa.text import lemma, lemmas, normalize_text, tokenize


def test_word_forms_share_a_lemma():
    assert lemma("звоните") == lemma("звонить") == lemma("звонил") == "звонить"
    assert lemma("номера") == "номер"


def test_yo_and_case_are_folded():
    assert normalize_text("  Ещё  РАЗ ") == "еще раз"
    assert lemmas("Ёлки") == lemmas("елки")


def test_punctuation_is_dropped_and_raw_asr_text_gives_the_same_tokens():
    clean = "Не звоните мне больше, пожалуйста!"
    raw = "не звоните мне больше пожалуйста"
    assert tokenize(clean) == tokenize(raw) == ["не", "звоните", "мне", "больше", "пожалуйста"]


def test_numbers_and_latin_survive():
    assert tokenize("Kia Rio, 17-й год, 790 руб.") == ["kia", "rio", "17-й", "год", "790", "руб"]
