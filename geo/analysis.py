"""Geometry analysis of the corridor model: kilometre ticks, long straights of a line, ground across the border.

These answer questions about the model's geometry that the map draws or
mentions (:mod:`geo.maps`), but they know nothing of maps: each takes the model
(or a line) and returns geometry and numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString

from .geodesy import GEOD, WGS84, geodesic_area_km2

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["TICK_HALF_M", "BorderOverlap", "across_border", "chainage_ticks", "check_step_km", "long_straights"]

#: Half length of a kilometre tick across the road, metres.
TICK_HALF_M = 800.0


def check_step_km(value: Any, name: str) -> float:
    """Return a distance between ticks as a float, or refuse it.

    Parameters
    ----------
    value
        The distance, kilometres: a finite number > 0.
    name
        The argument's name, for the error message.

    Raises
    ------
    ValueError
        ``value`` is not a finite number > 0 (the message names ``name``).

    Examples
    --------
    >>> check_step_km("2.5", "step_km")
    2.5
    """
    try:
        step = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: expected a number of kilometres") from None
    if not math.isfinite(step) or step <= 0:
        raise ValueError(f"{name}={value!r}: expected a finite distance > 0 km")
    return step


def chainage_ticks(corridor: Corridor, step_km: float = 10.0) -> gpd.GeoDataFrame:
    """Kilometre ticks along the patrol segment, every ``step_km`` from Trumba.

    Chainage is the geodesic distance along the road (WGS84 ellipsoid) from the
    patrol segment's start at Trumba; a tick falls between two vertices of the
    road by linear interpolation in the metric frame, and is drawn across the
    road, perpendicular to it in that frame.

    Parameters
    ----------
    corridor
        The corridor model.
    step_km
        Distance between ticks, kilometres (> 0).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per tick, EPSG:4326: ``chainage_km``; ``geometry``, the point on
        the road; ``tick``, a line of 2 x 800 m across the road.

    Examples
    --------
    >>> from geo import load_corridor
    >>> ticks = chainage_ticks(load_corridor())
    >>> ticks["chainage_km"].tolist()
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    """
    step = check_step_km(step_km, "step_km")
    lonlat = np.asarray(corridor.patrol_segment.coords)[:, :2]
    _, _, seg_m = GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
    cum_m = np.concatenate([[0.0], np.cumsum(seg_m)])
    targets_m = np.arange(0.0, cum_m[-1] + 1e-6, step * 1000.0)
    i = np.clip(np.searchsorted(cum_m, targets_m, side="right") - 1, 0, len(seg_m) - 1)
    t = (targets_m - cum_m[i]) / np.where(seg_m[i] > 0, seg_m[i], 1.0)
    x, y = corridor.frame.forward(lonlat[:, 0], lonlat[:, 1])
    px, py = x[i] + t * (x[i + 1] - x[i]), y[i] + t * (y[i + 1] - y[i])
    dx, dy = x[i + 1] - x[i], y[i + 1] - y[i]
    norm = np.hypot(dx, dy)
    nx, ny = -dy / norm * TICK_HALF_M, dx / norm * TICK_HALF_M  # unit normal, scaled
    plon, plat = corridor.frame.inverse(px, py)
    alon, alat = corridor.frame.inverse(px + nx, py + ny)
    blon, blat = corridor.frame.inverse(px - nx, py - ny)
    ticks = [LineString([(a, b), (c, d)]) for a, b, c, d in zip(alon, alat, blon, blat, strict=True)]
    return gpd.GeoDataFrame(
        {"chainage_km": np.round(targets_m / 1000.0, 9), "tick": gpd.GeoSeries(ticks, crs=WGS84)},
        geometry=gpd.points_from_xy(plon, plat),
        crs=WGS84,
    )


def long_straights(line: LineString, min_m: float) -> list[LineString]:
    """Return the straight pieces of a line (between two consecutive vertices) longer than ``min_m``.

    Parameters
    ----------
    line
        A line in lon/lat degrees (EPSG:4326).
    min_m
        Shortest geodesic length of a piece that counts, metres.

    Returns
    -------
    list of shapely.LineString
        Each long piece as a two-point line, in the line's order.

    Examples
    --------
    >>> len(long_straights(LineString([(36.0, 35.8), (36.3, 35.8), (36.31, 35.8)]), 20_000))
    1
    """
    lonlat = np.asarray(line.coords)[:, :2]
    _, _, seg_m = GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
    return [LineString(lonlat[i : i + 2]) for i in np.flatnonzero(seg_m > min_m)]


@dataclass(frozen=True)
class BorderOverlap:
    """Ground of a corridor half that lies across the context layer's border line from the road.

    Parameters
    ----------
    area_km2
        Its geodesic area, square kilometres.
    nearest_place
        The name of the place (``corridor.places``) nearest its centroid, or None without places.
    """

    area_km2: float
    nearest_place: str | None


def across_border(corridor: Corridor, half: shapely.Geometry) -> BorderOverlap | None:
    """Return the part of a corridor half cut off from the road by the border line, or None.

    The half is split along the border lines of ``corridor.context`` (kind
    ``"border"``); the pieces that do not touch the patrol segment lie across the
    line from the road.

    Parameters
    ----------
    corridor
        The corridor model (for its context layer, patrol segment and places).
    half
        A corridor half (``corridor.corridor_north`` or ``corridor.corridor_south``), lon/lat.

    Returns
    -------
    BorderOverlap or None
        None when the border line does not cut the half, or no piece lies across it.
    """
    context = corridor.context
    border = context[context["kind"].astype(str) == "border"].geometry
    if border.empty or not half.intersects(shapely.union_all(list(border))):
        return None
    pieces = shapely.ops.split(half, shapely.union_all(list(border))).geoms
    across = [p for p in pieces if p.distance(corridor.patrol_segment) > 0]
    if not across:
        return None
    area_km2 = sum(geodesic_area_km2(p) for p in across)
    centre = shapely.union_all(across).centroid
    places = corridor.places
    if not len(places):
        return BorderOverlap(area_km2, None)
    n = len(places)
    _, _, dist = GEOD.inv(np.full(n, centre.x), np.full(n, centre.y), places.geometry.x, places.geometry.y)
    return BorderOverlap(area_km2, str(places["name"].iloc[int(np.argmin(dist))]))
