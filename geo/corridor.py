"""The corridor model: the M4, the joint-patrol segment and the security corridor.

The Additional Protocol of 5 March 2020 sets a security corridor "6 km deep to
the north and 6 km deep to the south" of the M4 and joint patrols "from the
settlement of Trumba (2 km to the west of Saraqib) to the settlement of Ain
al-Havr". The model derives everything from one M4 line:

* the patrol segment is cut from the M4 by linear referencing between the
  points of the M4 nearest Trumba and Ain al-Havr, so it lies exactly on it;
* the corridor is the patrol segment buffered in the local transverse Mercator
  frame (:mod:`geo.geodesy`) with round joins of fine resolution and flat caps,
  so its edge is the corridor width from the road to within a metre.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.ops import linemerge, split, substring

from . import data as _data
from ._validate import lonlat_problem, real_number, region_problem
from .events import read_events
from .flat_buffer import flat_capped_buffer
from .geodesy import GEOD, WGS84, MetricFrame, default_frame, geodesic_area_km2, geodesic_length_m
from .history import CorridorState, corridor_as_of, data_end
from .parallel import is_dask_collection, query_dask
from .summary import CorridorSummary, summarize

if TYPE_CHECKING:
    import datetime

    import folium

__all__ = ["DEFAULT_WIDTH_KM", "MAX_WIDTH_KM", "PATROL_END", "PATROL_START", "Corridor", "load_corridor", "read_m4"]

#: Corridor depth on each side of the M4 in the 5 March 2020 protocol, kilometres.
DEFAULT_WIDTH_KM = 6.0
#: The widest corridor the model draws, kilometres each side. Up to it, ``security_corridor`` and
#: :func:`geo.query.query`'s ``in_corridor`` were measured to agree on the shipped road at every point further
#: than 7 m from the polygon's edge (tests check it by property); a width at which the corridor on a given line
#: falls into separate pieces is refused, not cut down to one of them.
MAX_WIDTH_KM = 100.0
#: The places that end the joint-patrol route, as named in ``data/places.geojson``.
PATROL_START = "Trumba"
PATROL_END = "Ain al-Havr"

#: Where the shipped M4 comes from (data/m4_waypoints.geojson has the full provenance).
M4_SOURCE = (
    "OpenStreetMap centreline via Travel Mapping (HighwayData syr.m010.wpt, 2016), 29 vertices from the M1 "
    "interchange to the M4/M5 junction; © OpenStreetMap contributors, ODbL"
)

#: A replacement M4 must pass within this distance (metres) of Trumba and of Ain al-Havr.
MAX_PATROL_END_GAP_M = 3_000.0

#: How far, metres, the M4 may run back west of the easternmost point it has reached, as a road's bends do;
#: further, it doubles back (the shipped line never runs west: 0 m).
MAX_BACKTRACK_M = 2_000.0
#: A part of a corridor polygon smaller than this, square metres, is a sliver of the arithmetic, not ground.
_SLIVER_M2 = 1.0

#: Segments per quarter circle in the buffer's round joins: the chord cuts a 6 km arc by < 0.5 m.
_QUAD_SEGS = 64
#: Longest edge, metres, of a polygon before it is unprojected (keeps it straight in the frame).
_SEGMENTIZE_M = 250.0

M4Input: TypeAlias = LineString | MultiLineString | gpd.GeoDataFrame | gpd.GeoSeries | str | PathLike[str] | Traversable


@dataclass(frozen=True, eq=False)
class Corridor:
    """The M4, the patrol segment, the security corridor and the observation posts.

    Build it with :func:`load_corridor`. Geometries are shapely objects in lon/lat
    (WGS84, degrees); the ``*_metric`` twins are in :attr:`frame` (metres).

    Attributes
    ----------
    m4
        The M4 highway, west to east.
    patrol_segment
        The M4 from Trumba (start) to Ain al-Havr (end), east to west.
    security_corridor
        All ground within ``width_km`` of the patrol segment, closed square at its ends.
    corridor_north, corridor_south
        The halves of the corridor north (Turkish patrols) and south (Russian patrols) of the road. A half
        is a MultiPolygon where the road's bends leave a piece of it apart from the rest (never on the
        shipped road); no piece is left out.
    posts, places, context
        GeoDataFrames in EPSG:4326.
    events
        The dated events (:func:`geo.history.read_events`), from the same data folder.
    width_km
        Corridor depth on each side of the road, kilometres.
    patrol_start_m, patrol_end_m
        Where the patrol segment begins and ends along the M4, metres from its western end
        (in the metric frame).
    """

    m4: LineString
    patrol_segment: LineString
    security_corridor: Polygon
    corridor_north: Polygon | MultiPolygon
    corridor_south: Polygon | MultiPolygon
    posts: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    waypoints: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    width_km: float
    m4_source: str
    frame: MetricFrame
    m4_metric: LineString = field(repr=False)
    patrol_metric: LineString = field(repr=False)
    patrol_start_m: float
    patrol_end_m: float

    def __repr__(self) -> str:
        """Return the corridor in three lines: lengths, area, counts and the M4's source (not its geometries)."""
        s = self.summary()
        end = self.data_end
        return (
            f"Corridor: M4 {s.m4_length_km:.1f} km, patrol segment {s.patrol_length_km:.1f} km (Trumba - Ain al-Havr), "
            f"corridor {s.width_km:g} km each side ({s.corridor_area_km2:.0f} km²)\n"
            f"  {s.posts} observation posts ({s.posts_remaining} remained), {s.places} places, "
            f"{len(self.events)} events{f' up to {end.isoformat()}' if end else ''}\n"
            f"  M4 geometry: {s.m4_source}"
        )

    def _repr_html_(self) -> str:
        """Return the headline figures as an HTML table and, below it, the map of :meth:`explore`, for notebooks.

        The map is the default one (:func:`geo.maps.build_map`): one page with Leaflet and the
        data inlined, about 0.5 MB, that works with no connection and asks only for its basemap's tiles.
        """
        return self.summary()._repr_html_() + self.explore()._repr_html_()

    def explore(self, **options: Any) -> folium.Map:
        """Return the interactive map of the corridor, to which other layers can be added.

        It is :func:`geo.maps.build_map` (``build_map(self, **options)``), the geopandas way:
        ``gdf.explore(m=c.explore())`` draws ``gdf`` on it, listed in its layer control, as do
        ``folium.GeoJson(...).add_to(m)`` and ``folium.Marker(...).add_to(m)``.

        Parameters
        ----------
        **options
            The options of :func:`geo.maps.build_map`: ``offline``, ``tick_km``, ``timeline``,
            ``events``, ``timeline_end``.

        Returns
        -------
        folium.Map
            A :class:`geo.maps.CorridorMap`: display it in a notebook, or write it with
            :func:`geo.save_map` (or its own ``save``).

        Examples
        --------
        >>> m = load_corridor().explore(offline=True, timeline=False)
        >>> type(m).__name__
        'CorridorMap'
        """
        # Here, not at the top, as pandas imports its plotting: the model does not depend on the map, and
        # `import geo` leaves the map stack (folium...) unloaded (tests/test_architecture.py allows this one edge).
        from .maps import build_map

        return build_map(self, **options)

    @property
    def width_m(self) -> float:
        """Corridor depth on each side of the road, metres."""
        return self.width_km * 1000.0

    @property
    def data_end(self) -> datetime.date | None:
        """The last day of the record in :attr:`events` (:func:`geo.history.data_end`); nothing later is known.

        Examples
        --------
        >>> load_corridor().data_end.isoformat()
        '2021-01-31'
        """
        return data_end(self.events)

    def summary(self) -> CorridorSummary:
        """Headline figures: geodesic lengths (km), corridor area (km²), counts.

        Examples
        --------
        >>> s = load_corridor().summary()
        >>> 90 < s.m4_length_km < 130
        True
        """
        return summarize(self)

    def as_of(self, date: str | datetime.date) -> CorridorState:
        """Return the corridor and its posts at the end of ``date`` (a day): see :func:`geo.history.corridor_as_of`.

        A day after :attr:`data_end` gives a UserWarning, and a state whose ``past_data_end`` is True.

        Examples
        --------
        >>> s = load_corridor().as_of("2020-06-01")
        >>> s.ceasefire, s.joint_patrols, len(s.posts_existing)
        (True, True, 12)
        """
        return corridor_as_of(self, date)

    def query(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Answer distance of points from the M4, corridor membership, side, chainage and nearest post.

        See :func:`geo.query.query` for the call forms and the columns. A
        ``dask_geopandas.GeoDataFrame``, or two dask Series of lon and lat, give a lazy result
        (:func:`geo.parallel.query_dask`).
        """
        lat = args[1] if len(args) > 1 else kwargs.get("lat")
        if args and (is_dask_collection(args[0]) or is_dask_collection(lat)):
            lazy: pd.DataFrame = query_dask(self, *args, **kwargs)
            return lazy
        from .query import query  # here, not at the top: its scipy.spatial costs every command 0.2 s

        return query(self, *args, **kwargs)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer of the model as a GeoDataFrame in EPSG:4326, keyed by layer name."""
        width = self.width_km
        lines = gpd.GeoDataFrame(
            {
                "name": ["M4 highway", "Joint-patrol segment (Trumba - Ain al-Havr)"],
                "length_km": [geodesic_length_m(self.m4) / 1000, geodesic_length_m(self.patrol_segment) / 1000],
                "source": [
                    self.m4_source,
                    (
                        "The M4 between its points nearest Trumba and Ain al-Havr "
                        "(see their patrol_end_note in places.geojson)"
                    ),
                ],
            },
            geometry=[self.m4, self.patrol_segment],
            crs=WGS84,
        )
        corridor = gpd.GeoDataFrame(
            {
                "name": ["Security corridor, north half", "Security corridor, south half"],
                "side": ["north", "south"],
                "patrolled_by": ["Turkey", "Russia"],
                "width_km": [width, width],
                "area_km2": [geodesic_area_km2(self.corridor_north), geodesic_area_km2(self.corridor_south)],
                "source": ["Additional Protocol of 5 March 2020, art. 2 (6 km each side of the M4)"] * 2,
            },
            geometry=[self.corridor_north, self.corridor_south],
            crs=WGS84,
        )
        return {
            "m4": lines.iloc[[0]].reset_index(drop=True),
            "patrol_segment": lines.iloc[[1]].reset_index(drop=True),
            "security_corridor": corridor,
            "posts": self.posts,
            "places": self.places,
            "m4_waypoints": self.waypoints,
            "context": self.context,
            "events": self.events,
        }


def _lonlat_line(geom: Any, what: str) -> LineString:
    """Turn a (Multi)LineString in lon/lat into one west-to-east LineString, or raise ValueError."""
    if isinstance(geom, MultiLineString):
        merged = linemerge(geom)
        if not isinstance(merged, LineString):
            raise ValueError(
                f"{what}: the M4 has {len(getattr(merged, 'geoms', []))} disconnected parts; "
                "expected one continuous line (join the gaps first)"
            )
        geom = merged
    if not isinstance(geom, LineString):
        raise ValueError(f"{what}: expected a LineString or MultiLineString for the M4, got {geom.geom_type}")
    if geom.is_empty or len(geom.coords) < 2:
        raise ValueError(f"{what}: the M4 line is empty or has fewer than 2 vertices")
    coords = np.asarray(geom.coords)[:, :2]
    if not np.isfinite(coords).all():
        raise ValueError(f"{what}: the M4 line has a NaN or infinite coordinate")
    lon = coords[:, 0]
    for i, (x, y) in enumerate(coords):
        if problem := lonlat_problem(x, y):
            raise ValueError(f"{what}: M4 vertex {i} (lon {x}, lat {y}): {problem} (is the line in a projected CRS?)")
        if problem := region_problem(x, y):
            raise ValueError(f"{what}: M4 vertex {i}: {problem}")
    kept = np.flatnonzero(np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)])  # a repeated vertex is no edge
    coords = coords[kept]
    if len(coords) < 2:
        raise ValueError(f"{what}: the M4 line has fewer than 2 distinct vertices")
    _check_simple(coords, kept, what)
    if lon[0] > lon[-1]:
        _check_west_to_east(coords[::-1], kept[::-1], what)
        return LineString(coords[::-1])
    _check_west_to_east(coords, kept, what)
    return LineString(coords)


