"""Compiled (numba) kernel of :func:`geo.query.query` for large inputs.

One pass over the points answers every column in registers, with the same
geometry as the vectorized path (:mod:`geo._query_numpy`): ECEF chords, the nearest
piece of a chain of chords found among the candidates of the point's grid cell
(:mod:`geo._grid`) or by a branch-and-bound search down a binary tree of capsules
(see :func:`geo._chain.capsule_tree`), the chord converted to a geodesic with the
normal-section radius of curvature, the patrol segment searched only for points
whose nearest M4 point lies outside it, the nearest post by chord. Points more
than :data:`geo.query.EXACT_GEODESIC_BEYOND_M` from the line or the posts are only
flagged; the caller answers them with the vectorized path.

:func:`answer_block` takes the corridor as one :class:`Model` and writes into one
:class:`geo.columns.Answers` (an array per query column). It takes the arrays out
of them once per block, before the loop: the per-point code sees only arrays and
numbers (taking an array out of a tuple inside the loop, or passing a tuple to a
function called there, costs numba reference counting at every point: about 3x).

Importing this module imports numba, and the first call compiles the kernel
(cached on disk by numba, so later processes load it in a fraction of a second).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._chain import END_RATIO, END_SIN_MARGIN, END_UA, END_UB, END_UP, END_USABLE, END_VERTEX
from ._grid import ROW_M4, ROW_PATROL, ROW_POSTS, Grid
from ._jit import Floats, Ints, inlined, piece_test
from ._jit import jit as _jit

__all__ = ["ChainArrays", "Model", "answer_block"]

#: Stack size of the tree search: more than the depth + 1 of any balanced tree that fits in memory.
_STACK = 128


class ChainArrays(NamedTuple):
    """A chain of chords (:class:`geo._chain.Chain`) as the kernel reads it."""

    piece: Floats  # (n, 7): start 3, direction 3, 1/|d|²
    cap: Floats  # the capsule tree's nodes (m, 8): a chord as a piece, then the radius
    child: Ints  # (m, 2) children of each node
    leaf: Ints  # the piece of each leaf node, -1 for inner ones
    left: Floats  # (n, 3) unit normal to the left of each piece
    cum_m: Floats  # geodesic metres along the line at each vertex
    piece_m: Floats  # geodesic length of each piece


class Model(NamedTuple):
    """Everything the kernel needs about the corridor (built by :attr:`geo._query_index.Index.kernel`)."""

    origin: Floats  # ECEF metres subtracted from every coordinate
    a: float  # the ellipsoid's semi-major axis, metres
    e2: float  # its squared eccentricity
    exact_beyond: float  # metres: points further from the line or the posts are flagged slow
    grid: Grid
    m4: ChainArrays
    patrol: ChainArrays
    patrol_lo: float  # metres along the M4 of the patrol segment's ends
    patrol_hi: float
    width: float  # the corridor's width, metres
    trumba_first: bool  # Trumba is the patrol chain's first vertex
    ends: Floats  # (2, n) :meth:`geo._chain.EndTest.as_array` of the patrol chain's first and last vertex
    post_xyz: Floats  # (n, 3)


@inlined
def _nearest(
    px: float, py: float, pz: float, cap: Floats, child: Ints, leaf: Ints, stack: Ints, bound: Floats
) -> tuple[int, float, float]:
    """Nearest piece of a chain to the point: (piece index, unclamped t, squared chord).

    ``cap[i]`` is node i's capsule (start 3, direction 3, 1/|d|², radius); every
    piece the node covers lies within ``radius`` of its chord, so the chord's
    distance minus the radius is a lower bound on the node's distance to the
    point. Nodes whose bound exceeds the best distance found are not opened.
    Leaves are single pieces (radius 0): their capsule distance is exact.
    """
    best2 = np.inf
    best = np.inf
    best_seg = -1
    best_t = 0.0
    stack[0] = 0
    bound[0] = -np.inf
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if bound[top] > best:
            continue
        # Lower bounds of both children; a leaf is answered at once, inner nodes are pushed, the nearer on top.
        b0 = np.inf
        b1 = np.inf
        for k in range(2):
            c = child[node, k]
            t_raw, d2 = piece_test(px, py, pz, cap, c)  # a capsule's first 7 columns are its chord's
            s = leaf[c]
            if s >= 0:
                if d2 < best2:
                    best2 = d2
                    best = math.sqrt(d2)
                    best_seg = s
                    best_t = t_raw
            elif k == 0:
                b0 = math.sqrt(d2) - cap[c, 7]
            else:
                b1 = math.sqrt(d2) - cap[c, 7]
        near, far = (1, 0) if b0 > b1 else (0, 1)
        b_near, b_far = (b1, b0) if b0 > b1 else (b0, b1)
        if b_far <= best and b_far < np.inf:
            stack[top] = child[node, far]
            bound[top] = b_far
            top += 1
        if b_near <= best and b_near < np.inf:
            stack[top] = child[node, near]
            bound[top] = b_near
            top += 1
    return best_seg, best_t, best2


@inlined
def _nearest_in_cell(
    px: float, py: float, pz: float, table: Ints, cell: int, col: int, width: int, offsets: Ints, spill: Ints,
    piece: Floats, cap: Floats, child: Ints, leaf: Ints, stack: Ints, bound: Floats,
) -> tuple[int, float, float]:  # fmt: skip
    """:func:`_nearest`, trying only the candidates of the point's grid cell (see :mod:`geo._grid`) where it has them.

    ``table[cell, col]`` is the cell's candidate count, followed by the
    candidates when they fit in the ``width`` columns; otherwise they are
    ``spill[offsets[cell]:offsets[cell + 1]]`` (a chain's :class:`geo._grid.CellLists`).
    A count of -1 or a point off the grid (``cell`` -1): search the tree.
    """
    m = table[cell, col] if cell >= 0 else -1
    if m <= 0:
        found: tuple[int, float, float] = _nearest(px, py, pz, cap, child, leaf, stack, bound)
        return found
    best2 = np.inf
    best_seg = -1
    best_t = 0.0
    fits = m < width
    start = offsets[cell]
    for k in range(m):
        s = table[cell, col + 1 + k] if fits else spill[start + k]
        t_raw, d2 = piece_test(px, py, pz, piece, s)
        closer = d2 < best2  # selects, not branches
        best_seg = s if closer else best_seg
        best_t = t_raw if closer else best_t
        best2 = d2 if closer else best2
    return best_seg, best_t, best2


@inlined
def _end_proven(px: float, py: float, pz: float, e: Floats) -> bool:
    """:meth:`geo._chain.EndTest.proves` for one point; ``e`` is :meth:`geo._chain.EndTest.as_array`."""
    if e[END_USABLE] == 0.0:
        return False
    qx, qy, qz = px - e[END_VERTEX], py - e[END_VERTEX + 1], pz - e[END_VERTEX + 2]
    v = qx * e[END_UP] + qy * e[END_UP + 1] + qz * e[END_UP + 2]
    h = math.sqrt(max(qx * qx + qy * qy + qz * qz - v * v, 0.0))
    lim = -e[END_SIN_MARGIN] * h
    return (
        qx * e[END_UA] + qy * e[END_UA + 1] + qz * e[END_UA + 2] <= lim
        and qx * e[END_UB] + qy * e[END_UB + 1] + qz * e[END_UB + 2] <= lim
        and e[END_SIN_MARGIN] * h >= abs(v) * e[END_RATIO]
        and h > 0
    )


#: Above this ``x``, :func:`_geodesic` takes ``asin(x) / x`` from ``math.asin``; below, from its series to the x^10
#: term, whose first term left out is under 0.0174 x^12, 4e-18 of the value (chords of up to ~640 km).
_SERIES_BELOW = 0.05
#: The series' coefficients, of x^0, x^2, ..., x^10: (2n)! / (4^n (n!)^2 (2n + 1)).
_ASIN_1, _ASIN_2, _ASIN_3, _ASIN_4, _ASIN_5 = 1.0 / 6.0, 3.0 / 40.0, 5.0 / 112.0, 35.0 / 1152.0, 63.0 / 2816.0


@inlined
def _geodesic(
    sl: float, cl: float, sp: float, cp: float, dx: float, dy: float, dz: float, inv_nu: float, inv_rho: float
) -> float:
    """Geodesic length of the chord (dx, dy, dz) leaving a point, metres.

    The point is given by the sines and cosines of its lon and lat, and its curvatures
    ``1/ν`` and ``1/ρ`` (:func:`_point`). The length is ``2R asin(c/2R)``, ``R`` the
    normal-section radius in the chord's azimuth (as :func:`geo._ecef.geodesic_from_chord`),
    written ``c · asin(x)/x`` with ``x = c/2R``: no division but the azimuth's.
    """
    chord = math.sqrt(dx * dx + dy * dy + dz * dz)
    east = -sl * dx + cl * dy
    north = -sp * (cl * dx + sl * dy) + cp * dz
    horiz2 = east * east + north * north
    cos2 = north * north / horiz2 if horiz2 > 0 else 1.0
    x = 0.5 * chord * (inv_nu + cos2 * (inv_rho - inv_nu))
    if x < _SERIES_BELOW:
        x2 = x * x
        return chord * (1.0 + x2 * (_ASIN_1 + x2 * (_ASIN_2 + x2 * (_ASIN_3 + x2 * (_ASIN_4 + x2 * _ASIN_5)))))
    return chord * math.asin(min(x, 1.0)) / x


@inlined
def _point(lon: float, lat: float, origin: Floats, a: float, e2: float) -> tuple[float, ...]:
    """Return the point's ECEF coordinates less the origin, the sines and cosines of its lon and lat, ``1/ν``, ``1/ρ``.

    ``ν`` and ``ρ`` are the ellipsoid's radii of curvature at the point's latitude, in the
    prime vertical and the meridian (metres).
    """
    lam = math.radians(lon)
    phi = math.radians(lat)
    sp, cp, sl, cl = math.sin(phi), math.cos(phi), math.sin(lam), math.cos(lam)
    w2 = 1.0 - e2 * sp * sp
    w = math.sqrt(w2)
    nu = a / w
    px = nu * cp * cl - origin[0]
    py = nu * cp * sl - origin[1]
    pz = nu * (1.0 - e2) * sp - origin[2]
    return px, py, pz, sl, cl, sp, cp, w / a, w2 * w / (a * (1.0 - e2))


@inlined
def _cell(lon: float, lat: float, lon0: float, lat0: float, step: float, nx: int, ny: int) -> int:
    """Return the point's cell of the grid (see :class:`geo._grid.Frame`), -1 off it."""
    fx = (lon - lon0) / step
    fy = (lat - lat0) / step
    return int(fy) * nx + int(fx) if fx >= 0.0 and fy >= 0.0 and fx < nx and fy < ny else -1


@inlined
def _side(dx: float, dy: float, dz: float, left: Floats, seg: int, t: float) -> int:
    """Return the side code (0 north: left of the chain's direction, 1 south) of a point.

    The point's chord to its nearest point on piece ``seg`` (at ``t``) is (dx, dy, dz);
    at a bend's vertex, the side is taken of the bend's bisector.
    """
    nx, ny, nz = left[seg, 0], left[seg, 1], left[seg, 2]
    if t == 0.0 and seg > 0:
        nx += left[seg - 1, 0]
        ny += left[seg - 1, 1]
        nz += left[seg - 1, 2]
    elif t == 1.0 and seg < left.shape[0] - 1:
        nx += left[seg + 1, 0]
        ny += left[seg + 1, 1]
        nz += left[seg + 1, 2]
    return 1 if -(dx * nx + dy * ny + dz * nz) < 0 else 0


@inlined
def _foot(piece: Floats, seg: int, t_raw: float, px: float, py: float, pz: float) -> tuple[float, float, float, float]:
    """Position (clamped ``t``) of the nearest point on piece ``seg``, and the chord to it from the point."""
    t = min(max(t_raw, 0.0), 1.0)
    return (
        t,
        piece[seg, 0] + t * piece[seg, 3] - px,
        piece[seg, 1] + t * piece[seg, 4] - py,
        piece[seg, 2] + t * piece[seg, 5] - pz,
    )


@inlined
def _nearest_post(px: float, py: float, pz: float, table: Ints, cell: int, xyz: Floats) -> tuple[int, float]:
    """Return the nearest post (the cell's one candidate, or the nearest of all), and the squared chord to it."""
    if cell >= 0 and table[cell, ROW_POSTS] == 1:
        j = table[cell, ROW_POSTS + 1]
        ex = xyz[j, 0] - px
        ey = xyz[j, 1] - py
        ez = xyz[j, 2] - pz
        return j, ex * ex + ey * ey + ez * ez
    best_j = 0
    best2 = np.inf
    for j in range(xyz.shape[0]):
        ex = xyz[j, 0] - px
        ey = xyz[j, 1] - py
        ez = xyz[j, 2] - pz
        d2 = ex * ex + ey * ey + ez * ez
        closer = d2 < best2  # selects, not branches: which post is nearest is hard to predict
        best_j = j if closer else best_j
        best2 = d2 if closer else best2
    return best_j, best2


@_jit
def answer_block(lon: Floats, lat: Floats, model: Model, out: Any, slow: Ints, full: bool = True) -> None:
    """Answer every point of one block, writing into ``out``; ``slow`` marks far points.

    Parameters
    ----------
    lon, lat
        The points, degrees (valid).
    model
        The corridor (:attr:`geo._query_index.Index.kernel`).
    out
        A :class:`geo.columns.Answers` of arrays as long as the points: every
        query column (categorical ones as codes).
    slow
        Set True where a distance exceeds ``model.exact_beyond``: the caller
        answers those points again with :meth:`pyproj.Geod.inv`.
    full
        Answer every column; False answers only the M4's distance and side (the
        other columns are left as they were, and ``slow`` is about the M4 alone).
    """
    stack = np.empty(_STACK, dtype=np.int64)  # each node opened pushes at most 2: depth + 1 suffices
    bound = np.empty(_STACK)
    # Every array out of the tuples once, here: taking one out in the loop costs a reference count each time.
    origin, a, e2, far2, width = model.origin, model.a, model.e2, model.exact_beyond**2, model.width
    f, grid, m4, patrol = model.grid.frame, model.grid, model.m4, model.patrol
    table, m4_offsets, m4_spill = grid.table, grid.m4.offsets, grid.m4.spill
    p_offsets, p_spill = grid.patrol.offsets, grid.patrol.spill
    m4_piece, m4_cap, m4_child, m4_leaf, m4_left = m4.piece, m4.cap, m4.child, m4.leaf, m4.left
    m4_cum, m4_len, p_cum, p_len = m4.cum_m, m4.piece_m, patrol.cum_m, patrol.piece_m
    p_piece, p_cap, p_child, p_leaf = patrol.piece, patrol.cap, patrol.child, patrol.leaf
    lo, hi, total, trumba_first = model.patrol_lo, model.patrol_hi, p_cum[-1], model.trumba_first
    ends, post_xyz = model.ends, model.post_xyz
    distance, in_corridor, side, chainage_km = out.distance_m, out.in_corridor, out.side, out.chainage_km
    nearest_post, nearest_post_m = out.nearest_post, out.nearest_post_m
    n_p = p_piece.shape[0]
    for i in range(lon.shape[0]):
        px, py, pz, sl, cl, sp, cp, inv_nu, inv_rho = _point(lon[i], lat[i], origin, a, e2)
        cell = _cell(lon[i], lat[i], f.lon0, f.lat0, f.step, f.nx, f.ny)

        # The M4: distance and side.
        seg, t_raw, c2 = _nearest_in_cell(
            px, py, pz, table, cell, ROW_M4, ROW_PATROL - ROW_M4, m4_offsets, m4_spill, m4_piece, m4_cap, m4_child,
            m4_leaf, stack, bound,
        )  # fmt: skip
        t, dx, dy, dz = _foot(m4_piece, seg, t_raw, px, py, pz)
        dist = _geodesic(sl, cl, sp, cp, dx, dy, dz, inv_nu, inv_rho)
        distance[i] = dist
        side[i] = _side(dx, dy, dz, m4_left, seg, t)
        is_slow = c2 > far2
        if not full:
            slow[i] = is_slow
            continue

        # The patrol segment: the same nearest point when it lies inside it, else a search of the segment.
        along = m4_cum[seg] + t * m4_len[seg]
        if along > lo and along < hi:
            ch = along - lo
            inside = dist <= width
        elif _end_proven(px, py, pz, ends[0 if along <= lo else 1]):
            ch = 0.0 if along <= lo else total  # beyond that end: outside the flat-capped corridor
            inside = False
        else:
            pseg, pt_raw, pc2 = _nearest_in_cell(
                px, py, pz, table, cell, ROW_PATROL, ROW_POSTS - ROW_PATROL, p_offsets, p_spill, p_piece, p_cap,
                p_child, p_leaf, stack, bound,
            )  # fmt: skip
            pt, qx, qy, qz = _foot(p_piece, pseg, pt_raw, px, py, pz)
            ch = p_cum[pseg] + pt * p_len[pseg]
            beyond = (pseg == 0 and pt_raw < 0.0) or (pseg == n_p - 1 and pt_raw > 1.0)
            is_slow |= pc2 > far2
            inside = not beyond and _geodesic(sl, cl, sp, cp, qx, qy, qz, inv_nu, inv_rho) <= width
        in_corridor[i] = inside
        chainage_km[i] = min(max(ch if trumba_first else total - ch, 0.0), total) / 1000.0

        # The nearest post.
        j, best2 = _nearest_post(px, py, pz, table, cell, post_xyz)
        nearest_post[i] = j
        ex, ey, ez = post_xyz[j, 0] - px, post_xyz[j, 1] - py, post_xyz[j, 2] - pz
        nearest_post_m[i] = _geodesic(sl, cl, sp, cp, ex, ey, ez, inv_nu, inv_rho)
        slow[i] = is_slow or best2 > far2
