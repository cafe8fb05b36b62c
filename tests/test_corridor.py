"""Geometry facts of the corridor model, checked against independent geodesic computations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString, Point

import geo
from geo.geodesy import GEOD


def _densify_geodesic(line: LineString, step_m: float) -> np.ndarray:
    """Points every ``step_m`` metres along each geodesic between the line's vertices (lon, lat)."""
    out = []
    coords = list(line.coords)
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(coords):
        _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(int(d // step_m), 1)
        out.append((lon1, lat1))
        out.extend(GEOD.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else [])
    out.append(coords[-1])
    return np.asarray(out)


def _geodesic_distance_to(line: LineString, lon: np.ndarray, lat: np.ndarray, step_m: float = 4.0) -> np.ndarray:
    """Geodesic distance (m) from points to a line, by brute force over a finely densified copy of it."""
    dense = _densify_geodesic(line, step_m)
    scale = np.cos(np.radians(dense[:, 1].mean()))
    tree = cKDTree(np.column_stack([dense[:, 0] * scale, dense[:, 1]]))
    _, idx = tree.query(np.column_stack([lon * scale, lat]), k=16)
    cand = dense[idx]
    _, _, d = GEOD.inv(
        np.repeat(lon, idx.shape[1]), np.repeat(lat, idx.shape[1]), cand[..., 0].ravel(), cand[..., 1].ravel()
    )
    return d.reshape(idx.shape).min(axis=1)


def _edge_points(corridor: geo.Corridor, poly) -> tuple[np.ndarray, np.ndarray]:
    """Boundary points of a corridor polygon whose nearest road point is not an end of the segment."""
    ring = shapely.segmentize(poly.exterior, 0.0005)
    pts = np.asarray(ring.coords)
    x, y = corridor.frame.forward(pts[:, 0], pts[:, 1])
    along = shapely.line_locate_point(corridor.patrol_metric, shapely.points(x, y))
    interior = (along > 1.0) & (along < corridor.patrol_metric.length - 1.0)
    return pts[interior, 0], pts[interior, 1]


def test_m4_runs_west_to_east_from_latakia_to_saraqib(corridor):
    (lon0, _), (lon1, _) = corridor.m4.coords[0], corridor.m4.coords[-1]
    assert lon0 < 35.9
    assert lon1 > 36.75


def test_m4_length_lies_within_the_reported_98_to_120_km(corridor):
    km = corridor.summary().m4_length_km
    assert 98 <= km <= 120


def test_m4_length_is_the_sum_of_geodesics_between_its_vertices(corridor):
    c = np.asarray(corridor.m4.coords)
    _, _, d = GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])
    assert corridor.summary().m4_length_km == pytest.approx(d.sum() / 1000, abs=0.001)


def test_patrol_segment_starts_at_trumba_and_ends_at_ain_al_havr(corridor):
    places = corridor.places.set_index("name")
    for name, end in [("Trumba", 0), ("Ain al-Havr", -1)]:
        p = places.loc[name].geometry
        foot_lon, foot_lat = corridor.patrol_segment.coords[end]
        # the end is the M4 point nearest the place: no M4 point is nearer
        d_end = geo.geodesic_distance_m(p.x, p.y, foot_lon, foot_lat)
        d_line = _geodesic_distance_to(corridor.m4, np.array([p.x]), np.array([p.y]))[0]
        assert d_end == pytest.approx(d_line, abs=1.0), name


def test_patrol_segment_lies_on_the_m4(corridor):
    """Interior vertices are M4 vertices; the two ends lie on M4 segments (straight in the metric frame)."""
    m4 = {tuple(np.round(c, 12)) for c in corridor.m4.coords}
    inner = [tuple(np.round(c, 12)) for c in corridor.patrol_segment.coords[1:-1]]
    assert inner
    assert all(c in m4 for c in inner)
    for end in (corridor.patrol_segment.coords[0], corridor.patrol_segment.coords[-1]):
        assert corridor.m4_metric.distance(corridor.frame.to_metric(Point(end))) < 1e-6


def test_patrol_segment_vertices_are_a_run_of_m4_vertices_in_east_to_west_order(corridor):
    m4 = [tuple(np.round(c, 12)) for c in corridor.m4.coords]
    inner = [tuple(np.round(c, 12)) for c in corridor.patrol_segment.coords[1:-1]]
    i = m4.index(inner[-1])
    assert m4[i : i + len(inner)] == inner[::-1]


def test_patrol_segment_is_about_60_km_long(corridor):
    # Ain al-Havr to Trumba along the modelled road; straight-line distance is ~55 km
    assert 55 < corridor.summary().patrol_length_km < 70


@pytest.mark.parametrize("half", ["security_corridor", "corridor_north", "corridor_south"])
def test_corridor_edge_is_6000_m_from_the_patrol_segment_within_5_m(corridor, half):
    poly = getattr(corridor, half)
    lon, lat = _edge_points(corridor, poly)
    d = _geodesic_distance_to(corridor.patrol_segment, lon, lat)
    outer = d > 3000  # the halves' inner edge is the road itself
    assert outer.sum() > 200
    assert np.abs(d[outer] - 6000).max() < 5.0


def test_corridor_width_is_a_parameter():
    c3 = geo.load_corridor(width_km=3)
    lon, lat = _edge_points(c3, c3.security_corridor)
    d = _geodesic_distance_to(c3.patrol_segment, lon, lat)
    assert np.abs(d - 3000).max() < 5.0


