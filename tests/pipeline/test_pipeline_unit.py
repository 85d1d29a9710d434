"""Pipeline composition with stand-in models (fast); the real models run in test_recording.py."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from callqa.asr import Transcriber
from callqa.asr.hallucinations import FilterReport
from callqa.asr.transcriber import AsrSegment, ChannelTranscript
from callqa.conversation import CallMeta, Word
from callqa.diarization import Diarization, SpeakerTurn
from callqa.pipeline import RecordingPipeline
from callqa.settings import load_settings

SCRIPT = {
    "0": [(0.5, "Компания"), (1.0, "Ромашка,"), (1.5, "меня"), (2.0, "зовут"), (2.5, "Ольга."),
          (3.0, "Чем"), (3.3, "могу"), (3.6, "помочь?")],
    "1": [(4.5, "У"), (4.7, "меня"), (5.0, "сломался"), (5.5, "чайник.")],
}


class StubTranscriber(Transcriber):
    """Returns scripted words per speaker; for mono, all words of both channels."""

    def __init__(self) -> None:
        super().__init__("stub")
        self.calls: list[str] = []

    def check_model(self) -> Path:
        return Path("stub")

    def provenance(self) -> dict:
        return {"asr_model": "stub"}

    def transcribe(self, samples, vocabulary=None, speaker="0", sample_rate=16000, **kw):
        self.calls.append(speaker)
        items = SCRIPT.get(speaker) or sorted(SCRIPT["0"] + SCRIPT["1"])
        words = [Word(" " + t, s, s + 0.3, 0.9, speaker) for s, t in items]
        seg = AsrSegment(words[0].start, words[-1].end, "", -0.2, 0.1, 1.2, words)
        return ChannelTranscript(speaker, [seg], FilterReport(), "ru", len(samples) / 16000)


class StubDiarizer:
    def check_models(self):
        return None

    def provenance(self) -> dict:
        return {"diarizer": "stub"}

    def __call__(self, samples, sample_rate=16000, num_speakers=None) -> Diarization:
        turns = [SpeakerTurn(0.0, 4.0, "S0"), SpeakerTurn(4.4, 6.0, "S1")]
        return Diarization(turns, turns)


def write(tmp: Path, name: str, channels: np.ndarray) -> Path:
    p = tmp / name
    sf.write(p, channels.T, 8000, subtype="PCM_16")
    return p


def tone(n: int = 8000 * 7) -> np.ndarray:
    return (0.2 * np.sin(np.arange(n) / 3.0)).astype(np.float32)


def pipeline() -> RecordingPipeline:
    return RecordingPipeline(load_settings(), transcriber=StubTranscriber(), diarizer=StubDiarizer())


def test_stereo_roles_from_channel(tmp_path: Path) -> None:
    p = pipeline()
    res = p.process(write(tmp_path, "s.wav", np.stack([tone(), 0.5 * tone()])),
                    CallMeta("c1", tenant="nobody"))
    assert p.transcriber.calls == ["0", "1"]
    assert [u.role for u in res.conversation.utterances] == ["operator", "customer"]
    assert [s.name for s in res.stages] == ["decode", "asr", "diarization", "roles", "utterances"]
    assert res.stages[2].status == "skipped"
    assert sum(len(u.words) for u in res.conversation.utterances) == 12


def test_identical_channels_are_mono_and_diarized(tmp_path: Path) -> None:
    p = pipeline()
    res = p.process(write(tmp_path, "d.wav", np.stack([tone(), tone()])),
                    CallMeta("c2", direction="inbound"))
    assert p.transcriber.calls == ["mono"]
    assert res.stages[2].status == "ok" and res.role_decision.method == "text"
    roles = [(u.speaker, u.role) for u in res.conversation.utterances]
    assert roles == [("S0", "operator"), ("S1", "customer")]
    assert "identical channels" in res.stages[0].info["note"]


def test_bad_operator_channel_falls_back_to_speech(tmp_path: Path) -> None:
    res = pipeline().process(write(tmp_path, "s.wav", np.stack([tone(), 0.5 * tone()])),
                             CallMeta("c3", operator_channel=5))
    assert "note" in res.stages[3].info
    assert res.role_decision.operator == "0"


def test_digital_silence_skips_decoding(tmp_path: Path) -> None:
    p = pipeline()
    res = p.process(write(tmp_path, "z.wav", np.zeros((2, 8000 * 3), dtype=np.float32)),
                    CallMeta("c4"))
    assert p.transcriber.calls == [] and res.conversation.utterances == []
    assert "silence" in res.stages[1].info["note"]
    assert res.conversation.duration == 3.0
