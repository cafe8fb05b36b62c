"""The ground within a distance of a line, closed square at its two ends, in a metric frame.

The corridor is the ground swept by a cross-section of ``2 w`` metres held square
to the road as it travels the patrol segment: every point within ``w`` of the
segment whose nearest point on it, among the *local* nearest points, is not an
end seen from beyond that end. Put as a union, it is each edge's rectangle plus,
at each inner vertex, the fan of normals on the bend's outer side. A point
beyond an end's square cap is therefore still inside when another part of the
line sweeps it, as where the M4 turns 42° just east of Ain al-Havr and comes
back within 6 km of the ground west of the cap.

GEOS's own flat-capped buffer is not this set there: where a cap line crosses
ground that other edges sweep, it cuts that ground away on one side of the cap
and keeps unswept ground on the other (tens of km² on the shipped road). So the
polygon is built from GEOS's round-capped buffer, which is the plain "within
``w``" set and robust, by removing beyond each end only what no part of the line
sweeps. :func:`geo.query.query` tests membership by the same rule, so the two agree.
"""

from __future__ import annotations

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, Polygon

__all__ = ["flat_capped_buffer"]


def _square(p: np.ndarray, d: np.ndarray, r: float) -> Polygon:
    """Return the square of side ``2 r`` against the line through ``p`` square to unit ``d``, on ``d``'s side."""
    n = np.array([-d[1], d[0]])
    return Polygon([p + r * n, p + r * (n + 2 * d), p - r * (n - 2 * d), p - r * n])


def _unit(v: np.ndarray) -> np.ndarray:
    unit: np.ndarray = v / np.hypot(v[0], v[1])
    return unit


def _sweep(coords: np.ndarray, edges: np.ndarray, width_m: float, quad_segs: int) -> shapely.Geometry:
    """Union of the rectangles of ``edges`` (indices into ``coords``) and the fans at their inner vertices.

    The fan at an inner vertex ``V`` holds the points ``P`` within ``width_m`` of it
    that lie ahead of ``V`` along the incoming edge and behind it along the outgoing
    one: those whose nearest point on both edges is ``V``.
    """
    parts = [LineString(coords[i : i + 2]).buffer(width_m, cap_style="flat") for i in edges]
    disc = shapely.Point(0.0, 0.0).buffer(width_m, quad_segs=quad_segs)
    for v in sorted({int(i) for i in edges} | {int(i) + 1 for i in edges}):
        if 0 < v < len(coords) - 1:
            p = coords[v]
            d_in, d_out = _unit(p - coords[v - 1]), _unit(coords[v + 1] - p)
            fan = shapely.affinity.translate(disc, *p)
            parts.append(fan.intersection(_square(p, d_in, 2 * width_m)).intersection(_square(p, -d_out, 2 * width_m)))
    return shapely.union_all(parts)


def flat_capped_buffer(line: LineString, width_m: float, *, quad_segs: int = 64) -> Polygon:
    """Everything within ``width_m`` of ``line`` that the line's square cross-section sweeps.

    Parameters
    ----------
    line
        A line in a metric frame (metres), at least one edge long.
    width_m
        Distance on each side, metres.
    quad_segs
        Segments per quarter circle of the round parts (64: the chords cut a 6 km arc by < 0.5 m).

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        In the frame of ``line``.

    Examples
    --------
    An L-shaped line whose short end edge lies inside the other edge's reach: the
    ground beyond its cap that the long edge sweeps stays in.

    >>> line = LineString([(0, 0), (0, 10), (-3, 10)])
    >>> poly = flat_capped_buffer(line, 5.0)
    >>> poly.contains(shapely.Point(-4, 6)), poly.contains(shapely.Point(-6, 12))
    (True, False)
    """
    coords = np.asarray(line.coords)[:, :2]
    coords = coords[np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]]  # no edge of zero length
    if len(coords) > 2 and np.allclose(coords[0], coords[-1]):
        raise ValueError("the line is closed: it has no ends to cap")
    full = line.buffer(width_m, cap_style="round", join_style="round", quad_segs=quad_segs)
    reach = 1.02 * width_m
    edges = np.arange(len(coords) - 1)
    # The square beyond an end is 2 reach deep and reach to each side, so its points lie within sqrt(5) reach
    # (2.28 w) of the end, and an edge that sweeps one (within w of it) within 3.28 w: edges within 3.5 w are tried.
    seg = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    for end in (0, -1):
        box = _square(coords[end], _unit(coords[end] - coords[1 if end == 0 else -2]), reach)
        near = edges[shapely.distance(seg, shapely.Point(coords[end])) <= 3.5 * width_m]
        full = full.difference(box.difference(_sweep(coords, near, width_m, quad_segs)))
    return full
