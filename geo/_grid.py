"""The compiled kernel's lookup grid: cells of 0.01° around the M4, each listing the pieces that may be nearest.

For each cell, :func:`build_grid` keeps the pieces that can be nearest to some point
of it. With ``C`` the cell's centre, ``r`` a bound on the distance from ``C`` to any
point of the cell, ``k`` the piece nearest ``C``, ``f`` distances and ``g`` their
gradients at ``C``: the difference ``f_j - f_k`` changes across the cell by at most
``r min(2, |g_j - g_k| + 2r/f_j + 2r/f_k)``, so a piece further than that from ``C``
beyond ``f_k`` is dropped. On the shipped line about 13 pieces are left per cell
within 10 km of the road and 3 beyond 60 km; the patrol segment and the posts (as
pieces of no length) have lists in the same 32-byte cell row, so a point costs one
cache miss for all three. :func:`make_grid` builds the :class:`Grid` the kernel reads.

Importing this module imports numba.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ._ecef import E2, A
from ._jit import Floats, Ints, jit, piece_test

if TYPE_CHECKING:
    from ._chain import Chain

__all__ = ["ROW_END", "ROW_M4", "ROW_PATROL", "ROW_POSTS", "CellLists", "Frame", "Grid", "build_grid", "make_grid"]

#: Layout of a cell's row in the grid's table (16 int16: 32 bytes, one cache line): the M4's candidates from
#: ROW_M4, the patrol segment's from ROW_PATROL, the posts' from ROW_POSTS, up to ROW_END. Each holds the
#: candidates' count, then the candidates themselves when they fit (else they are in the :class:`CellLists`).
ROW_M4 = 0
ROW_PATROL = 8
ROW_POSTS = 14
ROW_END = 16
#: Cell size (degrees), margin around the line (degrees of latitude) and most candidates per cell of the grid
#: (points outside it, or in cells with more candidates, search the tree).
_GRID_STEP_DEG = 0.01
_GRID_MARGIN_DEG = 1.0
_GRID_SLOTS = 32
#: Cells per side of the blocks whose candidates are worked out first (a cell's are among its block's).
_BLOCK_CELLS = 8


class Frame(NamedTuple):
    """Where the grid lies: cell ``(i, j)`` spans lon ``lon0 + i*step`` and lat ``lat0 + j*step``, degrees."""

    lon0: float
    lat0: float
    step: float
    nx: int
    ny: int


class CellLists(NamedTuple):
    """Every cell's candidates of one chain, for cells whose candidates do not fit in their row."""

    offsets: Ints  # cell i's candidates are spill[offsets[i]:offsets[i + 1]]
    spill: Ints


class Grid(NamedTuple):
    """The grid: its frame, a row per cell (laid out as ``ROW_*`` say), the M4's and the patrol's cell lists.

    A count of -1 in a row means too many candidates: the kernel searches the tree
    (or tries every post) instead.
    """

    frame: Frame
    table: Ints
    m4: CellLists
    patrol: CellLists


def make_grid(m4: Chain, patrol: Chain, post_xyz: Floats, origin: Floats) -> Grid:
    """Return the grid around the M4, listing the candidates of the M4, of the patrol segment and of the posts.

    Parameters
    ----------
    m4, patrol
        The M4 and the patrol segment as chains of chords: the grid covers the M4
        and :data:`_GRID_MARGIN_DEG` around it.
    post_xyz
        The posts, ECEF metres less ``origin`` (n, 3).
    origin
        The ECEF origin of the chains' and the posts' coordinates.

    Returns
    -------
    Grid
        What :func:`geo._query_jit.answer_block` looks points up in.
    """
    m = _GRID_MARGIN_DEG
    m_lon = m / math.cos(math.radians(min(float(np.abs(m4.lat).max()) + m, 80.0)))
    lon0, lon1 = float(m4.lon.min()) - m_lon, float(m4.lon.max()) + m_lon
    lat0, lat1 = max(float(m4.lat.min()) - m, -90.0), min(float(m4.lat.max()) + m, 90.0)
    step = _GRID_STEP_DEG
    nx, ny = math.ceil((lon1 - lon0) / step), math.ceil((lat1 - lat0) / step)
    posts = np.zeros((post_xyz.shape[0], 7))
    posts[:, :3] = post_xyz  # pieces of no length: direction 0 and 1/|d|² 0
    table = np.zeros((nx * ny, ROW_END), dtype=np.int16 if m4.n_pieces < 2**15 else np.int32)
    lists = {}
    for name, pieces, a, b in (("m4", m4.piece, ROW_M4, ROW_PATROL), ("patrol", patrol.piece, ROW_PATROL, ROW_POSTS),
                               ("posts", posts, ROW_POSTS, ROW_END)):  # fmt: skip
        count, cand = build_grid(pieces, origin, A, E2, lon0, lat0, step, nx, ny, _GRID_SLOTS)
        fits = (count > 0) & (count < b - a)
        table[:, a] = np.where((count > 0) & ~fits & (name == "posts"), -1, count)
        table[fits, a + 1 : b] = cand[fits, : b - a - 1]
        if name != "posts":  # too many posts for the row: the kernel tries every post
            has = np.maximum(count, 0)
            spill = cand[np.arange(cand.shape[1]) < has[:, None]]
            lists[name] = CellLists(np.concatenate([[0], np.cumsum(has)]), spill)
    frame = Frame(lon0=lon0, lat0=lat0, step=step, nx=nx, ny=ny)
    return Grid(frame=frame, table=table, m4=lists["m4"], patrol=lists["patrol"])


@jit
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


@jit
def _candidates(
    piece: Floats, subset: Ints, n_subset: int, origin: Floats, a: float, e2: float,
    lon: float, lat: float, size: float, f: Floats, g: Floats, out: Ints,
) -> int:  # fmt: skip
    """Write into ``out`` the pieces that may be nearest to some point of a cell, and return how many.

    The pieces are those of ``subset[:n_subset]``, in increasing order; the cell is the
    one of ``size`` degrees at (``lon``, ``lat``) (see :func:`build_grid`).
    """
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
        t_raw, d2 = piece_test(cx, cy, cz, piece, s)
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