def _check_simple(coords: np.ndarray, numbers: np.ndarray, what: str) -> None:
    """Raise ValueError naming where the line through ``coords`` (lon/lat, no repeated vertex) meets itself.

    ``numbers`` are the vertices' numbers in the line as given (which may repeat a vertex).
    """
    if LineString(coords).is_simple and not np.array_equal(coords[0], coords[-1]):  # GEOS calls a closed ring simple
        return
    edges = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    pairs = shapely.STRtree(edges).query(edges, predicate="intersects").T
    for i, j in sorted((int(a), int(b)) for a, b in pairs if a < b):
        meet = edges[i].intersection(edges[j])
        if j == i + 1 and meet.equals(shapely.Point(coords[j])):
            continue  # consecutive edges share their vertex
        p = meet.representative_point()
        b, d = numbers[i + 1], numbers[j + 1]  # an edge starts at the last copy of a repeated vertex
        raise ValueError(
            f"{what}: the M4 meets itself at lon {p.x:.6f}, lat {p.y:.6f} (edge {b - 1}-{b} and edge {d - 1}-{d}, "
            "vertices numbered from 0); expected a simple line that never crosses, touches or retraces itself"
        )
    raise ValueError(f"{what}: the M4 meets itself; expected a simple line")  # pragma: no cover - GEOS found one


