from __future__ import annotations

from pathlib import Path

import pytest

from callqa.settings import load_settings


@pytest.fixture(scope="session")
def pipeline():
    """One pipeline (models loaded once) for every model test in this package."""
    settings = load_settings()
    if not (Path(settings.models_dir) / settings.asr_model / "model.bin").is_file():
        pytest.skip(f"models not found under {settings.models_dir} (set CALLQA_MODELS_DIR)")
    from callqa.pipeline import RecordingPipeline

    return RecordingPipeline(settings)
