"""Interactive Folium maps of the corridor: online with tiled basemaps, or one offline file.

:func:`build_map` draws the M4, the joint-patrol segment with its labelled ends
and kilometre ticks, the two halves of the security corridor, the 12
observation posts styled by fate, the named places and the context lines
(border, governorate lines, coastline), with a legend, a scale bar, a layer
control, a measure tool, fullscreen and the mouse position in lon/lat, and a
time slider that plays the posts' status and the dated events from 2017 to 2021
(:mod:`geo.timeline_map`; see :func:`build_map` for how it and the final-status
posts share the map).

* **Online** (default): basemaps from :mod:`xyzservices` (light canvas, street
  map, satellite imagery), a minimap, and Folium's plugins for the controls.
* **Offline** (``offline=True``): no tiles (the context lines are the basemap),
  Leaflet inlined from an installed package (:mod:`geo.offline`), our own
  controls (:mod:`geo._leaflet_controls`); the page makes no network request.

Every text that comes from the data is HTML-escaped, and reaches the page as a
JSON string literal. Element ids are numbered in tree order, so the same data
and options give a byte-identical file (:func:`save_map`).
"""

from __future__ import annotations

import copy
import html
import os
import secrets
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices.providers as xyz
from branca.element import Element, Figure, MacroElement
from folium import plugins
from folium.template import Template
from shapely.geometry import Point

from ._leaflet_controls import (
    MAP_CSS,
    Bind,
    Declutter,
    DivMarker,
    FitView,
    MapSetup,
    OwnControls,
    PanelControl,
    js_string,
)
from .analysis import across_border, chainage_ticks, check_step_km, long_straights
from .corridor import M4_SOURCE, PATROL_END, PATROL_START, Corridor
from .data import CONFIDENCE_CODES
from .geodesy import GEOD
from .offline import OfflineAssets, external_references
from .timeline_map import ARRANGEMENT_STYLES, EVENT_STYLES, add_time_slider

__all__ = ["BASEMAPS", "CorridorMap", "build_map", "chainage_ticks", "map_html", "save_map"]

#: Online basemaps, in layer-control order (the first is shown on opening).
BASEMAPS = (
    ("Light canvas (Esri World Light Gray)", xyz.Esri.WorldGrayCanvas),
    ("Street map (OpenStreetMap)", xyz.OpenStreetMap.Mapnik),
    ("Satellite imagery (Esri World Imagery)", xyz.Esri.WorldImagery),
)

#: Decimal places kept in coordinates: 1e-6 degree is about 0.1 m here.
_NDIGITS = 6
#: What the shipped M4 line is, for its popup.
_M4_ALIGNMENT = (
    "OpenStreetMap's centreline (about 2016) as Travel Mapping traced it: vertices on the road, straight between "
    "them, so bends may be cut by up to a few hundred metres (see data/SOURCES.md)"
)
#: A straight piece of the M4 longer than this (no waypoint on it) is drawn dashed, metres.
_LONG_STRAIGHT_M = 20_000.0

_COLORS = {
    "north": "#d7301f",
    "south": "#2166ac",
    "m4": "#404040",
    "patrol": "#ff8c00",
    "tick": "#000000",
    "place": "#333333",
    "border": "#7b3294",
    "admin1": "#8c8c8c",
    "coastline": "#3a7bbf",
}
_CONTEXT_STYLE = {
    "border": {"color": _COLORS["border"], "weight": 2.5, "dash_array": "10 4 2 4"},
    "admin1": {"color": _COLORS["admin1"], "weight": 1.3, "dash_array": "5 4"},
    "coastline": {"color": _COLORS["coastline"], "weight": 1.6},
}
_CONTEXT_NAMES = {"border": "Turkey-Syria border", "admin1": "Governorate boundaries", "coastline": "Coastline"}
#: Legend rows for the time slider's symbols (whose own stylesheet comes with the slider).
_LEGEND_CSS = """
.idlib-legend { overflow-x: hidden; overflow-y: auto; }
.idlib-legend li.idlib-legend-head { font-weight: 700; margin-top: 7px; }
.idlib-legend .sw.idlib-tl-post { width: 14px; height: 14px; margin: 0 3px 0 8px; box-shadow: none; }
.idlib-legend .sw.idlib-ev { width: 16px; margin: 0 3px 0 8px; }
.idlib-legend li.idlib-legend-wrap { white-space: normal; color: #555; }
/* The slider on a day before the corridor existed (geo.timeline_map marks the map's container). */
.idlib-tl-before-corridor path.idlib-corridor { opacity: 0.12; }
.idlib-tl-before-corridor path.idlib-patrol, .idlib-tl-before-corridor path.idlib-patrol-end,
.idlib-tl-before-corridor path.idlib-tick { opacity: 0.2; }
.idlib-tl-before-corridor .leaflet-tooltip.idlib-km { visibility: hidden; }
.idlib-tl-before-corridor .leaflet-tooltip.idlib-end { opacity: 0.5; }
"""
_ATTRIBUTION_TEXT = (
    "Data: © OpenStreetMap contributors (ODbL), Natural Earth (public domain), "
    "GeoNames (CC BY 4.0), Wikipedia (CC BY-SA)"
)
_ATTRIBUTION_LINKS = (
    'Data: © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL), '
    '<a href="https://www.naturalearthdata.com/">Natural Earth</a> (public domain), '
    "GeoNames (CC BY 4.0), Wikipedia (CC BY-SA)"
)


