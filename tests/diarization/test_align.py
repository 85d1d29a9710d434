"""Pure word → speaker alignment: overlap wins, gaps go to the nearest turn, no word lost."""
from __future__ import annotations

from callqa.conversation import Word
from callqa.diarization import SpeakerTurn, assign_speakers, turns_from_rttm


def test_overlap_and_nearest() -> None:
    turns = [SpeakerTurn(0.0, 2.0, "S0"), SpeakerTurn(2.0, 4.0, "S1"), SpeakerTurn(6.0, 7.0, "S0")]
    ws = [Word("a", 0.1, 0.5), Word("b", 1.8, 2.6), Word("c", 4.2, 4.5), Word("d", 5.6, 5.9),
          Word("e", 9.0, 9.5)]
    out = assign_speakers(ws, turns)
    assert [w.speaker for w in out] == ["S0", "S1", "S1", "S0", "S0"]
    assert [w.text for w in out] == [w.text for w in ws]  # nothing lost, order kept
    assert ws[0].speaker == "0"  # inputs untouched


def test_no_turns_keeps_words() -> None:
    ws = [Word("a", 0, 1, speaker="mono")]
    assert assign_speakers(ws, []) == ws


def test_rttm_parse() -> None:
    t = turns_from_rttm("SPEAKER x 1 0.5 1.25 <NA> <NA> operator <NA> <NA>\n\nbad line\n")
    assert t == [SpeakerTurn(0.5, 1.75, "operator")]
