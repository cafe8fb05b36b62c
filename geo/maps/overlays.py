"""The map's overlays, one builder each: it adds its feature group(s) to the map and gives its legend rows.

Every builder takes the map and the part of the model it draws, and returns an
:class:`Overlay`. The layers are drawn in the colours of :mod:`geo.maps.style`;
every text from the data is HTML-escaped (:mod:`geo.maps.popups`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from ..analysis import across_border, chainage_ticks, long_straights
from ..corridor import M4_SOURCE, PATROL_END, PATROL_START, Corridor
from ..geodesy import geodesic_length_m
from ._folium import polyline
from .elements import Bind, DivMarker
from .legend import box_swatch, legend_row, line_swatch
from .popups import confidence, popup_html, post_popup, text
from .style import COLORS, CONTEXT_STYLE, NDIGITS

__all__ = [
    "Overlay",
    "context_overlay",
    "corridor_overlay",
    "m4_overlay",
    "patrol_overlay",
    "places_overlay",
    "posts_overlay",
    "ticks_overlay",
]

#: What the shipped M4 line is, for its popup.
_M4_ALIGNMENT = (
    "OpenStreetMap's centreline (about 2016) as Travel Mapping traced it: vertices on the road, straight between "
    "them, so bends may be cut by up to a few hundred metres (see data/SOURCES.md)"
)
#: A straight piece of the M4 longer than this (no waypoint on it) is drawn dashed, metres.
_LONG_STRAIGHT_M = 20_000.0
_CONTEXT_NAMES = {"border": "Turkey-Syria border", "admin1": "Governorate boundaries", "coastline": "Coastline"}

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


@dataclass
class Overlay:
    """What an overlay builder added to the map.

    Parameters
    ----------
    layers
        Its feature groups, in the order they were added.
    legend
        Its legend rows (``<li>`` HTML), in the order the legend lists them.
    """

    layers: list[folium.FeatureGroup]
    legend: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- helpers


def _latlngs(geom: shapely.Geometry) -> list[Any]:
    """Leaflet [lat, lon] nesting for a (Multi)LineString or (Multi)Polygon, rounded to ~0.1 m."""

    def ring(coords: Iterable[Any]) -> list[list[float]]:
        return [[round(float(c[1]), NDIGITS), round(float(c[0]), NDIGITS)] for c in coords]

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
    return round(float(point.y), NDIGITS), round(float(point.x), NDIGITS)


def _css_token(value: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(value).lower())


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


def _label(html: str, places: list[Any], class_name: str) -> Bind:
    """A permanent label, put on the first of ``places`` ([direction, [dx, dy]]) that the page finds clear."""
    (direction, offset), *_ = places
    options = {"permanent": True, "direction": direction, "offset": offset, "places": places, "className": class_name}
    return Bind(html, "tooltip", **options)


def _group(m: folium.Map, name: str) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name)
    group.add_to(m)
    return group


# ------------------------------------------------------------------------------------------- overlays


def context_overlay(m: folium.Map, context: gpd.GeoDataFrame) -> Overlay:
    """The context lines (border, governorate lines, coastline), one feature group per kind, in data order.

    Parameters
    ----------
    m
        The map.
    context
        ``corridor.context``: lines with ``kind`` and ``name`` (and ``source``, ``note``).
    """
    _require(context, "context", ("kind", "name"), {"LineString", "MultiLineString"})
    groups = []
    for kind in dict.fromkeys(context["kind"].astype(str)):
        group = _group(m, _CONTEXT_NAMES.get(kind, f"Context: {kind}"))
        groups.append(group)
        style = CONTEXT_STYLE.get(kind, {"color": "#666666", "weight": 1.2})
        for _, row in context[context["kind"].astype(str) == kind].iterrows():
            line = polyline(
                _latlngs(row.geometry), class_name=f"idlib-context idlib-context-{_css_token(kind)}", **style
            ).add_to(group)
            tip = f"<b>{text(row['name'])}</b><br>{text(row.get('source'))}<br><i>{text(row.get('note'))}</i>"
            line.add_child(Bind(tip, "tooltip", sticky=True))
    legend = [
        legend_row(line_swatch(COLORS["border"], 2.5, dash=True), "Turkey-Syria border"),
        legend_row(line_swatch(COLORS["admin1"], 1.5, dash=True), "Governorate boundary"),
        legend_row(line_swatch(COLORS["coastline"], 1.6), "Coastline"),
    ]
    return Overlay(groups, legend)


def _border_caveat(corridor: Corridor, half: shapely.Geometry) -> str:
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


def corridor_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """The two halves of the security corridor, a feature group each, with width, area and caveats.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    halves = corridor.layers()["security_corridor"]
    total_km2 = float(halves["area_km2"].sum())
    groups = []
    for k, (_, row) in enumerate(halves.iterrows()):
        side, by = str(row["side"]), str(row["patrolled_by"])
        group = _group(m, f"Security corridor, {side} half ({by} patrols)")
        groups.append(group)
        poly = folium.Polygon(
            _latlngs(row.geometry),
            color=COLORS.get(side, "#555555"),
            weight=1.2,
            fill=True,
            fill_color=COLORS.get(side, "#555555"),
            fill_opacity=0.16,
            class_name=f"idlib-corridor idlib-corridor-{_css_token(side)}",
        ).add_to(group)
        popup = popup_html(
            str(row["name"]),
            [
                ("Patrolled by", f"{by} (as reported)"),
                ("Width", f"{float(row['width_km']):g} km {side} of the M4, along the patrol segment"),
                ("Area", f"{float(row['area_km2']):,.1f} km² (whole corridor {total_km2:,.1f} km², geodesic)"),
                ("Caveat", _border_caveat(corridor, halves.geometry.iloc[k])),
                ("Source", row.get("source")),
            ],
        )
        poly.add_child(Bind(popup, "popup", maxWidth=360))
    w = f"{corridor.width_km:g}"
    legend = [
        legend_row(box_swatch(COLORS["north"]), f"Corridor north of the M4, {w} km (Turkish patrols)"),
        legend_row(box_swatch(COLORS["south"]), f"Corridor south of the M4, {w} km (Russian patrols)"),
    ]
    return Overlay(groups, legend)


