"""Properties of the corridor queries that hold for every point (hypothesis)."""

from __future__ import annotations

import geodesic_reference as ref
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

import geo
from geo.query import SIDES

GEOD = ref.GEOD
CORRIDOR = geo.load_corridor()
PATROL_M = GEOD.geometry_length(CORRIDOR.patrol_segment)
M4_M = GEOD.geometry_length(CORRIDOR.m4)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)


def _expected_in_corridor(lon: float, lat: float) -> bool:
    """The independent answer, after leaving out points within 0.5 m of the edge or of an end cap."""
    patrol = ref.nearest_on_line(CORRIDOR.patrol_segment, np.array([lon]), np.array([lat]))
    d = patrol.distance_m[0]
    assume(abs(d - CORRIDOR.width_m) > 0.5)
    assume(not (patrol.cap_m[0] < 0.5 and d < CORRIDOR.width_m + 0.5))
    if not (patrol.behind_start[0] or patrol.beyond_end[0]):
        return bool(d <= CORRIDOR.width_m)
    return bool(d <= CORRIDOR.width_m) and _swept_by_another_part(lon, lat)


def _swept_by_another_part(lon: float, lat: float) -> bool:
    """A point beyond an end is still in when some edge has it square within the width, or some inner
    vertex has it in its fan (ahead of the vertex along the edge in, behind it along the edge out)."""
    v = np.asarray(CORRIDOR.patrol_segment.coords)[:, :2]
    per_edge = [
        ref.nearest_on_line(LineString(v[k : k + 2]), np.array([lon]), np.array([lat])) for k in range(len(v) - 1)
    ]
    w = CORRIDOR.width_m
    for k, a in enumerate(per_edge):
        square = not (a.behind_start[0] or a.beyond_end[0])
        if square:
            assume(abs(a.distance_m[0] - w) > 0.5)
            if a.distance_m[0] <= w:
                return True
        if k + 1 < len(per_edge) and a.beyond_end[0] and per_edge[k + 1].behind_start[0]:
            assume(abs(a.distance_m[0] - w) > 0.5)
            if a.distance_m[0] <= w:
                return True
    return False


@SETTINGS
@given(lon=lons, lat=lats)
def test_any_point_on_earth_gets_sane_answers(lon, lat):
    row = CORRIDOR.query(lon, lat).iloc[0]
    assert 0 <= row["distance_m"] <= 20_004_000  # half the meridian
    assert 0 <= row["chainage_km"] * 1000 <= PATROL_M + 0.01
    assert row["side"] in SIDES
    assert row["nearest_post"] in set(CORRIDOR.posts["name"])
    assert 0 <= row["nearest_post_m"] <= 20_004_000
    if row["in_corridor"]:
        assert row["distance_m"] <= CORRIDOR.width_m


@SETTINGS
@given(lon=st.floats(35.9, 37.0), lat=st.floats(35.6, 36.05))
def test_in_corridor_iff_within_width_of_patrol_segment(lon, lat):
    assert bool(CORRIDOR.query(lon, lat).iloc[0]["in_corridor"]) is _expected_in_corridor(lon, lat)


@SETTINGS
@given(
    frac=st.floats(0.0, 1.0),
    offset_m=st.floats(5_990.0, 6_010.0),
    turn=st.sampled_from([-90.0, 90.0]),
)
def test_in_corridor_decided_by_distance_near_the_6_km_edge(frac, offset_m, turn):
    lon0, lat0, az = ref.point_along(CORRIDOR.patrol_segment, frac * PATROL_M)
    lon, lat, _ = GEOD.fwd(lon0, lat0, az + turn, offset_m)
    assert bool(CORRIDOR.query(lon, lat).iloc[0]["in_corridor"]) is _expected_in_corridor(lon, lat)


@SETTINGS
@given(frac=st.floats(0.0, 1.0), offset_m=st.floats(0.5, 20_000.0))
def test_point_moved_north_of_the_road_reports_north(frac, offset_m):
    # Every edge of the shipped M4 heads between north-east and south-east, so whatever lies due north of a
    # point of the road lies on its left (north) side, and due south on its right.
    lon0, lat0, _ = ref.point_along(CORRIDOR.m4, frac * M4_M)
    north = CORRIDOR.query(*GEOD.fwd(lon0, lat0, 0.0, offset_m)[:2]).iloc[0]
    south = CORRIDOR.query(*GEOD.fwd(lon0, lat0, 180.0, offset_m)[:2]).iloc[0]
    assert north["side"] == "north"
    assert south["side"] == "south"


def test_every_m4_edge_heads_east():
    """The premise of the north/south property above."""
    v = np.asarray(CORRIDOR.m4.coords)
    az, _, _ = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
    assert np.all((az > 0) & (az < 180))


@SETTINGS
@given(along_m=st.floats(0.0, 1.0).map(lambda f: f * PATROL_M))
def test_point_on_patrol_segment_has_its_chainage_and_zero_distance(along_m):
    lon, lat, _ = ref.point_along(CORRIDOR.patrol_segment, along_m)  # the segment starts at Trumba
    row = CORRIDOR.query(lon, lat).iloc[0]
    assert row["chainage_km"] * 1000 == pytest.approx(along_m, abs=0.01)
    assert row["distance_m"] < 0.01
    assert row["in_corridor"]


@SETTINGS
@given(
    lon=st.lists(st.floats(35.0, 38.0), min_size=1, max_size=20),
    lat=st.floats(34.8, 36.7),
    pick=st.integers(0, 19),
)
def test_a_points_answer_does_not_depend_on_the_other_points(lon, lat, pick):
    pick %= len(lon)
    batch = CORRIDOR.query(lon, [lat] * len(lon)).iloc[pick]
    alone = CORRIDOR.query(lon[pick], lat).iloc[0]
    assert batch["distance_m"] == pytest.approx(alone["distance_m"], abs=1e-6)
    assert (batch["in_corridor"], batch["side"], batch["nearest_post"]) == (
        alone["in_corridor"],
        alone["side"],
        alone["nearest_post"],
    )
    assert batch["chainage_km"] == pytest.approx(alone["chainage_km"], abs=1e-9)
