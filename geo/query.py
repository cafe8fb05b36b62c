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

import numbers
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ._chain import MAX_PIECE_M, SIMPLIFY_TOLERANCE_M
from ._chain import capsule_tree as _capsule_tree  # noqa: F401 - the tests import it from here
from ._ecef import E2 as _E2  # noqa: F401 - the tests import it from here
from ._ecef import EXACT_GEODESIC_BEYOND_M
from ._ecef import A as _A  # noqa: F401 - the tests import it from here
from ._ecef import Points as _Points  # noqa: F401 - the tests import it from here
from ._query_index import Index
from ._query_index import index as _index
from ._query_input import from_arrays, from_geo
from ._query_numpy import BLOCK, sweep_beyond_ends
from ._query_numpy import answer_block as numpy_block
from .columns import COLUMNS, QUERY_COLUMNS, SIDES, Answers, document_columns
from .geodesy import grown_bounds

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = [
    "COLUMNS",
    "EXACT_GEODESIC_BEYOND_M",
    "FAR_WARNING_M",
    "MAX_PIECE_M",
    "SIDES",
    "SIMPLIFY_TOLERANCE_M",
    "SWAP_FAR_M",
    "SWAP_NEAR_M",
    "query",
    "swapped_check",
]

#: Inputs of at least this many points are answered by the compiled kernel (:mod:`geo._query_jit`); smaller
#: ones by the vectorized numpy path, which needs no compiler (so one-point queries start fast).
_COMPILED_FROM = 20_000

#: The fewest points worth a thread of their own.
_MIN_BLOCK = 4096

Columns = dict[str, NDArray[Any]]


def _store(out: Columns, at: slice | NDArray[np.intp], got: Columns) -> None:
    """Put one block's answers into the output columns; RuntimeError if it answered other columns than the spec's."""
    if got.keys() != out.keys():
        raise RuntimeError(f"the numpy path answered {sorted(got)}, but geo.columns.QUERY_COLUMNS has {list(out)}")
    for name, values in got.items():
        out[name][at] = values


