"""Corridor queries: answers checked against an independent geodesic computation, call forms, bad input."""

from __future__ import annotations

import itertools
import math

import geodesic_reference as ref
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

import geo
import geo._chain
import geo.query
from geo.query import COLUMNS, SIDES

GEOD = ref.GEOD


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _offset(lon: float, lat: float, azimuth: float, dist_m: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, azimuth, dist_m)
    return float(x), float(y)


def _reference_answers(c: geo.Corridor, lon: np.ndarray, lat: np.ndarray) -> dict[str, np.ndarray]:
    m4 = ref.nearest_on_line(c.m4, lon, lat)
    patrol = ref.nearest_on_line(c.patrol_segment, lon, lat)  # starts at Trumba
    post, post_m = ref.nearest_post(c.posts.geometry.x.to_numpy(), c.posts.geometry.y.to_numpy(), lon, lat)
    beyond = patrol.behind_start | patrol.beyond_end
    near_edge = (np.abs(patrol.distance_m - c.width_m) < 0.5) | (
        (patrol.cap_m < 0.5) & (patrol.distance_m < c.width_m + 0.5)
    )
    return {
        "distance_m": m4.distance_m,
        "left": m4.left,
        "patrol_m": patrol.distance_m,
        "chainage_m": patrol.along_m,
        "in_corridor": (patrol.distance_m <= c.width_m) & ~beyond,
        "near_edge": near_edge,
        "cap_m": patrol.cap_m,
        "post": c.posts["name"].to_numpy()[post],
        "post_m": post_m,
    }


#: The two ways a query is answered: numpy over blocks of points (small inputs), or the compiled kernel (large).
PATHS = ("vectorized", "compiled")


def _query_by(path: str, c: geo.Corridor, lon: np.ndarray, lat: np.ndarray) -> pd.DataFrame:
    """``c.query(lon, lat)`` answered by the given path, whatever the number of points."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(geo.query, "_COMPILED_FROM", 1 if path == "compiled" else 2**62)
        return c.query(lon, lat)


@pytest.fixture(scope="module", params=PATHS)
def sample(corridor, request):
    """1,200 points at log-uniform distances from 1 cm to 200 km of the M4, their answers and the reference's."""
    rng = np.random.default_rng(20200305)
    lon, lat = ref.points_around(corridor.m4, 1200, 200e3, rng)
    return _query_by(request.param, corridor, lon, lat), _reference_answers(corridor, lon, lat), lon, lat


def _wiggly_m4(corridor: geo.Corridor) -> LineString:
    """The shipped M4 with a zigzag of ±1.5 km north and south every kilometre: sharp turns, short pieces.

    (North and south, not square to the road: zigzags square to a bending road cross each other, and the model
    refuses an M4 that crosses itself.)
    """
    metric = corridor.m4_metric
    s = np.arange(0.0, metric.length, 1000.0)
    pts = np.asarray([metric.interpolate(x).coords[0] for x in s])
    zig = np.where(np.arange(s.size) % 2 == 0, 1500.0, -1500.0)
    zig[[0, -1]] = 0.0
    pts[:, 1] += zig
    return corridor.frame.to_lonlat(LineString(pts))


@pytest.fixture(scope="module", params=PATHS)
def wiggly(request):
    """A corridor on a zigzag M4, 150 points near it, their answers and the reference's."""
    c = geo.load_corridor(m4=_wiggly_m4(geo.load_corridor()))
    rng = np.random.default_rng(7)
    lon, lat = ref.points_around(c.patrol_segment, 150, 20e3, rng)
    return c, _query_by(request.param, c, lon, lat), _reference_answers(c, lon, lat)


# --------------------------------------------------------------------------------------------------
# Accuracy against the independent geodesic computation
# --------------------------------------------------------------------------------------------------


