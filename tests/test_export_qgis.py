"""The exported GeoPackage opened in QGIS itself (PyQGIS, headless, through ``tests/qgis_view.py``).

QGIS loads each table with its default style from the file, as its "Add layer" does; the test reads back
what QGIS shows: the renderer, the colours, the Temporal Controller, the field types.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from support import REQUIRE_TOOLS

from geo.export import export_layers
from geo.maps.style import COLORS, LINES, POST_SYMBOLS

#: Debian's Python, which has QGIS's bindings (python3-qgis); the project's own Python does not.
QGIS_PYTHON = "/usr/bin/python3"
VIEW = Path(__file__).with_name("qgis_view.py")


def _has_qgis() -> bool:
    probe = [QGIS_PYTHON, "-c", "import qgis.core"]
    return Path(QGIS_PYTHON).exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="module")
def qgis(tmp_path_factory, corridor) -> dict:
    if not _has_qgis():
        message = "QGIS's Python bindings are not installed (Debian package python3-qgis; bash run.sh test installs it)"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    (gpkg,) = export_layers(corridor, tmp_path_factory.mktemp("qgis"), fmt="gpkg")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path_factory.mktemp("xdg"))}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([QGIS_PYTHON, str(VIEW), str(gpkg)], capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_qgis_opens_every_table_valid_with_all_its_features(qgis, corridor):
    assert all(layer["valid"] for layer in qgis.values())
    layers = corridor.layers()
    for name in ("m4", "patrol_segment", "security_corridor", "posts", "places", "m4_waypoints", "context"):
        assert qgis[name]["features"] == len(layers[name])
    located = layers["events"].geometry.notna().sum()
    assert qgis["events"]["features"] + qgis["event_routes"]["features"] == located


def test_qgis_draws_the_tables_in_the_web_maps_colours(qgis):
    assert qgis["m4"]["colors"] == [LINES["m4"]["color"]]
    assert qgis["patrol_segment"]["colors"] == [COLORS["patrol"]]
    assert (qgis["security_corridor"]["renderer"], qgis["security_corridor"]["field"]) == ("categorizedSymbol", "side")
    assert qgis["security_corridor"]["colors"] == [COLORS["north"], COLORS["south"]]
    assert qgis["posts"]["field"] == "fate"
    assert qgis["posts"]["colors"] == [POST_SYMBOLS["active"]["fill"], POST_SYMBOLS["evacuated"]["fill"]]


def test_qgis_temporal_controller_plays_the_posts_and_the_events(qgis):
    assert qgis["posts"]["temporal"] == [True, "established_day", "evacuated_day"]
    assert qgis["events"]["temporal"] == [True, "day_first", "span_last"]
    assert qgis["posts"]["fields"]["established_day"] == "Date"
    assert qgis["posts"]["fields"]["number"] == "Integer64"