def _in_blocks(run: Callable[[slice], object], n: int, workers: int) -> None:
    """Call ``run`` on blocks of ``n`` points, on ``workers`` threads.

    Blocks hold at most :data:`~geo._query_numpy.BLOCK` points; fewer points are shared out
    evenly (blocks of at least :data:`_MIN_BLOCK`), so that every thread has work.
    """
    size = min(BLOCK, max(_MIN_BLOCK, -(-n // workers)))
    blocks = [slice(i, min(i + size, n)) for i in range(0, n, size)]
    if workers > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, blocks))
    else:
        for block in blocks:
            run(block)


def _compiled(
    idx: Index, lon: NDArray[np.float64], lat: NDArray[np.float64], out: Columns, workers: int, full: bool = True
) -> None:
    """Answer the points with the compiled kernel, and those it leaves (far away) with the numpy path.

    ``full=False`` answers the M4's distance and side only (and leaves the other columns undefined).
    """
    from ._query_jit import answer_block

    lon, lat = np.ascontiguousarray(lon, dtype=np.float64), np.ascontiguousarray(lat, dtype=np.float64)
    model = idx.kernel
    slow = np.zeros(lon.size, dtype=bool)
    _in_blocks(
        lambda at: answer_block(lon[at], lat[at], model, Answers(*(out[c][at] for c in COLUMNS)), slow[at], full),
        lon.size, workers,
    )  # fmt: skip
    far = np.flatnonzero(slow)  # beyond EXACT_GEODESIC_BEYOND_M of the line or the posts: the vectorized path
    for i in range(0, far.size, BLOCK):
        sub = far[i : i + BLOCK]
        _store(out, sub, numpy_block(idx, lon[sub], lat[sub]))


def prepare_kernel(corridor: Corridor) -> None:
    """Load the compiled kernel and build its model of ``corridor`` now, as the first large query would.

    About half a second; :func:`geo.classify_file` has it done while the first block of a large file is read.
    """
    _index(corridor).kernel  # noqa: B018 - a cached property, built here


def _answer(idx: Index, lon: NDArray[np.float64], lat: NDArray[np.float64], workers: int) -> dict[str, Any]:
    """Return the answer columns for validated lon/lat arrays, in the order of :data:`geo.columns.QUERY_COLUMNS`."""
    n = lon.size
    out: Columns = {c.name: np.empty(n, dtype=c.dtype) for c in QUERY_COLUMNS}
    if n >= _COMPILED_FROM:
        _compiled(idx, lon, lat, out, workers)
    else:
        _in_blocks(lambda at: _store(out, at, numpy_block(idx, lon[at], lat[at])), n, workers)
    sweep_beyond_ends(idx, lon, lat, out)
    cols: dict[str, Any] = {}
    for c in QUERY_COLUMNS:
        cols[c.name] = out[c.name]
        if c.categorical:
            categories = c.categories if c.categories is not None else idx.categories[c.name]
            cols[c.name] = pd.Categorical.from_codes(out[c.name], categories=pd.Index(list(categories)))
    return cols


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
        is a pandas Series) with the columns of :data:`geo.columns.QUERY_COLUMNS`
        below, in that order; for a GeoDataFrame or GeoSeries, a GeoDataFrame
        copy of the input with them added.

        {columns}

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
    >>> from geo.columns import COLUMNS
    >>> r = c.query(36.61, 35.81)
    >>> r.columns.tolist() == list(COLUMNS)
    True
    >>> bool(r.in_corridor.iloc[0]), r.side.iloc[0]
    (True, 'south')
    >>> len(c.query([36.61, 36.0], [35.81, 36.5]))
    2
    """
    if workers is None:
        workers = os.cpu_count() or 1
    elif not isinstance(workers, numbers.Integral) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r}: expected a whole number of threads, at least 1")
    idx = _index(corridor)
    if isinstance(lon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if lat is not None:
            raise ValueError("query(geodataframe) takes no lat: the points' coordinates come from the geometries")
        lon_a, lat_a = from_geo(lon)
        result = lon.copy() if isinstance(lon, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=lon.copy())
        clash = [c for c in COLUMNS if c in result.columns]
        if clash:
            raise ValueError(f"the input already has column(s) {clash}; rename or drop them before querying")
        for name, values in _answer(idx, lon_a, lat_a, workers).items():
            result[name] = values
        answered: pd.DataFrame = result
        return answered
    lon_a, lat_a, index = from_arrays(lon, lat)
    return pd.DataFrame(_answer(idx, lon_a, lat_a, workers), index=index, copy=False)  # fresh arrays: no copy


query.__doc__ = document_columns(query.__doc__, indent=8)


#: A point further than SWAP_FAR_M from the M4 whose swapped twin (lat as lon, lon as lat) lies within
#: SWAP_NEAR_M of it was most probably given the wrong way round.
SWAP_FAR_M = 30_000.0
SWAP_NEAR_M = 10_000.0
#: A point further than this from the M4 (metres) is legal but suspicious: swapped lat/lon, or the wrong CRS.
FAR_WARNING_M = 200_000.0


def _near_m4_box(corridor: Corridor, margin_m: float) -> tuple[float, float, float, float]:
    """Return a lon/lat box (west, south, east, north; degrees) holding every point within ``margin_m`` of the M4."""
    return grown_bounds(corridor.m4.bounds, margin_m)


def swapped_check(
    corridor: Corridor, lon: ArrayLike, lat: ArrayLike, distance_m: ArrayLike, *, workers: int | None = None
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which points look like swapped lat/lon, and how far their swapped twins are from the M4.

    Parameters
    ----------
    corridor
        The model.
    lon, lat, distance_m
        Valid points (degrees) and their distances to the M4 (metres), as :func:`query` gave them.
    workers
        Threads for the twins' query (default: every core). The twins of a batch that
        :func:`query` answered with its compiled kernel are answered by it too, however few.

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
    west, south, east, north = _near_m4_box(corridor, SWAP_NEAR_M)
    # Only a twin inside the box can lie within SWAP_NEAR_M of the M4: the others need no query.
    check = (dist > SWAP_FAR_M) & (lat_a >= west) & (lat_a <= east) & (lon_a >= south) & (lon_a <= north)
    if check.any():
        idx, threads = _index(corridor), workers or os.cpu_count() or 1
        if lon_a.size >= _COMPILED_FROM:  # as the batch was: the kernel is loaded; only the distance is needed
            out: Columns = {c.name: np.empty(int(check.sum()), dtype=c.dtype) for c in QUERY_COLUMNS}
            _compiled(idx, lat_a[check], lon_a[check], out, threads, full=False)
            twin[check] = out["distance_m"]
        else:
            twin[check] = _answer(idx, lat_a[check], lon_a[check], threads)["distance_m"]
    return twin < SWAP_NEAR_M, twin
