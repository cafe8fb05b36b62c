"""A plain (non-editable) install carries the data and works from outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(repo_root)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("idlib_corridor-*.whl")
    return whl


def test_wheel_ships_every_data_layer_inside_the_package(wheel: Path, repo_root: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for layer in (repo_root / "data").glob("*.geojson"):
        assert f"geo/_data/{layer.name}" in names


@pytest.fixture(scope="module")
def target(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into a folder of its own (to put on PYTHONPATH)."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    return site


def _run(target: Path, cwd: Path, code: str) -> str:
    """Run ``code`` with only the installed package (not the checkout) importable as geo; return its output."""
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def test_installed_package_loads_its_data_from_outside_the_checkout(target: Path, tmp_path: Path):
    code = (
        "import geo, geo.data; "
        "print(geo.__file__); print(geo.data.data_dir()); print(geo.load_corridor().summary().posts)"
    )
    module_file, data_folder, posts = _run(target, tmp_path, code).split("\n")[:3]
    assert module_file.startswith(str(target))
    assert data_folder.startswith(str(target))
    assert data_folder.endswith("_data")
    assert posts == "12"


def test_installed_package_builds_the_offline_map_with_its_own_scripts(target: Path, tmp_path: Path):
    code = (
        "import geo, geo.maps.assets as a; page = geo.map_html(geo.build_map(geo.load_corridor(), offline=True)); "
        "print(a.__file__); print(a.static_js('timeline.js') in page, a.static_css('map.css') in page)"
    )
    module_file, found = _run(target, tmp_path, code).split("\n")[:2]
    assert module_file.startswith(str(target))
    assert found == "True True"
