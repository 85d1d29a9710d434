"""Fixtures: a real SQLite file per test (through the storage API) and the fake engine."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from svc_helpers import KeywordEngine  # noqa: E402

from callqa.settings import load_settings  # noqa: E402
from callqa.storage import Storage  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings(database_url=f"sqlite:///{tmp_path / 'callqa.db'}",
                         data_dir=tmp_path / "data")


@pytest.fixture
def storage(settings):
    st = Storage.from_settings(settings)
    yield st
    st.close()


@pytest.fixture
def fake_engine():
    return KeywordEngine()
