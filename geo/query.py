"""Distance queries: how far points are from the M4, and where they stand against the corridor.

:func:`query` answers, for one point or millions, the geodesic distance to the
M4, whether the point lies in the security corridor, on which side of the road
it is, where along the patrol segment its nearest point lies, and which
observation post is nearest.

Method
------
The M4 is the line through its vertices with a geodesic on the WGS84 ellipsoid
as each edge (on the shipped line within 0.16 m of a straight line in the local
transverse Mercator frame). The search runs in 3-D Earth-centred (ECEF)
coordinates, with no map projection and so no scale error:

* each geodesic edge is cut into pieces of at most :data:`MAX_PIECE_M` metres,
  whose straight chords sag below it by at most ``s**2 / 8R`` (5 mm); runs of
  pieces that lie within :data:`SIMPLIFY_TOLERANCE_M` (1 cm) of one chord are
  merged into it (Douglas-Peucker), so a densely digitised straight road costs
  no more than a sparse one. The chain of chords is within 1.5 cm of the line
  everywhere, so distances to it are within 1.5 cm of distances to the line;
* the chord ``c`` from a point to its nearest point is converted to the
  geodesic ``g = 2 R sin⁻¹(c / 2R)``, with ``R`` the radius of curvature of the
  ellipsoid's normal section in the chord's azimuth (Euler's formula). Measured
  against :meth:`pyproj.Geod.inv`, that is within 3 mm up to 200 km and 13 mm
  up to 300 km; beyond :data:`EXACT_GEODESIC_BEYOND_M` the distance comes from
  :meth:`pyproj.Geod.inv` itself. Chords rank points in the order of their
  geodesic distances to within a few centimetres at 200 km;
* a k-d tree (:class:`scipy.spatial.cKDTree`) over the chain's vertices gives
  each point's k = 3 nearest vertices, and the exact nearest point is found on
  the pieces that meet at the first two. That is provably the nearest piece:
  some end of the nearest piece lies within ``sqrt(d**2 + s**2 / 4)`` of the
  point (``d`` its distance, ``s`` the longest piece), so it is among the
  pieces tried when the k-th vertex is further than that; the few points for
  which it is not are searched again with more vertices, then against every
  piece;
* the patrol segment is the part of the same chain between its two ends. A
  point whose nearest M4 point lies inside that part has it as its nearest
  patrol point too; for the others a cheap test proves that the nearest patrol
  point is the end beyond which they lie (every patrol vertex lies at an obtuse
  angle from it), and the rest are searched like the M4.

Inputs of :data:`_COMPILED_FROM` points or more go through a compiled kernel
(:mod:`geo._query_jit`, numba) that answers each point in one pass with the same
chords, conversions and end test, but finds the nearest piece without the k-d
tree:

* a grid of 0.01° cells around the M4 lists, for each cell, the pieces that can
  be nearest to some point of it. With ``C`` the cell's centre, ``r`` a bound on
  the distance from ``C`` to any point of the cell, ``k`` the piece nearest ``C``,
  ``f`` distances and ``g`` their gradients at ``C``: the difference ``f_j - f_k``
  changes across the cell by at most ``r min(2, |g_j - g_k| + 2r/f_j + 2r/f_k)``,
  so a piece further than that from ``C`` beyond ``f_k`` is dropped. On the
  shipped line about 13 pieces are left per cell within 10 km of the road and
  3 beyond 60 km (7 per point on average over the benchmark's area); the
  patrol segment and the posts (as pieces of no length) have lists in the same
  32-byte cell row, so a point costs one cache miss for all three;
* cells with too many candidates, and points off the grid, search a binary tree
  of capsules over the pieces (a chord and a radius that holds every piece below
  it), opening only nodes whose chord distance minus radius is below the best
  distance found;
* points further than :data:`EXACT_GEODESIC_BEYOND_M` from the line or the
  posts are answered again by the vectorized path.

Both paths give the same answers to within a few nanometres (tests check it).
"""

from __future__ import annotations

import math
import numbers
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from .geodesy import GEOD, WGS84

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = [
    "COLUMNS",
    "EXACT_GEODESIC_BEYOND_M",
    "MAX_PIECE_M",
    "SIDES",
    "SIMPLIFY_TOLERANCE_M",
    "SWAP_FAR_M",
    "SWAP_NEAR_M",
    "query",
    "swapped_check",
]

#: Columns added by :func:`query`, in order.
COLUMNS = ("distance_m", "in_corridor", "side", "chainage_km", "nearest_post", "nearest_post_m")
#: Values of the ``side`` column: left and right of the M4's west-to-east direction.
SIDES = ("north", "south")
#: Longest piece, metres, the line's geodesic edges are cut into (a chord of 500 m sags 5 mm below the arc).
MAX_PIECE_M = 500.0
#: Pieces within this many metres of a longer chord are merged into it before the search.
SIMPLIFY_TOLERANCE_M = 0.01
#: Chord length, metres, beyond which distances come from :meth:`pyproj.Geod.inv` instead of the chord.
EXACT_GEODESIC_BEYOND_M = 300_000.0

_A = float(GEOD.a)
_E2 = float(GEOD.es)
#: Points per block of the vectorized search (bounds the temporary memory to a few tens of MB per thread).
_BLOCK = 1 << 16
#: Nearest vertices examined per point at first; points not proven done are searched again with more.
_K_FIRST = 3
_K_AGAIN = 24
#: Angular margin (radians) of the test that proves a patrol end is a point's nearest patrol point.
_END_MARGIN = 1e-3
#: Inputs of at least this many points are answered by the compiled kernel (:mod:`geo._query_jit`); smaller
#: ones by the vectorized numpy path, which needs no compiler (so one-point queries start fast).
_COMPILED_FROM = 20_000
#: Cell size (degrees), margin around the line (degrees of latitude) and most candidates per cell of the grid
#: the compiled kernel looks points up in (points outside it, or in cells with more candidates, search the tree).
_GRID_STEP_DEG = 0.01
_GRID_MARGIN_DEG = 1.0
_GRID_SLOTS = 32
#: Layout of a cell's row of 16 int16 (32 bytes, so one cache line) in the grid's first table: for the M4, the
#: patrol segment and the posts, where the row holds the candidates' count and then as many as fit.
_GRID_COLUMNS = {"m4": (0, 8), "patrol": (8, 14), "posts": (14, 16)}
#: Metres added to each capsule's radius in the compiled tree search, for rounding.
_CAPSULE_PAD_M = 1e-6


