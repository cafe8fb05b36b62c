"""Assembling the map: the page set-up, the overlays in drawing order, the slider, the controls and the legend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
import xyzservices.providers as xyz
from branca.element import Figure

from ..analysis import check_step_km
from ..corridor import Corridor
from .assets import OfflineAssets
from .basemap import BasemapNote
from .controls import Declutter, FitView, LegendFit, MapSetup, OwnControls
from .elements import PanelControl
from .legend import legend_html, timeline_rows
from .overlays import context_overlay, corridor_overlay, places_overlay, posts_overlay
from .popups import post_popup, text
from .render import CorridorMap, renumber
from .roads import m4_overlay, patrol_overlay, ticks_overlay
from .style import NDIGITS
from .timeline import add_time_slider
from .user_layers import add_user_layers, user_layers

__all__ = ["BASEMAPS", "build_map"]

#: Online basemaps, in layer-control order (the first is shown on opening).
BASEMAPS = (
    ("Light canvas (Esri World Light Gray)", xyz.Esri.WorldGrayCanvas),
    ("Street map (OpenStreetMap)", xyz.OpenStreetMap.Mapnik),
    ("Satellite imagery (Esri World Imagery)", xyz.Esri.WorldImagery),
)
_TITLE = "Idlib security corridor: M4, patrol segment, corridor and observation posts"
_ATTRIBUTION_TEXT = (
    "Data: © OpenStreetMap contributors (ODbL), Natural Earth (public domain), "
    "GeoNames (CC BY 4.0), Wikipedia (CC BY-SA)"
)
_ATTRIBUTION_LINKS = (
    'Data: © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL), '
    '<a href="https://www.naturalearthdata.com/">Natural Earth</a> (public domain), '
    "GeoNames (CC BY 4.0), Wikipedia (CC BY-SA)"
)


def build_map(  # noqa: PLR0913  (the map's documented options)
    corridor: Corridor,
    offline: bool = False,
    *,
    tick_km: float = 10.0,
    timeline: bool = True,
    events: gpd.GeoDataFrame | None = None,
    timeline_end: str | dt.date | None = None,
    points: Any = None,
    point_color: str = "in_corridor",
    date_col: str | bool | None = True,
) -> folium.Map:
    """Build the interactive map of the corridor.

    With ``timeline`` (the default), the map also has the time slider of
    :func:`geo.maps.timeline.add_time_slider`, bottom left, above the scale bar:

    * The page opens on the posts' final status: the layers "Observation posts,
      remained" and "... evacuated 2020-21" (numbered circles, dashed when
      evacuated), with the slider on its last day, whose account in the panel
      agrees with them. The slider's two layers, "Observation posts on the
      slider's day" and "Events up to the slider's day", are off, so no post is
      drawn twice.
    * Moving the slider, a step button or play switches the slider's two layers on
      and the two final-status layers off: the map then shows the posts set up by
      that day (manned, surrounded or evacuated) and the located events up to it
      (red in the last month, grey before), and a line in the panel says which of
      the two views the map shows.
    * All four are ordinary overlays in the layer control: either view, or both,
      can be switched on and off there. The legend (top left) explains the
      slider's symbols too.

    Parameters
    ----------
    corridor
        The corridor model (:func:`geo.load_corridor`).
    offline
        False (the default) for one self-contained page that also offers the online basemaps of
        :data:`BASEMAPS` as tile layers: Leaflet and every control are inlined, so the page works with
        no connection, and the tiles are its only requests (while they fail, a note on the map
        says the basemap is unavailable and the context lines stand in). True for a page that
        makes no network request at all: no tile layers.
    tick_km
        Distance between the kilometre ticks along the patrol segment, kilometres.
    timeline
        Whether to add the time slider.
    events
        The dated events for the slider; by default the corridor's own (``corridor.events``).
    timeline_end
        The slider's last day (``YYYY-MM-DD``); by default the last day on which the state
        changes. On a day past the data's end (:attr:`geo.Corridor.data_end`) the slider's
        panel says that events are recorded up to that day and later days carry its state forward.
    points
        Your own points, drawn clustered over the corridor (:mod:`geo.maps.user_layers`), each layer with its
        entry in the layer control and the legend: a GeoDataFrame in any CRS (the layer "Your points"), a path
        to any file :func:`geo.read_points` reads (the layer named for the file), or a mapping from layer name
        to either. A frame without the query columns gets them. Rows with no usable point are not drawn, and
        the legend counts them. Popups list every field of a row, as text.
    point_color
        What colours the points: ``"in_corridor"`` (the default), ``"side"``, or a column's name (categories in
        a fixed palette, the 8 most frequent and "other"; numbers in up to 5 classes, the legend gives ranges).
    date_col
        The points' date column: True (the default) finds one named like :data:`geo.spacetime.DATE_NAMES`;
        None or False for none. With the time slider, while its layers are on, a layer shows the points up
        to the slider's day (points with no date stay shown, and the legend says so).

    Returns
    -------
    folium.Map
        Display it in a notebook, or write it with :func:`geo.maps.save_map`.

    Raises
    ------
    ValueError
        ``corridor`` is not a :class:`~geo.corridor.Corridor`, ``offline`` or ``timeline``
        is not a bool, ``tick_km`` is not a positive number, a layer lacks a column it
        needs, or ``points``, ``point_color`` or ``date_col`` is not what is expected (one line naming it).

    Examples
    --------
    >>> from geo import load_corridor
    >>> from geo.maps import map_html
    >>> m = build_map(load_corridor(), offline=True)
    >>> "leaflet-src" in map_html(m) or "<script src=" in map_html(m)
    False
    """
    _check(corridor, offline, timeline)
    tick_km = check_step_km(tick_km, "tick_km")  # before anything is drawn
    mine = [] if points is None else user_layers(corridor, points, point_color=point_color, date_col=date_col,
                                                 dated=bool(timeline))  # fmt: skip
    bounds = _bounds(corridor)
    m = _new_map(bounds, bool(offline), bool(timeline))
    context = context_overlay(m, corridor.context, corridor)
    halves = corridor_overlay(m, corridor)
    roads = [m4_overlay(m, corridor), patrol_overlay(m, corridor), ticks_overlay(m, corridor, tick_km)]
    places_overlay(m, corridor.places)
    posts = posts_overlay(m, corridor.posts)
    if timeline:
        # Bottom left, above the scale bar: the south-west of the view is the coast, with little of ours.
        add_time_slider(
            m,
            corridor,
            events,
            replaces=posts.layers,
            position="bottomleft",
            key=False,
            post_details=[post_popup(row) for _, row in corridor.posts.iterrows()],
            before_corridor_note=" (its layers drawn faint)",
            end=timeline_end,
        )
    rows = add_user_layers(m, mine, bool(timeline))  # above the corridor's own layers, first in the legend
    m.add_child(OwnControls())
    rows += [row for overlay in (*roads, halves, posts, context) for row in overlay.legend]
    if timeline:
        rows.append(timeline_rows())
    # Top left, below the buttons: the north-west of the view is Turkey, with nothing of ours.
    m.add_child(PanelControl(legend_html(rows, corridor.posts), "topleft", "idlib-panel idlib-legend"))
    # Rendered after every layer, those added later too (gdf.explore(m=m)): see CorridorMap.add_last.
    m.add_last(LegendFit(".idlib-timeline" if timeline else None))
    m.add_last(folium.LayerControl(position="topright", collapsed=True))
    m.add_last(FitView(bounds, clear_of=".idlib-legend"))
    m.add_last(Declutter())
    renumber(m)
    return m


def _check(corridor: Any, offline: Any, timeline: Any) -> None:
    """Refuse arguments of the wrong kind, naming them."""
    if not isinstance(corridor, Corridor):
        raise ValueError(f"corridor={type(corridor).__name__}: expected a Corridor (from geo.load_corridor())")
    if not isinstance(offline, (bool, np.bool_)):
        raise ValueError(f"offline={offline!r}: expected True or False")
    if not isinstance(timeline, (bool, np.bool_)):
        raise ValueError(f"timeline={timeline!r}: expected True or False")


def _bounds(corridor: Corridor) -> list[list[float]]:
    """[[south, west], [north, east]] of the road, the corridor, the posts and the places, degrees."""
    extent = shapely.union_all(
        [corridor.m4, corridor.security_corridor, *corridor.posts.geometry, *corridor.places.geometry]
    )
    west, south, east, north = extent.bounds
    return [[south, west], [north, east]]


def _new_map(bounds: list[list[float]], offline: bool, timeline: bool) -> CorridorMap:
    """Return the map centred on ``bounds``, with its title, Leaflet inlined, its page set-up and (online) basemaps."""
    (south, west), (north, east) = bounds
    m = CorridorMap(
        location=[round((south + north) / 2, NDIGITS), round((west + east) / 2, NDIGITS)],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    figure = m.get_root()
    if isinstance(figure, Figure):
        figure.title = _TITLE
    stylesheets = ("map.css", "map_timeline.css", "context.css") if timeline else ("map.css", "context.css")
    m.default_js = []  # Folium's CDN scripts (Leaflet, jQuery, Bootstrap, awesome-markers): inlined or not needed
    m.default_css = []
    m.add_child(OfflineAssets(no_request=offline))
    if offline:
        m.add_child(MapSetup(text(_ATTRIBUTION_TEXT), prefix="Leaflet", stylesheets=stylesheets))
    else:
        for i, (label, provider) in enumerate(BASEMAPS):
            folium.TileLayer(provider, name=label, overlay=False, control=True, show=i == 0).add_to(m)
        m.add_child(MapSetup(_ATTRIBUTION_LINKS, stylesheets=stylesheets))
        m.add_child(BasemapNote())
    return m