def _check_west_to_east(coords: np.ndarray, numbers: np.ndarray, what: str) -> None:
    """Raise ValueError where the line (lon/lat, west end first) runs back west by more than MAX_BACKTRACK_M.

    How far back a vertex lies is measured along its parallel (geodesic metres)
    to the longitude of the easternmost vertex before it. ``numbers`` are the
    vertices' numbers in the line as given (which may run east to west).
    """
    lon, lat = coords[:, 0], coords[:, 1]
    east = np.maximum.accumulate(lon)
    _, _, back_m = GEOD.inv(lon, lat, east, lat)
    back_m = np.where(east > lon, back_m, 0.0)
    if back_m.max() <= MAX_BACKTRACK_M:
        return
    k = int(np.argmax(back_m > MAX_BACKTRACK_M))
    m = int(np.argmax(lon[:k] == east[k]))
    k_no, m_no = numbers[k], numbers[m]
    raise ValueError(
        f"{what}: the M4 doubles back: vertex {k_no} (lon {lon[k]:.6f}, lat {lat[k]:.6f}) lies "
        f"{back_m[k] / 1000:.1f} km west of vertex {m_no} (lon {lon[m]:.6f}), which comes before it going east; "
        f"expected a line running west to east, going back west by at most {MAX_BACKTRACK_M / 1000:g} km"
    )


