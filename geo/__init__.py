"""Idlib patrol corridor: the M4, the joint-patrol segment, the security corridor and the posts.

Model the Russia-Turkey Additional Protocol of 5 March 2020 with shapely,
GeoPandas and pyproj; query distances to the corridor; export maps.

Examples
--------
>>> import geo
>>> c = geo.load_corridor()
>>> c.patrol_segment.geom_type
'LineString'
"""

from .corridor import DEFAULT_WIDTH_KM, Corridor, load_corridor, read_m4
from .data import DataError, data_path
from .geodesy import GEOD, LOCAL_TM, MetricFrame, default_frame, geodesic_distance_m, geodesic_length_m
from .maps import build_map, save_map
from .summary import CorridorSummary

__all__ = [
    "DEFAULT_WIDTH_KM",
    "GEOD",
    "LOCAL_TM",
    "Corridor",
    "CorridorSummary",
    "DataError",
    "MetricFrame",
    "build_map",
    "data_path",
    "default_frame",
    "geodesic_distance_m",
    "geodesic_length_m",
    "load_corridor",
    "read_m4",
    "save_map",
]

__version__ = "0.1.0"