def test_distance_to_m4_is_within_2_cm_of_geodesic_up_to_200_km(sample):
    got, want, _, _ = sample
    err = np.abs(got["distance_m"].to_numpy() - want["distance_m"])
    assert want["distance_m"].max() > 150e3  # the sample spans the range
    assert want["distance_m"].min() < 0.1
    assert err.max() < 0.02


def test_chainage_is_within_1_m_of_geodesic_length_along_patrol_segment(sample):
    got, want, _, _ = sample
    assert np.abs(got["chainage_km"].to_numpy() * 1000 - want["chainage_m"]).max() < 1.0


def test_chainage_of_points_within_6_km_is_within_1_cm(sample):
    got, want, _, _ = sample
    near = want["patrol_m"] < 6000
    assert near.sum() > 100
    assert np.abs(got["chainage_km"].to_numpy()[near] * 1000 - want["chainage_m"][near]).max() < 0.01


def test_in_corridor_agrees_with_geodesic_distance_to_patrol_segment(sample):
    got, want, _, _ = sample
    decided = ~want["near_edge"]
    assert want["in_corridor"].sum() > 200
    assert (~want["in_corridor"]).sum() > 200
    np.testing.assert_array_equal(got["in_corridor"].to_numpy()[decided], want["in_corridor"][decided])


def test_side_agrees_with_geodesic_left_of_west_to_east_direction(sample):
    got, want, _, _ = sample
    off_line = want["distance_m"] > 0.05
    north = got["side"].to_numpy() == "north"
    np.testing.assert_array_equal(north[off_line], want["left"][off_line])


def test_nearest_post_and_its_distance_agree_with_every_post_tried(sample):
    got, want, _, _ = sample
    np.testing.assert_array_equal(got["nearest_post"].astype(str).to_numpy(), want["post"])
    assert np.abs(got["nearest_post_m"].to_numpy() - want["post_m"]).max() < 0.02


def test_wiggly_m4_distances_agree_with_geodesic(wiggly):
    _, got, want = wiggly
    assert np.abs(got["distance_m"].to_numpy() - want["distance_m"]).max() < 0.02


def test_wiggly_m4_corridor_side_and_chainage_agree_with_geodesic(wiggly):
    _, got, want = wiggly
    decided = ~want["near_edge"]
    np.testing.assert_array_equal(got["in_corridor"].to_numpy()[decided], want["in_corridor"][decided])
    off_line = want["distance_m"] > 0.05
    np.testing.assert_array_equal((got["side"].to_numpy() == "north")[off_line], want["left"][off_line])
    assert np.abs(got["chainage_km"].to_numpy() * 1000 - want["chainage_m"]).max() < 1.0


def test_densely_digitised_m4_gives_the_same_answers(corridor, sample):
    """The same geodesic line with a vertex every 50 m (as a surveyed road would have)."""
    v = np.asarray(corridor.m4.coords)
    coords = [tuple(v[0])]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(v):
        r = GEOD.inv_intermediate(lon1, lat1, lon2, lat2, del_s=50.0, initial_idx=1, return_back_azimuth=True)
        coords += [*zip(r.lons, r.lats, strict=True), (lon2, lat2)]
    dense = geo.load_corridor(m4=LineString(coords))
    assert len(dense.m4.coords) > 2000
    got, _, lon, lat = sample
    again = dense.query(lon, lat)
    assert np.abs(again["distance_m"].to_numpy() - got["distance_m"].to_numpy()).max() < 0.03
    assert np.abs(again["chainage_km"].to_numpy() - got["chainage_km"].to_numpy()).max() * 1000 < 0.5


