"""The points :func:`geo.query.query` is asked about, checked: lon/lat arrays of floats, or a GeoDataFrame's points.

Every error is a ValueError naming the first offending point (a :class:`PointError` when one point is at fault).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from ._validate import LAT_RANGE, LON_RANGE, is_real_number, within
from .geodesy import WGS84

__all__ = ["PointError", "from_arrays", "from_geo"]


def _as_floats(values: Any, name: str) -> NDArray[np.float64]:
    """Return a 0-d or 1-d float array from ``values``, or ValueError naming the first bad element."""
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
    listed = isinstance(values, (list, tuple))
    if arr.dtype.kind in "fiu" and not (listed and any(isinstance(v, (bool, np.bool_)) for v in values)):
        return arr.astype(float, copy=False)  # numpy takes True in a list of numbers as 1: looked for above
    if listed:  # numpy turned a mixed list into text or a bool into a number: look at the elements as given
        arr = np.asarray(values, dtype=object)
    flat = np.atleast_1d(arr)
    result = np.empty(flat.shape)
    for i, item in enumerate(flat):
        v = item.item() if isinstance(item, np.generic) else item
        if v is None or v is pd.NA:
            result[i] = np.nan  # reported as missing by the range check
            continue
        if not is_real_number(v):
            where = name if arr.ndim == 0 else f"{name}[{i}]"
            raise ValueError(f"{where} = {v!r}: expected a number of degrees, got {type(v).__name__}")
        result[i] = float(v)
    return result.reshape(arr.shape)


class PointError(ValueError):
    """A ValueError about one point: its position ``row`` in the input, its index ``label``, and the ``problem``.

    ``problem`` is the message without the point's place, for a caller that names the place
    its own way (a dask partition names the frame's row).
    """

    def __init__(self, message: str, row: int, label: object, problem: str) -> None:
        super().__init__(message)
        self.row, self.label, self.problem = row, label, problem

    def __reduce__(self) -> tuple[type[PointError], tuple[str, int, object, str]]:
        return type(self), (str(self), self.row, self.label, self.problem)


def _first_bad_lonlat(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[int, str, str] | None:
    """Return (position, "lon" or "lat", problem) of the first missing, infinite or out-of-range coordinate."""
    checks = (
        (lon, "lon", ~within(lon, LON_RANGE), "[{:g}, {:g}]".format(*LON_RANGE)),
        (lat, "lat", ~within(lat, LAT_RANGE), "[{:g}, {:g}]".format(*LAT_RANGE)),
    )
    firsts = [(int(np.argmax(bad)), k) for k, (_, _, bad, _) in enumerate(checks) if bad.any()]
    if not firsts:
        return None
    i, k = min(firsts)
    values, name, _, bounds = checks[k]
    v = float(values[i])
    if math.isnan(v):
        problem = "is missing (NaN): expected a number of degrees"
    elif math.isinf(v):
        problem = f"is {v}: expected a finite number of degrees"
    else:
        problem = f"= {v} is outside {bounds} degrees" + (" (lon and lat swapped?)" if name == "lat" else "")
    return i, name, problem


def _label(index: pd.Index | None, i: int) -> object:
    """Return the index label of position ``i`` as the user wrote it (107, not np.int64(107)), or None."""
    if index is None:
        return None
    label = index[i]
    return label.item() if isinstance(label, np.generic) else label


def from_arrays(lon: Any, lat: Any) -> tuple[NDArray[np.float64], NDArray[np.float64], pd.Index | None]:
    """Return checked 1-D float arrays from the ``lon`` and ``lat`` a caller gave :func:`geo.query.query`.

    Parameters
    ----------
    lon, lat
        Numbers, or array-likes of numbers (degrees), of the same length.

    Returns
    -------
    tuple
        ``(lon, lat, index)``: the degrees as 1-D float arrays, and the pandas index
        of ``lon`` or ``lat`` when one is a Series (else None).

    Raises
    ------
    ValueError
        Naming the first point that is missing, not a number or out of range, or
        what is wrong with the arrays.
    """
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

    bad = _first_bad_lonlat(lon_a, lat_a)
    if bad:
        i, name, problem = bad
        where = name if scalar else f"{name}[{i}]" + (f" (index {index[i]!r})" if index is not None else "")
        raise PointError(f"{where} {problem}", i, _label(index, i), f"{name} {problem}")
    return lon_a, lat_a, index


#: A point converted to lon/lat and back must come back to within this many of its CRS's units, plus this part
#: of its coordinate: PROJ's round trip is exact to far less inside a CRS's domain, and misses by far more outside.
_ROUND_TRIP_ABS = 1e-3
_ROUND_TRIP_REL = 1e-7


def _to_lonlat(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: pyproj.CRS, fail: Callable[[int, str], ValueError]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert finite ``x``, ``y`` in ``crs`` to lon/lat; ``fail(i, problem)`` for the first point outside its domain.

    A point outside the domain (EPSG:3857's ``POINT(1e9 1e9)``) converts to some
    place, such as the North Pole, that does not convert back to it: each point is
    converted there and back, and must return to where it was.
    """
    lon, lat = (np.asarray(a, dtype=float) for a in _transform(crs, WGS84, x, y))
    with np.errstate(invalid="ignore"):
        bx, by = _transform(WGS84, crs, lon, lat)
        tol_x, tol_y = (_ROUND_TRIP_ABS + _ROUND_TRIP_REL * np.abs(v) for v in (x, y))
        back = (np.abs(bx - x) <= tol_x) & (np.abs(by - y) <= tol_y)
    if not back.all():
        i = int(np.argmax(~back))
        how = (
            f"it converts to lon {lon[i]:g}, lat {lat[i]:g}, which converts back elsewhere"
            if np.isfinite(lon[i]) and np.isfinite(lat[i])
            else "it does not convert to lon/lat"
        )
        raise fail(
            i,
            f"({x[i]:g}, {y[i]:g}) is outside the area where {crs.name} is defined ({how}); "
            "expected coordinates in that CRS",
        )
    return lon, lat


def _transform(
    src: Any, dst: Any, x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    a, b = tr.transform(x, y, errcheck=False)
    return np.asarray(a, dtype=float), np.asarray(b, dtype=float)


def from_geo(geo: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return checked lon/lat (degrees, WGS84) of the points of a GeoDataFrame or GeoSeries in any CRS.

    Parameters
    ----------
    geo
        Points, with a CRS.

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes, degrees.

    Raises
    ------
    ValueError
        For no CRS, or naming the first row whose geometry is missing, empty, not a
        point or out of range.
    """
    gs = geo.geometry if isinstance(geo, gpd.GeoDataFrame) else geo
    kind = type(geo).__name__

    def fail(i: int, problem: str, sep: str = ": ") -> PointError:
        return PointError(f"{kind} row {i} (index {gs.index[i]!r}){sep}{problem}", i, _label(gs.index, i), problem)

    if gs.crs is None:
        raise ValueError(f"the {kind} has no CRS; set the one its coordinates are in (e.g. .set_crs('EPSG:32637'))")
    arr = gs.to_numpy()
    checks: list[tuple[NDArray[np.bool_], str | None]] = [
        (shapely.is_missing(arr), "missing geometry (None); expected a Point"),
        (shapely.get_type_id(arr) != shapely.GeometryType.POINT, None),
        (shapely.is_empty(arr), "empty Point; expected a Point with coordinates"),
    ]
    for mask, problem in checks:
        if mask.any():
            i = int(np.argmax(mask))
            raise fail(i, problem or f"expected a Point, got a {arr[i].geom_type}")
    x, y = shapely.get_x(arr), shapely.get_y(arr)
    if gs.crs.equals(WGS84):
        lon, lat = x.astype(float), y.astype(float)
        suffix = ""
    else:
        nonfinite = ~(np.isfinite(x) & np.isfinite(y))
        if nonfinite.any():
            i = int(np.argmax(nonfinite))
            raise fail(i, f"the point has a non-finite coordinate ({x[i]}, {y[i]})")
        lon, lat = _to_lonlat(x, y, gs.crs, fail)
        suffix = f" (converted from {gs.crs.name})"
    bad = _first_bad_lonlat(lon, lat)
    if bad:
        i, name, problem = bad
        raise fail(i, f"{name}{suffix} {problem}", sep=" ")
    return lon, lat
