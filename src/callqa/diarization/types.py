"""Plain data returned by the diarizer (no pyannote objects leak out)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Diarization:
    """Regular turns (may overlap) and exclusive turns (one speaker at a time, for alignment)."""

    turns: list[SpeakerTurn] = field(default_factory=list)
    exclusive: list[SpeakerTurn] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})