def test_answers_are_the_same_without_the_search_shortcuts(sample, monkeypatch):
    """With one nearest vertex examined first (which proves nothing, so every point falls back to wider
    searches, and some to trying every piece) and the proof that a patrol end is nearest switched off, the
    answers still agree."""
    monkeypatch.setattr(geo._chain, "_K_FIRST", 1)
    monkeypatch.setattr(geo._chain, "_K_AGAIN", 2)
    monkeypatch.setattr(geo._chain, "_END_MARGIN", 2.0)
    _, want, lon, lat = sample
    got = geo.load_corridor().query(lon, lat)  # a new corridor: its search index is built with these settings
    assert np.abs(got["distance_m"].to_numpy() - want["distance_m"]).max() < 0.02
    assert np.abs(got["chainage_km"].to_numpy() * 1000 - want["chainage_m"]).max() < 1.0
    decided = ~want["near_edge"]
    np.testing.assert_array_equal(got["in_corridor"].to_numpy()[decided], want["in_corridor"][decided])
    off_line = want["distance_m"] > 0.05
    np.testing.assert_array_equal((got["side"].to_numpy() == "north")[off_line], want["left"][off_line])


def test_in_corridor_agrees_with_security_corridor_polygon_away_from_its_edge(corridor, sample):
    got, want, lon, lat = sample
    near_cap = (want["cap_m"] < 2.0) & (want["patrol_m"] < corridor.width_m + 2.0)
    clear = (np.abs(want["patrol_m"] - corridor.width_m) > 2.0) & ~near_cap
    # The polygon's edge is the width from the road to within a metre; 2 m clear of it they must agree.
    in_polygon = shapely.contains_xy(corridor.security_corridor, lon, lat)
    np.testing.assert_array_equal(got["in_corridor"].to_numpy()[clear], in_polygon[clear])


@pytest.mark.parametrize("path", PATHS)
def test_far_point_is_answered_with_geodesic_distances(corridor, path):
    lon, lat = np.array([2.35, 151.2, 36.45]), np.array([48.85, -33.9, -35.8])  # Paris, Sydney, the antipode's side
    got = _query_by(path, corridor, lon, lat)
    want = _reference_answers(corridor, lon, lat)
    assert np.abs(got["distance_m"].to_numpy() - want["distance_m"]).max() < 1.0
    assert np.abs(got["nearest_post_m"].to_numpy() - want["post_m"]).max() < 1e-3
    assert not got["in_corridor"].any()


# --------------------------------------------------------------------------------------------------
# Named cases
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mid_patrol(corridor):
    """The middle of the patrol segment's longest straight edge, its azimuth there, and its chainage (m)."""
    v = np.asarray(corridor.patrol_segment.coords)
    _, _, length = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
    i = int(np.argmax(length))
    chainage_m = float(length[:i].sum() + length[i] / 2)
    lon, lat, az = ref.point_along(corridor.patrol_segment, chainage_m)
    return lon, lat, az, chainage_m


@pytest.mark.parametrize(
    ("offset_m", "turn", "inside", "side"),
    [
        (5999.0, -90.0, True, "south"),  # the patrol segment runs east to west: its left is south
        (6001.0, -90.0, False, "south"),
        (5999.0, 90.0, True, "north"),
        (6001.0, 90.0, False, "north"),
    ],
)
def test_point_5999_m_from_patrol_segment_is_inside_and_6001_m_outside(
    corridor, mid_patrol, offset_m, turn, inside, side
):
    lon0, lat0, az, chainage_m = mid_patrol
    lon, lat = _offset(lon0, lat0, az + turn, offset_m)
    want = _reference_answers(corridor, np.array([lon]), np.array([lat]))
    assert abs(want["patrol_m"][0] - offset_m) < 1e-3  # the perpendicular foot is the nearest point
    row = corridor.query(lon, lat).iloc[0]
    assert bool(row["in_corridor"]) is inside
    assert row["side"] == side
    assert abs(row["distance_m"] - offset_m) < 0.02
    assert abs(row["chainage_km"] * 1000 - chainage_m) < 0.01


def test_point_north_of_the_road_reports_north(corridor):
    lon0, lat0, _ = ref.point_along(corridor.m4, 30_000)
    north = corridor.query(*_offset(lon0, lat0, 0.0, 800.0)).iloc[0]
    south = corridor.query(*_offset(lon0, lat0, 180.0, 800.0)).iloc[0]
    assert (north["side"], south["side"]) == ("north", "south")


