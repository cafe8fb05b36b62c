"""The input checks every reader shares: missing values and WGS84 coordinates, in one message style.

Messages read ``"<where>: <problem>"``: the caller names the file and feature, the row,
or the vertex; the problem names the value and what was expected.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "LAT_RANGE",
    "LON_RANGE",
    "REGION_BOUNDS",
    "DataError",
    "given",
    "is_missing",
    "is_real_number",
    "lonlat_ok",
    "lonlat_problem",
    "lonlat_problem_kinds",
    "real_number",
    "region_problem",
    "within",
]

#: The ranges of a WGS84 longitude and latitude, degrees.
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)

#: Plausible extent of every shipped feature (lon_min, lat_min, lon_max, lat_max), degrees.
#: A coordinate outside it is almost always a swapped lat/lon or a typo.
REGION_BOUNDS = (35.0, 34.8, 38.0, 36.7)


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and the feature."""


def is_missing(value: object) -> bool:
    """Whether ``value`` is absent: None, NaN, ``pandas.NA`` or ``NaT`` (how pandas reads a null).

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, 0, "", [1])]
    [True, True, True, False, False, False]
    """
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))  # type: ignore[call-overload]


def is_real_number(value: object) -> bool:
    """Whether ``value`` is a real number: an int or float (numpy's too), never a bool.

    ``True`` is an ``int`` to Python and 1.0 to numpy; as a coordinate or a width it is
    always a mistake, so every reader of numbers refuses it through this test.

    Examples
    --------
    >>> [is_real_number(v) for v in (6, 6.5, np.float32(6), True, np.bool_(False), "6", None)]
    [True, True, True, False, False, False, False]
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def real_number(value: object, what: str, unit: str) -> float:
    """Return ``value`` as a float, or raise ValueError naming ``what`` if it is not a real number.

    Parameters
    ----------
    value
        The number given (a bool, a string or None is refused).
    what
        Its name in the message, e.g. ``"width_km"``.
    unit
        What the number counts, e.g. ``"kilometres"``.

    Examples
    --------
    >>> real_number(6, "width_km", "kilometres")
    6.0
    >>> real_number(True, "width_km", "kilometres")
    Traceback (most recent call last):
    ...
    ValueError: width_km=True: expected a number of kilometres, got a bool
    """
    if not is_real_number(value):
        raise ValueError(f"{what}={value!r}: expected a number of {unit}, got a {type(value).__name__}")
    return float(value)  # type: ignore[arg-type]


def given(value: Any) -> Any:
    """``value``, or None if it is missing (see :func:`is_missing`)."""
    return None if is_missing(value) else value


def lonlat_problem(lon: float, lat: float) -> str | None:
    """Why (``lon``, ``lat``) is not a WGS84 position in degrees, or None if it is one.

    NaN counts as not finite; a reader that turns empty cells into NaN says "missing" itself.

    Examples
    --------
    >>> lonlat_problem(36.6, 95.5)
    'latitude 95.5 out of range, expected [-90, 90]'
    >>> lonlat_problem(36.6, 35.8) is None
    True
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"coordinate is not finite (lon {lon}, lat {lat})"
    for name, value, (low, high) in (("longitude", lon, LON_RANGE), ("latitude", lat, LAT_RANGE)):
        if not low <= value <= high:
            return f"{name} {value} out of range, expected [{low:g}, {high:g}]"
    return None


def within(values: NDArray[np.float64], bounds: tuple[float, float]) -> NDArray[np.bool_]:
    """Tell, element-wise, where ``values`` lie in the closed range ``bounds`` (NaN does not)."""
    with np.errstate(invalid="ignore"):
        return np.asarray((values >= bounds[0]) & (values <= bounds[1]))


def lonlat_problem_kinds(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.object_]:
    """Return, element-wise, the kind of :func:`lonlat_problem`'s answer, without its values ("" for none).

    The kinds are ``"coordinate is not finite"``, ``"longitude out of range"`` and
    ``"latitude out of range"``, in that order of precedence, as :func:`lonlat_problem` has them.

    Examples
    --------
    >>> lonlat_problem_kinds(np.array([36.6, 200.0, np.inf]), np.array([95.0, 95.0, 35.8])).tolist()
    ['latitude out of range', 'longitude out of range', 'coordinate is not finite']
    """
    kinds = np.full(len(lon), "", dtype=object)
    kinds[~within(lat, LAT_RANGE)] = "latitude out of range"
    kinds[~within(lon, LON_RANGE)] = "longitude out of range"
    kinds[~(np.isfinite(lon) & np.isfinite(lat))] = "coordinate is not finite"
    return kinds


def lonlat_ok(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Tell, element-wise, where :func:`lonlat_problem` finds nothing (lon in [-180, 180], lat in [-90, 90])."""
    return within(lon, LON_RANGE) & within(lat, LAT_RANGE)


def region_problem(lon: float, lat: float, bounds: tuple[float, float, float, float] = REGION_BOUNDS) -> str | None:
    """Why a valid (``lon``, ``lat``) cannot be one of ours (outside ``bounds``), or None.

    Examples
    --------
    >>> region_problem(35.86, 36.8)
    'lon 35.86, lat 36.8 is far outside the Idlib region (lon 35.0..38.0, lat 34.8..36.7); swapped lat/lon?'
    """
    lon0, lat0, lon1, lat1 = bounds
    if lon0 <= lon <= lon1 and lat0 <= lat <= lat1:
        return None
    return (
        f"lon {lon}, lat {lat} is far outside the Idlib region (lon {lon0}..{lon1}, lat {lat0}..{lat1}); "
        "swapped lat/lon?"
    )
