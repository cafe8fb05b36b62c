"""The corridor's search structures for :func:`geo.query.query`, built once per corridor.

:class:`Index` holds the M4 and the patrol segment as chains of chords
(:class:`geo._chain.Chain`), the tests that prove a patrol end nearest, the posts,
and, built on the first large query, the grid the compiled kernel looks points up
in. :func:`index` keeps one per corridor for as long as the corridor lives.
"""

from __future__ import annotations

import math
import weakref
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._chain import Chain, EndTest
from ._ecef import E2, A, Points, ecef

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["Index", "index"]

#: Cell size (degrees), margin around the line (degrees of latitude) and most candidates per cell of the grid
#: the compiled kernel looks points up in (points outside it, or in cells with more candidates, search the tree).
_GRID_STEP_DEG = 0.01
_GRID_MARGIN_DEG = 1.0
_GRID_SLOTS = 32
#: Layout of a cell's row of 16 int16 (32 bytes, so one cache line) in the grid's first table: for the M4, the
#: patrol segment and the posts, where the row holds the candidates' count and then as many as fit.
_GRID_COLUMNS = {"m4": (0, 8), "patrol": (8, 14), "posts": (14, 16)}


class Index:
    """Everything :func:`geo.query.query` needs about one corridor."""

    def __init__(self, corridor: Corridor) -> None:
        m4 = np.asarray(corridor.m4.coords)[:, :2]
        self.origin = ecef(m4[:, 0], m4[:, 1]).mean(axis=0)
        self.m4 = Chain(m4[:, 0], m4[:, 1], self.origin, refine=True)
        self.width_m = float(corridor.width_m)

        # The patrol segment: the part of our M4 chain between the points nearest its two ends.
        ends = np.asarray(corridor.patrol_segment.coords)[[0, -1], :2]  # Trumba, Ain al-Havr
        near = self.m4.nearest(Points.from_lonlat(ends[:, 0], ends[:, 1], self.origin).xyz)
        along = self.m4.along_m(near)
        end_lon, end_lat = self.m4.foot_lonlat(near)
        lo, hi = (0, 1) if along[0] < along[1] else (1, 0)
        self.patrol_lo_m, self.patrol_hi_m = float(along[lo]), float(along[hi])
        inner = (self.m4.cum_m > self.patrol_lo_m + 1e-3) & (self.m4.cum_m < self.patrol_hi_m - 1e-3)
        p_lon = np.concatenate([[end_lon[lo]], self.m4.lon[inner], [end_lon[hi]]])
        p_lat = np.concatenate([[end_lat[lo]], self.m4.lat[inner], [end_lat[hi]]])
        self.patrol = Chain(p_lon, p_lat, self.origin, refine=False)
        self.trumba_first = lo == 0  # Trumba is the patrol chain's first vertex (its western end)
        self.patrol_ends = (EndTest(self.patrol, 0), EndTest(self.patrol, -1))

        posts = corridor.posts
        self.post_names = [str(v) for v in posts["name"]]
        self.post_lon = np.asarray(posts.geometry.x, dtype=float)
        self.post_lat = np.asarray(posts.geometry.y, dtype=float)
        self.post_xyz = Points.from_lonlat(self.post_lon, self.post_lat, self.origin).xyz
        #: The values of the categorical columns that the corridor gives (see :class:`geo.columns.Column`).
        self.categories = {"nearest_post": self.post_names}

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
            count, cand = build_grid(pieces, self.origin, A, E2, lon0, lat0, step, nx, ny, _GRID_SLOTS)
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


_INDEXES: weakref.WeakKeyDictionary[Corridor, Index] = weakref.WeakKeyDictionary()


def index(corridor: Corridor) -> Index:
    idx = _INDEXES.get(corridor)
    if idx is None:
        idx = _INDEXES[corridor] = Index(corridor)
    return idx