# --------------------------------------------------------------------------------------------------
# Ellipsoid geometry
# --------------------------------------------------------------------------------------------------


@dataclass
class _Points:
    """Points on the ellipsoid: ECEF coordinates relative to an origin, and their trigonometry."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    xyz: NDArray[np.float64]  # (n, 3), metres, minus the origin
    sin_lat: NDArray[np.float64]
    cos_lat: NDArray[np.float64]
    sin_lon: NDArray[np.float64]
    cos_lon: NDArray[np.float64]

    @classmethod
    def from_lonlat(cls, lon: NDArray[np.float64], lat: NDArray[np.float64], origin: NDArray[np.float64]) -> _Points:
        lam, phi = np.radians(lon), np.radians(lat)
        sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
        nu = _A / np.sqrt(1.0 - _E2 * sp * sp)
        xyz = np.empty((lon.size, 3))
        xyz[:, 0] = nu * cp * cl - origin[0]
        xyz[:, 1] = nu * cp * sl - origin[1]
        xyz[:, 2] = nu * (1.0 - _E2) * sp - origin[2]
        return cls(lon, lat, xyz, sp, cp, sl, cl)

    def take(self, idx: NDArray[np.intp]) -> _Points:
        return _Points(*(getattr(self, f.name)[idx] for f in fields(self)))

    @property
    def up(self) -> NDArray[np.float64]:
        """Unit normals of the ellipsoid at the points (n, 3)."""
        return np.column_stack([self.cos_lat * self.cos_lon, self.cos_lat * self.sin_lon, self.sin_lat])


def _ecef(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """ECEF coordinates (metres) of points on the WGS84 ellipsoid (height 0)."""
    lon_a, lat_a = np.asarray(lon, float).ravel(), np.asarray(lat, float).ravel()
    return _Points.from_lonlat(lon_a, lat_a, np.zeros(3)).xyz


def _geodesic_from_chord(pts: _Points, delta: NDArray[np.float64]) -> NDArray[np.float64]:
    """Geodesic length (metres) of the chord ``delta`` (n, 3) leaving each point of ``pts``.

    ``2 R asin(c / 2R)`` with ``R`` the normal-section radius of curvature at the
    point in the chord's azimuth (Euler: ``1/R = cos²α/ρ + sin²α/ν``).
    """
    dx, dy, dz = delta[:, 0], delta[:, 1], delta[:, 2]
    chord = np.sqrt(dx * dx + dy * dy + dz * dz)
    east = -pts.sin_lon * dx + pts.cos_lon * dy
    north = -pts.sin_lat * (pts.cos_lon * dx + pts.sin_lon * dy) + pts.cos_lat * dz
    horiz2 = east * east + north * north
    cos2 = np.divide(north * north, horiz2, out=np.ones_like(horiz2), where=horiz2 > 0)
    w2 = 1.0 - _E2 * pts.sin_lat * pts.sin_lat
    nu = _A / np.sqrt(w2)
    rho = nu * (1.0 - _E2) / w2
    k = cos2 / rho + (1.0 - cos2) / nu  # normal curvature, 1/m
    return 2.0 / k * np.arcsin(np.minimum(chord * k / 2.0, 1.0))


# --------------------------------------------------------------------------------------------------
# A line prepared for nearest-point search
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Nearest:
    """Nearest point of a chain of chords to each of n points."""

    seg: NDArray[np.intp]  # piece index
    t: NDArray[np.float64]  # position on the piece, 0..1
    t_raw: NDArray[np.float64]  # the same before clamping (< 0 or > 1: beyond the piece's ends)
    chord: NDArray[np.float64]  # chord length to the nearest point, metres
    delta: NDArray[np.float64]  # (n, 3) chord vector from the point to its nearest point
    left: NDArray[np.float64]  # > 0 where the point is left of the chain's direction at its nearest point


class _Chain:
    """A lon/lat line as a chain of straight 3-D chords, with a k-d tree over its vertices.

    Parameters
    ----------
    lon, lat
        The line's vertices, degrees; its edges are geodesics.
    origin
        ECEF point subtracted from every coordinate (keeps the numbers small).
    refine
        Cut the edges into pieces of at most :data:`MAX_PIECE_M` and merge runs of
        pieces within :data:`SIMPLIFY_TOLERANCE_M` of one chord (True), or take
        the vertices as they are (False: they are already a prepared chain's).
    """

    def __init__(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], origin: NDArray[np.float64], *, refine: bool
    ) -> None:
        if refine:
            lon, lat = _densify(lon, lat, MAX_PIECE_M)
        _, _, piece_m = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        cum_m = np.concatenate([[0.0], np.cumsum(piece_m)])
        pts = _Points.from_lonlat(lon, lat, origin)
        keep = _simplify(pts.xyz, SIMPLIFY_TOLERANCE_M) if refine else np.ones(lon.size, dtype=bool)
        pts = pts.take(np.flatnonzero(keep))
        xyz = pts.xyz
        d = np.diff(xyz, axis=0)
        len2 = np.einsum("ij,ij->i", d, d)
        left = np.cross(pts.up[:-1], d)
        left /= np.linalg.norm(left, axis=1)[:, None]
        self.lon, self.lat, self.xyz, self.origin = pts.lon, pts.lat, xyz, origin
        self.n_pieces = d.shape[0]
        self.piece = np.column_stack([xyz[:-1], d, 1.0 / len2])  # start (3), direction (3), 1/|d|²
        self.columns = tuple(np.ascontiguousarray(c) for c in self.piece.T)
        self.left = left  # unit normal to the left of each piece, horizontal at its start
        self.cum_m = cum_m[keep]  # geodesic metres along the line at each vertex
        self.piece_m = np.diff(self.cum_m)
        self.length_m = float(self.cum_m[-1])
        self.max_piece = float(np.sqrt(len2.max()))
        self.tree = cKDTree(xyz, leafsize=16)

    @cached_property
    def capsules(self) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
        """A binary tree of capsules over the pieces, for the compiled search (see :func:`_capsule_tree`)."""
        return _capsule_tree(self.xyz)

    def along_m(self, near: _Nearest) -> NDArray[np.float64]:
        """Geodesic metres along the line, from its first vertex, of each nearest point."""
        return self.cum_m[near.seg] + near.t * self.piece_m[near.seg]

    def foot_lonlat(self, near: _Nearest) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lon/lat of each nearest point (linear along a piece of at most a kilometre)."""
        s, t = near.seg, near.t
        return self.lon[s] + t * (self.lon[s + 1] - self.lon[s]), self.lat[s] + t * (self.lat[s + 1] - self.lat[s])

    def nearest(self, xyz: NDArray[np.float64]) -> _Nearest:
        """The exact nearest point of the chain to each point of ``xyz`` (n, 3)."""
        n = xyz.shape[0]
        seg = np.empty(n, dtype=np.intp)
        t_raw = np.empty(n)
        todo = np.arange(n)
        for k in (_K_FIRST, _K_AGAIN, None):
            if todo.size == 0:
                break
            s, tr, done = self._nearest_among_k(xyz[todo], k)
            seg[todo[done]], t_raw[todo[done]] = s[done], tr[done]
            todo = todo[~done]
        p = self.piece[seg]
        t = np.clip(t_raw, 0.0, 1.0)
        delta = p[:, 0:3] + t[:, None] * p[:, 3:6] - xyz
        # Left of the piece; where the nearest point is a bend's vertex, left of the bend's bisector (the
        # point lies on the bend's outer side, which is the same side of both pieces only for gentle bends).
        normal = self.left[seg]
        bend_start = np.flatnonzero((t == 0.0) & (seg > 0))
        bend_end = np.flatnonzero((t == 1.0) & (seg < self.n_pieces - 1))
        normal[bend_start] += self.left[seg[bend_start] - 1]
        normal[bend_end] += self.left[seg[bend_end] + 1]
        left = -np.einsum("ij,ij->i", delta, normal)
        return _Nearest(seg, t, t_raw, np.sqrt(np.einsum("ij,ij->i", delta, delta)), delta, left)

    def _nearest_among_k(
        self, xyz: NDArray[np.float64], k: int | None
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
        """Best piece among those meeting at the k - 1 nearest vertices, and whether it is proven best.

        With ``k=None`` (or k at least the number of vertices) every piece is examined.
        """
        n_vert = self.n_pieces + 1
        if k is None or k >= n_vert:
            return self._nearest_all(xyz)
        dist, vert = self.tree.query(xyz, k=k)
        dist, vert = dist.reshape(-1, k), vert.reshape(-1, k)  # k=1 gives 1-D arrays
        tried = vert[:, :-1] if k > 1 else vert
        cand = np.concatenate([tried - 1, tried], axis=1)
        np.clip(cand, 0, self.n_pieces - 1, out=cand)
        t_raw, c2 = self._project(xyz, cand)
        rows = np.arange(xyz.shape[0])
        best = np.argmin(c2, axis=1)
        # If the k-th nearest vertex lies beyond sqrt(d² + s²/4), every vertex within that distance is among
        # the k - 1 whose pieces were tried, and so is an end of the nearest piece: it is proven.
        done = dist[:, -1] ** 2 > c2[rows, best] * (1 + 1e-9) + 0.25 * self.max_piece**2 + 1e-6
        return cand[rows, best], t_raw[rows, best], done

    def _nearest_all(self, xyz: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
        n = xyz.shape[0]
        seg = np.empty(n, dtype=np.intp)
        t_raw = np.empty(n)
        step = max(1, 1_000_000 // self.n_pieces)
        for i in range(0, n, step):
            blk = xyz[i : i + step]
            cand = np.broadcast_to(np.arange(self.n_pieces), (blk.shape[0], self.n_pieces))
            tr, c2 = self._project(blk, cand)
            best = np.argmin(c2, axis=1)
            seg[i : i + step] = best
            t_raw[i : i + step] = tr[np.arange(blk.shape[0]), best]
        return seg, t_raw, np.ones(n, dtype=bool)

    def _project(
        self, xyz: NDArray[np.float64], cand: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unclamped position on, and squared chord to, each candidate piece (n, m)."""
        ax, ay, az, dx, dy, dz, inv = (col[cand] for col in self.columns)
        wx = xyz[:, 0, None] - ax
        wy = xyz[:, 1, None] - ay
        wz = xyz[:, 2, None] - az
        t_raw = (wx * dx + wy * dy + wz * dz) * inv
        t = np.clip(t_raw, 0.0, 1.0)
        wx -= t * dx
        wy -= t * dy
        wz -= t * dz
        return t_raw, wx * wx + wy * wy + wz * wz


def _capsule_tree(xyz: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """A balanced binary tree over the pieces of the chain through ``xyz`` (n, 3), for branch-and-bound search.

    Node ``i`` covers a run of consecutive pieces; ``cap[i]`` is its capsule: the
    chord from the run's first to its last vertex (start 3, direction 3, 1/|d|²)
    and a radius (the last column) within which every vertex of the run lies
    of the chord. The distance from a segment is convex along any segment, so
    every piece of the run lies within the radius too, and the distance to the
    chord minus the radius is a lower bound on the distance to the run. A leaf
    (``leaf[i]`` its piece, else -1) is one piece with radius 0. ``child[i]`` are
    node i's two children; node 0 is the root and is never a leaf.

    Examples
    --------
    >>> cap, child, leaf = _capsule_tree(np.array([[0.0, 0, 0], [1, 0, 0], [2, 1, 0]]))
    >>> leaf.tolist(), child[0].tolist(), round(float(cap[0, 7]), 3)
    ([-1, 0, 1], [1, 2], 0.447)
    """
    n_pieces = xyz.shape[0] - 1
    cap: list[NDArray[np.float64]] = []
    child: list[list[int]] = []
    leaf: list[int] = []

    def capsule(lo: int, hi: int) -> NDArray[np.float64]:
        d = xyz[hi] - xyz[lo]
        len2 = float(d @ d)
        inv = 1.0 / len2 if len2 > 0 else 0.0
        w = xyz[lo : hi + 1] - xyz[lo]
        t = np.clip(w @ d * inv, 0.0, 1.0)
        r = w - t[:, None] * d
        radius = float(np.sqrt(np.einsum("ij,ij->i", r, r).max())) if hi - lo > 1 else 0.0
        return np.concatenate([xyz[lo], d, [inv, radius + (_CAPSULE_PAD_M if hi - lo > 1 else 0.0)]])

    def build(lo: int, hi: int) -> int:
        i = len(cap)
        cap.append(capsule(lo, hi))
        child.append([-1, -1])
        leaf.append(lo if hi - lo == 1 else -1)
        if hi - lo > 1:
            mid = (lo + hi) // 2
            child[i] = [build(lo, mid), build(mid, hi)]
        return i

    if n_pieces == 1:  # the root must be an inner node: one whose two children are the same leaf
        cap = [capsule(0, 1), capsule(0, 1)]
        cap[0][7] = _CAPSULE_PAD_M
        child, leaf = [[1, 1], [-1, -1]], [-1, 0]
    else:
        build(0, n_pieces)
    return np.asarray(cap), np.asarray(child, dtype=np.intp), np.asarray(leaf, dtype=np.intp)


def _densify(
    lon: NDArray[np.float64], lat: NDArray[np.float64], max_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cut each geodesic edge into equal pieces of at most ``max_m`` metres; drop repeated vertices."""
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    dist = np.asarray(dist, dtype=float)
    out_lon, out_lat = [lon[:1]], [lat[:1]]
    for i in np.flatnonzero(dist > 1e-3):
        n = math.ceil(dist[i] / max_m)
        if n > 1:
            r = GEOD.inv_intermediate(
                lon[i], lat[i], lon[i + 1], lat[i + 1], npts=n - 1, initial_idx=1, terminus_idx=1,
                return_back_azimuth=True,
            )  # fmt: skip
            out_lon.append(np.asarray(r.lons))
            out_lat.append(np.asarray(r.lats))
        out_lon.append(lon[i + 1 : i + 2])
        out_lat.append(lat[i + 1 : i + 2])
    return np.concatenate(out_lon), np.concatenate(out_lat)


def _simplify(xyz: NDArray[np.float64], tol: float) -> NDArray[np.bool_]:
    """Douglas-Peucker in 3-D: which vertices to keep so that every dropped one is within ``tol`` of its chord."""
    n = xyz.shape[0]
    keep = np.zeros(n, dtype=bool)
    keep[[0, n - 1]] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        d = xyz[j] - xyz[i]
        w = xyz[i + 1 : j] - xyz[i]
        t = np.clip(w @ d / (d @ d), 0.0, 1.0)
        r = w - t[:, None] * d
        dist2 = np.einsum("ij,ij->i", r, r)
        m = int(np.argmax(dist2))
        if dist2[m] > tol * tol:
            m += i + 1
            keep[m] = True
            stack += [(i, m), (m, j)]
    return keep


class _EndTest:
    """A cheap proof that a chain's end vertex ``E`` is the nearest point of the chain to a point ``P``.

    If ``(P - E) · (Q - E) <= 0`` for every vertex ``Q``, then ``|PQ| >= |PE|``
    for every point of the chain. Splitting the vectors into their horizontal
    and vertical parts at ``E``: the horizontal directions from ``E`` to the
    vertices span an arc; ``P`` passes when its horizontal direction is more
    than 90° + a margin from both ends of the arc and the margin outweighs the
    (tiny, Earth-curvature) vertical parts. Points that fail are searched.
    """

    def __init__(self, chain: _Chain, end: int) -> None:
        pts = _Points.from_lonlat(chain.lon[[end]], chain.lat[[end]], np.zeros(3))
        self.e = chain.xyz[end]
        self.up = pts.up[0]
        east = np.array([-pts.sin_lon[0], pts.cos_lon[0], 0.0])
        north = np.cross(self.up, east)
        q = np.delete(chain.xyz, end % chain.xyz.shape[0], axis=0) - self.e
        h1, h2, v = q @ east, q @ north, q @ self.up
        theta = np.sort(np.arctan2(h2, h1))
        gaps = np.diff(np.concatenate([theta, [theta[0] + 2 * np.pi]]))
        g = int(np.argmax(gaps))
        start, width = theta[(g + 1) % theta.size], 2 * np.pi - gaps[g]
        self.usable = width < np.pi - 2 * _END_MARGIN
        a, b = start, start + width
        self.ua = np.cos(a) * east + np.sin(a) * north
        self.ub = np.cos(b) * east + np.sin(b) * north
        self.ratio = float(np.max(np.abs(v) / np.hypot(h1, h2)))
        self.sin_m = math.sin(_END_MARGIN)

    def as_array(self) -> NDArray[np.float64]:
        """The test's numbers for the compiled kernel: E, up, ua, ub (3 each), ratio, sin(margin), usable."""
        return np.concatenate([self.e, self.up, self.ua, self.ub, [self.ratio, self.sin_m, float(self.usable)]])

    def proves(self, xyz: NDArray[np.float64]) -> NDArray[np.bool_]:
        """True where the end is proven to be the chain's nearest point to the point."""
        if not self.usable:
            return np.zeros(xyz.shape[0], dtype=bool)
        p = xyz - self.e
        v = p @ self.up
        h = np.sqrt(np.maximum(np.einsum("ij,ij->i", p, p) - v * v, 0.0))
        lim = -self.sin_m * h
        return (p @ self.ua <= lim) & (p @ self.ub <= lim) & (self.sin_m * h >= np.abs(v) * self.ratio) & (h > 0)


# --------------------------------------------------------------------------------------------------
# The corridor's search structures, built once per Corridor
# --------------------------------------------------------------------------------------------------


class _Index:
    """Everything :func:`query` needs about one corridor."""

    def __init__(self, corridor: Corridor) -> None:
        m4 = np.asarray(corridor.m4.coords)[:, :2]
        self.origin = _ecef(m4[:, 0], m4[:, 1]).mean(axis=0)
        self.m4 = _Chain(m4[:, 0], m4[:, 1], self.origin, refine=True)
        self.width_m = float(corridor.width_m)

        # The patrol segment: the part of our M4 chain between the points nearest its two ends.
        ends = np.asarray(corridor.patrol_segment.coords)[[0, -1], :2]  # Trumba, Ain al-Havr
        near = self.m4.nearest(_Points.from_lonlat(ends[:, 0], ends[:, 1], self.origin).xyz)
        along = self.m4.along_m(near)
        end_lon, end_lat = self.m4.foot_lonlat(near)
        lo, hi = (0, 1) if along[0] < along[1] else (1, 0)
        self.patrol_lo_m, self.patrol_hi_m = float(along[lo]), float(along[hi])
        inner = (self.m4.cum_m > self.patrol_lo_m + 1e-3) & (self.m4.cum_m < self.patrol_hi_m - 1e-3)
        p_lon = np.concatenate([[end_lon[lo]], self.m4.lon[inner], [end_lon[hi]]])
        p_lat = np.concatenate([[end_lat[lo]], self.m4.lat[inner], [end_lat[hi]]])
        self.patrol = _Chain(p_lon, p_lat, self.origin, refine=False)
        self.trumba_first = lo == 0  # Trumba is the patrol chain's first vertex (its western end)
        self.patrol_ends = (_EndTest(self.patrol, 0), _EndTest(self.patrol, -1))

        posts = corridor.posts
        self.post_names = [str(v) for v in posts["name"]]
        self.post_lon = np.asarray(posts.geometry.x, dtype=float)
        self.post_lat = np.asarray(posts.geometry.y, dtype=float)
        self.post_xyz = _Points.from_lonlat(self.post_lon, self.post_lat, self.origin).xyz

    @cached_property
    def grid(self) -> tuple[Any, ...]:
        """Candidates per cell of a lon/lat grid around the M4, for the compiled kernel.

        ``(lon0, lat0, step, nx, ny)``; a table of one row per cell (see
        :data:`_GRID_COLUMNS`), whose count is -1 where the candidates are too many
        for the kernel to try (it searches the tree, or every post); then, for the
        M4 and the patrol segment, the start of each cell's candidates in a list
        that holds them all, and that list (see :func:`geo._query_jit.build_grid`).
        """
        from ._query_jit import build_grid

        m4 = self.m4
        m = _GRID_MARGIN_DEG
        m_lon = m / math.cos(math.radians(min(float(np.abs(m4.lat).max()) + m, 80.0)))
        lon0, lon1 = float(m4.lon.min()) - m_lon, float(m4.lon.max()) + m_lon
        lat0, lat1 = max(float(m4.lat.min()) - m, -90.0), min(float(m4.lat.max()) + m, 90.0)
        step = _GRID_STEP_DEG
        nx, ny = math.ceil((lon1 - lon0) / step), math.ceil((lat1 - lat0) / step)
        posts = np.zeros((self.post_xyz.shape[0], 7))
        posts[:, :3] = self.post_xyz  # pieces of no length: direction 0 and 1/|d|² 0
        dtype = np.int16 if m4.n_pieces < 2**15 else np.int32
        table = np.zeros((nx * ny, 16), dtype=dtype)
        lists: list[NDArray[Any]] = []
        for name, pieces in (("m4", m4.piece), ("patrol", self.patrol.piece), ("posts", posts)):
            count, cand = build_grid(pieces, self.origin, _A, _E2, lon0, lat0, step, nx, ny, _GRID_SLOTS)
            a, b = _GRID_COLUMNS[name]
            fits = (count > 0) & (count < b - a)
            table[:, a] = np.where((count > 0) & ~fits & (name == "posts"), -1, count)
            table[fits, a + 1 : b] = cand[fits, : b - a - 1]
            if name != "posts":
                has = np.maximum(count, 0)
                lists += [np.concatenate([[0], np.cumsum(has)]), cand[np.arange(cand.shape[1]) < has[:, None]]]
        return (np.array([lon0, lat0, step, nx, ny]), table, *lists)

    def chainage_m(self, along_patrol_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Metres from Trumba along the patrol segment, from metres along the patrol chain."""
        return along_patrol_m if self.trumba_first else self.patrol.length_m - along_patrol_m


_INDEXES: weakref.WeakKeyDictionary[Corridor, _Index] = weakref.WeakKeyDictionary()


def _index(corridor: Corridor) -> _Index:
    idx = _INDEXES.get(corridor)
    if idx is None:
        idx = _INDEXES[corridor] = _Index(corridor)
    return idx


# --------------------------------------------------------------------------------------------------
# The query kernel
# --------------------------------------------------------------------------------------------------


def _geodesic_m(pts: _Points, near: _Nearest, chain: _Chain) -> NDArray[np.float64]:
    """Geodesic metres from each point to its nearest point on ``chain``."""
    dist = _geodesic_from_chord(pts, near.delta)
    far = np.flatnonzero(near.chord > EXACT_GEODESIC_BEYOND_M)
    if far.size:
        foot_lon, foot_lat = chain.foot_lonlat(near)
        _, _, g = GEOD.inv(pts.lon[far], pts.lat[far], foot_lon[far], foot_lat[far])
        dist[far] = g
    return dist


def _patrol(idx: _Index, pts: _Points, west: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Chainage (m) and corridor membership of points whose nearest M4 point is not inside the patrol segment.

    ``west`` marks those whose nearest M4 point lies west of the segment (the others lie east of it).
    """
    n = pts.lon.size
    chainage = np.empty(n)
    in_corridor = np.zeros(n, dtype=bool)
    proven = np.zeros(n, dtype=bool)
    for end, test, side in ((0, idx.patrol_ends[0], west), (-1, idx.patrol_ends[1], ~west)):
        ok = side & test.proves(pts.xyz)
        # Beyond this end, with every patrol vertex behind: outside the flat-capped corridor.
        chainage[ok] = idx.chainage_m(np.array(0.0 if end == 0 else idx.patrol.length_m))
        proven |= ok
    rest = np.flatnonzero(~proven)
    if rest.size:
        sub = pts.take(rest)
        near = idx.patrol.nearest(sub.xyz)
        last = idx.patrol.n_pieces - 1
        beyond = ((near.seg == 0) & (near.t_raw < 0)) | ((near.seg == last) & (near.t_raw > 1))
        chainage[rest] = idx.chainage_m(idx.patrol.along_m(near))
        in_corridor[rest] = ~beyond & (_geodesic_m(sub, near, idx.patrol) <= idx.width_m)
    return chainage, in_corridor


def _nearest_post(idx: _Index, pts: _Points) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Index of, and geodesic metres to, the nearest post of each point."""
    x, y, z = pts.xyz[:, 0], pts.xyz[:, 1], pts.xyz[:, 2]
    c2 = np.empty((x.size, idx.post_xyz.shape[0]))
    for j, (px, py, pz) in enumerate(idx.post_xyz):
        c2[:, j] = (x - px) ** 2 + (y - py) ** 2 + (z - pz) ** 2
    best = np.argmin(c2, axis=1)
    dist = _geodesic_from_chord(pts, idx.post_xyz[best] - pts.xyz)
    far = np.flatnonzero(c2[np.arange(x.size), best] > EXACT_GEODESIC_BEYOND_M**2)
    if far.size:  # far away: every post by geodesic, and the nearest of them
        n_posts = idx.post_lon.size
        _, _, g = GEOD.inv(
            np.repeat(pts.lon[far], n_posts),
            np.repeat(pts.lat[far], n_posts),
            np.tile(idx.post_lon, far.size),
            np.tile(idx.post_lat, far.size),
        )
        g = np.asarray(g).reshape(far.size, n_posts)
        best[far] = np.argmin(g, axis=1)
        dist[far] = g.min(axis=1)
    return best, dist


def _block(idx: _Index, lon: NDArray[np.float64], lat: NDArray[np.float64], out: dict[str, np.ndarray]) -> None:
    """Answer one block of points, writing into the ``out`` arrays (already sliced to the block)."""
    pts = _Points.from_lonlat(lon, lat, idx.origin)

    near = idx.m4.nearest(pts.xyz)
    dist = _geodesic_m(pts, near, idx.m4)
    out["distance_m"][:] = dist
    out["side"][:] = near.left < 0  # code 0 north (left of west->east), 1 south; on the line counts as north

    # Where the nearest M4 point lies strictly inside the patrol segment, it is also the nearest patrol point.
    along = idx.m4.along_m(near)
    inside = (along > idx.patrol_lo_m) & (along < idx.patrol_hi_m)
    chainage = idx.chainage_m(along - idx.patrol_lo_m)
    in_corridor = inside & (dist <= idx.width_m)
    rest = np.flatnonzero(~inside)
    if rest.size:
        chainage[rest], in_corridor[rest] = _patrol(idx, pts.take(rest), along[rest] <= idx.patrol_lo_m)
    out["in_corridor"][:] = in_corridor
    out["chainage_km"][:] = np.clip(chainage, 0.0, idx.patrol.length_m) / 1000.0

    out["nearest_post"][:], out["nearest_post_m"][:] = _nearest_post(idx, pts)


def _sweep_beyond_ends(idx: _Index, lon: NDArray[np.float64], lat: NDArray[np.float64], out: dict[str, Any]) -> None:
    """Put in the corridor the points beyond an end's square cap that another part of the segment sweeps.

    Both paths leave out every point whose nearest patrol point is an end seen from
    beyond it. Such a point is still inside when some piece of the segment has it
    square to the piece within the width, or some inner vertex has it in its fan (its
    nearest point on both pieces that meet there is the vertex): the rule of
    :func:`geo.flat_buffer.flat_capped_buffer`, which draws ``security_corridor``.
    Only points within the width of an end can be such points, so only they are tried.
    """
    length_km = idx.patrol.length_m / 1000.0
    at_end = np.flatnonzero((out["chainage_km"] <= 1e-9) | (out["chainage_km"] >= length_km - 1e-9))
    if at_end.size == 0:
        return
    pts = _Points.from_lonlat(lon[at_end], lat[at_end], idx.origin)
    reach2 = (idx.width_m * (1 + 1e-6) + 1.0) ** 2
    ends = idx.patrol.xyz[[0, -1]]
    near_end = np.flatnonzero(
        np.minimum(*(np.einsum("ij,ij->i", pts.xyz - e, pts.xyz - e) for e in ends)) <= reach2
    )
    if near_end.size == 0:
        return
    chain = idx.patrol
    step = max(1, 2_000_000 // chain.n_pieces)  # bounds the (points, pieces) temporaries to ~100 MB
    for i in range(0, near_end.size, step):
        rows_in = near_end[i : i + step]
        sub = pts.take(rows_in)
        every = np.broadcast_to(np.arange(chain.n_pieces), (rows_in.size, chain.n_pieces))
        t_raw, c2 = chain._project(sub.xyz, every)
        square = (t_raw >= 0.0) & (t_raw <= 1.0)  # square to a piece
        square[:, 1:] |= (t_raw[:, :-1] >= 1.0) & (t_raw[:, 1:] <= 0.0)  # in the fan of the vertex they share
        c2 = np.where(square, c2, np.inf)
        k = np.argmin(c2, axis=1)
        rows = np.arange(k.size)
        t = np.clip(t_raw[rows, k], 0.0, 1.0)
        delta = chain.piece[k, 0:3] + t[:, None] * chain.piece[k, 3:6] - sub.xyz
        swept = np.isfinite(c2[rows, k]) & (_geodesic_from_chord(sub, delta) <= idx.width_m)
        out["in_corridor"][at_end[rows_in[swept]]] = True


def _compiled_args(idx: _Index) -> tuple[Any, ...]:
    """The corridor's arrays, as :func:`geo._query_jit.answer_block` takes them after the points."""
    m4, patrol = idx.m4, idx.patrol
    return (
        idx.origin, _A, _E2, EXACT_GEODESIC_BEYOND_M, *idx.grid,
        m4.piece, *m4.capsules, m4.left, m4.cum_m, m4.piece_m,
        patrol.piece, *patrol.capsules, patrol.cum_m, patrol.piece_m,
        idx.patrol_lo_m, idx.patrol_hi_m, idx.width_m, idx.trumba_first,
        np.stack([test.as_array() for test in idx.patrol_ends]), idx.post_xyz,
    )  # fmt: skip


def _answer(idx: _Index, lon: NDArray[np.float64], lat: NDArray[np.float64], workers: int) -> dict[str, Any]:
    """The answer columns for validated lon/lat arrays."""
    n = lon.size
    out: dict[str, np.ndarray] = {
        "distance_m": np.empty(n),
        "in_corridor": np.empty(n, dtype=bool),
        "side": np.empty(n, dtype=np.int8),
        "chainage_km": np.empty(n),
        "nearest_post": np.empty(n, dtype=np.int16),
        "nearest_post_m": np.empty(n),
    }

    compiled = n >= _COMPILED_FROM
    slow = np.zeros(n, dtype=bool)
    if compiled:
        from ._query_jit import answer_block

        lon, lat = np.ascontiguousarray(lon, dtype=np.float64), np.ascontiguousarray(lat, dtype=np.float64)
        fixed = _compiled_args(idx)

    def run(i: int) -> None:
        j = min(i + _BLOCK, n)
        if compiled:
            answer_block(lon[i:j], lat[i:j], *fixed, *(v[i:j] for v in out.values()), slow[i:j])
        else:
            _block(idx, lon[i:j], lat[i:j], {k: v[i:j] for k, v in out.items()})

    starts = range(0, n, _BLOCK)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, starts))
    else:
        for i in starts:
            run(i)
    far = np.flatnonzero(slow)  # beyond EXACT_GEODESIC_BEYOND_M of the line or the posts: the vectorized path
    for i in range(0, far.size, _BLOCK):
        sub = far[i : i + _BLOCK]
        part = {k: np.empty(sub.size, dtype=v.dtype) for k, v in out.items()}
        _block(idx, lon[sub], lat[sub], part)
        for k, v in part.items():
            out[k][sub] = v
    _sweep_beyond_ends(idx, lon, lat, out)
    cols: dict[str, Any] = dict(out)
    cols["side"] = pd.Categorical.from_codes(out["side"], categories=pd.Index(list(SIDES)))
    cols["nearest_post"] = pd.Categorical.from_codes(out["nearest_post"], categories=pd.Index(idx.post_names))
    return {c: cols[c] for c in COLUMNS}


# --------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------


def _as_floats(values: Any, name: str) -> NDArray[np.float64]:
    """A 0-d or 1-d float array from ``values``, or ValueError naming the first bad element."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name}={values!r}: expected a number of degrees, got a string")
    if isinstance(values, (pd.DataFrame, dict)):
        raise ValueError(f"{name}: expected a number or a 1-D array of numbers, got a {type(values).__name__}")
    try:
        arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    except ValueError:  # ragged nested sequences
        raise ValueError(f"{name}: expected a number or a 1-D array of numbers") from None
    if arr.ndim > 1:
        raise ValueError(f"{name}: expected a number or a 1-D array of numbers, got an array of shape {arr.shape}")
    if arr.dtype.kind in "fiu":
        return arr.astype(float, copy=False)
    if isinstance(values, (list, tuple)):  # numpy turned a mixed list into text: look at the elements as given
        arr = np.asarray(values, dtype=object)
    flat = np.atleast_1d(arr)
    result = np.empty(flat.shape)
    for i, v in enumerate(flat):
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or v is pd.NA:
            result[i] = np.nan  # reported as missing by the range check
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            where = name if arr.ndim == 0 else f"{name}[{i}]"
            raise ValueError(f"{where} = {v!r}: expected a number of degrees, got {type(v).__name__}")
        result[i] = float(v)
    return result.reshape(arr.shape)


def _check_lonlat(lon: NDArray[np.float64], lat: NDArray[np.float64], label: Any) -> None:
    """ValueError naming the first point with a missing, infinite or out-of-range coordinate."""
    checks = (
        (lon, "lon", ~(np.abs(lon) <= 180), "[-180, 180]"),
        (lat, "lat", ~(np.abs(lat) <= 90), "[-90, 90]"),
    )
    firsts = [(int(np.argmax(bad)), k) for k, (_, _, bad, _) in enumerate(checks) if bad.any()]
    if not firsts:
        return
    i, k = min(firsts)
    values, name, _, bounds = checks[k]
    v = float(values[i])
    if math.isnan(v):
        problem = "is missing (NaN): expected a number of degrees"
    elif math.isinf(v):
        problem = f"is {v}: expected a finite number of degrees"
    else:
        problem = f"= {v} is outside {bounds} degrees" + (" (lon and lat swapped?)" if name == "lat" else "")
    raise ValueError(f"{label(i, name)} {problem}")


def _from_arrays(lon: Any, lat: Any) -> tuple[NDArray[np.float64], NDArray[np.float64], pd.Index | None]:
    if lat is None:
        raise ValueError("query(lon, lat) needs both longitude and latitude (or one GeoDataFrame/GeoSeries of points)")
    lon_a, lat_a = _as_floats(lon, "lon"), _as_floats(lat, "lat")
    if lon_a.shape != lat_a.shape:

        def what(a: NDArray[np.float64]) -> str:
            return "a single number" if a.ndim == 0 else f"{a.size} values"

        raise ValueError(f"lon and lat must have the same length: got {what(lon_a)} for lon and {what(lat_a)} for lat")
    index = None
    series = [s for s in (lon, lat) if isinstance(s, pd.Series)]
    if series:
        index = series[0].index
        if len(series) == 2 and not series[0].index.equals(series[1].index):
            raise ValueError("lon and lat are pandas Series with different indexes; align them first")
    scalar = lon_a.ndim == 0
    lon_a, lat_a = np.atleast_1d(lon_a), np.atleast_1d(lat_a)

    def label(i: int, name: str) -> str:
        if scalar:
            return name
        return f"{name}[{i}]" + (f" (index {index[i]!r})" if index is not None else "")

    _check_lonlat(lon_a, lat_a, label)
    return lon_a, lat_a, index


def _from_geo(geo: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    gs = geo.geometry if isinstance(geo, gpd.GeoDataFrame) else geo
    kind = type(geo).__name__

    def label(i: int, name: str = "") -> str:
        return f"{kind} row {i} (index {gs.index[i]!r})" + (f" {name}" if name else "")

    if gs.crs is None:
        raise ValueError(f"the {kind} has no CRS; set the one its coordinates are in (e.g. .set_crs('EPSG:32637'))")
    arr = gs.to_numpy()
    for bad, problem in (
        (lambda: shapely.is_missing(arr), "missing geometry (None); expected a Point"),
        (lambda: shapely.get_type_id(arr) != shapely.GeometryType.POINT, None),
        (lambda: shapely.is_empty(arr), "empty Point; expected a Point with coordinates"),
    ):
        mask = bad()
        if mask.any():
            i = int(np.argmax(mask))
            raise ValueError(f"{label(i)}: {problem or f'expected a Point, got a {arr[i].geom_type}'}")
    x, y = shapely.get_x(arr), shapely.get_y(arr)
    if gs.crs.equals(WGS84):
        lon, lat = x.astype(float), y.astype(float)
        suffix = ""
    else:
        nonfinite = ~(np.isfinite(x) & np.isfinite(y))
        if nonfinite.any():
            i = int(np.argmax(nonfinite))
            raise ValueError(f"{label(i)}: the point has a non-finite coordinate ({x[i]}, {y[i]})")
        tr = pyproj.Transformer.from_crs(gs.crs, WGS84, always_xy=True)
        lon, lat = (np.asarray(a, dtype=float) for a in tr.transform(x, y, errcheck=False))
        suffix = f" (converted from {gs.crs.name})"
    _check_lonlat(lon, lat, lambda i, name: label(i, name + suffix))
    return lon, lat


def query(
    corridor: Corridor,
    lon: ArrayLike | gpd.GeoDataFrame | gpd.GeoSeries,
    lat: ArrayLike | None = None,
    *,
    workers: int | None = None,
) -> pd.DataFrame:
    """Distance from the M4, corridor membership, side, chainage and nearest post of points.

    Parameters
    ----------
    corridor
        The corridor model (:func:`geo.load_corridor`).
    lon, lat
        Longitude and latitude in degrees (WGS84): two numbers, or two 1-D
        array-likes of the same length. Or, as ``lon`` alone, a GeoDataFrame or
        GeoSeries of points in any CRS (which must be set).
    workers
        Threads to use for large inputs; all CPU cores by default.

    Returns
    -------
    pandas.DataFrame
        For numbers or arrays, one row per point (indexed like ``lon`` when it
        is a pandas Series) with the columns below; for a GeoDataFrame or
        GeoSeries, a GeoDataFrame copy of the input with them added.

        ``distance_m``
            Shortest geodesic distance, metres on the WGS84 ellipsoid, to the
            M4 line (its vertices joined by geodesics).
        ``in_corridor``
            True where the point lies in the security corridor: within
            ``corridor.width_m`` (geodesic) of its nearest point on the patrol
            segment, and not beyond either end of the segment (the corridor is
            closed square at its ends, like ``corridor.security_corridor``).
        ``side``
            ``"north"`` or ``"south"``: left or right of the M4's west-to-east
            direction at the point's nearest point on it; where that is the
            vertex of a bend, the side of the bend the point is on (the outer
            side of a left turn is its right). A point exactly on the line
            counts as north. Categorical.
        ``chainage_km``
            Geodesic kilometres from Trumba along the patrol segment to the
            point's nearest point on that segment, in ``[0, patrol length]``.
        ``nearest_post``
            Name of the nearest observation post (categorical).
        ``nearest_post_m``
            Geodesic metres to it.

    Raises
    ------
    ValueError
        For a latitude outside [-90, 90] or longitude outside [-180, 180], NaN or
        infinity, arrays of different lengths, non-numeric values, a
        GeoDataFrame with no CRS, and missing, empty or non-point geometries; the
        message names the first offending point.

    Notes
    -----
    Distances are within 2 cm of the ellipsoidal geodesic for points up to
    200 km from the M4, and chainages within a few centimetres of the geodesic
    length along the segment (see the module docstring for the method and the
    error budget). Points further away are answered too; beyond 300 km the
    distances come from :meth:`pyproj.Geod.inv`.

    Inputs of 20,000 points or more are answered by a compiled kernel (numba):
    about 10 million points per second on two cores. The first such call in a
    process loads the kernel and builds its grid (about half a second; a few
    seconds more the very first time, while numba compiles and caches it).
    Smaller inputs, such as one point, take the numpy path and never load numba.

    Examples
    --------
    >>> import geo
    >>> c = geo.load_corridor()
    >>> r = c.query(36.61, 35.81)
    >>> list(r.columns)
    ['distance_m', 'in_corridor', 'side', 'chainage_km', 'nearest_post', 'nearest_post_m']
    >>> bool(r.in_corridor.iloc[0]), r.side.iloc[0]
    (True, 'south')
    >>> c.query([36.61, 36.0], [35.81, 36.5]).shape
    (2, 6)
    """
    if workers is None:
        workers = os.cpu_count() or 1
    elif not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"workers={workers!r}: expected a whole number of threads, at least 1")
    idx = _index(corridor)
    if isinstance(lon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if lat is not None:
            raise ValueError("query(geodataframe) takes no lat: the points' coordinates come from the geometries")
        lon_a, lat_a = _from_geo(lon)
        result = lon.copy() if isinstance(lon, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=lon.copy())
        clash = [c for c in COLUMNS if c in result.columns]
        if clash:
            raise ValueError(f"the input already has column(s) {clash}; rename or drop them before querying")
        for name, values in _answer(idx, lon_a, lat_a, workers).items():
            result[name] = values
        return result
    lon_a, lat_a, index = _from_arrays(lon, lat)
    return pd.DataFrame(_answer(idx, lon_a, lat_a, workers), index=index, copy=False)  # fresh arrays: no copy


#: A point further than SWAP_FAR_M from the M4 whose swapped twin (lat as lon, lon as lat) lies within
#: SWAP_NEAR_M of it was most probably given the wrong way round.
SWAP_FAR_M = 30_000.0
SWAP_NEAR_M = 10_000.0


def swapped_check(
    corridor: Corridor, lon: ArrayLike, lat: ArrayLike, distance_m: ArrayLike
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which points look like swapped lat/lon, and how far their swapped twins are from the M4.

    Parameters
    ----------
    corridor
        The model.
    lon, lat, distance_m
        Valid points (degrees) and their distances to the M4 (metres), as :func:`query` gave them.

    Returns
    -------
    looks_swapped : numpy.ndarray of bool
        Further than :data:`SWAP_FAR_M` from the M4, while the swapped twin lies within :data:`SWAP_NEAR_M`.
    swapped_distance_m : numpy.ndarray of float
        The twin's distance to the M4, metres; NaN where it was not worth checking.

    Examples
    --------
    >>> import geo
    >>> c = geo.load_corridor()
    >>> lon, lat = [35.81, 36.61], [36.61, 35.81]  # Ariha with lat/lon swapped, then Ariha
    >>> r = c.query(lon, lat)
    >>> swapped, d = swapped_check(c, lon, lat, r["distance_m"])
    >>> swapped.tolist(), bool(d[0] == r["distance_m"].iloc[1])
    ([True, False], True)
    """
    lon_a, lat_a, dist = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (lon, lat, distance_m))
    twin = np.full(lon_a.shape, np.nan)
    check = (dist > SWAP_FAR_M) & (np.abs(lon_a) <= 90)
    if check.any():
        twin[check] = query(corridor, lat_a[check], lon_a[check])["distance_m"].to_numpy()
    return twin < SWAP_NEAR_M, twin
