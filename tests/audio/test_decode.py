"""Decoding real sample recordings and refusing bad input with a clear AudioError."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callqa.audio import SAMPLE_RATE, decode_audio, mono_mix, probe, write_audio
from callqa.errors import AudioError

SAMPLE = Path(__file__).resolve().parents[2] / "recordings_sample"


@pytest.mark.parametrize("name,channels,codec", [
    ("rec-0002.ogg", 2, "vorbis"), ("rec-0005.mp3", 2, "mp3"), ("rec-0008.flac", 2, "flac"),
    ("mono-0004.ogg", 1, "vorbis"), ("mono-0036.mp3", 1, "mp3"),
])
def test_decodes_sample_formats_per_channel_at_16k(name: str, channels: int, codec: str) -> None:
    a = decode_audio(SAMPLE / name)
    assert a.sample_rate == SAMPLE_RATE and a.samples.dtype == np.float32
    assert a.channels == channels and a.info.channels == channels
    assert a.info.sample_rate == 8000 and a.info.codec.startswith(codec)
    assert abs(a.duration - a.info.duration) < 0.1 and a.duration > 20
    assert 0.01 < float(np.abs(a.samples).max()) <= 1.0


def test_stereo_channels_are_kept_apart() -> None:
    a = decode_audio(SAMPLE / "rec-0002.ogg")
    # Operator and customer speak at different times: the channels must differ.
    assert float(np.abs(a.channel(0) - a.channel(1)).mean()) > 1e-3


def test_wav_16k_mono_and_bytes_input(tmp_path: Path) -> None:
    t = np.arange(16000 * 2) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    p = tmp_path / "tone.wav"
    sf.write(p, tone, 16000)
    a = decode_audio(p)
    b = decode_audio(p.read_bytes())
    assert a.channels == 1 and a.samples.shape[1] == len(tone)
    np.testing.assert_allclose(a.samples, b.samples)
    np.testing.assert_allclose(a.samples[0, 100:-100], tone[100:-100], atol=1e-3)


def test_write_audio_resamples_and_roundtrips(tmp_path: Path) -> None:
    a = decode_audio(SAMPLE / "rec-0017.ogg")
    out = write_audio(tmp_path / "mix.flac", mono_mix(a), a.sample_rate, out_rate=8000)
    info = probe(out)
    assert info.channels == 1 and info.sample_rate == 8000
    assert abs(info.duration - a.duration) < 0.05


def _truncate(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


@pytest.mark.parametrize("name", ["rec-0002.ogg", "rec-0005.mp3", "rec-0008.flac"])
def test_truncated_files_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(AudioError, match="truncated"):
        decode_audio(_truncate(SAMPLE / name, tmp_path / name))


def test_truncated_wav_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "full.wav"
    sf.write(p, np.zeros(16000, dtype=np.float32), 16000, subtype="PCM_16")
    with pytest.raises(AudioError, match="truncated"):
        decode_audio(_truncate(p, tmp_path / "cut.wav"))


def test_empty_missing_and_non_audio(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="zero-length"):
        decode_audio(empty)
    with pytest.raises(AudioError, match="not found"):
        decode_audio(tmp_path / "nope.ogg")
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio at all\n" * 50)
    with pytest.raises(AudioError, match="not a readable audio file|no audio"):
        decode_audio(text)
    noise = tmp_path / "random.ogg"
    noise.write_bytes(np.random.default_rng(0).integers(0, 255, 20000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioError):
        decode_audio(noise)
