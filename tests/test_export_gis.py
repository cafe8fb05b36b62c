"""The GeoPackage and GeoJSON exports, read back by other programs than the one that wrote them.

The GeoPackage is read with GDAL's ``ogrinfo`` and with SQLite itself (its ``gpkg_*`` tables and QGIS's
``layer_styles``); the GeoJSON with the ``json`` module and a winding check written out here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import subprocess
from xml.etree import ElementTree as ET

import pytest
from support import require_tool

from geo.export import export_layers
from geo.maps.style import COLORS, LINES

GEOMETRY_TABLES = {
    "m4": "LINESTRING",
    "patrol_segment": "LINESTRING",
    "security_corridor": "POLYGON",
    "posts": "POINT",
    "places": "POINT",
    "m4_waypoints": "POINT",
    "context": "MULTILINESTRING",
    "events": "POINT",
    "event_routes": "LINESTRING",
}


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory, corridor):
    (path,) = export_layers(corridor, tmp_path_factory.mktemp("gpkg"), fmt="gpkg")
    return path


@pytest.fixture(scope="module")
def db(gpkg):
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    yield con
    con.close()


def _ogrinfo(gpkg, layer: str) -> str:
    ogrinfo = require_tool("ogrinfo", "gdal-bin")
    return subprocess.run([ogrinfo, "-ro", "-so", str(gpkg), layer], capture_output=True, text=True, check=True).stdout


def test_every_table_has_one_geometry_type(db):
    types = dict(db.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
    assert types == GEOMETRY_TABLES


def test_events_without_a_place_are_a_plain_attribute_table(db, corridor):
    kind = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'events_unlocated'").fetchone()
    assert kind == ("attributes",)
    (count,) = db.execute("SELECT count(*) FROM events_unlocated").fetchone()
    assert count == corridor.events.geometry.isna().sum() > 0


def test_every_table_is_described_in_gpkg_contents(db):
    rows = dict(db.execute("SELECT table_name, description FROM gpkg_contents"))
    assert set(rows) == {*GEOMETRY_TABLES, "events_unlocated", "layer_styles"}
    assert all(len(text) > 20 for text in rows.values()), rows


def test_gdal_reads_post_numbers_as_integers_and_the_days_as_dates(gpkg):
    posts = _ogrinfo(gpkg, "posts")
    assert "number: Integer64" in posts
    assert "tr_number: Integer64" in posts
    assert "established_day: Date" in posts
    assert "evacuated_day: Date" in posts
    assert "established: String" in posts  # the date as its source gives it, e.g. 2017-10
    assert "DESCRIPTION=The 12 Turkish observation posts" in posts  # gpkg_contents' description, as GDAL lists it
    events = _ogrinfo(gpkg, "events")
    assert "post: Integer64" in events
    assert "day_first: Date" in events


def test_a_posts_days_are_when_its_set_up_and_evacuation_became_certain(db):
    # Post 7 (Tell Touqan): set up in February 2018 (month only), evacuated on 12 January 2021.
    established, evacuated = db.execute("SELECT established_day, evacuated_day FROM posts WHERE number = 7").fetchone()
    assert established == "2018-02-28"
    assert evacuated == "2021-01-12"
    # Post 1 (Salwa) remained: no evacuation day.
    assert db.execute("SELECT evacuated_day FROM posts WHERE number = 1").fetchone() == (None,)
    assert all(dt.date.fromisoformat(d) for (d,) in db.execute("SELECT established_day FROM posts"))


def test_qgis_finds_one_default_style_per_geometry_table(db):
    rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
    assert sorted(r[0] for r in rows) == sorted(GEOMETRY_TABLES)
    for table, column, default, qml in rows:
        assert (column, default) == ("geom", 1)
        root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
        assert root.tag == "qgis"
        assert root.find("renderer-v2") is not None, table


def _props(db, table: str) -> list[dict[str, str]]:
    (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ?", (table,)).fetchone()
    root = ET.fromstring(qml.split("\n", 1)[1])
    return [{p.get("k"): p.get("v") for p in layer.iter("prop")} for layer in root.iter("layer")]


def _rgb(css: str) -> str:
    return ",".join(str(int(css[i : i + 2], 16)) for i in (1, 3, 5))


def test_styles_use_the_web_maps_colours_and_widths(db):
    (m4,) = _props(db, "m4")
    assert m4["line_color"] == _rgb(LINES["m4"]["color"]) + ",255"
    assert float(m4["line_width"]) == LINES["m4"]["weight"]
    assert m4["line_width_unit"] == "Pixel"
    north, south = _props(db, "security_corridor")
    assert north["color"].startswith(_rgb(COLORS["north"]) + ",")
    assert south["color"].startswith(_rgb(COLORS["south"]) + ",")
    assert int(north["color"].rsplit(",", 1)[1]) < 64  # a light fill: the map's 0.16 opacity
    border = _props(db, "context")[0]
    assert border["use_custom_dash"] == "1"
    assert border["customdash"] == LINES["border"]["dash_array"].replace(" ", ";")


def test_posts_and_events_are_set_up_for_qgis_temporal_controller(db):
    for table, start, end in [("posts", "established_day", "evacuated_day"), ("events", "day_first", "span_last")]:
        (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ?", (table,)).fetchone()
        temporal = ET.fromstring(qml.split("\n", 1)[1]).find("temporal")
        assert temporal.get("enabled") == "1"
        assert (temporal.get("startField"), temporal.get("endField")) == (start, end)


# --- GeoJSON --------------------------------------------------------------------------------------------------


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in square degrees: positive for a counter-clockwise ring."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_geojson_polygons_follow_rfc_7946s_right_hand_rule(tmp_path, corridor):
    export_layers(corridor, tmp_path, fmt="geojson")
    doc = json.loads((tmp_path / "security_corridor.geojson").read_text(encoding="utf-8"))
    rings = 0
    for feature in doc["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for exterior, *holes in polygons:
            assert _signed_area(exterior) > 0  # counter-clockwise
            assert all(_signed_area(hole) < 0 for hole in holes)  # clockwise
            rings += 1
    assert rings >= 2


def test_geojson_coordinates_keep_six_decimals_and_no_crs_member(tmp_path, corridor):
    export_layers(corridor, tmp_path, fmt="geojson")
    text = (tmp_path / "m4.geojson").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert "crs" not in doc  # RFC 7946: WGS84 only, no crs member
    coords = doc["features"][0]["geometry"]["coordinates"]
    assert max(len(repr(v).split(".")[1]) for xy in coords for v in xy if "." in repr(v)) <= 6
