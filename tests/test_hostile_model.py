"""Hostile input to the model: every case gets a right answer or one line saying what is wrong, and where.

The table holds the cases, one a line (input -> the one-line error it must raise); the tests
below it run them, then check the invariant that makes the corridor one thing at every width:
``security_corridor`` contains a point exactly when :func:`geo.query.query` says ``in_corridor``.
"""

# ruff: noqa: E501  (the case tables hold one case a line, however long its expected message)
from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LinearRing, LineString, MultiPolygon, Point, Polygon, box

import geo
from geo.cli import main
from geo.corridor import DEFAULT_WIDTH_KM, MAX_WIDTH_KM, _one_piece
from geo.flat_buffer import flat_capped_buffer
from geo.geodesy import GEOD

# Lines that fail the M4's checks before its ends are looked for (so they need not reach Trumba).
CROSSING = LineString([(36.0, 35.8), (36.5, 35.8), (36.4, 35.7), (36.45, 35.9), (36.8, 35.9)])
DOUBLING_BACK = LineString([(36.0, 35.8), (36.5, 35.8), (36.3, 35.9), (36.8, 35.95)])  # simple, but 18 km back west
RETRACING = LineString([(36.0, 35.8), (36.5, 35.8), (36.3, 35.8), (36.8, 35.8)])
EAST_TO_WEST_DOUBLING_BACK = LineString(DOUBLING_BACK.coords[::-1])  # numbered as given, not as turned round


def _load(**kwargs: Any) -> Callable[[], object]:
    return lambda: geo.load_corridor(**kwargs)


def _query(*args: Any) -> Callable[[], object]:
    return lambda: _shipped().query(*args)


@cache
def _shipped() -> geo.Corridor:
    return geo.load_corridor()


