"""One settings object for the whole application.

Values come from ``CALLQA_*`` environment variables, optionally from a TOML/YAML/JSON config
file named by ``CALLQA_CONFIG`` (environment wins over the file), then defaults.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_models_dir() -> Path:
    """``../shared/models`` beside the checkout when present, else ``./models-cache``."""
    here = Path.cwd()
    for candidate in (here / "../shared/models", here.parent / "shared/models"):
        if candidate.is_dir():
            return candidate.resolve()
    return (here / "models-cache").resolve()


class Settings(BaseSettings):
    """Runtime configuration; see README for every variable."""

    model_config = SettingsConfigDict(env_prefix="CALLQA_", extra="ignore")

    database_url: str = "sqlite:///var/callqa.db"
    data_dir: Path = Path("var/data")
    models_dir: Path = Field(default_factory=_default_models_dir)
    # Trained analytics artifacts (ours, small, committed): the repository's models/ folder.
    artifacts_dir: Path = Field(default_factory=lambda: Path(__file__).resolve().parents[2] / "models")
    tenants_dir: Path | None = None  # per-tenant YAML (vocabulary, scripts); optional

    # ASR
    asr_model: str = "faster-whisper-base"
    asr_device: Literal["cpu", "cuda", "auto"] = "cpu"
    asr_compute_type: str = "int8"
    asr_language: str = "ru"
    asr_beam_size: int = 5
    asr_vad: bool = True
    asr_threads: int = 1
    asr_no_speech_threshold: float = 0.6
    # How the tenant's vocabulary is used: correct | hotwords | prompt | both | off (see asr/)
    asr_vocabulary_mode: Literal["correct", "hotwords", "prompt", "both", "off"] = "correct"

    # Diarization
    segmentation_model: str = "pyannote-segmentation-3.0"
    embedding_model: str = "resemblyzer-ge2e"
    num_speakers: int = 2
    torch_threads: int = 1
    # Two-speaker re-clustering after pyannote (diarization/refine.py); see bench/diarization.py
    diarization_refine: bool = True

    # Storage of the original audio: "copy" keeps a copy under data_dir, "reference" keeps the path.
    audio_storage: Literal["copy", "reference"] = "copy"

    # Analytics thresholds
    long_silence_s: float = 10.0
    overtalk_s: float = 3.0
    qa_checklist: Path | None = None  # YAML weights for qa_score; default: the bundled checklist

    def model_path(self, name_or_path: str) -> Path:
        """Resolve a model given by folder name (under ``models_dir``) or by path."""
        p = Path(name_or_path).expanduser()
        if p.is_absolute() or p.exists():
            return p
        return Path(self.models_dir) / name_or_path

    def prepare(self) -> "Settings":
        """Create the folders the settings point at (data dir, SQLite parent)."""
        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        if self.database_url.startswith("sqlite:///"):
            db = Path(self.database_url.removeprefix("sqlite:///"))
            if str(db) not in ("", ":memory:"):
                db.parent.mkdir(parents=True, exist_ok=True)
        return self


def _load_config_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text) or {}
    if path.suffix == ".toml":
        import tomllib

        return tomllib.loads(text)
    return json.loads(text)


def load_settings(**overrides: Any) -> Settings:
    """Build settings: explicit overrides > environment > config file > defaults."""
    file_values: dict[str, Any] = {}
    cfg = os.environ.get("CALLQA_CONFIG")
    if cfg:
        file_values = {k: v for k, v in _load_config_file(Path(cfg)).items()
                       if f"CALLQA_{k.upper()}" not in os.environ}
    return Settings(**{**file_values, **overrides})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached)."""
    return load_settings()