# --------------------------------------------------------------------------------------------- helpers


def _plain(value: Any) -> str:
    """Data value as plain text: '' for a missing value, lists joined with commas, 12.0 as 12."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return ", ".join(t for t in (_plain(v) for v in value) if t)
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _text(value: Any) -> str:
    """Data value as escaped HTML text (see :func:`_plain`)."""
    return html.escape(_plain(value), quote=True)


def _popup_html(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    """A popup: an escaped title and a table of the non-empty (label, value) rows."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows if _text(v))
    return f'<div class="idlib-popup"><h4>{_text(title)}</h4><table>{body}</table></div>'


def _latlngs(geom: shapely.Geometry) -> list[Any]:
    """Leaflet [lat, lon] nesting for a (Multi)LineString or Polygon, rounded to ~0.1 m."""

    def ring(coords: Iterable[Any]) -> list[list[float]]:
        return [[round(float(c[1]), _NDIGITS), round(float(c[0]), _NDIGITS)] for c in coords]

    if geom.geom_type == "LineString":
        return ring(geom.coords)
    if geom.geom_type == "MultiLineString":
        return [ring(g.coords) for g in geom.geoms]
    if geom.geom_type == "Polygon":
        return [ring(geom.exterior.coords), *(ring(r.coords) for r in geom.interiors)]
    if geom.geom_type == "MultiPolygon":
        return [[ring(p.exterior.coords), *(ring(r.coords) for r in p.interiors)] for p in geom.geoms]
    raise ValueError(f"cannot draw a {geom.geom_type} as a line or polygon")


def _latlng(point: Point) -> tuple[float, float]:
    return round(float(point.y), _NDIGITS), round(float(point.x), _NDIGITS)


def _css_token(text: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(text).lower())


def _confidence(code: Any, note: Any = None) -> str:
    """'S (sourced): note' from a confidence code, as plain text."""
    code = _plain(code)
    word = CONFIDENCE_CODES.get(code, "")
    text = f"{code} ({word})" if word else code
    return text + (f": {_plain(note)}" if _plain(note) else "")