def _place(corridor: geo.Corridor, name: str) -> tuple[float, float]:
    p = corridor.places.loc[corridor.places["name"] == name].geometry.iloc[0]
    return p.x, p.y


def test_trumba_has_chainage_zero(corridor):
    assert corridor.query(*_place(corridor, "Trumba")).iloc[0]["chainage_km"] * 1000 < 1.0


def test_ain_al_havr_has_chainage_of_the_whole_patrol_segment(corridor):
    length_m = GEOD.geometry_length(corridor.patrol_segment)
    row = corridor.query(*_place(corridor, "Ain al-Havr")).iloc[0]
    assert abs(row["chainage_km"] * 1000 - length_m) < 1.0


def test_point_at_ishtabraq_post_has_it_nearest_at_zero_metres(corridor):
    post = corridor.posts.loc[corridor.posts["name"] == "Ishtabraq"].geometry.iloc[0]
    row = corridor.query(post.x, post.y).iloc[0]
    assert row["nearest_post"] == "Ishtabraq"
    assert row["nearest_post_m"] < 0.01


@pytest.mark.parametrize(("beyond_m", "inside"), [(1000.0, False), (-1000.0, True)])
def test_point_on_the_m4_beyond_a_patrol_end_is_outside_the_flat_capped_corridor(corridor, beyond_m, inside):
    # Ain al-Havr is the patrol segment's end; the M4 goes on west of it, so a point on the road 1 km beyond
    # lies within 6 km of the segment's end point but past the corridor's square end.
    ain = np.asarray(corridor.patrol_segment.coords)[-1]
    m4_len = GEOD.geometry_length(corridor.m4)
    along = ref.nearest_on_line(corridor.m4, ain[:1], ain[1:]).along_m[0]
    assert 0 < along < m4_len
    lon, lat, _ = ref.point_along(corridor.m4, along - beyond_m)
    row = corridor.query(lon, lat).iloc[0]
    assert row["distance_m"] < 0.02
    assert bool(row["in_corridor"]) is inside
    assert bool(shapely.contains_xy(corridor.security_corridor, lon, lat)) is inside


def test_corridor_width_is_honoured(corridor, mid_patrol):
    lon0, lat0, az, _ = mid_patrol
    lon, lat = _offset(lon0, lat0, az + 90, 4000.0)
    narrow = geo.load_corridor(width_km=3)
    assert bool(corridor.query(lon, lat).iloc[0]["in_corridor"])
    assert not bool(narrow.query(lon, lat).iloc[0]["in_corridor"])


# --------------------------------------------------------------------------------------------------
# Call forms and result shape
# --------------------------------------------------------------------------------------------------


def test_scalars_give_one_row_with_the_columns_in_order(corridor):
    r = corridor.query(36.61, 35.81)
    assert isinstance(r, pd.DataFrame)
    assert list(r.columns) == list(COLUMNS)
    assert len(r) == 1


def test_result_dtypes(corridor):
    r = corridor.query([36.61, 36.2], [35.81, 35.7])
    assert r["distance_m"].dtype == np.float64
    assert r["in_corridor"].dtype == bool
    assert list(r["side"].cat.categories) == list(SIDES)
    assert list(r["nearest_post"].cat.categories) == list(corridor.posts["name"])
    assert r["chainage_km"].dtype == np.float64
    assert r["nearest_post_m"].dtype == np.float64


def test_array_forms_agree(corridor):
    lon, lat = [36.61, 36.2, 36.9], [35.81, 35.7, 36.1]
    a = corridor.query(lon, lat)
    for lo, la in [(np.array(lon), np.array(lat)), (tuple(lon), tuple(lat)), (np.float32(lon), np.float32(lat))]:
        b = corridor.query(lo, la)
        pd.testing.assert_frame_equal(a, b, atol=0.5 if isinstance(lo[0], np.float32) else 0)
    single = pd.concat([corridor.query(x, y) for x, y in zip(lon, lat, strict=True)], ignore_index=True)
    pd.testing.assert_frame_equal(a, single)


