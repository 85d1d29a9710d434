"""Decode recordings with PyAV (the FFmpeg libraries faster-whisper already depends on).

Why our own decoder and not ``faster_whisper.decode_audio``: that one silently skips invalid
frames and returns whatever it got, so a truncated upload would be transcribed as a shorter call
and stored as if complete. Here every input is checked against what its container declares
(WAV data-chunk size, Ogg end-of-stream page, MP3/FLAC declared duration) and bad input raises
``AudioError`` with a message a user understands. Channels are kept apart (float32, planar,
resampled to 16 kHz) because stereo PBX recordings carry one speaker per channel.
"""
from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from callqa.errors import AudioError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
AudioSource = Union[str, Path, bytes, bytearray, memoryview, BinaryIO]

# A file may legitimately decode a few milliseconds short of its declared length (encoder
# padding, MP3 frame rounding); more than this is treated as truncation.
_TRUNCATION_TOLERANCE_S = 0.25
_TRUNCATION_TOLERANCE_FRAC = 0.02


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about a recording (before resampling)."""

    channels: int
    sample_rate: int
    duration: float  # seconds actually decoded (declared length for ``probe``)
    codec: str
    container: str = ""
    declared_duration: float | None = None


@dataclass
class DecodedAudio:
    """Per-channel float32 samples at ``sample_rate`` (shape: channels × samples)."""

    samples: np.ndarray
    sample_rate: int
    info: AudioInfo

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.samples.shape[1] / float(self.sample_rate)

    def channel(self, i: int) -> np.ndarray:
        return self.samples[i]


def _name(source: AudioSource) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return getattr(source, "name", "<audio bytes>")


def _read_bytes(source: AudioSource) -> bytes:
    if isinstance(source, (str, Path)):
        p = Path(source)
        if not p.is_file():
            raise AudioError(f"{p}: file not found")
        return p.read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    data = source.read()
    return bytes(data)


def _wav_truncation(data: bytes) -> str | None:
    """A RIFF/WAVE file whose data chunk is shorter than its header says is truncated."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if cid == b"data":
            if size in (0, 0xFFFFFFFF):  # streaming writers leave the size unset
                return None
            have = len(data) - (pos + 8)
            if have < size:
                return (f"WAV data chunk declares {size} bytes but only {have} are present "
                        f"(file truncated)")
            return None
        pos += 8 + size + (size & 1)
    return "WAV file has no data chunk (file truncated or not audio)"


def _ogg_truncation(data: bytes) -> str | None:
    """An Ogg stream that does not end with an end-of-stream page was cut off."""
    if not data.startswith(b"OggS"):
        return None
    last = data.rfind(b"OggS")
    if last < 0 or last + 6 > len(data):
        return "Ogg file ends inside a page header (file truncated)"
    header_type = data[last + 5]
    if not header_type & 0x04:
        return "Ogg stream has no end-of-stream page (file truncated)"
    # The last page must also be complete: 27-byte header + segment table + body.
    if last + 27 <= len(data):
        nseg = data[last + 26]
        table = data[last + 27:last + 27 + nseg]
        if len(table) < nseg or last + 27 + nseg + sum(table) > len(data):
            return "Ogg file ends inside its last page (file truncated)"
    return None


