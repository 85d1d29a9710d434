"""Real pyannote diarization with local weights (segmentation-3.0 + Resemblyzer)."""
from __future__ import annotations

from pathlib import Path

import pytest

from callqa.audio import decode_audio
from callqa.diarization import Diarizer, assign_speakers, turns_from_rttm
from callqa.errors import ModelNotFoundError
from callqa.settings import load_settings

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def diarizer() -> Diarizer:
    d = Diarizer.from_settings(load_settings())
    try:
        d.check_models()
    except ModelNotFoundError as e:
        pytest.skip(str(e))
    return d


@pytest.fixture(scope="module")
def sample_run(diarizer: Diarizer):
    """pyannote.audio's own two-speaker sample call, diarized once for this module."""
    import pyannote.audio

    sample = Path(pyannote.audio.__file__).parent / "sample"
    audio = decode_audio(sample / "sample.wav")
    return sample, diarizer(audio.channel(0), audio.sample_rate)


def test_pyannote_sample_two_speakers_low_der(sample_run) -> None:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    sample, out = sample_run
    assert out.speakers == ["S0", "S1"]
    assert out.exclusive and all(a.end <= b.start + 1e-3 for a, b in zip(out.exclusive, out.exclusive[1:]))

    def ann(turns):
        a = Annotation()
        for t in turns:
            a[Segment(t.start, t.end)] = t.speaker
        return a

    ref = turns_from_rttm((sample / "sample.rttm").read_text())
    der = DiarizationErrorRate(collar=0.25)(ann(ref), ann(out.turns))
    assert der < 0.10, der


def test_missing_embedding_folder(tmp_path: Path) -> None:
    d = Diarizer(models_dir=tmp_path)
    with pytest.raises(ModelNotFoundError, match=str(tmp_path)):
        _ = d.pipeline


def test_words_keep_count_after_alignment(sample_run) -> None:
    from callqa.conversation import Word

    _, out = sample_run
    words = [Word(f"w{i}", i * 0.5, i * 0.5 + 0.3) for i in range(60)]
    aligned = assign_speakers(words, out.exclusive)
    assert len(aligned) == 60 and {w.speaker for w in aligned} <= {"S0", "S1"}