def test_series_index_is_kept(corridor):
    df = pd.DataFrame({"lon": [36.61, 36.2], "lat": [35.81, 35.7]}, index=["a", "b"])
    r = corridor.query(df["lon"], df["lat"])
    assert list(r.index) == ["a", "b"]
    assert r.loc["a", "distance_m"] == pytest.approx(corridor.query(36.61, 35.81).iloc[0]["distance_m"], abs=1e-6)


def test_geodataframe_in_utm_37n_gives_the_same_answers_as_lonlat(corridor, sample):
    _, _, lon, lat = sample
    lon, lat = lon[:300], lat[:300]
    gdf = gpd.GeoDataFrame(
        {"id": np.arange(300)}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326", index=np.arange(300) * 2
    ).to_crs(32637)
    before = gdf.copy()
    r = corridor.query(gdf)
    assert isinstance(r, gpd.GeoDataFrame)
    assert r.crs == gdf.crs
    assert list(r.index) == list(gdf.index)
    assert list(r.columns) == ["id", "geometry", *COLUMNS]
    pd.testing.assert_frame_equal(gdf, before)  # the input is not modified
    want = corridor.query(lon, lat)
    assert np.abs(r["distance_m"].to_numpy() - want["distance_m"].to_numpy()).max() < 1e-3
    assert np.abs(r["chainage_km"].to_numpy() - want["chainage_km"].to_numpy()).max() < 1e-6
    for col in ("in_corridor", "side", "nearest_post"):
        np.testing.assert_array_equal(r[col].to_numpy(), want[col].to_numpy())


def test_geoseries_gives_a_geodataframe_with_the_columns(corridor):
    gs = gpd.GeoSeries([Point(36.61, 35.81)], crs="EPSG:4326")
    r = corridor.query(gs)
    assert isinstance(r, gpd.GeoDataFrame)
    assert list(r.columns) == ["geometry", *COLUMNS]
    assert r["distance_m"].iloc[0] == pytest.approx(corridor.query(36.61, 35.81)["distance_m"].iloc[0], abs=1e-6)


def test_empty_input_gives_empty_frame_with_same_columns_and_dtypes(corridor):
    one = corridor.query([36.61], [35.81])
    for empty in (corridor.query([], []), corridor.query(np.array([]), np.array([]))):
        assert len(empty) == 0
        pd.testing.assert_series_equal(empty.dtypes, one.dtypes)
        assert empty["side"].dtype == one["side"].dtype
        assert empty["nearest_post"].dtype == one["nearest_post"].dtype
    gdf = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:32637")
    r = corridor.query(gdf)
    assert len(r) == 0
    assert list(r.columns) == ["id", "geometry", *COLUMNS]


def test_threaded_answer_equals_single_threaded(corridor):
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(35.5, 37.5, 140_000), rng.uniform(35.2, 36.6, 140_000)
    pd.testing.assert_frame_equal(corridor.query(lon, lat, workers=1), corridor.query(lon, lat, workers=3))


