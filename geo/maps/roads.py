"""The road's overlays: the M4, the joint-patrol segment with its labelled ends, and the kilometre ticks."""

from __future__ import annotations

from typing import Any

import folium

from ..analysis import chainage_ticks, long_straights
from ..corridor import M4_SOURCE, PATROL_END, PATROL_START, Corridor
from ..geodesy import geodesic_length_m
from ._folium import polyline
from .elements import Bind
from .legend import legend_row, line_swatch
from .overlays import Overlay, feature_group, label, latlngs
from .popups import popup_html, text
from .style import DOTS, LINES, NDIGITS

__all__ = ["m4_overlay", "patrol_overlay", "ticks_overlay"]

#: What the shipped M4 line is, for its popup.
_M4_ALIGNMENT = (
    "OpenStreetMap's centreline (about 2016) as Travel Mapping traced it: vertices on the road, straight between "
    "them, so bends may be cut by up to a few hundred metres (see data/SOURCES.md)"
)
#: A straight piece of the M4 longer than this (no waypoint on it) is drawn dashed, metres.
_LONG_STRAIGHT_M = 20_000.0
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


def m4_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """Return the M4 highway, with its unsourced long straights drawn dashed.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    m4 = corridor.layers()["m4"].iloc[0]
    group = feature_group(m, "M4 highway")
    line = polyline(latlngs(corridor.m4), **LINES["m4"], class_name="idlib-m4")
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
        dashes = polyline(latlngs(straight), **LINES["m4_unsourced"], class_name="idlib-m4-approx")
        dashes.options["interactive"] = False  # clicks reach the M4 line below (Folium drops the kwarg)
        dashes.add_to(group)
    swatch = line_swatch(LINES["m4"])
    row = f"<li>{swatch}M4 highway</li>"
    if straights:  # one row: the dashed stretch is the least sure part of the same line
        dashed = line_swatch(LINES["m4"], dash=True, class_name="sw idlib-ev")
        row = f"<li>{swatch}M4 highway, approximate{dashed}unsourced</li>"
    return Overlay([group], [row])


def _patrol_end(group: folium.FeatureGroup, corridor: Corridor, which: str, km: float) -> None:
    """Return the dot, popup and label of the patrol segment's start or end (``which``), ``km`` along it."""
    lon, lat = corridor.patrol_segment.coords[0 if which == "start" else -1][:2]
    name = PATROL_START if which == "start" else PATROL_END
    dot = folium.CircleMarker(
        (round(lat, NDIGITS), round(lon, NDIGITS)),
        **DOTS["patrol_end"],
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
    caption = f"{text(name)} - patrol {which} (km {round(km, 1):g})"
    dot.add_child(label(caption, _END_PLACES[which], "idlib-label idlib-end"))


def patrol_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """Return the joint-patrol segment, with its two labelled ends.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    patrol = corridor.layers()["patrol_segment"].iloc[0]
    length_km = float(patrol["length_km"])
    group = feature_group(m, f"Joint-patrol segment ({PATROL_START} - {PATROL_END})")
    line = polyline(latlngs(corridor.patrol_segment), **LINES["patrol"], class_name="idlib-patrol")
    rows = [
        ("Length", f"{length_km:.1f} km along the M4 (geodesic)"),
        ("Patrols", "Joint Russian-Turkish patrols from 15 March 2020 (Additional Protocol, art. 3)"),
        ("Geometry", patrol.get("source")),
    ]
    title = f"Joint-patrol segment, {PATROL_START} - {PATROL_END}"
    line.add_to(group).add_child(Bind(popup_html(title, rows), "popup", maxWidth=360))
    _patrol_end(group, corridor, "start", 0.0)
    _patrol_end(group, corridor, "end", length_km)
    legend = [legend_row(line_swatch(LINES["patrol"]), f"Joint-patrol segment, {PATROL_START} - {PATROL_END}")]
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
    group = feature_group(m, f"Kilometre ticks (every {step_km:g} km from {PATROL_START})")
    for _, row in chainage_ticks(corridor, step_km).iterrows():
        tick = polyline(latlngs(row["tick"]), **LINES["tick"], class_name="idlib-tick")
        tick.add_to(group)
        km = float(row["chainage_km"])
        if km > 0:  # km 0 is labelled by the patrol start
            tick.add_child(label(f"{km:g} km", _KM_PLACES, "idlib-label idlib-km"))
    legend = [legend_row(line_swatch(LINES["tick"]), f"Tick every {step_km:g} km from {PATROL_START}")]
    return Overlay([group], legend)
