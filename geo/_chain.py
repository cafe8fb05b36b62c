"""A lon/lat line prepared for exact nearest-point search: a chain of 3-D chords with a k-d tree.

Each geodesic edge is cut into pieces of at most :data:`MAX_PIECE_M` metres, and runs
of pieces within :data:`SIMPLIFY_TOLERANCE_M` of one chord are merged into it; the
chain is searched with a proof of nearest (see :mod:`geo.query` for the method).
:class:`EndTest` proves cheaply that a chain's end is a point's nearest point, and
:func:`capsule_tree` is the tree the compiled kernel searches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._ecef import Points
from .geodesy import GEOD

__all__ = ["MAX_PIECE_M", "SIMPLIFY_TOLERANCE_M", "Chain", "EndTest", "Nearest", "capsule_tree"]

#: Longest piece, metres, the line's geodesic edges are cut into (a chord of 500 m sags 5 mm below the arc).
MAX_PIECE_M = 500.0
#: Pieces within this many metres of a longer chord are merged into it before the search.
SIMPLIFY_TOLERANCE_M = 0.01
#: Nearest vertices examined per point at first; points not proven done are searched again with more.
_K_FIRST = 3
_K_AGAIN = 24
#: Angular margin (radians) of the test that proves a chain's end is a point's nearest point of it.
_END_MARGIN = 1e-3
#: Points times pieces up to which :meth:`Chain.nearest` tries every piece rather than the k-d tree.
_EVERY_PIECE_PAIRS = 100_000
#: Metres added to each capsule's radius in the compiled tree search, for rounding.
_CAPSULE_PAD_M = 1e-6
#: Where the numbers of :meth:`EndTest.as_array` stand: the end vertex E, the ellipsoid's normal there, the two
#: horizontal unit vectors bounding the directions to the vertices (3 each), the vertical-to-horizontal ratio,
#: the sine of the margin and whether the test is usable (the compiled kernel reads them by these names).
END_VERTEX = 0
END_UP = 3
END_UA = 6
END_UB = 9
END_RATIO = 12
END_SIN_MARGIN = 13
END_USABLE = 14


@dataclass(frozen=True)
class Nearest:
    """Nearest point of a chain of chords to each of n points."""

    seg: NDArray[np.intp]  # piece index
    t: NDArray[np.float64]  # position on the piece, 0..1
    t_raw: NDArray[np.float64]  # the same before clamping (< 0 or > 1: beyond the piece's ends)
    chord: NDArray[np.float64]  # chord length to the nearest point, metres
    delta: NDArray[np.float64]  # (n, 3) chord vector from the point to its nearest point
    left: NDArray[np.float64]  # > 0 where the point is left of the chain's direction at its nearest point


class Chain:
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
        pts = Points.from_lonlat(lon, lat, origin)
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

    @cached_property
    def capsules(self) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
        """A binary tree of capsules over the pieces, for the compiled search (see :func:`capsule_tree`)."""
        return capsule_tree(self.xyz)

    def along_m(self, near: Nearest) -> NDArray[np.float64]:
        """Geodesic metres along the line, from its first vertex, of each nearest point."""
        return self.cum_m[near.seg] + near.t * self.piece_m[near.seg]

    def foot_lonlat(self, near: Nearest) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lon/lat of each nearest point (linear along a piece of at most a kilometre)."""
        s, t = near.seg, near.t
        return self.lon[s] + t * (self.lon[s + 1] - self.lon[s]), self.lat[s] + t * (self.lat[s + 1] - self.lat[s])

    @cached_property
    def tree(self) -> Any:
        """A k-d tree over the vertices (:class:`scipy.spatial.cKDTree`), built on first use.

        The compiled kernel does not use it, so a run that only takes that path never imports
        ``scipy.spatial`` (0.3 s).
        """
        from scipy.spatial import cKDTree

        return cKDTree(self.xyz, leafsize=16)

    def nearest(self, xyz: NDArray[np.float64]) -> Nearest:
        """Return the exact nearest point of the chain to each point of ``xyz`` (n, 3)."""
        n = xyz.shape[0]
        seg = np.empty(n, dtype=np.intp)
        t_raw = np.empty(n)
        todo = np.arange(n)
        few = n * self.n_pieces <= _EVERY_PIECE_PAIRS  # cheaper to try every piece than to build the tree
        for k in (None,) if few else (_K_FIRST, _K_AGAIN, None):
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
        return Nearest(seg, t, t_raw, np.sqrt(np.einsum("ij,ij->i", delta, delta)), delta, left)

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


def capsule_tree(xyz: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """Return a balanced binary tree over the pieces of the chain through ``xyz`` (n, 3), for branch-and-bound search.

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
    >>> cap, child, leaf = capsule_tree(np.array([[0.0, 0, 0], [1, 0, 0], [2, 1, 0]]))
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


class EndTest:
    """A cheap proof that a chain's end vertex ``E`` is the nearest point of the chain to a point ``P``.

    If ``(P - E) · (Q - E) <= 0`` for every vertex ``Q``, then ``|PQ| >= |PE|``
    for every point of the chain. Splitting the vectors into their horizontal
    and vertical parts at ``E``: the horizontal directions from ``E`` to the
    vertices span an arc; ``P`` passes when its horizontal direction is more
    than 90° + a margin from both ends of the arc and the margin outweighs the
    (tiny, Earth-curvature) vertical parts. Points that fail are searched.
    """

    def __init__(self, chain: Chain, end: int) -> None:
        pts = Points.from_lonlat(chain.lon[[end]], chain.lat[[end]], np.zeros(3))
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
        """Return the test's numbers for the compiled kernel, laid out as the ``END_*`` constants say."""
        numbers = np.empty(END_USABLE + 1)
        numbers[END_VERTEX : END_VERTEX + 3] = self.e
        numbers[END_UP : END_UP + 3] = self.up
        numbers[END_UA : END_UA + 3] = self.ua
        numbers[END_UB : END_UB + 3] = self.ub
        numbers[[END_RATIO, END_SIN_MARGIN, END_USABLE]] = self.ratio, self.sin_m, float(self.usable)
        return numbers

    def proves(self, xyz: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Tell where the end is proven to be the chain's nearest point to the point."""
        if not self.usable:
            return np.zeros(xyz.shape[0], dtype=bool)
        p = xyz - self.e
        v = p @ self.up
        h = np.sqrt(np.maximum(np.einsum("ij,ij->i", p, p) - v * v, 0.0))
        lim = -self.sin_m * h
        proven: NDArray[np.bool_] = (
            (p @ self.ua <= lim) & (p @ self.ub <= lim) & (self.sin_m * h >= np.abs(v) * self.ratio) & (h > 0)
        )
        return proven
