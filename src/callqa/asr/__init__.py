"""Speech recognition: faster-whisper with per-client vocabulary, word timestamps and a separate,
pure hallucination filter (Whisper invents text on silence and noise)."""
from callqa.asr.hallucinations import FilterConfig, FilterReport, filter_segments, is_known_hallucination
from callqa.asr.vocabulary import Correction, correct_words
from callqa.asr.transcriber import (
    AsrSegment,
    ChannelTranscript,
    TranscribeOptions,
    Transcriber,
    vocabulary_prompt,
)

__all__ = [
    "AsrSegment", "ChannelTranscript", "FilterConfig", "FilterReport", "TranscribeOptions",
    "Transcriber", "filter_segments", "is_known_hallucination", "vocabulary_prompt",
    "Correction", "correct_words",
]
