"""Our scripts and stylesheets in geo/static/: plain files that parse, with no template code, as the pages use them.

The scripts are checked with node (``node --check``), and the measure tool's
geodesic distance is run under node and compared with pyproj. Skipped when node
is not installed (``bash run.sh test`` installs it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import require_tool

from geo.geodesy import GEOD
from geo.maps.assets import StaticMacro, static_css, static_js

STATIC = Path(__file__).resolve().parent.parent / "geo" / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))
STYLESHEETS = sorted(STATIC.glob("*.css"))


@pytest.fixture(scope="module")
def node() -> str:
    return require_tool("node", "nodejs")


def _node(node: str, code: str, *args: str) -> str:
    return subprocess.run([node, "-e", code, *args], check=True, capture_output=True, text=True).stdout


def test_there_are_scripts_and_stylesheets():
    assert {p.name for p in SCRIPTS} >= {"controls.js", "declutter.js", "legend.js", "timeline.js"}
    assert {p.name for p in STYLESHEETS} >= {"map.css", "timeline.css"}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_script_parses(node: str, path: Path):
    run = subprocess.run([node, "--check", str(path)], check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("path", SCRIPTS + STYLESHEETS, ids=lambda p: p.name)
def test_no_file_holds_template_code_or_a_network_reference(path: Path):
    text = path.read_text(encoding="utf-8")
    for marker in ("{{", "{%", "http:", "https:", "//cdn"):
        assert marker not in text, marker


def test_every_file_an_element_asks_for_is_shipped():
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    import geo.maps.controls
    import geo.maps.timeline  # noqa: F401  (their elements register as subclasses)

    names = {name for cls in subclasses(StaticMacro) for name in cls.static}
    assert names >= {"controls.js", "declutter.js", "legend.js", "timeline.js", "timeline.css", "controls.css"}
    for name in names:
        assert static_js(name) if name.endswith(".js") else static_css(name), name


#: [lat, lon] pairs: in the region (the patrol ends, the corridor's width, Latakia - Saraqib), and long ones.
PAIRS = [
    ((35.859, 36.768), (35.779, 36.166)),  # Trumba - Ain al-Havr
    ((35.8, 36.45), (35.854, 36.45)),  # about 6 km due north
    ((35.52, 35.79), (35.83, 36.8)),  # Latakia - Saraqib
    ((36.2, 36.16), (35.13, 36.75)),  # Antakya - Hama
    ((35.0, 35.0), (36.0, 38.0)),
    ((35.8, 36.4), (35.8, 36.4)),  # no distance
    ((35.9, 36.6), (55.75, 37.62)),  # Idlib - Moscow, about 2,200 km
    ((0.0, 0.0), (0.5, 179.5)),  # nearly half the globe, near the equator
]


def test_measure_tool_distance_matches_pyproj_to_a_millimetre(node: str):
    # controls.js exports geodesicDistance for node (module.exports), the measure tool's own function.
    code = (
        "const {geodesicDistance} = require(process.argv[1]);"
        "const pairs = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(pairs.map(([a, b]) =>"
        " geodesicDistance({lat: a[0], lng: a[1]}, {lat: b[0], lng: b[1]}))));"
    )
    measured = json.loads(_node(node, code, str(STATIC / "controls.js"), json.dumps(PAIRS)))
    for (a, b), got in zip(PAIRS, measured, strict=True):
        _, _, expected = GEOD.inv(a[1], a[0], b[1], b[0])  # WGS84, Karney's algorithm
        assert got == pytest.approx(expected, abs=1e-3), (a, b)  # 1 mm, Vincenty's formula against Karney's
