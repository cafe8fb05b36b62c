"""The map's style table: every colour, line and size that more than one part of the page uses.

Python draws the layers and the legend with these values, the page's stylesheets
read them as CSS custom properties (:func:`css_properties`) and the scripts get
them in their options, so no value is kept in two places.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AREA",
    "ARRANGEMENT_STYLES",
    "COLORS",
    "CONTEXT_STYLE",
    "DOTS",
    "EVENT_PANES",
    "EVENT_PX",
    "EVENT_SHAPES",
    "EVENT_STYLES",
    "EVENT_SYMBOLS",
    "LINES",
    "NDIGITS",
    "OTHER_CONTEXT_STYLE",
    "POST_BORDER_PX",
    "POST_PX",
    "POST_SYMBOLS",
    "USER_CATEGORY_COLORS",
    "USER_NUMBER_COLORS",
    "USER_OTHER_COLOR",
    "USER_POINT_COLORS",
    "USER_POINT_STYLE",
    "USER_SIDE_COLORS",
    "css_properties",
    "symbol_css",
]

#: Decimal places kept in coordinates: 1e-6 degree is about 0.1 m here.
NDIGITS = 6

#: Line and fill colours of the layers.
COLORS = {
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
#: Leaflet path options of the lines, as the map draws them and the legend's swatches show them.
LINES: dict[str, dict[str, Any]] = {
    "m4": {"color": COLORS["m4"], "weight": 3.5},
    # White dashes over the M4 where it runs straight with no sourced waypoint: it reads as dashed.
    "m4_unsourced": {"color": "#ffffff", "weight": 2.5, "dash_array": "8 8"},
    "patrol": {"color": COLORS["patrol"], "weight": 6, "opacity": 0.95},
    "tick": {"color": COLORS["tick"], "weight": 2},
    "border": {"color": COLORS["border"], "weight": 2.5, "dash_array": "10 4 2 4"},
    "admin1": {"color": COLORS["admin1"], "weight": 1.3, "dash_array": "5 4"},
    "coastline": {"color": COLORS["coastline"], "weight": 1.6},
}
#: Leaflet path options of each kind of context line (a context kind not listed is drawn thin grey).
CONTEXT_STYLE = {kind: LINES[kind] for kind in ("border", "admin1", "coastline")}
OTHER_CONTEXT_STYLE: dict[str, Any] = {"color": "#666666", "weight": 1.2}
#: Outline width and fill opacity of a corridor half (in its side's colour, :data:`COLORS`).
AREA: dict[str, Any] = {"weight": 1.2, "fill_opacity": 0.16}
#: The dots of the patrol's ends and of the named places: white, ringed in the line's colour.
DOTS: dict[str, dict[str, Any]] = {
    "patrol_end": {"radius": 6, "color": COLORS["patrol"], "weight": 3},
    "place": {"radius": 3.5, "color": COLORS["place"], "weight": 1.5},
}

#: Size of a post's numbered circle, and the width of its border, pixels.
POST_PX = 24
POST_BORDER_PX = 2
#: Colours of a post's numbered circle in each status: fill, border, number, border line style.
#: Manned and evacuated are also the final-status markers of :func:`geo.maps.build_map`.
POST_SYMBOLS: dict[str, dict[str, str]] = {
    "active": {"fill": "#08306b", "border": "#08306b", "text": "#ffffff", "line": "solid"},
    "besieged": {"fill": "#f97316", "border": "#7c2d12", "text": "#1f0a00", "line": "solid"},
    "evacuated": {"fill": "#ffffff", "border": "#555555", "text": "#555555", "line": "dashed"},
}
#: Leaflet path options of an event in the month before the slider's day, and of an earlier one.
EVENT_STYLES: dict[str, dict[str, Any]] = {
    "recent": {"color": "#b91c1c", "weight": 4, "opacity": 0.9, "fillColor": "#ef4444", "fillOpacity": 0.8},
    "earlier": {"color": "#6b7280", "weight": 2, "opacity": 0.6, "fillColor": "#9ca3af", "fillOpacity": 0.5},
}
#: Leaflet path options of an arrangement in the month before the slider's day, and of an earlier one:
#: round purple dots, apart from the road's white dashes and the patrols' solid lines.
ARRANGEMENT_STYLES: dict[str, dict[str, Any]] = {
    "recent": {
        "color": "#6d28d9",
        "weight": 2,
        "opacity": 0.95,
        "dashArray": "1 6",
        "lineCap": "round",
        "fillOpacity": 0.3,
    },
    "earlier": {
        "color": "#a78bfa",
        "weight": 2,
        "opacity": 0.8,
        "dashArray": "1 6",
        "lineCap": "round",
        "fillOpacity": 0.2,
    },
}
#: SVG path (in a 16 x 16 box) of each shape an event's point can have.
EVENT_SHAPES: dict[str, str] = {
    "circle": "M8 2.5a5.5 5.5 0 1 0 0.01 0z",
    "triangle": "M8 1.5 15 14H1z",
    "diamond": "M8 1 15 8 8 15 1 8z",
    "square": "M2.5 2.5h11v11h-11z",
    "cross": "M3.5 1.5 8 6l4.5-4.5 2 2L10 8l4.5 4.5-2 2L8 10l-4.5 4.5-2-2L6 8 1.5 3.5z",
}
#: The symbol of each event type drawn on the map (a post's own events show on its marker instead):
#: the shape of its point (:data:`EVENT_SHAPES`), in the colours of :data:`EVENT_STYLES` (or of
#: :data:`ARRANGEMENT_STYLES` for an arrangement), and the legend's words for it. A type not listed
#: is drawn as ``"other"``.
EVENT_SYMBOLS: dict[str, dict[str, str]] = {
    "attack": {"shape": "triangle", "label": "attack on the patrol (bomb)"},
    "demolition": {"shape": "cross", "label": "road demolished (bridge blown up)"},
    "patrol": {"shape": "circle", "label": "joint patrol (a line: its route)"},
    "agreement": {"shape": "square", "label": "agreement"},
    "other": {"shape": "diamond", "label": "other event"},
}
#: Size of an event's point symbol, pixels.
EVENT_PX = 16
#: Leaflet panes of the events and their z-index: all above the layers' lines (overlayPane, 400) and
#: below the posts (markerPane, 600), points above lines, so an older event is never under a long line.
EVENT_PANES: dict[str, dict[str, Any]] = {
    "arrangements": {"name": "idlibArrangements", "z": 440},
    "lines": {"name": "idlibEventLines", "z": 450},
    "points": {"name": "idlibEventPoints", "z": 460},
}

#: A user's points in the exports and on the map, by ``in_corridor``: inside, outside, or not answered (a bad row).
USER_POINT_COLORS = {"inside": "#b91c1c", "outside": "#4b5563", "unknown": "#a855f7"}
#: A user's points on the map coloured by ``side``: the corridor halves' colours, and the unanswered one's.
USER_SIDE_COLORS = {"north": COLORS["north"], "south": COLORS["south"], "unknown": USER_POINT_COLORS["unknown"]}
#: A user's points coloured by a column of categories: the first categories (most frequent first) in these
#: colours (Okabe-Ito's, told apart with most kinds of colour blindness), any further ones as ``"other"``.
USER_CATEGORY_COLORS = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000")
USER_OTHER_COLOR = "#9ca3af"
#: A user's points coloured by a column of numbers: one colour per class, lowest first (ColorBrewer YlOrRd).
USER_NUMBER_COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Leaflet path options of a user's point (a circle marker; its fill is its colour) and of its cluster.
USER_POINT_STYLE: dict[str, Any] = {"radius": 5, "color": "#1f2937", "weight": 1, "opacity": 0.9, "fillOpacity": 0.85}


def css_properties() -> str:
    """Return the style table as CSS custom properties (``--idlib-*`` on ``:root``) for ``geo/static/``.

    Examples
    --------
    >>> print(css_properties().splitlines()[1])
      --idlib-focus: #ff8c00;
    """
    props = {
        "focus": COLORS["patrol"],  # the outline of a focused post: the patrol's orange
        "post-border-width": f"{POST_BORDER_PX}px",
        "post-line-height": f"{POST_PX - 2 * POST_BORDER_PX}px",
        "event-recent": EVENT_STYLES["recent"]["color"],
    }
    for status, symbol in POST_SYMBOLS.items():
        props.update({f"post-{status}-{key}": value for key, value in symbol.items()})
    return ":root {\n" + "".join(f"  --idlib-{key}: {value};\n" for key, value in props.items()) + "}\n"


def symbol_css() -> str:
    """Return the colours of the time slider's numbered circles, one class per status.

    Examples
    --------
    >>> symbol_css().splitlines()[0]
    '.idlib-tl-active { background: #08306b; border-color: #08306b; border-style: solid; color: #ffffff; }'
    """
    return "\n".join(
        f".idlib-tl-{status} {{ background: {s['fill']}; border-color: {s['border']};"
        f" border-style: {s['line']}; color: {s['text']}; }}"
        for status, s in POST_SYMBOLS.items()
    )
