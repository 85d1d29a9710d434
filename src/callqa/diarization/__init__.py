"""Who spoke when, for mono recordings: pyannote.audio 4 with local weights only, plus the pure
word → speaker alignment."""
from callqa.diarization.align import assign_speakers, turns_from_rttm
from callqa.diarization.diarizer import Diarization, Diarizer, DiarizerOptions, SpeakerTurn
from callqa.diarization.refine import RefineOptions, TwoSpeakerRefiner

__all__ = ["Diarization", "Diarizer", "DiarizerOptions", "RefineOptions", "SpeakerTurn",
           "TwoSpeakerRefiner", "assign_speakers", "turns_from_rttm"]
