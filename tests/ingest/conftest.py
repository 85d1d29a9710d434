from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callqa.audio import decode_audio
from callqa.conversation import Conversation, Utterance, Word
from callqa.pipeline import ProcessedRecording, StageResult
from callqa.settings import load_settings


class FakePipeline:
    """Real decoding (bad input is detected by the real decoder); canned words instead of
    Whisper, for speed. All-silence audio yields no utterances, like the real pipeline."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def process(self, source, meta, vocabulary=None):
        self.calls.append(Path(source).name)
        audio = decode_audio(source)
        stages = [StageResult("decode", "ok", 0.01, None, {"channels": audio.info.channels})]
        utts: list[Utterance] = []
        if float(np.abs(audio.samples).max()) > 1e-3:
            for i, (role, text) in enumerate([
                ("operator", f"Компания Винпартс, здравствуйте. Файл {Path(source).stem}."),
                ("customer", "Пожалуйста, больше мне не звоните."),
            ]):
                spk = str(i)
                utts.append(Utterance(role, text, float(i), float(i) + 0.9,
                                      [Word(" " + text, float(i), float(i) + 0.9, 1.0, spk)], spk))
        stages.append(StageResult("asr", "ok", 0.01, None, {"words": len(utts)}))
        prov = {"pipeline": "fake", "audio": {"channels": audio.info.channels,
                                              "sample_rate": audio.info.sample_rate,
                                              "duration": audio.info.duration}}
        conv = Conversation(meta=meta, utterances=utts, duration=audio.info.duration,
                            provenance=prov)
        return ProcessedRecording(conversation=conv, stages=stages, provenance=prov)


def write_tone(path: Path, freq: float = 440.0, seconds: float = 1.0, sr: int = 8000,
               channels: int = 2, silent: bool = False) -> Path:
    t = np.arange(int(sr * seconds)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq * t)
    if silent:
        x = np.zeros_like(x)
    data = np.stack([x, 0.5 * x], axis=1) if channels == 2 else x
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), data, sr, subtype="PCM_16")
    return path


def write_sidecar(audio: Path, **fields) -> None:
    audio.with_suffix(".json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def settings(tmp_path):
    return load_settings(database_url=f"sqlite:///{tmp_path / 'db' / 'callqa.db'}",
                         data_dir=tmp_path / "data", models_dir=tmp_path / "no-models")


@pytest.fixture
def fake_pipeline():
    return FakePipeline()


@pytest.fixture
def tone():
    return write_tone


@pytest.fixture
def sidecar():
    return write_sidecar