# (id, what is done, the error it must raise: a regular expression matched against the one-line message)
CASES: list[tuple[str, Callable[[], object], str]] = [
    ("width True", _load(width_km=True), r"^width_km=True: expected a number of kilometres, got a bool$"),
    ("width numpy True", _load(width_km=np.bool_(True)), r"^width_km=(np\.)?True_?: expected a number of kilometres, got a bool_?$"),
    ("width text", _load(width_km="6"), r"^width_km='6': expected a number of kilometres, got a str$"),
    ("width 0", _load(width_km=0), r"^width_km=0\.0: expected a finite width in \(0, 100\] km$"),
    ("width past the limit", _load(width_km=MAX_WIDTH_KM + 0.5), r"^width_km=100\.5: expected a finite width in \(0, 100\] km$"),
    ("width NaN", _load(width_km=float("nan")), r"^width_km=nan: expected a finite width"),
    ("m4 a Point", _load(m4=Point(36.5, 35.8)), r"^m4: expected a LineString or MultiLineString in lon/lat, .* got a shapely Point$"),
    ("m4 a Polygon", _load(m4=box(36, 35, 37, 36)), r"got a shapely Polygon$"),
    ("m4 a number", _load(m4=5), r"got int 5$"),
    ("m4 crossing itself", _load(m4=CROSSING), r"^m4: the M4 meets itself at lon 36\.425000, lat 35\.800000 \(edge 0-1 and edge 2-3"),
    ("m4 retracing itself", _load(m4=RETRACING), r"^m4: the M4 meets itself at .* \(edge 0-1 and edge 1-2"),
    ("m4 a closed ring", _load(m4=LinearRing([(36.0, 35.8), (36.5, 35.8), (36.5, 35.9)])), r"^m4: the M4 meets itself at lon 36\.0"),
    ("m4 doubling back", _load(m4=DOUBLING_BACK), r"^m4: the M4 doubles back: vertex 2 \(lon 36\.300000, lat 35\.900000\) lies 18\.1 km west of vertex 1 \(lon 36\.500000\), which comes before it going east; expected a line running west to east, going back west by at most 2 km$"),
    ("m4 crossing itself after a repeated vertex", _load(m4=LineString([CROSSING.coords[0], *CROSSING.coords])), r"^m4: the M4 meets itself at lon 36\.425000, lat 35\.800000 \(edge 1-2 and edge 3-4, vertices numbered from 0\)"),
    ("m4 doubling back after a repeated vertex", _load(m4=LineString([*DOUBLING_BACK.coords[:2], *DOUBLING_BACK.coords[1:]])), r"^m4: the M4 doubles back: vertex 3 \(lon 36\.300000.* west of vertex 1 "),
    ("m4 east to west, doubling back", _load(m4=EAST_TO_WEST_DOUBLING_BACK), r"^m4: the M4 doubles back: vertex 1 \(lon 36\.300000.* west of vertex 2 "),
    ("lon list holding True", _query([36.6, True], [35.8, 35.8]), r"^lon\[1\] = True: expected a number of degrees, got bool$"),
    ("lat list holding False", _query([36.6, 36.7], [False, 35.8]), r"^lat\[0\] = False: expected a number of degrees, got bool$"),
    ("lon True", _query(True, 35.8), r"^lon = True: expected a number of degrees, got bool$"),
    ("lat a bool array", _query(np.array([36.6]), np.array([True])), r"^lat\[0\] = True: expected a number of degrees, got bool$"),
    ("lon a tuple holding numpy True", _query((36.6, np.bool_(True)), (35.8, 35.8)), r"^lon\[1\] = True: expected a number of degrees, got bool$"),
    ("3857 point off the Earth", _query(gpd.GeoSeries([Point(4e6, 4.2e6), Point(1e9, 1e9)], crs="EPSG:3857")), r"^GeoSeries row 1 \(index 1\): \(1e\+09, 1e\+09\) is outside the area where WGS 84 / Pseudo-Mercator is defined \(it converts to lon .*, lat 90, which converts back elsewhere\); expected coordinates in that CRS$"),
    ("UTM point at infinity's door", _query(gpd.GeoDataFrame(geometry=[Point(1e12, 1e12)], crs="EPSG:32637")), r"^GeoDataFrame row 0 \(index 0\): \(1e\+12, 1e\+12\) is outside the area where WGS 84 / UTM zone 37N is defined \(it does not convert to lon/lat\)"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_in_one_line(make, error):
    with pytest.raises(ValueError, match=error) as info:
        make()
    assert "\n" not in str(info.value)


# (id, an edit of the shipped data folder, the one-line error naming the file and the feature)
def _waypoints(edit: Callable[[list[dict[str, Any]]], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "m4_waypoints.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        edit(doc["features"])
        path.write_text(json.dumps(doc), encoding="utf-8")

    return apply


def _set(i: int, key: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    return lambda features: features[i]["properties"].__setitem__(key, value)


def _swap_points(i: int, j: int) -> Callable[[list[dict[str, Any]]], None]:
    def edit(features: list[dict[str, Any]]) -> None:
        a, b = features[i]["geometry"], features[j]["geometry"]
        a["coordinates"], b["coordinates"] = b["coordinates"], a["coordinates"]

    return edit


def _coordinate(i: int, value: list[Any]) -> Callable[[list[dict[str, Any]]], None]:
    return lambda features: features[i]["geometry"].__setitem__("coordinates", value)


DATA_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("order jumping 5 to 50", _waypoints(_set(5, "order", 50)), r"m4_waypoints\.geojson: feature 5 \('[^']+'\): order 50, expected 0\.\.28 \(order 5 is missing\): the waypoint orders must run 0\.\.28 with no gap$"),
    ("orders from 1", _waypoints(lambda fs: [f["properties"].__setitem__("order", f["properties"]["order"] + 1) for f in fs]), r"feature 28 \('[^']+'\): order 29, expected 0\.\.28 \(order 0 is missing\)"),
    ("order True", _waypoints(_set(1, "order", True)), r"feature 1 \('[^']+'\): property 'order' is True, expected <class 'int'>$"),
    ("coordinate True", _waypoints(_coordinate(3, [36.1, True])), r"feature 3 \('[^']+'\): coordinate \[36\.1, True\] is not numeric$"),
    ("two waypoints swapped", _waypoints(_swap_points(10, 11)), r"data/m4_waypoints\.geojson: the M4 doubles back: vertex 11 \(lon 36\.231451, lat 35\.834445\) lies 2\.8 km west of vertex 10 \(lon 36\.262693\)"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "error"), [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_hostile_data_file_is_refused_naming_the_file_and_feature(data_copy, edit, error):
    edit(data_copy)
    with pytest.raises(ValueError, match=error) as info:
        geo.load_corridor(data_dir=data_copy)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------------------------------
# The command line: one line, exit 2; a day past the data's end is answered with a note
# --------------------------------------------------------------------------------------------------


CLI_CASES: list[tuple[str, list[str], str]] = [
    ("width 0", ["summary", "--width-km", "0"], "--width-km 0.0: expected a finite width in (0, 100] km"),
    ("width past the limit", ["summary", "--width-km", "100.01"], "--width-km 100.01: expected a finite width in (0, 100] km"),
    ("m4 file crossing itself", ["summary", "--m4", "crossing.geojson"], "the M4 meets itself at lon 36.425000, lat 35.800000"),
    ("m4 file doubling back", ["summary", "--m4", "doubling.geojson"], "the M4 doubles back: vertex 2"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "error"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_hostile_command_line_exits_2_with_one_line(tmp_path, monkeypatch, capsys, argv, error):
    for name, line in (("crossing", CROSSING), ("doubling", DOUBLING_BACK)):
        gpd.GeoDataFrame(geometry=[line], crs="EPSG:4326").to_file(tmp_path / f"{name}.geojson")
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("idlib-corridor: error: ")
    assert error in err


def test_events_as_of_a_day_past_the_data_prints_the_state_and_a_one_line_note(capsys):
    assert main(["events", "--as-of", "2099-01-01"]) == 0
    out, err = capsys.readouterr()
    notes = [line for line in out.splitlines() if "note:" in line]
    assert notes == [
        "  note: 2099-01-01 is past the end of the data (2021-01-31, the day the last recorded event is certain by): "
        "the state shown is the last one recorded, carried forward, not a known state"
    ]
    assert err == ""


def test_events_as_of_a_day_past_the_data_as_json_says_so_in_the_record_and_on_stderr(capsys):
    assert main(["events", "--as-of", "2021-02-01", "--json"]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert (record["data_end"], record["past_data_end"]) == ("2021-01-31", True)
    assert err.startswith("idlib-corridor: note: 2021-02-01 is past the end of the data (2021-01-31")
    assert err.count("\n") == 1


def test_events_as_of_the_last_day_of_the_data_has_no_note(capsys):
    assert main(["events", "--as-of", "2021-01-31"]) == 0
    out, err = capsys.readouterr()
    assert "note:" not in out + err


# --------------------------------------------------------------------------------------------------
# Where the data end
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2021-02-01", "2099-12-31"])
def test_as_of_a_day_past_the_last_recorded_event_warns_with_its_date(corridor, day):
    with pytest.warns(UserWarning, match=rf"^note: {day} is past the end of the data \(2021-01-31"):
        state = corridor.as_of(day)
    assert state.past_data_end
    assert state.data_end == corridor.data_end
    assert corridor.data_end.isoformat() == "2021-01-31"


def test_as_of_the_last_day_of_the_data_does_not_warn(corridor):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = corridor.as_of("2021-01-31")
    assert not state.past_data_end
    assert "note" not in str(state)


# --------------------------------------------------------------------------------------------------
# What must still load
# --------------------------------------------------------------------------------------------------


def test_the_shipped_road_never_runs_west_and_never_meets_itself(corridor):
    lon = np.asarray(corridor.m4.coords)[:, 0]
    assert (np.diff(lon) > 0).all()
    assert corridor.m4.is_simple


def test_a_road_bending_back_west_by_under_2_km_loads(corridor):
    # The shipped road with a hairpin north of its vertex 8: 1.5 km west and back, 300 m further north each way.
    coords = list(corridor.m4.coords)
    x, y = coords[8]
    bend = [(x, y + 0.003), (x - 0.0166, y + 0.006), (x - 0.0166, y + 0.009), (x + 0.002, y + 0.012)]
    c = geo.load_corridor(m4=LineString([*coords[:9], *bend, *coords[9:]]))
    assert len(c.m4.coords) == len(coords) + 4


def test_the_east_to_west_road_is_turned_round_and_loads(corridor):
    c = geo.load_corridor(m4=LineString(corridor.m4.coords[::-1]))
    assert c.m4.equals(corridor.m4)


def test_a_projected_point_inside_its_crs_is_answered_as_its_lonlat_twin(corridor):
    utm = gpd.GeoSeries([Point(36.61, 35.81)], crs="EPSG:4326").to_crs("EPSG:32637")
    got = corridor.query(utm)
    want = corridor.query(36.61, 35.81)
    assert got["distance_m"].iloc[0] == pytest.approx(want["distance_m"].iloc[0], abs=1e-3)


def test_a_linestring_given_as_m4_is_taken(corridor):
    c = geo.load_corridor(m4=LineString(corridor.m4.coords))
    assert c.m4_source == "User-supplied line"
    assert c.patrol_segment.equals_exact(corridor.patrol_segment, 1e-9)


# --------------------------------------------------------------------------------------------------
# One corridor at every width
# --------------------------------------------------------------------------------------------------


def test_a_corridor_in_separate_pieces_is_refused_not_cut_to_its_largest():
    two = MultiPolygon([box(0, 0, 10, 10), box(20, 0, 25, 5)])
    with pytest.raises(ValueError, match=r"^width_km=50: on this M4 the corridor falls into 2 separate pieces"):
        _one_piece(two, "corridor", 50.0)


@pytest.mark.parametrize("width_km", [1e-300, 1e-12])
def test_a_width_too_small_to_draw_asks_for_a_larger_one(width_km):
    # It said "falls into 0 separate pieces ... (use a smaller width)".
    with pytest.raises(ValueError, match=r"the corridor is empty at this width; expected a larger width$"):
        geo.load_corridor(width_km=width_km)


def test_a_sliver_of_the_arithmetic_is_no_piece():
    poly = _one_piece(MultiPolygon([box(0, 0, 1000, 1000), box(2000, 0, 2000.5, 0.5)]), "corridor", 6.0)
    assert isinstance(poly, Polygon)
    assert poly.area == 1e6


@pytest.mark.parametrize("width_km", [6.0, 30.0, 100.0])
def test_the_halves_hold_the_whole_corridor_with_no_piece_left_out(width_km):
    c = _at(width_km)
    halves = shapely.union_all([c.corridor_north, c.corridor_south])
    assert halves.symmetric_difference(c.security_corridor).area < 1e-9  # degrees², about 10 m²


def test_ground_beyond_an_end_swept_by_an_edge_over_3_widths_from_that_end_stays_in_the_polygon():
    # P lies in the square beyond the end (0, 0), 2.1 widths from it, and 0.99 widths square to the last edge,
    # all of which is 3.005 widths or more from the end: P is swept, so in (the query's rule). Edges within
    # 3 widths of an end were the only ones tried; the square's corner lies within 2.28 widths of the end.
    line = LineString([(0, 0), (1, 0), (3, 0), (3, 8), (-8, 8), (-8, -4), (-5.6, -1.35), (0.4, 4.65)])
    assert flat_capped_buffer(line, 1.0).contains(Point(-1.9, 0.95))
    assert not flat_capped_buffer(line, 1.0).contains(Point(-0.5, 0.3))  # within a width of the end, beyond it, unswept


@cache
def _zigzag() -> LineString:
    """The shipped road with a zigzag of ±1.5 km north and south every kilometre: sharp turns, short pieces."""
    c0 = _shipped()
    m = c0.m4_metric
    s = np.arange(0.0, m.length, 1000.0)
    pts = np.asarray([m.interpolate(x).coords[0] for x in s])
    pts[1:-1, 1] += np.where(np.arange(1, s.size - 1) % 2 == 0, 1500.0, -1500.0)
    line: LineString = c0.frame.to_lonlat(LineString(pts))
    return line


def test_the_halves_of_a_zigzag_road_keep_their_every_piece():
    # Its south half has a piece of about 10 km² apart from the rest, which was dropped when only a half's
    # largest piece was kept.
    c = _at(DEFAULT_WIDTH_KM, "zigzag")
    assert isinstance(c.corridor_south, MultiPolygon)
    halves = shapely.union_all([c.corridor_north, c.corridor_south])
    assert halves.symmetric_difference(c.security_corridor).area < 1e-9


def test_the_map_draws_every_piece_of_a_half_in_pieces():
    c = _at(DEFAULT_WIDTH_KM, "zigzag")
    html = geo.build_map(c, offline=True).get_root().render()
    assert html.count('"className": "idlib-corridor idlib-corridor-south"') == len(c.corridor_south.geoms) == 2
    assert html.count('"className": "idlib-corridor idlib-corridor-north"') == 1


@cache
def _at(width_km: float, line: str = "shipped") -> geo.Corridor:
    return geo.load_corridor(m4=_zigzag() if line == "zigzag" else None, width_km=width_km)


@cache
def _metric_edge(width_km: float, line: str) -> shapely.Geometry:
    c = _at(width_km, line)
    edge = c.frame.to_metric(c.security_corridor).boundary
    shapely.prepare(edge)
    return edge


#: (road, width in km) pairs the property is tried on: the shipped road at widths up to the limit, and the zigzag.
ROADS_AND_WIDTHS = [("shipped", w) for w in (0.5, 6.0, 10.0, 15.0, 25.0, 50.0, 75.0, MAX_WIDTH_KM)] + [
    ("zigzag", w) for w in (6.0, 25.0, MAX_WIDTH_KM)
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    road_and_width=st.sampled_from(ROADS_AND_WIDTHS),
    u=st.lists(st.floats(0.0, 1.0), min_size=20, max_size=20),
    v=st.lists(st.floats(0.0, 1.0), min_size=20, max_size=20),
)
def test_the_polygon_holds_a_point_exactly_when_the_query_says_in_corridor(road_and_width, u, v):
    road, width_km = road_and_width
    c = _at(width_km, road)
    x0, y0, x1, y1 = c.security_corridor.bounds
    pad = 0.2 * max(x1 - x0, y1 - y0)
    lon = x0 - pad + np.asarray(u) * (x1 - x0 + 2 * pad)
    lat = y0 - pad + np.asarray(v) * (y1 - y0 + 2 * pad)
    mx, my = c.frame.forward(lon, lat)
    clear = shapely.distance(_metric_edge(width_km, road), shapely.points(mx, my)) > 50.0  # 50 m from the edge
    assume(clear.any())
    polygon = shapely.contains_xy(c.security_corridor, lon, lat)
    answered = c.query(lon, lat)["in_corridor"].to_numpy()
    assert (polygon[clear] == answered[clear]).all(), list(zip(lon[clear], lat[clear], polygon[clear], strict=True))


# --------------------------------------------------------------------------------------------------
# The README's figures for straight lines (section "Geodesy")
# --------------------------------------------------------------------------------------------------


def _departure_m(corridor: geo.Corridor, a: tuple[float, float], b: tuple[float, float], line: LineString) -> float:
    """Largest distance, metres, from 999 points of the geodesic a-b to ``line`` (in the corridor's frame)."""
    on_geodesic = np.asarray(GEOD.npts(*a, *b, 999))
    x, y = corridor.frame.forward(on_geodesic[:, 0], on_geodesic[:, 1])
    return float(shapely.distance(line, shapely.points(x, y)).max())


def test_a_line_straight_in_degrees_departs_1_8_m_from_the_geodesic_on_the_longest_edge(corridor):
    xy = np.asarray(corridor.m4.coords)
    _, _, lengths = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    k = int(np.argmax(lengths))
    (x0, y0), (x1, y1) = xy[k], xy[k + 1]
    t = np.linspace(0.0, 1.0, 2001)  # the straight-in-degrees line, every 5.6 m
    in_degrees = LineString(np.column_stack(corridor.frame.forward(x0 + t * (x1 - x0), y0 + t * (y1 - y0))))
    assert lengths[k] == pytest.approx(11_248.0, abs=1.0)
    assert _departure_m(corridor, (x0, y0), (x1, y1), in_degrees) == pytest.approx(1.83, abs=0.02)


def test_a_line_straight_in_the_metric_frame_departs_under_1_cm_from_the_geodesic_on_every_edge(corridor):
    xy = np.asarray(corridor.m4.coords)
    for a, b in itertools.pairwise(xy):
        in_frame = LineString(np.column_stack(corridor.frame.forward(np.array([a[0], b[0]]), np.array([a[1], b[1]]))))
        assert _departure_m(corridor, tuple(a), tuple(b), in_frame) < 0.01
