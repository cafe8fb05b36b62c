"""Fetching the real M4 from OpenStreetMap: parsing and merging an Overpass answer, clean offline errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import geo
from geo.cli import main
from geo.osm import EAST_END, WEST_END, OverpassError, fetch_m4, m4_from_overpass, write_m4_geojson


def _way(way_id, nodes, coords, **tags):
    return {
        "type": "way",
        "id": way_id,
        "nodes": nodes,
        "geometry": [{"lat": lat, "lon": lon} for lon, lat in coords],
        "tags": {"highway": "motorway", "ref": "M4", **tags},
    }


def _answer():
    """A hand-made Overpass answer: three ways Latakia -> Saraqib sharing end nodes, split into a dual
    carriageway in the middle, plus a slip road hanging off an interior node."""
    lat0, lon0 = WEST_END[1], WEST_END[0]
    west = [(lon0 + 0.001, lat0 + 0.001), (36.0, 35.65), (36.17, 35.78)]
    mid_a = [(36.17, 35.78), (36.32, 35.80), (36.61, 35.815)]  # eastbound carriageway
    mid_b = [(36.17, 35.78), (36.32, 35.7995), (36.45, 35.80), (36.61, 35.815)]  # westbound, one node more
    east = [(36.61, 35.815), (36.70, 35.85), (EAST_END[0] - 0.001, EAST_END[1])]
    slip = [(36.32, 35.80), (36.33, 35.83)]
    return {
        "version": 0.6,
        "elements": [
            {"type": "node", "id": 1, "lat": 0, "lon": 0},
            _way(101, [1, 2, 3], west),
            _way(102, [3, 4, 5], mid_a, oneway="yes"),
            _way(103, [3, 6, 7, 5], mid_b, oneway="yes"),
            _way(104, [5, 8, 9], east),
            _way(105, [4, 10], slip, highway="motorway_link"),
        ],
    }


def test_ways_merge_into_one_line_from_latakia_to_saraqib():
    line, way_ids = m4_from_overpass(_answer())
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    assert geo.geodesic_distance_m(x0, y0, *WEST_END) < 200
    assert geo.geodesic_distance_m(x1, y1, *EAST_END) < 200
    assert way_ids[0] == 101
    assert way_ids[-1] == 104
    assert 105 not in way_ids  # the slip road is not part of the through route


def test_the_shorter_carriageway_is_taken_and_no_vertex_repeats():
    line, way_ids = m4_from_overpass(_answer())
    assert 102 in way_ids
    assert 103 not in way_ids
    coords = np.asarray(line.coords)
    assert len(np.unique(coords, axis=0)) == len(coords)


def test_the_written_file_feeds_load_corridor(tmp_path):
    line, way_ids = m4_from_overpass(_answer())
    path = write_m4_geojson(line, way_ids, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    assert "© OpenStreetMap contributors" in props["source"]
    assert "101" in props["source"]
    c = geo.load_corridor(m4=path)
    assert c.m4.coords[0] == pytest.approx(line.coords[0])
    assert c.patrol_segment.length > 0


def test_an_answer_without_ways_is_a_clear_error():
    with pytest.raises(OverpassError, match="holds no M4 way"):
        m4_from_overpass({"elements": [{"type": "node", "id": 1, "lat": 35.8, "lon": 36.5}]})


def test_a_malformed_answer_is_a_clear_error():
    with pytest.raises(OverpassError, match="expected a JSON object with an 'elements' list"):
        m4_from_overpass({"remark": "runtime error"})


def test_ways_without_node_ids_ask_for_out_body_geom():
    answer = _answer()
    del answer["elements"][1]["nodes"]
    with pytest.raises(OverpassError, match="out body geom"):
        m4_from_overpass(answer)


def test_a_gap_in_the_road_is_reported():
    answer = _answer()
    answer["elements"] = [e for e in answer["elements"] if e.get("id") not in (102, 103)]
    with pytest.raises(OverpassError, match="do not connect Latakia to Saraqib"):
        m4_from_overpass(answer)


def test_a_road_that_stops_short_of_saraqib_is_reported():
    answer = _answer()
    answer["elements"] = [e for e in answer["elements"] if e.get("id") != 104]
    with pytest.raises(OverpassError, match=r"km from Saraqib \(east end\): the OpenStreetMap road is incomplete"):
        m4_from_overpass(answer)


def test_overpass_errors_are_value_errors():
    assert issubclass(OverpassError, ValueError)


def test_an_unreachable_service_is_a_clear_error():
    with pytest.raises(
        OverpassError, match=r"cannot reach the Overpass API at http://127\.0\.0\.1:9/.*needs the internet"
    ):
        fetch_m4("http://127.0.0.1:9/", timeout_s=5)


def test_cli_fetch_osm_fails_cleanly_offline(tmp_path, capsys):
    assert main(["fetch-osm", "-o", str(tmp_path), "--url", "http://127.0.0.1:9/"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("idlib-corridor: error: cannot reach the Overpass API")
    assert not list(tmp_path.iterdir())


@pytest.mark.network
def test_live_overpass_answer_gives_an_m4_of_plausible_length(tmp_path):
    line, way_ids = m4_from_overpass(fetch_m4())
    assert way_ids
    assert 90 < geo.geodesic_length_m(line) / 1000 < 140