def test_corridor_ends_are_flat_caps_square_to_the_road(corridor):
    """A point 3 km beyond Trumba along the road's direction is outside; 3 km before it, inside."""
    line = corridor.patrol_metric
    (x0, y0), (x1, y1) = line.coords[0], line.coords[1]
    ux, uy = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
    beyond = corridor.frame.to_lonlat(Point(x0 - 3000 * ux, y0 - 3000 * uy))
    before = corridor.frame.to_lonlat(Point(x0 + 300 * ux - 5000 * uy, y0 + 300 * uy + 5000 * ux))
    assert not corridor.security_corridor.contains(beyond)
    assert corridor.security_corridor.contains(before)


def test_corridor_area_is_about_twelve_km_times_the_segment_length(corridor):
    s = corridor.summary()
    assert s.corridor_area_km2 == pytest.approx(2 * s.width_km * s.patrol_length_km, rel=0.05)


def test_halves_tile_the_corridor(corridor):
    n, s, full = corridor.corridor_north, corridor.corridor_south, corridor.security_corridor
    assert n.intersection(s).area < 1e-6 * full.area
    assert n.union(s).symmetric_difference(full).area < 1e-4 * full.area


def test_north_half_lies_north_of_ariha_and_south_half_south(corridor):
    ariha = corridor.places.set_index("name").loc["Ariha"].geometry
    # 3 km north / south of the road near Ariha (0.027 degrees of latitude is 3 km)
    assert corridor.corridor_north.contains(Point(ariha.x, ariha.y + 0.027))
    assert corridor.corridor_south.contains(Point(ariha.x, ariha.y - 0.027))


def test_summary_reports_km_and_km2(corridor):
    text = str(corridor.summary())
    assert "km²" in text
    assert "Patrol segment" in text
    assert corridor.summary().as_dict()["posts"] == 12


# --- another M4 line -------------------------------------------------------------------------------------


def test_a_user_line_replaces_the_m4_and_is_oriented_west_to_east(corridor):
    reversed_m4 = corridor.m4.reverse()
    c = geo.load_corridor(m4=reversed_m4)
    assert c.m4.coords[0] == corridor.m4.coords[0]
    assert c.m4_source == "User-supplied line"


def test_a_geojson_file_of_m4_pieces_is_merged(tmp_path, corridor):
    import geopandas as gpd

    coords = list(corridor.m4.coords)
    pieces = [LineString(coords[:6]), LineString(coords[5:])]
    path = tmp_path / "m4.geojson"
    gpd.GeoDataFrame(geometry=pieces, crs="EPSG:4326").to_crs(32637).to_file(path)
    c = geo.load_corridor(m4=path)
    assert c.summary().m4_length_km == pytest.approx(corridor.summary().m4_length_km, abs=0.01)


def test_a_geodataframe_without_crs_is_refused(corridor):
    import geopandas as gpd

    with pytest.raises(ValueError, match="has no CRS"):
        geo.load_corridor(m4=gpd.GeoDataFrame(geometry=[corridor.m4]))


def test_a_disconnected_m4_is_refused(corridor):
    coords = list(corridor.m4.coords)
    gap = MultiLineString([coords[:4], coords[5:]])
    with pytest.raises(ValueError, match="2 disconnected parts"):
        geo.load_corridor(m4=gap)


def test_an_m4_in_projected_coordinates_is_refused():
    with pytest.raises(ValueError, match=r"M4 vertex 0 .* out of range.*projected CRS"):
        geo.load_corridor(m4=LineString([(300000, 3960000), (400000, 3970000)]))


def test_an_m4_with_swapped_lat_lon_is_refused(corridor):
    swapped = LineString([(y, x) for x, y in corridor.m4.coords])
    with pytest.raises(ValueError, match="far outside the Idlib region"):
        geo.load_corridor(m4=swapped)


def test_an_unreadable_m4_file_is_refused(tmp_path):
    path = tmp_path / "m4.geojson"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"m4\.geojson: cannot read the M4 line file"):
        geo.load_corridor(m4=path)


@pytest.mark.parametrize("width", [0, -6, float("nan"), "six", 1000])
def test_bad_width_is_refused(width):
    with pytest.raises(ValueError, match="width_km="):
        geo.load_corridor(width_km=width)


def test_an_m4_that_stops_short_of_the_patrol_segment_is_refused(corridor):
    # a partial extract that stops west of Jisr al-Shughur (at lon 36.25), far from Trumba
    short = LineString([(x, y) for x, y in corridor.m4.coords if x < 36.25])
    with pytest.raises(ValueError, match=r"passes \d+\.\d km from Trumba, an end of the patrol segment"):
        geo.load_corridor(m4=short)


def test_an_m4_within_a_few_km_of_both_patrol_ends_is_accepted(corridor):
    # the shipped line moved 1 km north is still a usable M4
    moved = LineString([(x, y + 0.009) for x, y in corridor.m4.coords])
    assert geo.load_corridor(m4=moved).summary().patrol_length_km > 50


def test_a_one_point_m4_file_gets_a_one_line_error(tmp_path):
    path = tmp_path / "m4.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "LineString", "coordinates": [[36.1, 35.7]]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"m4\.geojson: cannot read the M4 line file \(point array") as exc:
        geo.load_corridor(m4=path)
    assert "\n" not in str(exc.value)


def test_an_m4_file_with_a_nan_vertex_is_refused_without_a_warning(tmp_path):
    path = tmp_path / "m4.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "LineString", "coordinates": [[36.1, 35.7], [NaN, 35.8], [36.8, 35.86]]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="NaN or infinite coordinate"):
        geo.load_corridor(m4=path)  # pytest turns any warning into an error