def _require(gdf: gpd.GeoDataFrame, layer: str, columns: Iterable[str], geom_types: set[str]) -> None:
    """Refuse a layer that lacks a column or holds an unexpected geometry, naming the first bad row."""
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ValueError(f"{layer} layer: missing column(s) {missing}; expected {sorted(columns)}")
    types = gdf.geometry.geom_type.to_numpy()
    bad = np.flatnonzero(gdf.geometry.isna().to_numpy() | ~np.isin(types, sorted(geom_types)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{layer} layer: row {i} has geometry {types[i]!r}, expected one of {sorted(geom_types)} "
            f"({bad.size} bad row(s))"
        )


# ------------------------------------------------------------------------------------------- layers


def _add_context(m: folium.Map, context: gpd.GeoDataFrame) -> None:
    _require(context, "context", ("kind", "name"), {"LineString", "MultiLineString"})
    for kind in dict.fromkeys(context["kind"].astype(str)):
        group = folium.FeatureGroup(name=_CONTEXT_NAMES.get(kind, f"Context: {kind}")).add_to(m)
        style = _CONTEXT_STYLE.get(kind, {"color": "#666666", "weight": 1.2})
        for _, row in context[context["kind"].astype(str) == kind].iterrows():
            line = folium.PolyLine(
                _latlngs(row.geometry), class_name=f"idlib-context idlib-context-{_css_token(kind)}", **style
            ).add_to(group)
            tip = f"<b>{_text(row['name'])}</b><br>{_text(row.get('source'))}<br><i>{_text(row.get('note'))}</i>"
            line.add_child(Bind(tip, "tooltip", sticky=True))


def _across_border(corridor: Corridor, half: shapely.Geometry) -> str:
    """A caveat when the border line of the context layer cuts off part of a corridor half, else ''."""
    overlap = across_border(corridor, half)
    if overlap is None:
        return ""
    near = f" near {overlap.nearest_place}," if overlap.nearest_place is not None else ""
    return (
        f"The protocol's {corridor.width_km:g} km is measured from the road:{near} "
        f"about {overlap.area_km2:.1f} km² of this half lies across the Turkey-Syria border line of the map "
        "(Natural Earth), i.e. in Turkey."
    )


def _add_corridor(m: folium.Map, corridor: Corridor) -> None:
    halves = corridor.layers()["security_corridor"]
    total_km2 = float(halves["area_km2"].sum())
    for k, (_, row) in enumerate(halves.iterrows()):
        side = str(row["side"])
        by = str(row["patrolled_by"])
        group = folium.FeatureGroup(name=f"Security corridor, {side} half ({by} patrols)").add_to(m)
        poly = folium.Polygon(
            _latlngs(row.geometry),
            color=_COLORS.get(side, "#555555"),
            weight=1.2,
            fill=True,
            fill_color=_COLORS.get(side, "#555555"),
            fill_opacity=0.16,
            class_name=f"idlib-corridor idlib-corridor-{_css_token(side)}",
        ).add_to(group)
        popup = _popup_html(
            str(row["name"]),
            [
                ("Patrolled by", f"{by} (as reported)"),
                ("Width", f"{float(row['width_km']):g} km {side} of the M4, along the patrol segment"),
                ("Area", f"{float(row['area_km2']):,.1f} km² (whole corridor {total_km2:,.1f} km², geodesic)"),
                ("Caveat", _across_border(corridor, halves.geometry.iloc[k])),
                ("Source", row.get("source")),
            ],
        )
        poly.add_child(Bind(popup, "popup", maxWidth=360))


#: Label sides for the patrol ends, in order of preference: [Leaflet direction, [dx, dy] pixels].
_END_PLACES = {
    # The start (east end, beside Saraqib): above or west of its marker, never east (where Saraqib is).
    "start": [["top", [0, -8]], ["left", [-8, 0]], ["top", [0, -36]], ["top", [-60, -36]], ["bottom", [0, 8]]],
    "end": [["left", [-8, 0]], ["bottom", [0, 8]], ["top", [0, -8]], ["left", [-8, 24]]],
}
_KM_PLACES = [
    ["bottom", [0, 2]],
    ["top", [0, -2]],
    ["right", [4, 0]],
    ["left", [-4, 0]],
    ["top", [-14, -2]],
    ["bottom", [-14, 2]],
    ["top", [14, -2]],
    ["bottom", [14, 2]],
    ["bottom", [0, 14]],
    ["top", [0, -14]],
]
_PLACE_PLACES = [["right", [2, 0]], ["left", [-2, 0]], ["top", [0, -2]], ["bottom", [0, 2]]]


def _add_roads(m: folium.Map, corridor: Corridor, step_km: float) -> None:
    layers = corridor.layers()
    m4 = layers["m4"].iloc[0]
    group = folium.FeatureGroup(name="M4 highway").add_to(m)
    line = folium.PolyLine(_latlngs(corridor.m4), color=_COLORS["m4"], weight=3.5, class_name="idlib-m4")
    straights = long_straights(corridor.m4, _LONG_STRAIGHT_M)
    rows = [
        ("Length", f"{float(m4['length_km']):.1f} km (geodesic)"),
        ("Alignment", _M4_ALIGNMENT if corridor.m4_source == M4_SOURCE else "as supplied (see Geometry)"),
    ]
    if straights:
        km = sum(GEOD.geometry_length(g) for g in straights) / 1000
        rows.append(
            (
                "Dashed",
                f"{km:.0f} km with no sourced waypoint for over {_LONG_STRAIGHT_M / 1000:g} km: "
                "one straight line, furthest from the real road",
            )
        )
    rows.append(("Geometry", m4.get("source")))
    line.add_to(group).add_child(
        Bind(_popup_html("M4 highway (Latakia - Saraqib)", rows), "popup", maxWidth=360)
    )
    for straight in straights:  # white dashes over the grey line: it reads as dashed, and stays clickable
        dashes = folium.PolyLine(
            _latlngs(straight),
            color="#ffffff",
            weight=2.5,
            dash_array="8 8",
            class_name="idlib-m4-approx",
        )
        dashes.options["interactive"] = False  # clicks reach the M4 line below (Folium drops the kwarg)
        dashes.add_to(group)

    patrol = layers["patrol_segment"].iloc[0]
    length_km = float(patrol["length_km"])
    group = folium.FeatureGroup(name=f"Joint-patrol segment ({PATROL_START} - {PATROL_END})").add_to(m)
    line = folium.PolyLine(
        _latlngs(corridor.patrol_segment), color=_COLORS["patrol"], weight=6, opacity=0.95, class_name="idlib-patrol"
    )
    line.add_to(group).add_child(
        Bind(
            _popup_html(
                f"Joint-patrol segment, {PATROL_START} - {PATROL_END}",
                [
                    ("Length", f"{length_km:.1f} km along the M4 (geodesic)"),
                    ("Patrols", "Joint Russian-Turkish patrols from 15 March 2020 (Additional Protocol, art. 3)"),
                    ("Geometry", patrol.get("source")),
                ],
            ),
            "popup",
            maxWidth=360,
        )
    )
    coords = corridor.patrol_segment.coords
    ends = ((coords[0], PATROL_START, "start", 0.0), (coords[-1], PATROL_END, "end", length_km))
    for (lon, lat), name, which, km in ends:
        dot = folium.CircleMarker(
            (round(lat, _NDIGITS), round(lon, _NDIGITS)),
            radius=6,
            color=_COLORS["patrol"],
            weight=3,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            class_name=f"idlib-patrol-end idlib-patrol-{which}",
        ).add_to(group)
        place = corridor.places[corridor.places["name"] == name]
        note = place["patrol_end_note"].iloc[0] if "patrol_end_note" in place and len(place) else None
        end_rows: list[tuple[str, Any]] = [
            ("On the M4", f"{lat:.5f} N, {lon:.5f} E, km {km:.1f} from {PATROL_START}"),
            ("How chosen", note),
        ]
        dot.add_child(Bind(_popup_html(f"Patrol {which}: {name}", end_rows), "popup", maxWidth=360))
        label = f"{_text(name)} - patrol {which} (km {round(km, 1):g})"
        (direction, offset), *_ = _END_PLACES[which]
        dot.add_child(
            Bind(
                label,
                "tooltip",
                permanent=True,
                direction=direction,
                offset=offset,
                places=_END_PLACES[which],
                className="idlib-label idlib-end",
            )
        )

    ticks = chainage_ticks(corridor, step_km)
    group = folium.FeatureGroup(name=f"Kilometre ticks (every {step_km:g} km from {PATROL_START})").add_to(m)
    for _, row in ticks.iterrows():
        tick = folium.PolyLine(_latlngs(row["tick"]), color=_COLORS["tick"], weight=2, class_name="idlib-tick")
        tick.add_to(group)
        km = float(row["chainage_km"])
        if km > 0:  # km 0 is labelled by the patrol start
            tick.add_child(
                Bind(
                    f"{km:g} km",
                    "tooltip",
                    permanent=True,
                    direction=_KM_PLACES[0][0],
                    offset=_KM_PLACES[0][1],
                    places=_KM_PLACES,
                    className="idlib-label idlib-km",
                )
            )


def _post_popup(row: pd.Series) -> str:
    def joined(value: Any, note: Any) -> str:
        value, note = _plain(value), _plain(note)
        return f"{value} ({note})" if value and note else value or note

    fate = _plain(row["fate"])
    fate_text = "remained after 2020" if fate == "remained" else f"evacuated {_plain(row.get('evacuated'))}"
    fate_note = _plain(row.get("fate_note"))
    tr_number = _plain(row.get("tr_number"))
    return _popup_html(
        _plain(row["name"]),
        [
            ("Post no.", joined(row.get("number"), f"Turkish numbering: {tr_number}" if tr_number else "")),
            ("Arabic", row.get("name_ar")),
            ("Also written", row.get("alt_names")),
            ("Where", row.get("where")),
            ("Established", joined(row.get("established"), row.get("established_note"))),
            ("Fate", f"{fate_text} - {fate_note}" if fate_note else fate_text),
            ("Point", joined(row.get("point_kind"), row.get("point_note"))),
            ("Village point", _settlement(row.get("settlement"))),
            ("Coordinate", _confidence(row.get("confidence"), row.get("confidence_note"))),
            ("Source", row.get("source")),
            ("History", row.get("history_source")),
        ],
    )


def _settlement(value: Any) -> str:
    """'Morek, 35.37516 N 36.689869 E (source)' for a post's kept village point, or ''."""
    if not isinstance(value, dict):
        return ""
    name, lat, lon, source = (_plain(value.get(k)) for k in ("name", "lat", "lon", "source"))
    return f"{name}, {lat} N {lon} E ({source})"


def _add_posts(m: folium.Map, posts: gpd.GeoDataFrame) -> list[folium.FeatureGroup]:
    _require(posts, "posts", ("number", "name", "fate"), {"Point"})
    fates = posts["fate"].astype(str)
    bad = np.flatnonzero(~fates.isin(["remained", "evacuated"]).to_numpy())
    if bad.size:
        raise ValueError(
            f"posts layer: row {bad[0]} has fate {fates.iloc[bad[0]]!r}, expected 'remained' or 'evacuated'"
        )
    groups = {
        "remained": folium.FeatureGroup(name=f"Observation posts, remained ({int((fates == 'remained').sum())})"),
        "evacuated": folium.FeatureGroup(
            name=f"Observation posts, evacuated 2020-21 ({int((fates == 'evacuated').sum())})"
        ),
    }
    for group in groups.values():
        group.add_to(m)
    for _, row in posts.iterrows():
        fate = str(row["fate"])
        when = "remained" if fate == "remained" else f"evacuated {row.get('evacuated')}"
        marker = DivMarker(
            _latlng(row.geometry),
            html=f"<span>{_text(row['number'])}</span>",
            class_name=f"idlib-post idlib-post-{fate}",
            title=f"Post {row['number']}: {row['name']} ({when})",
        ).add_to(groups[fate])
        marker.add_child(Bind(_post_popup(row), "popup", maxWidth=420))
    return list(groups.values())


def _add_places(m: folium.Map, places: gpd.GeoDataFrame) -> None:
    _require(places, "places", ("name",), {"Point"})
    group = folium.FeatureGroup(name="Places").add_to(m)
    for _, row in places.iterrows():
        dot = folium.CircleMarker(
            _latlng(row.geometry),
            radius=3.5,
            color=_COLORS["place"],
            weight=1.5,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            class_name="idlib-place",
        ).add_to(group)
        if str(row["name"]) not in (PATROL_START, PATROL_END):  # labelled by the patrol segment's ends
            dot.add_child(
                Bind(
                    _text(row["name"]),
                    "tooltip",
                    permanent=True,
                    direction=_PLACE_PLACES[0][0],
                    offset=_PLACE_PLACES[0][1],
                    places=_PLACE_PLACES,
                    className="idlib-label",
                )
            )
        popup = _popup_html(
            str(row["name"]),
            [
                ("Arabic", row.get("name_ar")),
                ("Kind", row.get("kind")),
                ("Note", row.get("note")),
                ("Coordinate", _confidence(row.get("confidence"))),
                ("Source", row.get("source")),
            ],
        )
        dot.add_child(Bind(popup, "popup", maxWidth=380))


def _legend(corridor: Corridor, step_km: float, timeline: bool) -> str:
    posts = corridor.posts
    n_remained = int((posts["fate"].astype(str) == "remained").sum())
    n_evacuated = int((posts["fate"].astype(str) == "evacuated").sum())
    w = f"{corridor.width_km:g}"

    def line(color: str, weight: float, dash: str = "") -> str:
        style = f"border-top:{weight}px {'dashed' if dash else 'solid'} {color};height:0"
        return f'<span class="sw" style="{style}"></span>'

    def box(color: str) -> str:
        return f'<span class="sw" style="background:{color}29;border:1.5px solid {color}"></span>'

    m4 = f"<li>{line(_COLORS['m4'], 3.5)}M4 highway</li>"
    # One row: the dashed stretch is the least sure part of the same line.
    if long_straights(corridor.m4, _LONG_STRAIGHT_M):
        dashed = line(_COLORS["m4"], 3.5, "dash").replace('class="sw"', 'class="sw idlib-ev"')
        m4 = f"<li>{line(_COLORS['m4'], 3.5)}M4 highway, approximate{dashed}unsourced</li>"
    items = [
        (line(_COLORS["patrol"], 6), f"Joint-patrol segment, {PATROL_START} - {PATROL_END}"),
        (line(_COLORS["tick"], 2), f"Tick every {step_km:g} km from {PATROL_START}"),
        (box(_COLORS["north"]), f"Corridor north of the M4, {w} km (Turkish patrols)"),
        (box(_COLORS["south"]), f"Corridor south of the M4, {w} km (Russian patrols)"),
        ('<span class="sw idlib-post idlib-post-remained"></span>', f"Observation post, remained ({n_remained})"),
        ('<span class="sw idlib-post idlib-post-evacuated"></span>', f"Observation post, evacuated ({n_evacuated})"),
        (line(_COLORS["border"], 2.5, "dash"), "Turkey-Syria border"),
        (line(_COLORS["admin1"], 1.5, "dash"), "Governorate boundary"),
        (line(_COLORS["coastline"], 1.6), "Coastline"),
    ]
    rows = m4 + "".join(f"<li>{sw}{html.escape(label)}</li>" for sw, label in items)
    if timeline:
        symbols = "".join(
            f'<span class="sw idlib-tl-post idlib-tl-{status}"></span>{html.escape(word)}'
            for status, word in (("active", "manned"), ("besieged", "surrounded"), ("evacuated", "evacuated"))
        )

        def event(style: dict[str, Any]) -> str:
            css = f"border-top:{style['weight']}px solid {style['color']};opacity:{style['opacity']};height:0"
            return f'<span class="sw idlib-ev" style="{css}"></span>'

        def arrangement(style: dict[str, Any]) -> str:
            css = f"border-top:{style['weight']}px dashed {style['color']};height:0"
            return f'<span class="sw idlib-ev" style="{css}"></span>'

        events = f"{event(EVENT_STYLES['recent'])}in the last month{event(EVENT_STYLES['earlier'])}earlier"
        rows += (
            '<li class="idlib-legend-head">Time slider (bottom left), on its day:</li>'
            f'<li class="idlib-legend-time">Post{symbols}</li>'
            f'<li class="idlib-legend-time">Event{events}</li>'
            f'<li class="idlib-legend-time">{arrangement(ARRANGEMENT_STYLES["recent"])}'
            "Agreement on the route (not a patrol)</li>"
        )
    return (
        "<details open><summary>Idlib security corridor, 5 March 2020</summary>"
        f"<ul>{rows}</ul>"
        f'<div class="note">{html.escape(_post_points_note(posts))} Click a feature for its sources.</div></details>'
    )


#: How the legend names each kind of post point (data.POINT_KINDS), in the order it lists them.
_POINT_KIND_WORDS = {
    "site estimate": "at the site as reports place it (estimate)",
    "site mark": "on a map mark of the post's hill or site",
    "between places": "midway between the two places reports put it between",
    "settlement centre": "on the village or town it stood in or by",
    "nearby place": "on a nearby place",
}


def _post_points_note(posts: gpd.GeoDataFrame) -> str:
    """'Post symbols: 8, 9 at the site as reports place it (estimate); ...' from the posts' point kinds."""
    if "point_kind" not in posts:
        return "Post symbols stand for the posts; see each popup for what the point is."
    kinds = posts["point_kind"].astype(str)
    parts = []
    for kind, words in _POINT_KIND_WORDS.items():
        numbers = [str(n) for n in posts.loc[kinds == kind, "number"]]
        if numbers:
            parts.append(f"{', '.join(numbers)} {words}")
    return "Post symbols: " + "; ".join(parts) + "."


class _LegendAbovePanel(MacroElement):
    """Keep the legend (top left) from running under a panel in the bottom-left corner.

    On a short map the legend gets a maximum height that ends 10 px above the panel
    (it scrolls), recomputed whenever the map or the panel changes size.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (box) {
                var legend = box.querySelector(".idlib-legend"), panel = box.querySelector({{ this.panel }});
                if (!legend || !panel || !window.ResizeObserver) { return; }
                function fit() {
                    var css = getComputedStyle(legend), edges = 0;
                    ["paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"].forEach(function (k) {
                        edges += parseFloat(css[k]) || 0;
                    });
                    var room = panel.getBoundingClientRect().top - legend.getBoundingClientRect().top - 10;
                    legend.style.maxHeight = Math.max(room - edges, 48) + "px";
                    // A scroll bar, when there is one, gets room of its own rather than covering the rows.
                    legend.style.paddingRight = "";
                    var bar = legend.offsetWidth - legend.clientWidth - (parseFloat(css.borderLeftWidth) || 0) -
                        (parseFloat(css.borderRightWidth) || 0);
                    if (bar > 0) { legend.style.paddingRight = (parseFloat(css.paddingRight) + bar) + "px"; }
                }
                var watch = new ResizeObserver(fit);
                watch.observe(box);
                watch.observe(panel);
                fit();
            })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
        """
    )

    def __init__(self, panel: str) -> None:
        super().__init__()
        self._name = "LegendAbovePanel"
        self.panel = js_string(panel)


