"""An independent, slow, exact answer to the corridor queries, for the tests.

Uses nothing from :mod:`geo.query`: only :class:`pyproj.Geod` on the WGS84
ellipsoid. A line is its vertices joined by geodesics; the nearest point of each
edge to a point is found by golden-section search along the edge (the geodesic
distance from a point to the points of a short geodesic is unimodal), and the
line's nearest point is the best of its edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

__all__ = ["GEOD", "LineAnswer", "nearest_on_line", "nearest_post", "point_along", "points_around"]

GEOD = pyproj.Geod(ellps="WGS84")
_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class LineAnswer:
    """Nearest point of a line to each of n points."""

    distance_m: np.ndarray  # geodesic metres to the line
    along_m: np.ndarray  # geodesic metres along the line from its first vertex to the nearest point
    edge: np.ndarray  # index of the edge holding the nearest point
    left: np.ndarray  # True where the point is left of the line's direction at its nearest point
    behind_start: np.ndarray  # True where the nearest point is the first vertex and the point lies behind it
    beyond_end: np.ndarray  # True where the nearest point is the last vertex and the point lies beyond it
    cap_m: np.ndarray  # metres from the point to the line perpendicular to the line at its nearer end


def nearest_on_line(line: shapely.LineString, lon: np.ndarray, lat: np.ndarray, iters: int = 48) -> LineAnswer:
    """Geodesic nearest point of the lon/lat ``line`` (geodesic edges) to each point."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    v = np.asarray(line.coords)[:, :2]
    az, _, length = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
    n, m = lon.size, length.size
    # Every (point, edge) pair at once.
    plon, plat = np.repeat(lon, m), np.repeat(lat, m)
    elon, elat = np.tile(v[:-1, 0], n), np.tile(v[:-1, 1], n)
    eaz, elen = np.tile(az, n), np.tile(length, n)

    def dist(s: np.ndarray) -> np.ndarray:
        flon, flat, _ = GEOD.fwd(elon, elat, eaz, s)
        return GEOD.inv(plon, plat, flon, flat)[2]

    a, b = np.zeros_like(elen), elen.copy()
    c, d = b - _GOLD * (b - a), a + _GOLD * (b - a)
    fc, fd = dist(c), dist(d)
    for _ in range(iters):  # golden-section search: keep the sub-interval holding the smaller value
        lower = fc < fd
        a, b = np.where(lower, a, c), np.where(lower, d, b)
        new = np.where(lower, b - _GOLD * (b - a), a + _GOLD * (b - a))
        fnew = dist(new)
        c, d, fc, fd = (
            np.where(lower, new, d),
            np.where(lower, c, new),
            np.where(lower, fnew, fd),
            np.where(lower, fc, fnew),
        )
    s = np.clip((a + b) / 2, 0, elen)
    # The interval's ends too: the minimum may sit on an end of the edge.
    cands = np.stack([s, np.zeros_like(s), elen])
    dists = np.stack([dist(x) for x in cands])
    pick = np.argmin(dists, axis=0)
    s = cands[pick, np.arange(s.size)]
    dd = dists[pick, np.arange(s.size)].reshape(n, m)
    s = s.reshape(n, m)
    edge = np.argmin(dd, axis=1)
    rows = np.arange(n)
    s_best, d_best = s[rows, edge], dd[rows, edge]
    cum = np.concatenate([[0.0], np.cumsum(length)])

    # Left of the line's direction at the nearest point: sin(azimuth to the point - line azimuth) < 0. Where
    # the nearest point is a bend's vertex, the sum of that over the directions in and out of the bend.
    flon, flat, back = GEOD.fwd(v[edge, 0], v[edge, 1], az[edge], s_best)
    to_p, _, _ = GEOD.inv(flon, flat, lon, lat)
    into = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])[1] + 180.0  # azimuth at each edge's end
    bend_in = (s_best <= 1e-3) & (edge > 0)  # at the vertex where this edge starts
    bend_out = (s_best >= length[edge] - 1e-3) & (edge < m - 1)  # at the vertex where it ends
    az_a = np.where(bend_in, into[edge - 1], back + 180.0)
    az_b = np.where(bend_out, az[np.minimum(edge + 1, m - 1)], back + 180.0)
    left = np.sin(np.radians(to_p - az_a)) + np.sin(np.radians(to_p - az_b)) < 0

    # Behind the first vertex / beyond the last one: the angle at the end between the line and the point.
    az_start_p, _, d_start = GEOD.inv(np.full(n, v[0, 0]), np.full(n, v[0, 1]), lon, lat)
    cos_start = np.cos(np.radians(az_start_p - az[0]))
    _, end_back, _ = GEOD.inv(v[-2, 0], v[-2, 1], v[-1, 0], v[-1, 1])
    az_end_p, _, d_end = GEOD.inv(np.full(n, v[-1, 0]), np.full(n, v[-1, 1]), lon, lat)
    cos_end = np.cos(np.radians(az_end_p - (end_back + 180.0)))
    at_start = d_start <= d_best + 1e-4  # the nearest point is (within 0.1 mm) the first vertex
    at_end = d_end <= d_best + 1e-4
    cap = np.where(d_start < d_end, np.abs(d_start * cos_start), np.abs(d_end * cos_end))
    return LineAnswer(
        distance_m=d_best,
        along_m=cum[edge] + s_best,
        edge=edge,
        left=left,
        behind_start=at_start & (cos_start < 0),
        beyond_end=at_end & (cos_end > 0),
        cap_m=cap,
    )


def nearest_post(posts_lon: np.ndarray, posts_lat: np.ndarray, lon: np.ndarray, lat: np.ndarray):
    """Index of, and geodesic metres to, the nearest post of each point (by trying every post)."""
    n, m = np.size(lon), np.size(posts_lon)
    _, _, d = GEOD.inv(np.repeat(lon, m), np.repeat(lat, m), np.tile(posts_lon, n), np.tile(posts_lat, n))
    d = np.asarray(d).reshape(n, m)
    return np.argmin(d, axis=1), d.min(axis=1)


def points_around(line: shapely.LineString, n: int, max_m: float, rng: np.random.Generator, min_m: float = 0.01):
    """``n`` points at log-uniform geodesic distances in [min_m, max_m] in random directions from random points
    of the line (so their distance to the line is at most that)."""
    v = np.asarray(line.coords)[:, :2]
    az, _, length = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
    edge = rng.choice(length.size, size=n, p=length / length.sum())
    s = rng.uniform(0, length[edge])
    flon, flat, _ = GEOD.fwd(v[edge, 0], v[edge, 1], az[edge], s)
    dist = np.exp(rng.uniform(np.log(min_m), np.log(max_m), n))
    lon, lat, _ = GEOD.fwd(flon, flat, rng.uniform(-180, 180, n), dist)
    return np.asarray(lon), np.asarray(lat)


def point_along(line: shapely.LineString, along_m: float) -> tuple[float, float, float]:
    """Lon, lat and forward azimuth of the point ``along_m`` geodesic metres along the lon/lat line."""
    v = np.asarray(line.coords)
    az, _, length = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(length)])
    i = min(int(np.searchsorted(cum, along_m, side="right")) - 1, length.size - 1)
    lon, lat, back = GEOD.fwd(v[i, 0], v[i, 1], az[i], along_m - cum[i])
    return float(lon), float(lat), float(back) + 180.0
