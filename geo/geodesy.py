"""The metric frame used for all computation, and geodesic helpers.

Geometry is stored in lon/lat (WGS84, EPSG:4326) and computed in one local
transverse Mercator frame centred on the corridor. The frame is conformal and
its scale factor is ``k = 1 + x**2 / (2 R**2)`` at ``x`` metres from the
central meridian: within 40 km of it (the whole patrol segment) lengths are
off by less than 2e-5 (0.12 m at 6 km); at 100 km by about 1.2e-4. Where that
matters (distances to far points) the answer is refined with a geodesic on the
WGS84 ellipsoid (:data:`GEOD`), which is exact to well under a millimetre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GEOD",
    "LOCAL_TM",
    "WGS84",
    "MetricFrame",
    "default_frame",
    "geodesic_area_km2",
    "geodesic_distance_m",
    "geodesic_length_m",
    "grown_bounds",
]

#: Geographic CRS of everything stored and returned: WGS84 lon/lat, degrees.
WGS84 = "EPSG:4326"

#: Local transverse Mercator centred on the Ain al-Havr - Trumba patrol segment.
LOCAL_TM = "+proj=tmerc +lat_0=35.8 +lon_0=36.45 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs +type=crs"

#: The WGS84 ellipsoid, for geodesic distances, lengths and areas.
GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class MetricFrame:
    """A projected frame in metres, with transforms to and from lon/lat.

    Parameters
    ----------
    proj
        A PROJ string or anything :class:`pyproj.CRS` accepts; its unit must be metres.

    Examples
    --------
    >>> frame = default_frame()
    >>> x, y = frame.forward(36.45, 35.8)
    >>> round(float(x), 6), round(float(y), 6)
    (0.0, 0.0)
    """

    proj: str = LOCAL_TM
    crs: pyproj.CRS = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the pyproj CRS of ``proj``."""
        object.__setattr__(self, "crs", pyproj.CRS.from_user_input(self.proj))

    @cached_property
    def _fwd(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(WGS84, self.crs, always_xy=True)

    @cached_property
    def _inv(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(self.crs, WGS84, always_xy=True)

    def forward(self, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project lon/lat (degrees) to x/y (metres)."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def inverse(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unproject x/y (metres) to lon/lat (degrees)."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def to_metric(self, geom: shapely.Geometry) -> shapely.Geometry:
        """Return a lon/lat shapely geometry in this frame (metres)."""
        return shapely.transform(geom, lambda c: np.column_stack(self.forward(c[:, 0], c[:, 1])))

    def to_lonlat(self, geom: shapely.Geometry) -> shapely.Geometry:
        """Return a shapely geometry of this frame in lon/lat (degrees)."""
        return shapely.transform(geom, lambda c: np.column_stack(self.inverse(c[:, 0], c[:, 1])))

    def scale_factor(self, x: ArrayLike) -> NDArray[np.float64]:
        """Approximate point scale factor at easting ``x`` (metres): ``1 + x**2 / (2 R**2)``."""
        r = 6_371_000.0
        e = np.asarray(x, dtype=np.float64)
        scale: NDArray[np.float64] = 1.0 + e * e / (2.0 * r * r)
        return scale


@cache
def default_frame() -> MetricFrame:
    """Return the shared local transverse Mercator frame (:data:`LOCAL_TM`)."""
    return MetricFrame()


def geodesic_distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance on the WGS84 ellipsoid, in metres, element-wise.

    Examples
    --------
    >>> round(float(geodesic_distance_m(36.0, 35.0, 36.0, 36.0)) / 1000, 1)
    110.9
    """
    b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (lon1, lat1, lon2, lat2)))
    x1, y1, x2, y2 = (np.ravel(a) for a in b)
    _, _, dist = GEOD.inv(x1, y1, x2, y2)
    return np.asarray(dist, dtype=float).reshape(b[0].shape)


def geodesic_length_m(line: shapely.Geometry) -> float:
    """Geodesic length of a lon/lat line on the WGS84 ellipsoid, in metres."""
    return float(GEOD.geometry_length(line))


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    """Geodesic area of a lon/lat (multi)polygon on the WGS84 ellipsoid, in square kilometres.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(geodesic_area_km2(box(36.0, 35.0, 36.1, 35.1)), 1)
    101.2
    """
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(float(area)) / 1e6


def grown_bounds(bounds: tuple[float, float, float, float], margin_m: float) -> tuple[float, float, float, float]:
    """Return a lon/lat box holding every point within ``margin_m`` metres of anything inside ``bounds``.

    Parameters
    ----------
    bounds
        West, south, east, north, degrees (a point's bounds are its lon, lat twice).
    margin_m
        Metres, geodesic.

    Returns
    -------
    tuple of float
        West, south, east, north, degrees, grown by at least ``margin_m`` on every side: a degree
        of latitude is over 110.5 km anywhere, and a degree of longitude over
        ``111.3 km × cos(latitude)`` (WGS84's equatorial degree is 111.32 km and shrinks no
        faster), taken at the box's most poleward latitude (capped at 89°).

    Examples
    --------
    >>> w, s, e, n = grown_bounds((36.0, 35.0, 36.0, 35.0), 11_050.0)
    >>> round(n - 35.0, 6), round(35.0 - s, 6)
    (0.1, 0.1)
    """
    west, south, east, north = bounds
    dlat = margin_m / 110_500.0
    far_lat = min(max(abs(south - dlat), abs(north + dlat)), 89.0)
    dlon = margin_m / (111_300.0 * math.cos(math.radians(far_lat)))
    return west - dlon, south - dlat, east + dlon, north + dlat