# ---------------------------------------------------------------------------------------------- map


def _renumber(root: Element) -> None:
    """Give every element under ``root`` an id from its position in the tree, not from uuid4."""
    order: list[Element] = []
    seen: set[int] = set()

    def walk(el: Element) -> None:
        if id(el) in seen:
            return
        seen.add(id(el))
        order.append(el)
        for child in list(el._children.values()):
            walk(child)
        for key in sorted(vars(el)):
            value = vars(el)[key]
            if key != "_parent" and isinstance(value, Element):
                walk(value)

    walk(root)
    old = {id(el): el.get_name() for el in order}
    for i, el in enumerate(order):
        el._id = f"{i:04d}"
    for el in order:
        el._children = OrderedDict(
            (child.get_name() if key == old[id(child)] else key, child) for key, child in el._children.items()
        )


class CorridorMap(folium.Map):
    """A :class:`folium.Map` that displays the same in a notebook however often it is shown.

    Folium adds elements to a map each time it renders it; this map renders a copy
    for its notebook display, as :func:`map_html` does for files.
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        return folium.Map._repr_html_(copy.deepcopy(self), **kwargs)


def _is_offline(m: folium.Map) -> bool:
    return any(isinstance(child, OfflineAssets) for child in m._children.values())


def build_map(
    corridor: Corridor,
    offline: bool = False,
    *,
    tick_km: float = 10.0,
    timeline: bool = True,
    events: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the interactive map of the corridor.

    With ``timeline`` (the default), the map also has the time slider of
    :func:`geo.timeline_map.add_time_slider`, bottom left, above the scale bar:

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
        False for basemap tiles, a minimap and plugins from CDNs (needs the internet);
        True for a page that makes no network request at all (Leaflet inlined, no tiles).
    tick_km
        Distance between the kilometre ticks along the patrol segment, kilometres.
    timeline
        Whether to add the time slider.
    events
        The dated events for the slider; by default the corridor's own (``corridor.events``).

    Returns
    -------
    folium.Map
        Display it in a notebook, or write it with :func:`save_map`.

    Raises
    ------
    ValueError
        ``corridor`` is not a :class:`~geo.corridor.Corridor`, ``offline`` or ``timeline``
        is not a bool, ``tick_km`` is not a positive number, or a layer lacks a column it
        needs.

    Examples
    --------
    >>> from geo import load_corridor
    >>> m = build_map(load_corridor(), offline=True)
    >>> "leaflet-src" in map_html(m) or "<script src=" in map_html(m)
    False
    """
    if not isinstance(corridor, Corridor):
        raise ValueError(f"corridor={type(corridor).__name__}: expected a Corridor (from geo.load_corridor())")
    if not isinstance(offline, (bool, np.bool_)):
        raise ValueError(f"offline={offline!r}: expected True or False")
    offline = bool(offline)
    if not isinstance(timeline, (bool, np.bool_)):
        raise ValueError(f"timeline={timeline!r}: expected True or False")
    timeline = bool(timeline)
    tick_km = check_step_km(tick_km, "tick_km")  # before anything is drawn

    extent = shapely.union_all(
        [corridor.m4, corridor.security_corridor, *corridor.posts.geometry, *corridor.places.geometry]
    )
    west, south, east, north = extent.bounds
    bounds = [[south, west], [north, east]]
    m = CorridorMap(
        location=[round((south + north) / 2, _NDIGITS), round((west + east) / 2, _NDIGITS)],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    figure = m.get_root()
    if isinstance(figure, Figure):
        figure.title = "Idlib security corridor: M4, patrol segment, corridor and observation posts"

    css = MAP_CSS + (_LEGEND_CSS if timeline else "")
    if offline:
        m.default_js = []  # Folium's CDN scripts (Leaflet, jQuery, Bootstrap, awesome-markers)
        m.default_css = []
        m.add_child(OfflineAssets())
        css += "\n.folium-map.leaflet-container { background: #f4f1ea; }\n"
        m.add_child(MapSetup(css, html.escape(_ATTRIBUTION_TEXT), prefix="Leaflet"))
    else:
        for i, (label, provider) in enumerate(BASEMAPS):
            folium.TileLayer(provider, name=label, overlay=False, control=True, show=i == 0).add_to(m)
        m.add_child(MapSetup(css, _ATTRIBUTION_LINKS))

    _add_context(m, corridor.context)
    _add_corridor(m, corridor)
    _add_roads(m, corridor, tick_km)
    _add_places(m, corridor.places)
    final_posts = _add_posts(m, corridor.posts)
    if timeline:
        # Bottom left, above the scale bar: the south-west of the view is the coast, with little of ours.
        add_time_slider(
            m,
            corridor,
            events,
            replaces=final_posts,
            position="bottomleft",
            key=False,
            post_details=[_post_popup(row) for _, row in corridor.posts.iterrows()],
            before_corridor_note=" (its layers drawn faint)",
        )

    if offline:
        m.add_child(OwnControls())
    else:
        plugins.Fullscreen(position="topleft").add_to(m)
        plugins.MeasureControl(
            position="topleft",
            primary_length_unit="kilometers",
            secondary_length_unit="meters",
            primary_area_unit="hectares",
            secondary_area_unit="sqmeters",
        ).add_to(m)
        plugins.MousePosition(
            position="bottomright", separator=", ", prefix="lon, lat:", lng_first=True, num_digits=5
        ).add_to(m)
        plugins.MiniMap(folium.TileLayer(BASEMAPS[0][1]), position="bottomright", toggle_display=True).add_to(m)
    # Top left, below the buttons: the north-west of the view is Turkey, with nothing of ours.
    m.add_child(PanelControl(_legend(corridor, tick_km, timeline), "topleft", "idlib-panel idlib-legend"))
    if timeline:
        m.add_child(_LegendAbovePanel(".idlib-timeline"))
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    m.add_child(FitView(bounds, clear_of=".idlib-legend"))
    m.add_child(Declutter())
    _renumber(m)
    return m


def map_html(m: folium.Map) -> str:
    """Render a map to one HTML page.

    Raises
    ------
    ValueError
        ``m`` is not a folium Map, or it was built offline and the page would still
        fetch something (the message lists what).
    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"m={type(m).__name__}: expected a folium.Map (from build_map())")
    # Render a copy: Folium adds elements with random ids to the tree on every render.
    root = copy.deepcopy(m.get_root())
    figure = root if isinstance(root, Figure) else Figure().add_child(root)
    text = figure.render()
    if _is_offline(m):
        refs = external_references(text)
        if refs:
            raise ValueError(f"the offline map would load {len(refs)} external resource(s), e.g. {refs[:3]}")
    return text


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as one HTML file, atomically, and return its path.

    The page is rendered first and written to a temporary file beside ``path``,
    which then replaces ``path``: a failed build leaves no file, nor a partial one.

    Parameters
    ----------
    m
        A map from :func:`build_map`.
    path
        The HTML file to write; its folder must exist.

    Raises
    ------
    ValueError
        ``path`` is a folder, or its folder does not exist; or see :func:`map_html`.
    """
    try:
        path = Path(path)
    except TypeError:
        raise ValueError(f"path={path!r}: expected a file path") from None
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; expected the path of an HTML file to write")
    if not path.parent.is_dir():
        raise ValueError(f"{path}: the folder {path.parent} does not exist")
    data = map_html(m).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:  # created with the user's umask, unlike mkstemp's 0600
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
