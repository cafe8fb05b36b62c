"""Interactive Folium maps of the corridor: one file that works offline, with online basemaps or none.

:func:`build_map` draws the M4, the joint-patrol segment with its labelled ends
and kilometre ticks, the two halves of the security corridor, the 12
observation posts styled by fate, the named places and the context lines
(border, governorate lines, coastline), with a legend, a scale bar, a layer
control, a measure tool, fullscreen and the mouse position in lon/lat, and a
time slider that plays the posts' status and the dated events from 2017 to 2021
(:mod:`geo.maps.timeline`; see :func:`build_map` for how it and the final-status
posts share the map). Your own points (``build_map(c, points=...)``) are drawn over
it, clustered, one layer per file or GeoDataFrame (:mod:`geo.maps.user_layers`).

Both are one self-contained page: Leaflet inlined from an installed package
(:mod:`geo.maps.assets`) and our own controls (:mod:`geo.maps.controls`).

* **Default**: basemaps from :mod:`xyzservices` (light canvas, street map,
  satellite imagery) as tile layers, its only requests; with no connection a
  note says the basemap is unavailable (:mod:`geo.maps.basemap`) and the context
  lines stand in.
* **Offline** (``offline=True``): no tiles (the context lines are the basemap);
  the page makes no network request.

Every text that comes from the data is HTML-escaped, and reaches the page as a
JSON string literal. Element ids are numbered in tree order, so the same data
and options give a byte-identical file (:func:`save_map`).

The package's modules: :mod:`~geo.maps.build` assembles the map from the
overlay builders of :mod:`~geo.maps.overlays` (each gives its layers and its
legend rows, :mod:`~geo.maps.legend`), with popups from :mod:`~geo.maps.popups`,
the time slider of :mod:`~geo.maps.timeline`, the user layers of
:mod:`~geo.maps.user_layers`, the elements and controls of
:mod:`~geo.maps.elements` and :mod:`~geo.maps.controls` and the one style table
of :mod:`~geo.maps.style`; :mod:`~geo.maps.render` renders and saves it and
:mod:`~geo.maps.assets` inlines what a page needs.
"""

from ..analysis import chainage_ticks
from .build import BASEMAPS, build_map
from .elements import Bind, DivMarker, PanelControl
from .render import CorridorMap, map_html, save_map

__all__ = [
    "BASEMAPS",
    "Bind",
    "CorridorMap",
    "DivMarker",
    "PanelControl",
    "build_map",
    "chainage_ticks",
    "map_html",
    "save_map",
]
