"""The vectorized (numpy) path of :func:`geo.query.query`: blocks of points answered with whole-array operations.

It needs no compiler, so small inputs (one point) start fast; it also answers the
points the compiled kernel leaves to it (beyond
:data:`geo._ecef.EXACT_GEODESIC_BEYOND_M`), and, for both paths, the points beyond
an end of the patrol segment that another part of it sweeps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._chain import Chain, Nearest
from ._ecef import EXACT_GEODESIC_BEYOND_M, Points, geodesic_from_chord
from ._query_index import Index
from .geodesy import GEOD, grown_bounds

__all__ = ["BLOCK", "answer_block", "sweep_beyond_ends"]

#: Points per block of the vectorized search (bounds the temporary memory to a few tens of MB per thread).
BLOCK = 1 << 16


def _geodesic_m(pts: Points, near: Nearest, chain: Chain) -> NDArray[np.float64]:
    """Geodesic metres from each point to its nearest point on ``chain``."""
    dist = geodesic_from_chord(pts, near.delta)
    far = np.flatnonzero(near.chord > EXACT_GEODESIC_BEYOND_M)
    if far.size:
        foot_lon, foot_lat = chain.foot_lonlat(near)
        _, _, g = GEOD.inv(pts.lon[far], pts.lat[far], foot_lon[far], foot_lat[far])
        dist[far] = g
    return dist


def _patrol(idx: Index, pts: Points, west: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
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


def _nearest_post(idx: Index, pts: Points) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Index of, and geodesic metres to, the nearest post of each point."""
    x, y, z = pts.xyz[:, 0], pts.xyz[:, 1], pts.xyz[:, 2]
    c2 = np.empty((x.size, idx.post_xyz.shape[0]))
    for j, (px, py, pz) in enumerate(idx.post_xyz):
        c2[:, j] = (x - px) ** 2 + (y - py) ** 2 + (z - pz) ** 2
    best = np.argmin(c2, axis=1)
    dist = geodesic_from_chord(pts, idx.post_xyz[best] - pts.xyz)
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


def answer_block(idx: Index, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> dict[str, NDArray[Any]]:
    """Answer one block of points: every column of :data:`geo.columns.QUERY_COLUMNS` (categories as codes).

    Parameters
    ----------
    idx
        The corridor's search structures.
    lon, lat
        The points, degrees (valid).

    Returns
    -------
    dict of numpy.ndarray
        One array per column, by name.
    """
    pts = Points.from_lonlat(lon, lat, idx.origin)

    near = idx.m4.nearest(pts.xyz)
    dist = _geodesic_m(pts, near, idx.m4)

    # Where the nearest M4 point lies strictly inside the patrol segment, it is also the nearest patrol point.
    along = idx.m4.along_m(near)
    inside = (along > idx.patrol_lo_m) & (along < idx.patrol_hi_m)
    chainage = idx.chainage_m(along - idx.patrol_lo_m)
    in_corridor = inside & (dist <= idx.width_m)
    rest = np.flatnonzero(~inside)
    if rest.size:
        chainage[rest], in_corridor[rest] = _patrol(idx, pts.take(rest), along[rest] <= idx.patrol_lo_m)

    post, post_m = _nearest_post(idx, pts)
    return {
        "distance_m": dist,
        "in_corridor": in_corridor,
        "side": near.left < 0,  # code 0 north (left of west->east), 1 south; on the line counts as north
        "chainage_km": np.clip(chainage, 0.0, idx.patrol.length_m) / 1000.0,
        "nearest_post": post,
        "nearest_post_m": post_m,
    }


def sweep_beyond_ends(idx: Index, lon: NDArray[np.float64], lat: NDArray[np.float64], out: dict[str, Any]) -> None:
    """Put in the corridor the points beyond an end's square cap that another part of the segment sweeps.

    Both paths leave out every point whose nearest patrol point is an end seen from
    beyond it. Such a point is still inside when some piece of the segment has it
    square to the piece within the width, or some inner vertex has it in its fan (its
    nearest point on both pieces that meet there is the vertex): the rule of
    :func:`geo.flat_buffer.flat_capped_buffer`, which draws ``security_corridor``.
    Only points within the width of an end can be such points, so only they are tried.
    """
    length_km = idx.patrol.length_m / 1000.0
    reach = idx.width_m * (1 + 1e-6) + 1.0
    near_box = np.zeros(lon.size, dtype=bool)
    for end in (0, -1):  # a lon/lat box first: most points lie far from both ends, and need no ECEF
        end_lon, end_lat = float(idx.patrol.lon[end]), float(idx.patrol.lat[end])
        west, south, east, north = grown_bounds((end_lon, end_lat, end_lon, end_lat), reach)
        near_box |= (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    chainage = out["chainage_km"]
    at_end = np.flatnonzero(near_box & ((chainage <= 1e-9) | (chainage >= length_km - 1e-9)))
    if at_end.size == 0:
        return
    pts = Points.from_lonlat(lon[at_end], lat[at_end], idx.origin)
    chain = idx.patrol
    for end in chain.xyz[[0, -1]]:
        d = pts.xyz - end
        near_end = np.flatnonzero(np.einsum("ij,ij->i", d, d) <= reach**2)
        if near_end.size:
            # Only a piece within `reach` of such a point can sweep it: within 2 reaches of the end (chords, which
            # are no longer than geodesics). Their run of pieces, whole, keeps every vertex's two pieces together.
            _, c2 = chain._project(end[None, :], np.arange(chain.n_pieces)[None, :])
            close = np.flatnonzero(c2[0] <= (2 * reach) ** 2)
            _sweep(idx, pts.take(near_end), at_end[near_end], np.arange(close.min(), close.max() + 1), out)


def _sweep(idx: Index, pts: Points, rows: NDArray[np.intp], pieces: NDArray[np.intp], out: dict[str, Any]) -> None:
    """Put in the corridor the points that one of ``pieces`` (a run of the patrol chain's) sweeps (see above)."""
    chain = idx.patrol
    step = max(1, 2_000_000 // pieces.size)  # bounds the (points, pieces) temporaries to ~100 MB
    for i in range(0, len(rows), step):
        sub = pts.take(np.arange(i, min(i + step, len(rows))))
        t_raw, c2 = chain._project(sub.xyz, np.broadcast_to(pieces, (len(sub.xyz), pieces.size)))
        square = (t_raw >= 0.0) & (t_raw <= 1.0)  # square to a piece
        square[:, 1:] |= (t_raw[:, :-1] >= 1.0) & (t_raw[:, 1:] <= 0.0)  # in the fan of the vertex they share
        c2 = np.where(square, c2, np.inf)
        k = np.argmin(c2, axis=1)
        at = np.arange(k.size)
        t = np.clip(t_raw[at, k], 0.0, 1.0)
        delta = chain.piece[pieces[k], 0:3] + t[:, None] * chain.piece[pieces[k], 3:6] - sub.xyz
        swept = np.isfinite(c2[at, k]) & (geodesic_from_chord(sub, delta) <= idx.width_m)
        out["in_corridor"][rows[i : i + step][swept]] = True