# --------------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (36.6, 95.0, r"^lat = 95\.0 is outside \[-90, 90\]"),
        (-181.0, 35.8, r"^lon = -181\.0 is outside \[-180, 180\]"),
        ([36.6, 36.7, 36.8], [35.8, 35.8, -90.5], r"^lat\[2\] = -90\.5 is outside"),
        ([36.6, 36.7, math.nan], [35.8, 35.8, 35.8], r"^lon\[2\] is missing \(NaN\)"),
        ([36.6, 36.7], [35.8, math.inf], r"^lat\[1\] is inf: expected a finite number"),
        ([36.6, None], [35.8, 35.8], r"^lon\[1\] is missing"),
        ([36.6, 36.7, 36.8], [35.8, 35.8], r"same length: got 3 values for lon and 2 values for lat"),
        (36.6, [35.8, 35.9], r"same length: got a single number for lon and 2 values for lat"),
        (["36.6", "abc"], [35.8, 35.8], r"^lon\[0\] = '36\.6': expected a number of degrees, got str"),
        ([36.6, "abc"], [35.8, 35.8], r"^lon\[1\] = 'abc': expected a number of degrees, got str"),
        (36.6, "north", r"^lat='north': expected a number of degrees, got a string"),
        (np.array([True, False]), [35.8, 35.8], r"^lon\[0\] = True: expected a number of degrees, got bool"),
        ([[36.6, 36.7]], [[35.8, 35.9]], r"^lon: expected a number or a 1-D array of numbers, got an array of shape"),
        ([36.6, [36.7, 1]], [35.8, 35.8], r"^lon: expected a number or a 1-D array"),
    ],
)
def test_bad_lon_lat_raise_value_error_naming_the_first_offender(corridor, lon, lat, message):
    with pytest.raises(ValueError, match=message):
        corridor.query(lon, lat)


def test_first_offending_index_is_reported_across_lon_and_lat(corridor):
    with pytest.raises(ValueError, match=r"^lat\[1\]"):
        corridor.query([36.6, 36.6, 400.0], [35.8, 95.0, 35.8])


def test_series_label_is_named(corridor):
    with pytest.raises(ValueError, match=r"lat\[1\] \(index 'b'\) = 95\.0"):
        corridor.query(pd.Series([36.6, 36.6], index=["a", "b"]), pd.Series([35.8, 95.0], index=["a", "b"]))


def test_series_with_different_indexes_raise(corridor):
    with pytest.raises(ValueError, match="different indexes"):
        corridor.query(pd.Series([36.6], index=[0]), pd.Series([35.8], index=[1]))


@pytest.mark.parametrize("workers", [0, -1, 1.5])
def test_bad_thread_count_raises(corridor, workers):
    with pytest.raises(ValueError, match=r"^workers=.*: expected a whole number of threads, at least 1"):
        corridor.query(36.6, 35.8, workers=workers)


def test_lon_without_lat_raises(corridor):
    with pytest.raises(ValueError, match="needs both longitude and latitude"):
        corridor.query([36.6, 36.7])


