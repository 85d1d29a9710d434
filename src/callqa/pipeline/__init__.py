"""Recording → Conversation: decode → ASR → (diarization on mono) → roles → utterances."""
from callqa.pipeline.recording import ProcessedRecording, RecordingPipeline, StageResult

__all__ = ["ProcessedRecording", "RecordingPipeline", "StageResult"]
