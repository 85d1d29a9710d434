"""Fixtures shared by every test package: a real SQLite file per test and a fake engine.

``tests/`` is on ``sys.path`` (pytest ``pythonpath``), so test modules import the shared fakes
as ``from svc_helpers import ...``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from svc_helpers import KeywordEngine

from callqa.settings import load_settings
from callqa.storage import Storage


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
