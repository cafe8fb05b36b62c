"""Shared fixtures: the shipped corridor, and a writable copy of the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
from geo.data import data_dir


@pytest.fixture(scope="session")
def corridor() -> geo.Corridor:
    """The corridor built from the shipped data (built once per test run)."""
    return geo.load_corridor()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder, for tests that corrupt a file."""
    dest = tmp_path / "data"
    dest.mkdir()
    src = data_dir()
    for item in src.iterdir():
        if item.name.endswith(".geojson"):
            (dest / item.name).write_bytes(item.read_bytes())
    return dest


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return Path(__file__).resolve().parent.parent
