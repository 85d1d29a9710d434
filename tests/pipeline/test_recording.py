"""The real pipeline (faster-whisper base + pyannote) on sample recordings."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callqa.conversation import CallMeta
from callqa.errors import AudioError, ModelNotFoundError
from callqa.pipeline import RecordingPipeline
from callqa.pipeline.reference import load_reference, match_reference
from callqa.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "recordings_sample"


def meta_for(call_id: str) -> CallMeta:
    m = json.loads((SAMPLE / f"{call_id}.json").read_text(encoding="utf-8"))
    return CallMeta(call_id=m["call_id"], tenant=m["tenant"], operator_id=m.get("operator_id"),
                    customer_number=m.get("customer_number"), direction=m["direction"],
                    operator_channel=m.get("operator_channel"))

pytestmark = pytest.mark.models


def audio_of(call_id: str) -> Path:
    m = json.loads((SAMPLE / f"{call_id}.json").read_text(encoding="utf-8"))
    return SAMPLE / m["audio_file"]


@pytest.mark.parametrize("call_id", ["rec-0017", "rec-0005"])  # OGG and MP3, two tenants
def test_stereo_roles_and_every_reference_utterance(pipeline: RecordingPipeline, call_id: str) -> None:
    res = pipeline.process(audio_of(call_id), meta_for(call_id))
    conv = res.conversation
    assert [s.name for s in res.stages] == ["decode", "asr", "diarization", "roles", "utterances"]
    assert res.stages[2].status == "skipped" and all(s.status != "failed" for s in res.stages)
    # Roles: every word from channel 0 is the operator's, channel 1 the customer's.
    for u in conv.utterances:
        assert u.role == {"0": "operator", "1": "customer"}[u.speaker]
        assert all(w.speaker == u.speaker for w in u.words)
        assert u.start <= u.end and u.text
    assert conv.utterances == sorted(conv.utterances, key=lambda u: (u.start, u.end))
    matches = match_reference(load_reference(SAMPLE / f"{call_id}.ref.json"), conv.utterances)
    missing = [(m.role, m.text, m.hyp_text) for m in matches if not m.found]
    assert not missing, missing
    assert res.provenance["asr"]["asr_model"] == "faster-whisper-base"
    assert res.provenance["roles"]["confidence"] == 1.0


def test_operator_channel_from_metadata(pipeline: RecordingPipeline) -> None:
    meta = replace(meta_for("rec-0017"), operator_channel=1)
    res = pipeline.process(audio_of("rec-0017"), meta)
    assert {u.speaker: u.role for u in res.conversation.utterances} == {"0": "customer", "1": "operator"}


@pytest.mark.parametrize("call_id", ["mono-0004"])
def test_mono_mix_roles_from_speech(pipeline: RecordingPipeline, call_id: str) -> None:
    res = pipeline.process(audio_of(call_id), meta_for(call_id))
    conv = res.conversation
    assert res.stages[2].name == "diarization" and res.stages[2].status == "ok"
    assert res.role_decision is not None and res.role_decision.method == "text"
    assert res.role_decision.confidence > 0.6
    ref = load_reference(SAMPLE / f"{call_id}.ref.json")
    matches = match_reference(ref, conv.utterances, slack=1.0)
    found = sum(m.found for m in matches) / len(matches)
    assert found >= 0.8, [(m.role, m.text, m.hyp_text) for m in matches if not m.found]
    # The opening words must be attributed to the right party.
    first_ref = ref[0]
    first_hyp = next(u for u in conv.utterances if u.end > first_ref["start"])
    assert first_hyp.role == first_ref["speaker"]


def test_silence_and_noise_give_no_utterances(pipeline: RecordingPipeline, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros((8000 * 20, 2), dtype=np.float32), 8000, subtype="PCM_16")
    noise = tmp_path / "noise.flac"
    sf.write(noise, (0.05 * rng.standard_normal((8000 * 20, 2))).astype(np.float32), 8000)
    for path in (silent, noise):
        res = pipeline.process(path, CallMeta(call_id=path.stem))
        assert res.conversation.utterances == [], res.conversation.utterances
        assert "note" in res.stages[1].info and res.conversation.duration == pytest.approx(20, abs=0.1)


def test_bad_audio_raises_audio_error(pipeline: RecordingPipeline, tmp_path: Path) -> None:
    bad = tmp_path / "x.ogg"
    bad.write_bytes(audio_of("rec-0017").read_bytes()[:20000])
    with pytest.raises(AudioError, match="truncated"):
        pipeline.process(bad, CallMeta(call_id="x"))
    with pytest.raises(AudioError, match="zero-length"):
        pipeline.process(b"", CallMeta(call_id="y"))


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    p = RecordingPipeline(load_settings(models_dir=tmp_path / "nowhere"))
    with pytest.raises(ModelNotFoundError, match="CALLQA_MODELS_DIR") as e:
        p.process(audio_of("rec-0017"), CallMeta(call_id="z"))
    assert str(tmp_path / "nowhere") in str(e.value)