def m4_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """The M4 highway, with its unsourced long straights drawn dashed.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    m4 = corridor.layers()["m4"].iloc[0]
    group = _group(m, "M4 highway")
    line = polyline(_latlngs(corridor.m4), color=COLORS["m4"], weight=3.5, class_name="idlib-m4")
    straights = long_straights(corridor.m4, _LONG_STRAIGHT_M)
    rows = [
        ("Length", f"{float(m4['length_km']):.1f} km (geodesic)"),
        ("Alignment", _M4_ALIGNMENT if corridor.m4_source == M4_SOURCE else "as supplied (see Geometry)"),
    ]
    if straights:
        km = sum(geodesic_length_m(g) for g in straights) / 1000
        rows.append(
            (
                "Dashed",
                f"{km:.0f} km with no sourced waypoint for over {_LONG_STRAIGHT_M / 1000:g} km: "
                "one straight line, furthest from the real road",
            )
        )
    rows.append(("Geometry", m4.get("source")))
    line.add_to(group).add_child(Bind(popup_html("M4 highway (Latakia - Saraqib)", rows), "popup", maxWidth=360))
    for straight in straights:  # white dashes over the grey line: it reads as dashed, and stays clickable
        dashes = polyline(
            _latlngs(straight), color="#ffffff", weight=2.5, dash_array="8 8", class_name="idlib-m4-approx"
        )
        dashes.options["interactive"] = False  # clicks reach the M4 line below (Folium drops the kwarg)
        dashes.add_to(group)
    swatch = line_swatch(COLORS["m4"], 3.5)
    row = f"<li>{swatch}M4 highway</li>"
    if straights:  # one row: the dashed stretch is the least sure part of the same line
        dashed = line_swatch(COLORS["m4"], 3.5, dash=True, class_name="sw idlib-ev")
        row = f"<li>{swatch}M4 highway, approximate{dashed}unsourced</li>"
    return Overlay([group], [row])


def _patrol_end(group: folium.FeatureGroup, corridor: Corridor, which: str, km: float) -> None:
    """The dot, popup and label of the patrol segment's start or end (``which``), ``km`` along it."""
    lon, lat = corridor.patrol_segment.coords[0 if which == "start" else -1][:2]
    name = PATROL_START if which == "start" else PATROL_END
    dot = folium.CircleMarker(
        (round(lat, NDIGITS), round(lon, NDIGITS)),
        radius=6,
        color=COLORS["patrol"],
        weight=3,
        fill=True,
        fill_color="#ffffff",
        fill_opacity=1.0,
        class_name=f"idlib-patrol-end idlib-patrol-{which}",
    ).add_to(group)
    place = corridor.places[corridor.places["name"] == name]
    note = place["patrol_end_note"].iloc[0] if "patrol_end_note" in place and len(place) else None
    rows: list[tuple[str, Any]] = [
        ("On the M4", f"{lat:.5f} N, {lon:.5f} E, km {km:.1f} from {PATROL_START}"),
        ("How chosen", note),
    ]
    dot.add_child(Bind(popup_html(f"Patrol {which}: {name}", rows), "popup", maxWidth=360))
    label = f"{text(name)} - patrol {which} (km {round(km, 1):g})"
    dot.add_child(_label(label, _END_PLACES[which], "idlib-label idlib-end"))