def read_m4(
    m4: M4Input | None = None, *, data_dir: Traversable | Path | str | None = None
) -> tuple[LineString, str, gpd.GeoDataFrame]:
    """Return the M4 as a west-to-east lon/lat LineString, its source, and its waypoints.

    Parameters
    ----------
    m4
        None for the shipped line through ``data/m4_waypoints.geojson``; a shapely
        (Multi)LineString in lon/lat; a GeoDataFrame or GeoSeries of line features
        (any CRS, which must be set); or the path of a vector file (GeoJSON,
        GeoPackage, ...) holding the road's line features.
    """
    if m4 is None:
        path = _in(data_dir, "m4_waypoints.geojson") or _data.data_path("m4_waypoints.geojson")
        wp = _data.read_m4_waypoints(path)
        line = LineString([(p.x, p.y) for p in wp.geometry])
        return _lonlat_line(line, str(path)), M4_SOURCE, wp
    empty = gpd.GeoDataFrame({"order": [], "name": []}, geometry=[], crs=WGS84)
    if isinstance(m4, (LineString, MultiLineString)):
        return _lonlat_line(m4, "m4"), "User-supplied line", empty
    if not isinstance(m4, (gpd.GeoDataFrame, gpd.GeoSeries, str, PathLike, Traversable)):
        got = f"a shapely {m4.geom_type}" if isinstance(m4, shapely.Geometry) else f"{type(m4).__name__} {m4!r}"
        raise ValueError(
            f"m4: expected a LineString or MultiLineString in lon/lat, a GeoDataFrame or GeoSeries of lines, or the "
            f"path of a line file; got {got}"
        )
    if isinstance(m4, (gpd.GeoDataFrame, gpd.GeoSeries)):
        what = "m4 GeoDataFrame"
        gs = m4.geometry if isinstance(m4, gpd.GeoDataFrame) else m4
        src = "User-supplied GeoDataFrame"
    else:
        what = str(m4)
        try:
            with warnings.catch_warnings():  # a NaN vertex: shapely warns, then the checks below explain
                warnings.simplefilter("ignore", RuntimeWarning)
                gs = gpd.read_file(Path(str(m4))).geometry
        except Exception as exc:  # pyogrio and GEOS raise their own error types, over several lines
            reason = " ".join(str(exc).split()).removeprefix("IllegalArgumentException: ")
            raise ValueError(f"{what}: cannot read the M4 line file ({reason})") from None
        src = f"User-supplied file {Path(str(m4)).name}"
    if gs.crs is None:
        raise ValueError(f"{what}: the M4 geometry has no CRS; set one (e.g. .set_crs('EPSG:4326'))")
    gs = gs.to_crs(WGS84)
    gs = gs[gs.notna() & ~gs.is_empty]
    lines = [g for g in gs if g.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        raise ValueError(f"{what}: no LineString features found for the M4")
    merged = shapely.union_all(lines) if len(lines) > 1 else lines[0]
    return _lonlat_line(merged, what), src, empty


def _in(data_dir: Traversable | Path | str | None, name: str) -> Traversable | Path | None:
    if data_dir is None:
        return None
    return (Path(data_dir) if isinstance(data_dir, str) else data_dir) / name


def _place_point(places: gpd.GeoDataFrame, name: str) -> shapely.Point:
    hit = places[places["name"] == name]
    if hit.empty:
        raise ValueError(f"place {name!r} not found in the places layer; expected one of {sorted(places['name'])}")
    return hit.geometry.iloc[0]


def _halves(corridor: shapely.Geometry, m4: LineString, width_m: float) -> tuple[Polygon, Polygon]:
    """Split the corridor (metric frame) along the M4 into the parts left (north) and right (south) of the road.

    The M4 is carried on straight past its ends, so it cuts the corridor through;
    each part goes to the side of the road's west-to-east direction at the point of
    the M4 nearest to it, the rule of :func:`geo.query.query`'s ``side``.
    """
    coords = np.asarray(m4.coords)[:, :2]
    reach = 4.0 * width_m + m4.length
    first, last = coords[0] - coords[1], coords[-1] - coords[-2]
    cut = LineString(
        [coords[0] + reach * first / np.hypot(*first), *coords, coords[-1] + reach * last / np.hypot(*last)]
    )
    parts = list(shapely.get_parts(split(corridor, cut))) if corridor.intersects(cut) else [corridor]
    sides: dict[bool, list[shapely.Geometry]] = {True: [], False: []}
    for part in parts:
        p = part.representative_point()
        along = m4.project(p)
        foot = m4.interpolate(along)
        ahead, behind = m4.interpolate(min(along + 1.0, m4.length)), m4.interpolate(max(along - 1.0, 0.0))
        dx, dy = ahead.x - behind.x, ahead.y - behind.y
        sides[dx * (p.y - foot.y) - dy * (p.x - foot.x) > 0].append(part)
    return shapely.union_all(sides[True]), shapely.union_all(sides[False])


def _pieces(geom: shapely.Geometry) -> Polygon | MultiPolygon:
    """Return ``geom`` (metric frame) without its slivers: one Polygon, or a MultiPolygon of every other piece."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area >= _SLIVER_M2]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _one_piece(geom: shapely.Geometry, what: str, width_km: float) -> Polygon:
    """Return ``geom`` (metric frame) as one Polygon without slivers; ValueError if it has separate pieces.

    The corridor is one polygon in the model, and keeping its largest piece would
    drop ground that :func:`geo.query.query` counts in.
    """
    parts = _pieces(geom)
    if isinstance(parts, Polygon):
        return parts
    parts = list(parts.geoms)
    if not parts:  # a width below what the metric frame's floating point can draw
        raise ValueError(f"width_km={width_km:g}: the {what} is empty at this width; expected a larger width")
    raise ValueError(
        f"width_km={width_km:g}: on this M4 the {what} falls into {len(parts)} separate pieces; expected one "
        "piece (use a smaller width)"
    )


def load_corridor(
    m4: M4Input | None = None,
    *,
    width_km: float = DEFAULT_WIDTH_KM,
    frame: MetricFrame | None = None,
    data_dir: Traversable | Path | str | None = None,
) -> Corridor:
    """Load the shipped data and build the corridor model.

    Parameters
    ----------
    m4
        Another M4 line to use instead of the shipped one (see :func:`read_m4`),
        e.g. an OpenStreetMap extract of ``ref=M4``.
    width_km
        Corridor depth on each side of the road, kilometres (6 in the protocol).
    frame
        Metric frame for the computation; the local transverse Mercator by default.
    data_dir
        A folder holding the data layers (``m4_waypoints.geojson``, ``places.geojson``,
        ``posts.geojson``, ``context.geojson``, ``events.geojson``) to use instead of
        the shipped ones.

    Returns
    -------
    Corridor

    Examples
    --------
    >>> c = load_corridor()
    >>> c.posts.shape[0]
    12
    >>> round(c.width_km, 1)
    6.0
    """
    width_km = real_number(width_km, "width_km", "kilometres")
    if not np.isfinite(width_km) or not 0 < width_km <= MAX_WIDTH_KM:
        raise ValueError(f"width_km={width_km!r}: expected a finite width in (0, {MAX_WIDTH_KM:g}] km")
    frame = frame or default_frame()
    line, m4_source, waypoints = read_m4(m4, data_dir=data_dir)
    places = _data.read_places(_in(data_dir, "places.geojson"))
    posts = _data.read_posts(_in(data_dir, "posts.geojson"))
    context = _data.read_context(_in(data_dir, "context.geojson"))

    events = read_events(_in(data_dir, "events.geojson"))

    m4_metric = frame.to_metric(line)
    ends = {name: frame.to_metric(_place_point(places, name)) for name in (PATROL_START, PATROL_END)}
    for name, point in ends.items():
        gap = m4_metric.distance(point)
        if gap > MAX_PATROL_END_GAP_M:
            raise ValueError(
                f"{m4_source}: the M4 line passes {gap / 1000:.1f} km from {name}, an end of the patrol segment; "
                f"expected a line within {MAX_PATROL_END_GAP_M / 1000:g} km of it (does the line cover "
                "Ain al-Havr to Trumba?)"
            )
    start_m = float(m4_metric.project(ends[PATROL_START]))
    end_m = float(m4_metric.project(ends[PATROL_END]))
    if abs(start_m - end_m) < 1.0:
        raise ValueError("the M4 line gives a patrol segment of zero length: does it pass Trumba and Ain al-Havr?")
    patrol_metric = substring(m4_metric, start_m, end_m)
    west_to_east = patrol_metric.reverse() if start_m > end_m else patrol_metric

    width_m = width_km * 1000.0
    full = _one_piece(flat_capped_buffer(west_to_east, width_m, quad_segs=_QUAD_SEGS), "corridor", width_km)
    north, south = (_pieces(half) for half in _halves(full, m4_metric, width_m))

    def unproject(poly: Polygon | MultiPolygon) -> Any:
        return frame.to_lonlat(shapely.segmentize(poly, _SEGMENTIZE_M))

    return Corridor(
        m4=line,
        patrol_segment=frame.to_lonlat(patrol_metric),
        security_corridor=unproject(full),
        corridor_north=unproject(north),
        corridor_south=unproject(south),
        posts=posts,
        places=places,
        context=context,
        waypoints=waypoints,
        events=events,
        width_km=width_km,
        m4_source=m4_source,
        frame=frame,
        m4_metric=m4_metric,
        patrol_metric=patrol_metric,
        patrol_start_m=start_m,
        patrol_end_m=end_m,
    )
