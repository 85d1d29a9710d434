"""Audio in: decode any PBX recording (WAV/FLAC/MP3/OGG, 8/16 kHz, mono/stereo) to 16 kHz float32
per channel, refusing corrupt, truncated, empty or non-audio input with a clear ``AudioError``."""
from callqa.audio.decode import (
    SAMPLE_RATE,
    AudioInfo,
    DecodedAudio,
    decode_audio,
    mono_mix,
    probe,
    write_audio,
)

__all__ = [
    "SAMPLE_RATE", "AudioInfo", "DecodedAudio", "decode_audio", "mono_mix", "probe", "write_audio",
]