def patrol_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """The joint-patrol segment, with its two labelled ends.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    patrol = corridor.layers()["patrol_segment"].iloc[0]
    length_km = float(patrol["length_km"])
    group = _group(m, f"Joint-patrol segment ({PATROL_START} - {PATROL_END})")
    line = polyline(
        _latlngs(corridor.patrol_segment), color=COLORS["patrol"], weight=6, opacity=0.95, class_name="idlib-patrol"
    )
    rows = [
        ("Length", f"{length_km:.1f} km along the M4 (geodesic)"),
        ("Patrols", "Joint Russian-Turkish patrols from 15 March 2020 (Additional Protocol, art. 3)"),
        ("Geometry", patrol.get("source")),
    ]
    title = f"Joint-patrol segment, {PATROL_START} - {PATROL_END}"
    line.add_to(group).add_child(Bind(popup_html(title, rows), "popup", maxWidth=360))
    _patrol_end(group, corridor, "start", 0.0)
    _patrol_end(group, corridor, "end", length_km)
    legend = [legend_row(line_swatch(COLORS["patrol"], 6), f"Joint-patrol segment, {PATROL_START} - {PATROL_END}")]
    return Overlay([group], legend)


def ticks_overlay(m: folium.Map, corridor: Corridor, step_km: float) -> Overlay:
    """Kilometre ticks across the patrol segment every ``step_km`` from its start, labelled but the first.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    step_km
        Distance between ticks, kilometres.
    """
    group = _group(m, f"Kilometre ticks (every {step_km:g} km from {PATROL_START})")
    for _, row in chainage_ticks(corridor, step_km).iterrows():
        tick = polyline(_latlngs(row["tick"]), color=COLORS["tick"], weight=2, class_name="idlib-tick")
        tick.add_to(group)
        km = float(row["chainage_km"])
        if km > 0:  # km 0 is labelled by the patrol start
            tick.add_child(_label(f"{km:g} km", _KM_PLACES, "idlib-label idlib-km"))
    legend = [legend_row(line_swatch(COLORS["tick"], 2), f"Tick every {step_km:g} km from {PATROL_START}")]
    return Overlay([group], legend)


def places_overlay(m: folium.Map, places: gpd.GeoDataFrame) -> Overlay:
    """The named places as dots, labelled (but the patrol's end places, which the patrol ends label).

    Parameters
    ----------
    m
        The map.
    places
        ``corridor.places``.
    """
    _require(places, "places", ("name",), {"Point"})
    group = _group(m, "Places")
    for _, row in places.iterrows():
        dot = folium.CircleMarker(
            _latlng(row.geometry),
            radius=3.5,
            color=COLORS["place"],
            weight=1.5,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            class_name="idlib-place",
        ).add_to(group)
        if str(row["name"]) not in (PATROL_START, PATROL_END):  # labelled by the patrol segment's ends
            dot.add_child(_label(text(row["name"]), _PLACE_PLACES, "idlib-label"))
        rows = [
            ("Arabic", row.get("name_ar")),
            ("Kind", row.get("kind")),
            ("Note", row.get("note")),
            ("Coordinate", confidence(row.get("confidence"))),
            ("Source", row.get("source")),
        ]
        dot.add_child(Bind(popup_html(str(row["name"]), rows), "popup", maxWidth=380))
    return Overlay([group])


def posts_overlay(m: folium.Map, posts: gpd.GeoDataFrame) -> Overlay:
    """The observation posts by final fate: two feature groups, remained and evacuated.

    Parameters
    ----------
    m
        The map.
    posts
        ``corridor.posts``, each with a ``fate`` of ``remained`` or ``evacuated``.
    """
    _require(posts, "posts", ("number", "name", "fate"), {"Point"})
    fates = posts["fate"].astype(str)
    bad = np.flatnonzero(~fates.isin(["remained", "evacuated"]).to_numpy())
    if bad.size:
        raise ValueError(
            f"posts layer: row {bad[0]} has fate {fates.iloc[bad[0]]!r}, expected 'remained' or 'evacuated'"
        )
    counts = {fate: int((fates == fate).sum()) for fate in ("remained", "evacuated")}
    groups = {
        "remained": _group(m, f"Observation posts, remained ({counts['remained']})"),
        "evacuated": _group(m, f"Observation posts, evacuated 2020-21 ({counts['evacuated']})"),
    }
    for _, row in posts.iterrows():
        fate = str(row["fate"])
        when = "remained" if fate == "remained" else f"evacuated {row.get('evacuated')}"
        marker = DivMarker(
            _latlng(row.geometry),
            html=f"<span>{text(row['number'])}</span>",
            class_name=f"idlib-post idlib-post-{fate}",
            title=f"Post {row['number']}: {row['name']} ({when})",
        ).add_to(groups[fate])
        marker.add_child(Bind(post_popup(row), "popup", maxWidth=420))
    legend = [
        legend_row(f'<span class="sw idlib-post idlib-post-{fate}"></span>', f"Observation post, {fate} ({n})")
        for fate, n in counts.items()
    ]
    return Overlay(list(groups.values()), legend)

