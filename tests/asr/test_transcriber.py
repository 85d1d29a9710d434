"""The real faster-whisper model through ``Transcriber`` (silence, noise, speech)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callqa.asr import Transcriber
from callqa.audio import decode_audio
from callqa.errors import ModelNotFoundError
from callqa.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "recordings_sample"
pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    t = Transcriber.from_settings(load_settings())
    try:
        t.check_model()
    except ModelNotFoundError as e:
        pytest.skip(str(e))
    return t


def test_silence_and_noise_yield_no_words(transcriber: Transcriber) -> None:
    rng = np.random.default_rng(1)
    silence = np.zeros(16000 * 15, dtype=np.float32)
    noise = (0.1 * rng.standard_normal(16000 * 15)).astype(np.float32)
    hum = (0.2 * np.sin(2 * np.pi * 50 * np.arange(16000 * 15) / 16000)).astype(np.float32)
    for samples in (silence, noise, hum):
        tr = transcriber.transcribe(samples)
        assert tr.words == [], [w.text for w in tr.words]


def test_speech_has_timed_words_inside_audio(transcriber: Transcriber) -> None:
    a = decode_audio(SAMPLE / "rec-0017.ogg")
    tr = transcriber.transcribe(a.channel(0), speaker="0")
    assert len(tr.words) > 20 and all(w.speaker == "0" for w in tr.words)
    assert all(0 <= w.start <= w.end <= a.duration for w in tr.words)
    assert tr.language == "ru"


def test_missing_model_names_path_and_env() -> None:
    t = Transcriber("no-such-model", models_dir="/nonexistent/models")
    with pytest.raises(ModelNotFoundError, match="/nonexistent/models/no-such-model.*CALLQA_MODELS_DIR"):
        _ = t.model
