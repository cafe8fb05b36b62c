"""Compiled (numba) kernel of :func:`geo.query.query` for large inputs.

One pass over the points answers every column in registers, with the same
geometry as the vectorized path in :mod:`geo.query`: ECEF chords, the nearest
piece of a chain of chords found by a branch-and-bound search down a binary tree
of capsules (see :class:`geo._chain.Chain`), the chord converted to a geodesic
with the normal-section radius of curvature, the patrol segment searched only
for points whose nearest M4 point lies outside it, the nearest post by chord.
Points more than :data:`geo.query.EXACT_GEODESIC_BEYOND_M` from the line or the
posts are only flagged; the caller answers them with the vectorized path.

Importing this module imports numba, and the first call compiles the kernel
(cached on disk by numba, so later processes load it in a fraction of a second).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["answer_block", "build_grid"]

Floats = NDArray[np.float64]
Ints = NDArray[Any]  # integer arrays (int16, int32 or int64)

#: Cells per side of the blocks whose candidates are worked out first (a cell's are among its block's).
_BLOCK_CELLS = 8
#: Stack size of the tree search: more than the depth + 1 of any balanced tree that fits in memory.
_STACK = 128


def _jit(fn: Any) -> Any:
    """Compile ``fn`` with numba, without the GIL, its machine code cached on disk where numba finds a place.

    Numba caches next to this file, or in the user's cache folder when that is
    read-only (or in ``NUMBA_CACHE_DIR``); with neither writable, each process
    compiles the kernel afresh (a few seconds) instead of failing.
    """
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, error_model="numpy")(fn)


@_jit
def _nearest(
    px: float, py: float, pz: float, piece: Floats, cap: Floats, child: Ints, leaf: Ints, stack: Ints, bound: Floats
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
            t_raw, d2 = _piece_test(px, py, pz, cap, c)  # a capsule's first 7 columns are its chord's
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


@_jit
def _piece_test(px: float, py: float, pz: float, piece: Floats, s: int) -> tuple[float, float]:
    """Unclamped position on, and squared chord to, piece ``s``."""
    wx = px - piece[s, 0]
    wy = py - piece[s, 1]
    wz = pz - piece[s, 2]
    t_raw = (wx * piece[s, 3] + wy * piece[s, 4] + wz * piece[s, 5]) * piece[s, 6]
    t = min(max(t_raw, 0.0), 1.0)
    wx -= t * piece[s, 3]
    wy -= t * piece[s, 4]
    wz -= t * piece[s, 5]
    return t_raw, wx * wx + wy * wy + wz * wz


@_jit
def _nearest_in_cell(
    px: float, py: float, pz: float, table: Ints, cell: int, col: int, width: int, offsets: Ints, spill: Ints,
    piece: Floats, cap: Floats, child: Ints, leaf: Ints, stack: Ints, bound: Floats,
) -> tuple[int, float, float]:  # fmt: skip
    """:func:`_nearest`, trying only the candidates of the point's grid cell (see :func:`build_grid`) where it has them.

    ``table[cell, col]`` is the cell's candidate count, followed by the
    candidates when they fit in the ``width`` columns; otherwise they are
    ``spill[offsets[cell]:offsets[cell + 1]]``. A count of -1 or a point off the
    grid (``cell`` -1): search the tree.
    """
    m = table[cell, col] if cell >= 0 else -1
    if m <= 0:
        return _nearest(px, py, pz, piece, cap, child, leaf, stack, bound)
    best2 = np.inf
    best_seg = -1
    best_t = 0.0
    fits = m < width
    start = offsets[cell]
    for k in range(m):
        s = table[cell, col + 1 + k] if fits else spill[start + k]
        t_raw, d2 = _piece_test(px, py, pz, piece, s)
        closer = d2 < best2  # selects, not branches
        best_seg = s if closer else best_seg
        best_t = t_raw if closer else best_t
        best2 = d2 if closer else best2
    return best_seg, best_t, best2


@_jit
def _end_proven(px: float, py: float, pz: float, e: Floats) -> bool:
    """:meth:`geo._chain.EndTest.proves` for one point; ``e`` is :meth:`geo._chain.EndTest.as_array`."""
    if e[14] == 0.0:
        return False
    qx, qy, qz = px - e[0], py - e[1], pz - e[2]
    v = qx * e[3] + qy * e[4] + qz * e[5]
    h = math.sqrt(max(qx * qx + qy * qy + qz * qz - v * v, 0.0))
    lim = -e[13] * h
    return (
        qx * e[6] + qy * e[7] + qz * e[8] <= lim
        and qx * e[9] + qy * e[10] + qz * e[11] <= lim
        and e[13] * h >= abs(v) * e[12]
        and h > 0
    )


@_jit
def _geodesic(
    sl: float, cl: float, sp: float, cp: float, dx: float, dy: float, dz: float, a: float, e2: float
) -> float:
    """Geodesic length of the chord (dx, dy, dz) leaving a point (sin/cos of its lon and lat), metres."""
    chord = math.sqrt(dx * dx + dy * dy + dz * dz)
    east = -sl * dx + cl * dy
    north = -sp * (cl * dx + sl * dy) + cp * dz
    horiz2 = east * east + north * north
    cos2 = north * north / horiz2 if horiz2 > 0 else 1.0
    w2 = 1.0 - e2 * sp * sp
    nu = a / math.sqrt(w2)
    rho = nu * (1.0 - e2) / w2
    k = cos2 / rho + (1.0 - cos2) / nu
    return 2.0 / k * math.asin(min(chord * k / 2.0, 1.0))


@_jit
def answer_block(
    lon: Floats, lat: Floats, origin: Floats, a: float, e2: float, exact_beyond: float,
    grid: Floats, table: Ints, m4_offsets: Ints, m4_spill: Ints, p_offsets: Ints, p_spill: Ints,
    m4_piece: Floats, m4_cap: Floats, m4_child: Ints, m4_leaf: Ints, m4_left: Floats, m4_cum: Floats, m4_len: Floats,
    p_piece: Floats, p_cap: Floats, p_child: Ints, p_leaf: Ints, p_cum: Floats, p_len: Floats,
    patrol_lo: float, patrol_hi: float, width: float, trumba_first: bool, end_tests: Floats, post_xyz: Floats,
    distance: Floats, in_corridor: Ints, side: Ints, chainage_km: Floats, post: Ints, post_m: Floats, slow: Ints,
) -> None:  # fmt: skip
    """Answer every point of one block, writing into the output arrays; ``slow`` marks far points.

    The arguments after the points are :func:`geo.query._compiled_args`; the
    outputs are the columns of :data:`geo.query.COLUMNS` in order (side and post
    as codes), then ``slow``: True where a distance exceeds ``exact_beyond``
    (the caller answers those points again with :meth:`pyproj.Geod.inv`).
    """
    n = lon.shape[0]
    stack = np.empty(_STACK, dtype=np.int64)  # each node opened pushes at most 2: depth + 1 suffices
    bound = np.empty(_STACK)
    n_m4 = m4_piece.shape[0]
    n_p = p_piece.shape[0]
    far2 = exact_beyond * exact_beyond
    gx, gy = int(grid[3]), int(grid[4])
    for i in range(n):
        lam = math.radians(lon[i])
        phi = math.radians(lat[i])
        sp, cp, sl, cl = math.sin(phi), math.cos(phi), math.sin(lam), math.cos(lam)
        nu = a / math.sqrt(1.0 - e2 * sp * sp)
        px = nu * cp * cl - origin[0]
        py = nu * cp * sl - origin[1]
        pz = nu * (1.0 - e2) * sp - origin[2]
        is_slow = False
        fx = (lon[i] - grid[0]) / grid[2]
        fy = (lat[i] - grid[1]) / grid[2]
        cell = int(fy) * gx + int(fx) if fx >= 0.0 and fy >= 0.0 and fx < gx and fy < gy else -1

        # The M4: distance and side.
        seg, t_raw, c2 = _nearest_in_cell(
            px, py, pz, table, cell, 0, 8, m4_offsets, m4_spill, m4_piece, m4_cap, m4_child, m4_leaf, stack, bound
        )
        t = min(max(t_raw, 0.0), 1.0)
        dx = m4_piece[seg, 0] + t * m4_piece[seg, 3] - px
        dy = m4_piece[seg, 1] + t * m4_piece[seg, 4] - py
        dz = m4_piece[seg, 2] + t * m4_piece[seg, 5] - pz
        if c2 > far2:
            is_slow = True
        dist = _geodesic(sl, cl, sp, cp, dx, dy, dz, a, e2)
        distance[i] = dist
        nx, ny, nz = m4_left[seg, 0], m4_left[seg, 1], m4_left[seg, 2]
        if t == 0.0 and seg > 0:
            nx += m4_left[seg - 1, 0]
            ny += m4_left[seg - 1, 1]
            nz += m4_left[seg - 1, 2]
        elif t == 1.0 and seg < n_m4 - 1:
            nx += m4_left[seg + 1, 0]
            ny += m4_left[seg + 1, 1]
            nz += m4_left[seg + 1, 2]
        side[i] = 1 if -(dx * nx + dy * ny + dz * nz) < 0 else 0

        # The patrol segment: the same nearest point when it lies inside it, else a search of the segment.
        along = m4_cum[seg] + t * m4_len[seg]
        if along > patrol_lo and along < patrol_hi:
            ch = along - patrol_lo
            inside = dist <= width
        elif _end_proven(px, py, pz, end_tests[0 if along <= patrol_lo else 1]):
            ch = 0.0 if along <= patrol_lo else p_cum[n_p]  # beyond that end: outside the flat-capped corridor
            inside = False
        else:
            pseg, pt_raw, pc2 = _nearest_in_cell(
                px, py, pz, table, cell, 8, 6, p_offsets, p_spill, p_piece, p_cap, p_child, p_leaf, stack, bound
            )
            pt = min(max(pt_raw, 0.0), 1.0)
            ch = p_cum[pseg] + pt * p_len[pseg]
            beyond = (pseg == 0 and pt_raw < 0.0) or (pseg == n_p - 1 and pt_raw > 1.0)
            if pc2 > far2:
                is_slow = True
            inside = False
            if not beyond:
                qx = p_piece[pseg, 0] + pt * p_piece[pseg, 3] - px
                qy = p_piece[pseg, 1] + pt * p_piece[pseg, 4] - py
                qz = p_piece[pseg, 2] + pt * p_piece[pseg, 5] - pz
                inside = _geodesic(sl, cl, sp, cp, qx, qy, qz, a, e2) <= width
        total = p_cum[n_p]
        if not trumba_first:
            ch = total - ch
        in_corridor[i] = inside
        chainage_km[i] = min(max(ch, 0.0), total) / 1000.0

        # The nearest post: the cell's one candidate, or the nearest of all.
        if cell >= 0 and table[cell, 14] == 1:
            best_j = table[cell, 15]
            ex = post_xyz[best_j, 0] - px
            ey = post_xyz[best_j, 1] - py
            ez = post_xyz[best_j, 2] - pz
            best2 = ex * ex + ey * ey + ez * ez
        else:
            best_j = 0
            best2 = np.inf
            for j in range(post_xyz.shape[0]):
                ex = post_xyz[j, 0] - px
                ey = post_xyz[j, 1] - py
                ez = post_xyz[j, 2] - pz
                d2 = ex * ex + ey * ey + ez * ez
                closer = d2 < best2  # selects, not branches: which post is nearest is hard to predict
                best_j = j if closer else best_j
                best2 = d2 if closer else best2
        if best2 > far2:
            is_slow = True
        post[i] = best_j
        post_m[i] = _geodesic(
            sl, cl, sp, cp, post_xyz[best_j, 0] - px, post_xyz[best_j, 1] - py, post_xyz[best_j, 2] - pz, a, e2
        )
        slow[i] = is_slow


@_jit
def build_grid(
    piece: Floats, origin: Floats, a: float, e2: float,
    lon0: float, lat0: float, step: float, nx: int, ny: int, slots: int,
) -> tuple[Ints, Ints]:  # fmt: skip
    """Candidate pieces of each cell of a lon/lat grid: every piece that is the nearest to some point of the cell.

    Cell ``(i, j)`` spans lon ``lon0 + i*step .. + step`` and lat ``lat0 + j*step ..
    + step`` (degrees). Every point of it lies within ``r`` of its centre ``C``
    (``r`` bounds the path along a meridian then a parallel). For pieces ``j``
    and ``k`` (the piece nearest ``C``), with ``f`` the distance to a piece and
    ``g`` its gradient at ``C`` (the unit vector from the piece to ``C``):
    ``f_j - f_k`` changes by at most ``|P - C| max |∇f_j - ∇f_k|`` from ``C`` to a
    point ``P``, and ``|∇f(Q) - g| <= 2 |Q - C| / f(C)`` (the vector from a convex
    set is 1-Lipschitz), so where ``f_j(C) - f_k(C) > r min(2, |g_j - g_k| +
    2r/f_j(C) + 2r/f_k(C))`` piece ``j`` is further than ``k`` from every point
    of the cell and is not a candidate. Returns ``(count, cand)``: the number of
    candidates per cell (-1 where more than ``slots``: such cells are searched
    with the tree) and up to ``slots`` piece indexes per cell.
    """
    n = piece.shape[0]
    count = np.empty(nx * ny, dtype=np.int32)
    cand = np.empty((nx * ny, slots), dtype=np.int32)
    f = np.empty(n)
    g = np.empty((n, 3))
    every = np.arange(n)
    coarse = np.empty(n, dtype=np.int64)
    fine = np.empty(n, dtype=np.int64)
    # Blocks of _BLOCK_CELLS x _BLOCK_CELLS cells first: a cell's candidates are among its block's, since
    # every point of the cell is a point of the block.
    for by in range(0, ny, _BLOCK_CELLS):
        for bx in range(0, nx, _BLOCK_CELLS):
            size = _BLOCK_CELLS * step
            m_block = _candidates(
                piece, every, n, origin, a, e2, lon0 + bx * step, lat0 + by * step, size, f, g, coarse
            )
            for jy in range(by, min(by + _BLOCK_CELLS, ny)):
                for ix in range(bx, min(bx + _BLOCK_CELLS, nx)):
                    m = _candidates(
                        piece, coarse, m_block, origin, a, e2, lon0 + ix * step, lat0 + jy * step, step, f, g, fine
                    )
                    cell = jy * nx + ix
                    count[cell] = m if m <= slots else -1
                    for k in range(min(m, slots)):
                        cand[cell, k] = fine[k]
    return count, cand


@_jit
def _candidates(
    piece: Floats, subset: Ints, n_subset: int, origin: Floats, a: float, e2: float,
    lon: float, lat: float, size: float, f: Floats, g: Floats, out: Ints,
) -> int:  # fmt: skip
    """The pieces of ``subset[:n_subset]`` that may be nearest to some point of the cell of ``size`` degrees at
    (``lon``, ``lat``), in increasing order, into ``out``; returns how many (see :func:`build_grid`)."""
    lat1 = lat + size
    far = min(max(abs(lat), abs(lat1)), 90.0)
    near = 0.0 if lat * lat1 < 0 else min(abs(lat), abs(lat1), 90.0)
    s_far = math.sin(math.radians(far))
    w2 = 1.0 - e2 * s_far * s_far
    nu_max = a / math.sqrt(w2)
    m_max = nu_max * (1.0 - e2) / w2
    r = math.radians(size) / 2.0 * (m_max + nu_max * math.cos(math.radians(near))) * (1.0 + 1e-9) + 1e-6
    phi = math.radians(min(lat + size / 2.0, 90.0))
    lam = math.radians(lon + size / 2.0)
    sp, cp = math.sin(phi), math.cos(phi)
    nu = a / math.sqrt(1.0 - e2 * sp * sp)
    cx = nu * cp * math.cos(lam) - origin[0]
    cy = nu * cp * math.sin(lam) - origin[1]
    cz = nu * (1.0 - e2) * sp - origin[2]
    best = subset[0]
    for k in range(n_subset):
        s = subset[k]
        t_raw, d2 = _piece_test(cx, cy, cz, piece, s)
        t = min(max(t_raw, 0.0), 1.0)
        d = math.sqrt(d2)
        f[s] = d
        if d > 0:
            g[s, 0] = (cx - piece[s, 0] - t * piece[s, 3]) / d
            g[s, 1] = (cy - piece[s, 1] - t * piece[s, 4]) / d
            g[s, 2] = (cz - piece[s, 2] - t * piece[s, 5]) / d
        if d < f[best] or k == 0:
            best = s
    fk = f[best]
    m = 0
    for k in range(n_subset):
        s = subset[k]
        keep = s == best
        if not keep:
            lip = 2.0
            if f[s] > 0 and fk > 0:
                dg = math.sqrt((g[s, 0] - g[best, 0]) ** 2 + (g[s, 1] - g[best, 1]) ** 2 + (g[s, 2] - g[best, 2]) ** 2)
                lip = min(2.0, dg + 2.0 * r / f[s] + 2.0 * r / fk)
            keep = f[s] - fk <= r * lip + 1e-6
        if keep:
            out[m] = s
            m += 1
    return m
