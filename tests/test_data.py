"""The shipped data: sourced, complete, and every kind of bad file is refused with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import geo
from geo.data import (
    CONFIDENCE_CODES,
    DataError,
    read_context,
    read_m4_waypoints,
    read_places,
    read_posts,
    validate_partial_date,
)
from geo.geodesy import default_frame

REF = Path(__file__).resolve().parents[2] / "shared" / "reference"


def _edit(path: Path, fn) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _feature_named(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["properties"].get("name") == name)


# --- what the shipped data holds -------------------------------------------------------------------


@pytest.mark.parametrize("reader", [read_m4_waypoints, read_places, read_posts, read_context])
def test_every_shipped_feature_has_a_source_and_a_known_confidence(reader):
    gdf = reader()
    assert len(gdf) > 0
    assert gdf["source"].str.len().min() > 10
    assert set(gdf["confidence"]) <= set(CONFIDENCE_CODES)
    assert gdf.crs.to_epsg() == 4326


def test_there_are_twelve_posts_numbered_one_to_twelve_with_unique_names():
    posts = read_posts()
    assert list(posts["number"]) == list(range(1, 13))
    assert posts["name"].is_unique


def test_posts_have_names_alternatives_dates_and_fate():
    posts = read_posts()
    assert set(posts["fate"]) == {"remained", "evacuated"}
    for _, p in posts.iterrows():
        assert isinstance(p["alt_names"], list)
        assert p["alt_names"]
        assert "2017-10" <= p["established"] <= "2018-05-31"
        if p["fate"] == "evacuated":
            assert "2020-10" <= p["evacuated"] <= "2021-01-31"


def test_posts_that_remained_are_the_four_in_rebel_held_idlib():
    posts = read_posts()
    assert set(posts.loc[posts["fate"] == "remained", "name"]) == {
        "Salwa",
        "Qalaat Samaan",
        "Ishtabraq",
        "al-Zaytuna",
    }


def test_ishtabraq_the_last_post_was_set_up_on_16_may_2018():
    posts = read_posts().set_index("name")
    assert posts.loc["Ishtabraq", "established"] == "2018-05-16"
    assert posts["established"].max() == "2018-05-16"


@pytest.mark.parametrize("name", ["Trumba", "Ain al-Havr", "Saraqib", "Ariha", "Jisr al-Shughur", "Idlib", "Latakia"])
def test_required_places_are_present_with_an_arabic_name(name):
    places = read_places().set_index("name")
    assert name in places.index
    assert any("\u0600" <= ch <= "\u06ff" for ch in places.loc[name, "name_ar"])


def test_trumba_is_flagged_as_an_estimate():
    places = read_places().set_index("name")
    assert places.loc["Trumba", "confidence"] == "E"


def test_trumba_lies_west_of_saraqib_within_a_few_km_as_the_protocol_says():
    places = read_places().set_index("name")
    t, s = places.loc["Trumba"].geometry, places.loc["Saraqib"].geometry
    d = geo.geodesic_distance_m(t.x, t.y, s.x, s.y)
    assert t.x < s.x
    assert 1_000 < d < 4_000  # protocol: "2 km to the west of Saraqib"; the only mark is 3.2 km off


def test_m4_waypoints_run_west_to_east_from_the_m1_interchange_to_the_m4_m5_junction():
    wp = read_m4_waypoints()
    assert list(wp["order"]) == list(range(29))
    assert wp["name"].iloc[0] == "M1"  # Travel Mapping's label of the al-Bassa interchange south of Latakia
    assert wp["name"].iloc[-1] == "M5_S"  # and of the M4/M5 junction at Saraqib
    assert (wp["confidence"] == "S").all()
    assert wp["source"].str.contains("syr.m010.wpt").all()
    assert wp["source"].str.contains("© OpenStreetMap contributors").all()
    x, _ = default_frame().forward(wp.geometry.x, wp.geometry.y)
    assert x[0] < x[-1]


def test_shipped_osm_coordinates_match_the_reference_extract():
    """Every coordinate that cites an OSM node id agrees with the OSM extract in shared/reference."""
    import csv
    import re

    ref_csv = REF / "osm_places_nw_syria.csv"
    if not ref_csv.exists():
        pytest.skip("shared/reference is not beside the checkout")
    by_node = {}
    with ref_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_node[row["hot_id"].split("/")[1]] = (float(row["lon"]), float(row["lat"]))
    checked = 0
    for gdf in (read_m4_waypoints(), read_places(), read_posts()):
        for _, row in gdf.iterrows():
            src = row["source"]
            if "OpenStreetMap node" not in src:
                continue
            if src.startswith("Estimate:"):  # placed from a relation to the node: tests/test_m4_road.py
                continue
            nodes = re.findall(r"OpenStreetMap node (\d+)", src)
            # one node is the coordinate; two (a post between two villages) give their midpoint
            expected = np.mean([by_node[n] for n in nodes], axis=0)
            np.testing.assert_allclose((row.geometry.x, row.geometry.y), expected, atol=1e-6, err_msg=row["name"])
            checked += 1
    assert checked >= 10


def test_posts_distance_from_the_turkish_border_matches_anadolu_agency(corridor):
    """AA (May 2018): al-Eis ~40 km, Anadan ~35 km, Zeytinlik ~0.5 km from the border (a plausibility check)."""
    frame = corridor.frame
    border = corridor.context[corridor.context["kind"] == "border"].geometry.iloc[0]
    border_m = frame.to_metric(border)
    posts = corridor.posts.set_index("name")
    for name, reported_km, tol_km in [("al-Eis", 40, 3), ("Anadan", 35, 3), ("al-Zaytuna", 0.5, 1.5)]:
        p = frame.to_metric(posts.loc[name].geometry)
        assert abs(border_m.distance(p) / 1000 - reported_km) <= tol_km, name


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2018", "2018-05", "2018-05-16", None])
def test_partial_iso_dates_are_accepted_unchanged(value):
    assert validate_partial_date(value, where="t") == value


@pytest.mark.parametrize("value", ["2018-13", "2018-02-30", "16 May 2018", "2018/05/16", "18-05-16", 2018])
def test_malformed_dates_are_refused(value):
    with pytest.raises(DataError, match="t: date"):
        validate_partial_date(value, where="t")


# --- bad files are refused with an error naming the file and the feature ---------------------------------


def test_missing_file_is_named(data_copy):
    (data_copy / "posts.geojson").unlink()
    with pytest.raises(DataError, match=r"posts\.geojson: data file not found"):
        geo.load_corridor(data_dir=data_copy)


def test_malformed_json_is_named_with_its_line(data_copy):
    path = data_copy / "places.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(DataError, match=r"places\.geojson: not valid JSON \(line \d+"):
        geo.load_corridor(data_dir=data_copy)


def test_a_file_that_is_not_a_feature_collection_is_refused(data_copy):
    (data_copy / "context.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(DataError, match=r"context\.geojson: expected a GeoJSON FeatureCollection"):
        geo.load_corridor(data_dir=data_copy)


def test_latitude_out_of_range_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: _feature_named(d, "Morek")["geometry"].update(coordinates=[36, 135]))
    with pytest.raises(DataError, match=r"posts\.geojson: feature \d+ \('Morek'\): coordinate .* out of range"):
        geo.load_corridor(data_dir=data_copy)


def test_swapped_lat_lon_is_caught_as_far_outside_the_region(data_copy):
    def swap(doc):
        g = _feature_named(doc, "Saraqib")["geometry"]
        g["coordinates"] = g["coordinates"][::-1]

    _edit(data_copy / "places.geojson", swap)
    with pytest.raises(DataError, match=r"places\.geojson: feature \d+ \('Saraqib'\).*far outside.*swapped lat/lon"):
        geo.load_corridor(data_dir=data_copy)


def test_nan_coordinate_is_refused(data_copy):
    path = data_copy / "m4_waypoints.geojson"
    text = path.read_text(encoding="utf-8").replace("     35.790038\n", "     NaN\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"m4_waypoints\.geojson: feature \d+ \('X311080'\): coordinate .* not finite"):
        geo.load_corridor(data_dir=data_copy)


def test_duplicate_post_name_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: d["features"][1]["properties"].update(name="Salwa"))
    with pytest.raises(DataError, match=r"posts\.geojson: feature 1 \('Salwa'\): duplicate name 'Salwa'"):
        geo.load_corridor(data_dir=data_copy)


def test_missing_source_is_refused(data_copy):
    _edit(data_copy / "places.geojson", lambda d: _feature_named(d, "Ariha")["properties"].pop("source"))
    with pytest.raises(DataError, match=r"places\.geojson: feature \d+ \('Ariha'\): missing required property 'sou"):
        geo.load_corridor(data_dir=data_copy)


def test_blank_source_is_refused(data_copy):
    _edit(data_copy / "places.geojson", lambda d: _feature_named(d, "Ariha")["properties"].update(source="  "))
    with pytest.raises(DataError, match=r"'Ariha'\): missing required property 'source'"):
        geo.load_corridor(data_dir=data_copy)


def test_unknown_confidence_code_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: _feature_named(d, "Anadan")["properties"].update(confidence="high"))
    with pytest.raises(DataError, match=r"'Anadan'\): confidence 'high', expected one of"):
        geo.load_corridor(data_dir=data_copy)


def test_evacuated_post_without_a_date_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: _feature_named(d, "Morek")["properties"].update(evacuated=None))
    with pytest.raises(DataError, match=r"'Morek'\): fate is 'evacuated' but no 'evacuated' date"):
        geo.load_corridor(data_dir=data_copy)


def test_post_with_a_malformed_date_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: _feature_named(d, "Morek")["properties"].update(established="7/4/18"))
    with pytest.raises(DataError, match=r"'Morek'\): date '7/4/18' is not ISO 8601"):
        geo.load_corridor(data_dir=data_copy)


def test_wrong_geometry_type_is_refused(data_copy):
    def to_line(doc):
        f = _feature_named(doc, "Ariha")
        x, y = f["geometry"]["coordinates"]
        f["geometry"] = {"type": "LineString", "coordinates": [[x, y], [x + 0.01, y]]}

    _edit(data_copy / "places.geojson", to_line)
    with pytest.raises(DataError, match=r"'Ariha'\): geometry type 'LineString', expected one of \['Point'\]"):
        geo.load_corridor(data_dir=data_copy)


def test_a_layer_with_no_features_is_refused(data_copy):
    _edit(data_copy / "posts.geojson", lambda d: d.update(features=[]))
    with pytest.raises(DataError, match=r"posts\.geojson: the layer has no features"):
        geo.load_corridor(data_dir=data_copy)


def test_data_errors_are_value_errors():
    assert issubclass(DataError, ValueError)


def test_settlements_cover_idlib_and_latakia_with_osm_attribution():
    from geo.data import read_settlements

    s = read_settlements()
    assert set(s["governorate"]) == {"Idlib", "Latakia"}
    assert (s["governorate"] == "Idlib").sum() > 200
    assert s["source"].str.contains("© OpenStreetMap contributors").all()
    assert s["osm_id"].is_unique


def test_shipped_wikipedia_map_marks_match_the_reference_extract():
    """Every coordinate taken from a mark of the Wikipedia map module agrees with that mark."""
    import csv
    import re

    ref_csv = REF / "wiki_map_marks_nw_syria.csv"
    if not ref_csv.exists():
        pytest.skip("shared/reference is not beside the checkout")
    with ref_csv.open(encoding="utf-8") as fh:
        marks = {row["label"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(fh)}
    checked = 0
    for gdf in (read_m4_waypoints(), read_places(), read_posts()):
        for _, row in gdf.iterrows():
            if not row["source"].startswith("Wikipedia 'Module:Syrian Civil War detailed map' mark"):
                continue
            named = re.findall(r"mark '([^']+)'", row["source"])
            assert named, row["source"]
            # one mark is the coordinate; two marks (a post between two villages) give their midpoint
            expected = np.mean([marks[label] for label in named], axis=0)
            np.testing.assert_allclose((row.geometry.x, row.geometry.y), expected, atol=1e-6, err_msg=row["name"])
            checked += 1
    assert checked >= 7  # 2 places, 5 posts (the old M4's marks left with it)


def test_a_bad_event_in_a_data_folder_is_refused_when_the_corridor_loads(data_copy):
    _edit(data_copy / "events.geojson", lambda d: d["features"][0]["properties"].update(type="party"))
    with pytest.raises(DataError, match=r"events\.geojson: feature 0 .*type 'party'"):
        geo.load_corridor(data_dir=data_copy)


def test_the_corridor_answers_as_of_from_its_own_data_folders_events(data_copy):
    def keep_three(doc):
        doc["features"] = doc["features"][:3]

    _edit(data_copy / "events.geojson", keep_three)
    c = geo.load_corridor(data_dir=data_copy)
    assert len(c.events) == 3
    with pytest.warns(UserWarning, match=r"past the end of the data \(2017-11-27"):  # its own data's end
        assert len(c.as_of("2021-06-01").events) == 3
