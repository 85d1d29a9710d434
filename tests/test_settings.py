"""The one settings object: environment > config file > defaults."""
from __future__ import annotations

from pathlib import Path

from callqa.settings import load_settings


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("CALLQA_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("CALLQA_ASR_BEAM_SIZE", "2")
    s = load_settings()
    assert s.database_url.endswith("/x.db") and s.asr_beam_size == 2


def test_config_file_is_read_and_environment_wins(monkeypatch, tmp_path):
    cfg = tmp_path / "callqa.yaml"
    cfg.write_text("asr_language: en\nlong_silence_s: 7\ndata_dir: /srv/callqa\n", encoding="utf-8")
    for var in ("CALLQA_DATA_DIR", "CALLQA_ASR_LANGUAGE"):  # CI sets some of these
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CALLQA_CONFIG", str(cfg))
    monkeypatch.setenv("CALLQA_LONG_SILENCE_S", "12")
    s = load_settings()
    assert s.asr_language == "en" and s.long_silence_s == 12 and s.data_dir == Path("/srv/callqa")


def test_model_names_resolve_under_the_models_dir(tmp_path):
    s = load_settings(models_dir=tmp_path)
    assert s.model_path("faster-whisper-base") == tmp_path / "faster-whisper-base"
    assert s.model_path(str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"


def test_prepare_creates_the_sqlite_parent_and_data_dir(tmp_path):
    s = load_settings(database_url=f"sqlite:///{tmp_path}/a/b/c.db", data_dir=tmp_path / "d")
    s.prepare()
    assert (tmp_path / "a" / "b").is_dir() and (tmp_path / "d").is_dir()