def test_geodataframe_with_lat_raises(corridor):
    gdf = gpd.GeoDataFrame(geometry=[Point(36.6, 35.8)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="takes no lat"):
        corridor.query(gdf, [35.8])


def test_geodataframe_without_crs_raises(corridor):
    gdf = gpd.GeoDataFrame(geometry=[Point(36.6, 35.8)])
    with pytest.raises(ValueError, match=r"has no CRS; set the one its coordinates are in"):
        corridor.query(gdf)


@pytest.mark.parametrize(
    ("geom", "message"),
    [
        (
            LineString([(36.6, 35.8), (36.7, 35.8)]),
            r"GeoDataFrame row 2 \(index 'c'\): expected a Point, got a LineString",
        ),
        (Point(), r"GeoDataFrame row 2 \(index 'c'\): empty Point"),
        (None, r"GeoDataFrame row 2 \(index 'c'\): missing geometry"),
        (Point(36.6, 95.0), r"GeoDataFrame row 2 \(index 'c'\) lat = 95\.0 is outside \[-90, 90\]"),
    ],
)
def test_bad_geometries_raise_value_error_naming_the_row(corridor, geom, message):
    gdf = gpd.GeoDataFrame(geometry=[Point(36.6, 35.8), Point(36.7, 35.8), geom], crs="EPSG:4326", index=list("abc"))
    with pytest.raises(ValueError, match=message):
        corridor.query(gdf)


def test_projected_point_outside_its_crs_raises(corridor):
    gdf = gpd.GeoDataFrame(geometry=[Point(500_000, 3_960_000), Point(1e12, 1e12)], crs="EPSG:32637")
    with pytest.raises(
        ValueError,
        match=r"GeoDataFrame row 1 \(index 1\): \(1e\+12, 1e\+12\) is outside the area where WGS 84 / UTM zone 37N",
    ):
        corridor.query(gdf)


def test_existing_answer_columns_are_not_overwritten(corridor):
    gdf = gpd.GeoDataFrame({"side": ["mine"]}, geometry=[Point(36.6, 35.8)], crs="EPSG:4326")
    with pytest.raises(ValueError, match=r"already has column\(s\) \['side'\]"):
        corridor.query(gdf)


# The swapped-lat/lon check
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lat", [0.0, 35.8, 60.0, 88.0])
def test_a_grown_box_holds_every_point_at_the_margin_from_its_bounds_in_any_direction(lat):
    from geo.geodesy import GEOD, grown_bounds

    west, south, east, north = grown_bounds((36.4, lat, 36.5, lat + 0.1), 6_001.0)
    corners = [(36.4, lat), (36.5, lat), (36.4, lat + 0.1), (36.5, lat + 0.1)]
    az = np.linspace(-180.0, 180.0, 721)
    for lon0, lat0 in corners:
        lon, lat1, _ = GEOD.fwd(np.full(az.size, lon0), np.full(az.size, lat0), az, np.full(az.size, 6_001.0))
        assert ((lon >= west) & (lon <= east) & (lat1 >= south) & (lat1 <= north)).all()
    # and it is not much larger: at most a few percent over the margin on each side
    assert (north - lat - 0.1) * 111_700.0 < 6_001.0 * 1.02


def test_every_point_within_the_margin_of_the_m4_lies_in_the_box_the_swap_check_queries(corridor):
    from geo.query import _near_m4_box

    west, south, east, north = _near_m4_box(corridor, 10_000.0)
    rng = np.random.default_rng(7)
    lon = rng.uniform(west - 0.3, east + 0.3, 200_000)
    lat = rng.uniform(south - 0.3, north + 0.3, 200_000)
    near = corridor.query(lon, lat)["distance_m"].to_numpy() <= 10_000.0
    inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    assert near.any()
    assert not (near & ~inside).any()
    assert (~inside).sum() > 50_000  # the box leaves out most of the ground around it


@pytest.mark.parametrize("spread", [20_000, 500])  # a batch for the compiled kernel, and one for the numpy path
def test_the_swap_check_answers_as_if_every_far_point_were_queried(corridor, spread):
    from geo.query import SWAP_FAR_M, SWAP_NEAR_M, swapped_check

    rng = np.random.default_rng(11)
    lon = np.concatenate([rng.uniform(35.0, 38.0, spread), rng.uniform(35.4, 36.0, 2_000)])
    lat = np.concatenate([rng.uniform(34.5, 37.5, spread), rng.uniform(35.7, 36.9, 2_000)])
    dist = corridor.query(lon, lat)["distance_m"].to_numpy()
    looks, twin_m = swapped_check(corridor, lon, lat, dist)
    twin = corridor.query(lat, lon)["distance_m"].to_numpy()
    expected = (dist > SWAP_FAR_M) & (twin < SWAP_NEAR_M)
    assert expected.sum() > 10
    np.testing.assert_array_equal(looks, expected)
    checked = ~np.isnan(twin_m)
    np.testing.assert_allclose(twin_m[checked], twin[checked], rtol=0, atol=1e-6)  # metres


@pytest.mark.parametrize("workers", [True, False, 0, 1.5])
def test_workers_must_be_a_whole_number_of_threads_not_a_bool(corridor, workers):
    with pytest.raises(ValueError, match=r"^workers=.*: expected a whole number of threads, at least 1$"):
        corridor.query([36.6], [35.8], workers=workers)
