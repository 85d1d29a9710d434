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


def test_refiner_on_mono_mix_of_a_call(diarizer: Diarizer) -> None:
    """A short two-voice call mixed to mono (8 kHz telephone band, TTS voices): the refined
    output (the default) must stay under 10 % DER and not be worse than pyannote's own."""
    from dataclasses import replace as dc_replace

    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from callqa.audio import mono_mix
    from callqa.diarization.refine import TwoSpeakerRefiner

    folder = Path(__file__).resolve().parents[2] / "recordings_sample"
    audio = decode_audio(folder / "rec-0017.ogg")
    mono = mono_mix(audio)
    plain = Diarizer(diarizer.segmentation, diarizer.embedding, models_dir=diarizer.models_dir,
                     options=dc_replace(diarizer.options))
    raw = plain(mono, audio.sample_rate)
    refined = TwoSpeakerRefiner()(mono, audio.sample_rate, raw, plain.embed)

    def ann(turns):
        a = Annotation()
        for i, t in enumerate(turns):
            a[Segment(t.start, t.end), i] = t.speaker
        return a

    ref = ann(turns_from_rttm((folder / "rec-0017.rttm").read_text()))
    der_raw = DiarizationErrorRate(collar=0.25)(ref, ann(raw.turns))
    der_ref = DiarizationErrorRate(collar=0.25)(ref, ann(refined.turns))
    assert der_ref < 0.10 and der_ref <= der_raw + 0.02, (der_raw, der_ref)
    assert refined.speakers == ["S0", "S1"]


def test_refinement_setting_selects_the_stage() -> None:
    from callqa.settings import Settings

    assert Settings.model_fields["diarization_refine"].default is True
    assert Diarizer.from_settings(load_settings(diarization_refine=True)).refiner is not None
    assert Diarizer.from_settings(load_settings(diarization_refine=False)).refiner is None
