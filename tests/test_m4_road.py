"""The shipped M4 is the real road: checked against the Travel Mapping trace and independent on-road marks."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from geodesic_reference import GEOD, nearest_on_line

import geo
from geo.data import POINT_KINDS, read_posts
from geo.flat_buffer import flat_capped_buffer

REF = Path(__file__).resolve().parents[2] / "shared" / "reference"
TM = REF / "travel_mapping"


def _wpt(name: str) -> dict[str, tuple[float, float]]:
    """Label -> (lon, lat) of a Travel Mapping route file in shared/reference."""
    path = TM / name
    if not path.exists():
        pytest.skip("shared/reference is not beside the checkout")
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        label, url = line.split()[0], line.split()[-1]
        m = re.search(r"lat=([-\d.]+)&lon=([-\d.]+)", url)
        out[label] = (float(m.group(2)), float(m.group(1)))
    return out


def _distance_to_m4(corridor: geo.Corridor, lon: float, lat: float) -> float:
    return float(nearest_on_line(corridor.m4, np.array([lon]), np.array([lat])).distance_m[0])


def test_the_m4_passes_within_100_m_of_every_travel_mapping_vertex_from_m1_to_m5_s(corridor):
    m10 = _wpt("syr.m010.wpt")
    labels = list(m10)
    m4_part = labels[labels.index("M5_S") :]  # the labels before run along the M5: not the M4
    assert len(m4_part) == 29
    lon = np.array([m10[k][0] for k in m4_part])
    lat = np.array([m10[k][1] for k in m4_part])
    d = nearest_on_line(corridor.m4, lon, lat).distance_m
    assert d.max() < 100.0


def test_the_m4_ends_at_the_m1_interchange_and_the_m4_m5_junction(corridor):
    west, east = corridor.m4.coords[0], corridor.m4.coords[-1]
    # The same junctions as the M1's and the M5's own route files name them.
    m1_interchange = _wpt("syr.m051.wpt")["M4"]
    m5_junction = _wpt("syr.m045.wpt")["M10_W"]
    assert GEOD.inv(*west, *m1_interchange)[2] < 100.0
    assert GEOD.inv(*east, *m5_junction)[2] < 100.0


def test_the_m4_is_about_116_km_on_the_ellipsoid(corridor):
    c = np.asarray(corridor.m4.coords)
    assert 110 < GEOD.line_length(c[:, 0], c[:, 1]) / 1000 < 120


def test_the_road_passes_within_a_few_hundred_metres_of_the_sourced_on_road_marks(corridor):
    path = REF / "wiki_map_marks_nw_syria.csv"
    if not path.exists():
        pytest.skip("shared/reference is not beside the checkout")
    with path.open(encoding="utf-8") as fh:
        marks = {row["label"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(fh)}
    places = corridor.places.set_index("name").geometry
    on_road = {
        "Mseibin (OSM)": ((places["Mseibin"].x, places["Mseibin"].y), 100.0),
        "Jisr al-Shughur turn-off checkpoint": (marks["Mafraq Shugour Checkpoint"], 400.0),
        "Ain al-Havr hamlet (OSM)": ((places["Ain al-Havr"].x, places["Ain al-Havr"].y), 400.0),
        "al-Kufayr bridge village": (marks["Kufayr"], 400.0),
    }
    for name, ((lon, lat), limit) in on_road.items():
        assert _distance_to_m4(corridor, lon, lat) < limit, name


def test_the_patrol_ends_lie_on_the_road(corridor):
    for end in (corridor.patrol_segment.coords[0], corridor.patrol_segment.coords[-1]):
        assert _distance_to_m4(corridor, *end) < 0.5


def test_the_patrol_segment_is_about_69_km_as_on_the_real_road(corridor):
    c = np.asarray(corridor.patrol_segment.coords)
    assert 66 < GEOD.line_length(c[:, 0], c[:, 1]) / 1000 < 72


def test_both_patrol_end_places_say_how_their_road_point_was_chosen(corridor):
    places = corridor.places.set_index("name")
    assert places.loc["Trumba", "patrol_end"] == "start"
    assert places.loc["Ain al-Havr", "patrol_end"] == "end"
    for name in ("Trumba", "Ain al-Havr"):
        note = places.loc[name, "patrol_end_note"]
        assert "nearest" in note
        assert "Uncertain" in note


def test_every_post_carries_its_kind_of_point_its_confidence_and_its_sources():
    posts = read_posts()
    assert set(posts["point_kind"]) <= set(POINT_KINDS)
    for _, p in posts.iterrows():
        assert p["point_note"].strip(), p["name"]
        assert p["confidence"] in ("S", "P", "E"), p["name"]
        assert p["source"].strip(), p["name"]
        if p["point_kind"] == "site estimate":
            assert p["confidence"] == "E", p["name"]  # placed from a relation, no coordinate given
            assert re.search(r"\d+ km", p["point_note"]), p["name"]


@pytest.mark.parametrize(
    ("name", "origin", "azimuth", "km"),
    [
        # Morek: 1 km (Sputnik Arabic) and about 3 km (Geiroon) east of the town: placed at 2 km.
        ("Morek", (36.689869, 35.37516), 90.0, 2.0),
        # Surman: 15 km south-east of Maarrat al-Numan (SOHR); the OSM node of the city.
        ("Surman", (36.677706, 35.647079), 135.0, 15.0),
    ],
)
def test_site_estimates_sit_where_their_reported_relation_puts_them(name, origin, azimuth, km):
    post = read_posts().set_index("name").loc[name]
    az, _, dist = GEOD.inv(*origin, post.geometry.x, post.geometry.y)
    assert dist == pytest.approx(km * 1000, abs=5)
    assert az == pytest.approx(azimuth, abs=0.1)


def test_morek_keeps_its_town_point_beside_the_estimate():
    post = read_posts().set_index("name").loc["Morek"]
    assert post["settlement"]["name"] == "Morek"
    assert (post["settlement"]["lon"], post["settlement"]["lat"]) == (36.689869, 35.37516)


# --- the corridor is one definition: the polygon and the query agree ------------------------------------


def _agreement(corridor: geo.Corridor, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points more than 2 m from the corridor's edge where the query and the polygon disagree."""
    frame = corridor.frame
    x, y = frame.forward(lon, lat)
    pts = shapely.points(x, y)
    edge = frame.to_metric(corridor.security_corridor).boundary
    away = shapely.distance(edge, pts) > 2.0
    inside = shapely.contains_xy(corridor.security_corridor, lon, lat)
    answer = corridor.query(lon, lat)["in_corridor"].to_numpy()
    return np.flatnonzero(away & (inside != answer))


