"""Who spoke when, for mono recordings: pyannote.audio 4 with local weights only, plus the pure
word → speaker alignment."""
from callqa.diarization.align import assign_speakers, turns_from_rttm
from callqa.diarization.diarizer import Diarizer, DiarizerOptions, Diarization, SpeakerTurn

__all__ = ["Diarization", "Diarizer", "DiarizerOptions", "SpeakerTurn", "assign_speakers",
           "turns_from_rttm"]
