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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .corridor import DEFAULT_WIDTH_KM, Corridor, load_corridor, read_m4
from .data import DataError, data_path
from .events import read_events
from .export import export_layers
from .geodesy import GEOD, LOCAL_TM, MetricFrame, default_frame, geodesic_distance_m, geodesic_length_m
from .history import CorridorState, corridor_as_of
from .summary import CorridorSummary

if TYPE_CHECKING:
    from .classify import classify_file
    from .dataset import classify_dataset
    from .maps import build_map, map_html, save_map
    from .points import read_points
    from .spacetime import plot_spacetime, post_summary

__all__ = [
    "DEFAULT_WIDTH_KM",
    "GEOD",
    "LOCAL_TM",
    "Corridor",
    "CorridorState",
    "CorridorSummary",
    "DataError",
    "MetricFrame",
    "build_map",
    "classify_dataset",
    "classify_file",
    "corridor_as_of",
    "data_path",
    "default_frame",
    "export_layers",
    "geodesic_distance_m",
    "geodesic_length_m",
    "load_corridor",
    "map_html",
    "plot_spacetime",
    "post_summary",
    "read_events",
    "read_m4",
    "read_points",
    "save_map",
]

__version__ = "0.1.0"


#: Names loaded on first use, and their module: the map stack (folium, branca, jinja2, xyzservices)
#: and pyarrow cost every command a fifth of a second, so ``import geo`` leaves them out.
_LAZY = {
    "build_map": "maps",
    "map_html": "maps",
    "save_map": "maps",
    "classify_file": "classify",
    "classify_dataset": "dataset",
    "read_points": "points",
    "plot_spacetime": "spacetime",
    "post_summary": "spacetime",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