@pytest.mark.parametrize("n", [5_000, 40_000])  # the numpy path, and the compiled kernel
def test_query_and_polygon_agree_around_the_ain_al_havr_end_where_the_road_turns(corridor, n):
    rng = np.random.default_rng(n)
    lon0, lat0 = corridor.patrol_segment.coords[-1]
    lon = lon0 + rng.uniform(-0.12, 0.12, n)
    lat = lat0 + rng.uniform(-0.1, 0.1, n)
    assert _agreement(corridor, lon, lat).size == 0


def test_query_and_polygon_agree_along_the_whole_corridor(corridor):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(35.9, 36.95, 60_000), rng.uniform(35.6, 36.0, 60_000)
    assert _agreement(corridor, lon, lat).size == 0


def test_ground_beyond_the_ain_al_havr_cap_that_the_road_sweeps_is_in_the_corridor(corridor):
    # The M4 turns north-east just east of Ain al-Havr and comes back within 6 km of ground west of the
    # square cap: that ground is swept by the segment's cross-section, so it is in (GEOS's flat-capped
    # buffer cuts it away).
    lon0, lat0 = corridor.patrol_segment.coords[-1]
    rng = np.random.default_rng(3)
    lon, lat = lon0 - rng.uniform(0.005, 0.03, 4000), lat0 + rng.uniform(0.02, 0.05, 4000)
    inside = corridor.query(lon, lat)["in_corridor"].to_numpy()
    assert inside.any()
    assert (inside == shapely.contains_xy(corridor.security_corridor, lon, lat)).mean() > 0.99


def test_flat_capped_buffer_keeps_ground_another_edge_sweeps_and_drops_the_rest():
    line = shapely.LineString([(0, 0), (0, 10), (-3, 10)])
    poly = flat_capped_buffer(line, 5.0)
    assert poly.contains(shapely.Point(-4, 6))  # beyond the cap, square to the long edge
    assert not poly.contains(shapely.Point(-6, 12))  # beyond the cap, swept by nothing
    assert poly.contains(shapely.Point(3, 13))  # in the fan of the bend's outer side
    assert not poly.contains(shapely.Point(0, -1))  # beyond the other cap
