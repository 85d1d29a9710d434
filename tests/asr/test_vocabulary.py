"""Vocabulary post-correction: near-miss spellings become the client's terms, nothing else."""
from __future__ import annotations

from callqa.asr import correct_words
from callqa.asr.transcriber import TranscribeOptions, vocabulary_prompt
from callqa.asr.vocabulary import key, similarity
from callqa.conversation import Word

VOCAB = ["Телеком ТВ", "ВинПартс", "Семейная корзина", "Октавия", "Логан", "Спортейдж"]


def words(*tokens: str, speaker: str = "0") -> list[Word]:
    return [Word(" " + t, i * 0.5, i * 0.5 + 0.4, 0.9, speaker) for i, t in enumerate(tokens)]


def test_key_and_similarity() -> None:
    assert key("ТелекомTV") == key("Телеком ТВ") == "телекомтв"
    assert similarity("винпартс", "винпарт") > 0.8 and similarity("abc", "xyz") == 0.0


def test_latin_and_split_spellings_are_corrected() -> None:
    out, changes = correct_words(words("компания", "телекомTV,", "вин", "партс", "слушаю"), VOCAB)
    assert [w.text.strip() for w in out] == ["компания", "Телеком ТВ,", "ВинПартс", "слушаю"]
    assert len(changes) == 2
    merged = out[2]
    assert merged.start == 1.0 and merged.end == 1.9  # spans both original words


def test_dictionary_words_and_inflections_untouched() -> None:
    src = words("в", "семейной", "корзине", "на", "октавию", "логан", "вместо", "весь")
    out, changes = correct_words(src, VOCAB)
    assert [w.text for w in out] == [w.text for w in src] and not changes


def test_no_merge_across_speakers() -> None:
    src = words("вин", speaker="0") + [Word(" партс", 0.5, 0.9, 0.9, "1")]
    out, _ = correct_words(src, VOCAB)
    assert [w.text.strip() for w in out] == ["вин", "партс"]


def test_prompt_modes() -> None:
    assert vocabulary_prompt(["A", "a", " B  b "]) == "A, B b"
    kw = TranscribeOptions(vocabulary_mode="hotwords").whisper_kwargs(["Логан"])
    assert kw["hotwords"] == "Логан" and "initial_prompt" not in kw
    kw = TranscribeOptions(vocabulary_mode="both").whisper_kwargs(["Логан"])
    assert kw["hotwords"] == kw["initial_prompt"] == "Логан"
    kw = TranscribeOptions().whisper_kwargs(["Логан"])  # default: post-correction
    assert "hotwords" not in kw and "initial_prompt" not in kw and kw["language"] == "ru"
