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


def test_filter_catches_what_whisper_invents_without_its_own_gates(transcriber: Transcriber) -> None:
    """With VAD and Whisper's own no-speech gate off, the model invents text on silence, noise
    and a tone ("СПОКОЙНАЯ МУЗЫКА", phrase loops); the separate filter must remove all of it."""
    from dataclasses import replace as dc_replace

    from callqa.asr import FilterConfig

    ungated = Transcriber(transcriber.model_name, models_dir=transcriber.models_dir,
                          options=dc_replace(transcriber.options, vad_filter=False,
                                             no_speech_threshold=None, log_prob_threshold=None),
                          filter_config=FilterConfig())
    ungated._model = transcriber.model  # same loaded model
    rng = np.random.default_rng(3)
    n = 16000 * 10
    invented = 0
    for samples in (np.zeros(n, dtype=np.float32),
                    (0.05 * rng.standard_normal(n)).astype(np.float32),
                    (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 16000)).astype(np.float32)):
        raw, _ = ungated.transcribe_raw(samples)
        invented += sum(len(s.words) for s in raw)
        tr = ungated.transcribe(samples)
        assert tr.words == [], ([s.text for s in raw], [w.text for w in tr.words])
    assert invented > 0  # the unfiltered model did hallucinate: the filter was exercised