def decode_audio(source: AudioSource, sample_rate: int = SAMPLE_RATE) -> DecodedAudio:
    """Decode a recording to float32 channels at ``sample_rate``.

    Raises ``AudioError`` for a missing, empty, non-audio, corrupt or truncated file, or one
    whose codec FFmpeg cannot decode.
    """
    import av

    name = _name(source)
    data = _read_bytes(source)
    if not data:
        raise AudioError(f"{name}: zero-length file")
    problem = _wav_truncation(data) or _ogg_truncation(data)
    if problem:
        raise AudioError(f"{name}: {problem}")

    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as e:
        raise AudioError(f"{name}: not a readable audio file ({e.strerror or e})") from e
    except EOFError as e:  # PyAV raises a bare EOFError subclass for garbage data
        raise AudioError(f"{name}: not a readable audio file (unexpected end of data)") from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"{name}: no audio stream in the file")
        stream = container.streams.audio[0]
        cc = stream.codec_context
        codec = cc.name if cc is not None else "unknown"
        in_rate = int(stream.rate or (cc.sample_rate if cc else 0) or 0)
        in_channels = int(stream.channels or 0) or 1
        declared = None
        if stream.duration is not None and stream.time_base is not None:
            declared = float(stream.duration * stream.time_base)
        elif container.duration:
            declared = container.duration / 1_000_000.0
        resampler = av.audio.resampler.AudioResampler(
            format="fltp", layout="stereo" if in_channels >= 2 else "mono", rate=sample_rate
        )
        chunks: list[np.ndarray] = []
        decoded_in = 0
        errors = 0
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.InvalidDataError:
                errors += 1
                continue
            except av.error.FFmpegError as e:
                raise AudioError(f"{name}: cannot decode {codec} audio ({e.strerror or e})") from e
            except EOFError:
                errors += 1
                break
            decoded_in += frame.samples
            frame.pts = None
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())

    if not chunks or decoded_in == 0:
        raise AudioError(f"{name}: no audio samples could be decoded ({codec})")
    samples = np.ascontiguousarray(np.concatenate(chunks, axis=1), dtype=np.float32)
    decoded_s = decoded_in / in_rate if in_rate else samples.shape[1] / sample_rate
    if declared and declared > 0:
        short = declared - decoded_s
        if short > max(_TRUNCATION_TOLERANCE_S, _TRUNCATION_TOLERANCE_FRAC * declared):
            raise AudioError(
                f"{name}: decoded {decoded_s:.2f} s of {declared:.2f} s declared "
                f"(file truncated or corrupt)")
    if errors:
        log.warning("%s: %d undecodable %s packet(s) skipped", name, errors, codec)
    if not np.isfinite(samples).all():
        raise AudioError(f"{name}: decoded samples contain NaN/inf (corrupt file)")
    info = AudioInfo(
        channels=int(samples.shape[0]), sample_rate=in_rate, duration=round(decoded_s, 3),
        codec=codec, container=container.format.name if container.format else "",
        declared_duration=declared,
    )
    return DecodedAudio(samples=samples, sample_rate=sample_rate, info=info)


def probe(source: AudioSource) -> AudioInfo:
    """Container facts without decoding (cheap; does not detect truncation)."""
    import av

    name = _name(source)
    data = _read_bytes(source)
    if not data:
        raise AudioError(f"{name}: zero-length file")
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as c:
            if not c.streams.audio:
                raise AudioError(f"{name}: no audio stream in the file")
            s = c.streams.audio[0]
            dur = float(s.duration * s.time_base) if s.duration and s.time_base else (
                (c.duration or 0) / 1_000_000.0)
            return AudioInfo(channels=int(s.channels or 1), sample_rate=int(s.rate or 0),
                             duration=round(dur, 3), codec=s.codec_context.name,
                             container=c.format.name if c.format else "",
                             declared_duration=dur or None)
    except (av.error.FFmpegError, EOFError) as e:
        raise AudioError(f"{name}: not a readable audio file ({e})") from e


def mono_mix(audio: DecodedAudio) -> np.ndarray:
    """Average the channels, as a mono PBX recording of the same call would sound."""
    return audio.samples.mean(axis=0).astype(np.float32)


def write_audio(path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE,
                out_rate: int | None = None) -> Path:
    """Write float32 samples (1-D mono or channels × samples) with soundfile.

    The format follows the suffix (``.wav``, ``.flac``, ``.ogg`` = Vorbis, ``.mp3``);
    ``out_rate`` resamples first (e.g. 8000 for a telephone-like file).
    """
    import soundfile as sf

    path = Path(path)
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[None]
    if out_rate and out_rate != sample_rate:
        data = _resample(data, sample_rate, out_rate)
        sample_rate = out_rate
    fmt = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS"),
           ".mp3": ("MP3", "MPEG_LAYER_III")}.get(path.suffix.lower())
    if fmt is None:
        raise AudioError(f"{path}: unsupported output format {path.suffix!r}")
    sf.write(str(path), np.clip(data.T, -1.0, 1.0), sample_rate, format=fmt[0], subtype=fmt[1])
    return path


def _resample(data: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling through PyAV's swresample (no scipy needed)."""
    import av

    layout = "mono" if data.shape[0] == 1 else "stereo"
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data, dtype=np.float32),
                                       format="fltp", layout=layout)
    frame.sample_rate = rate_in
    rs = av.audio.resampler.AudioResampler(format="fltp", layout=layout, rate=rate_out)
    out = [f.to_ndarray() for f in rs.resample(frame)] + [f.to_ndarray() for f in rs.resample(None)]
    return np.concatenate(out, axis=1)
