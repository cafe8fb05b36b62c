"""The corridor's search structures for :func:`geo.query.query`, built once per corridor.

:class:`Index` holds the M4 and the patrol segment as chains of chords
(:class:`geo._chain.Chain`), the tests that prove a patrol end nearest, the posts,
and, built on the first large query, the grid (:mod:`geo._grid`) and the model the
compiled kernel reads. :func:`index` keeps one per corridor for as long as the
corridor lives.
"""

from __future__ import annotations

import weakref
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._chain import Chain, EndTest
from ._ecef import E2, EXACT_GEODESIC_BEYOND_M, A, Points, ecef

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["Index", "index"]


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
    def grid(self) -> Any:
        """The lon/lat grid around the M4 that the compiled kernel looks points up in (a :class:`geo._grid.Grid`)."""
        from ._grid import make_grid

        return make_grid(self.m4, self.patrol, self.post_xyz, self.origin)

    @cached_property
    def kernel(self) -> Any:
        """The corridor as :func:`geo._query_jit.answer_block` takes it (a :class:`geo._query_jit.Model`)."""
        from ._query_jit import ChainArrays, Model

        def chain(c: Chain) -> ChainArrays:
            cap, child, leaf = c.capsules
            return ChainArrays(
                piece=c.piece, cap=cap, child=child, leaf=leaf, left=c.left, cum_m=c.cum_m, piece_m=c.piece_m
            )

        return Model(
            origin=self.origin, a=A, e2=E2, exact_beyond=EXACT_GEODESIC_BEYOND_M, grid=self.grid,
            m4=chain(self.m4), patrol=chain(self.patrol), patrol_lo=self.patrol_lo_m, patrol_hi=self.patrol_hi_m,
            width=self.width_m, trumba_first=self.trumba_first,
            ends=np.stack([test.as_array() for test in self.patrol_ends]), post_xyz=self.post_xyz,
        )  # fmt: skip

    def chainage_m(self, along_patrol_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Metres from Trumba along the patrol segment, from metres along the patrol chain."""
        return along_patrol_m if self.trumba_first else self.patrol.length_m - along_patrol_m


_INDEXES: weakref.WeakKeyDictionary[Corridor, Index] = weakref.WeakKeyDictionary()


def index(corridor: Corridor) -> Index:
    """Return the search structures of ``corridor``, built on first use and kept while it lives."""
    idx = _INDEXES.get(corridor)
    if idx is None:
        idx = _INDEXES[corridor] = Index(corridor)
    return idx
