"""The legend panel: its rows (a swatch and a label each), the time slider's rows and the post points note.

Each overlay builder (:mod:`geo.maps.overlays`) gives the rows of its own
layers, drawn with :func:`line_swatch` and :func:`box_swatch` in the colours of
:mod:`geo.maps.style`; :func:`legend_html` puts them in one panel.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd

from .popups import text
from .style import AREA, ARRANGEMENT_STYLES, EVENT_SHAPES, EVENT_STYLES, EVENT_SYMBOLS
from .timeline import ARRANGEMENT_TYPES

__all__ = [
    "box_swatch",
    "event_symbol_swatch",
    "legend_html",
    "legend_row",
    "line_swatch",
    "post_key",
    "timeline_rows",
]

#: How the legend names each kind of post point (data.POINT_KINDS), in the order it lists them.
_POINT_KIND_WORDS = {
    "site estimate": "at the site as reports place it (estimate)",
    "site mark": "on a map mark of the post's hill or site",
    "between places": "midway between the two places reports put it between",
    "settlement centre": "on the village or town it stood in or by",
    "nearby place": "on a nearby place",
}


def line_swatch(style: dict[str, Any], dash: bool | None = None, class_name: str = "sw") -> str:
    """Return a legend swatch of a line drawn with Leaflet path options ``style``.

    Parameters
    ----------
    style
        ``color`` and ``weight`` (pixels), and ``dash_array`` (or ``dashArray``) for a dashed line.
    dash
        Dashed rather than solid; by default, whether ``style`` has a dash array.
    class_name
        CSS classes of the swatch.

    Examples
    --------
    >>> line_swatch({"color": "#000000", "weight": 2})
    '<span class="sw" style="border-top:2px solid #000000;height:0"></span>'
    """
    if dash is None:
        dash = bool(style.get("dash_array") or style.get("dashArray"))
    css = f"border-top:{style['weight']}px {'dashed' if dash else 'solid'} {style['color']};height:0"
    return f'<span class="{class_name}" style="{css}"></span>'


def box_swatch(color: str) -> str:
    """Return a legend swatch of an area: ``color`` (``#rrggbb``) at the corridor's fill opacity with a border of it.

    Parameters
    ----------
    color
        CSS colour, ``#rrggbb``.
    """
    alpha = round(AREA["fill_opacity"] * 255)
    return f'<span class="sw" style="background:{color}{alpha:02x};border:1.5px solid {color}"></span>'


def legend_row(swatch: str, label: str) -> str:
    """One legend row: a swatch (HTML) and a label (plain text, escaped here).

    Parameters
    ----------
    swatch
        The swatch's HTML (:func:`line_swatch`, :func:`box_swatch`).
    label
        The row's text.
    """
    return f"<li>{swatch}{text(label)}</li>"


def event_symbol_swatch(shape: str, style: dict[str, Any]) -> str:
    """Return a legend swatch of an event's point symbol: a shape in the Leaflet path options ``style``.

    Parameters
    ----------
    shape
        A key of :data:`geo.maps.style.EVENT_SHAPES`.
    style
        ``color``, ``fillOpacity`` and ``fillColor`` (``color`` without it), as :data:`geo.maps.style.EVENT_STYLES`
        and :data:`geo.maps.style.ARRANGEMENT_STYLES` give them.

    Examples
    --------
    >>> 'idlib-ev-shape-triangle' in event_symbol_swatch("triangle", EVENT_STYLES["recent"])
    True
    """
    fill = style.get("fillColor", style["color"])
    return (
        f'<span class="sw idlib-ev idlib-ev-shape-{shape}" style="height:16px">'
        '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
        f'<path d="{EVENT_SHAPES[shape]}" fill="{fill}" fill-opacity="{style["fillOpacity"]}"'
        f' stroke="{style["color"]}" stroke-width="1.5" stroke-linejoin="round"/></svg></span>'
    )


def _event_symbol_rows() -> str:
    """One legend row per event type's symbol (:data:`geo.maps.style.EVENT_SYMBOLS`), in the last month's colours.

    An arrangement (:data:`geo.maps.timeline.ARRANGEMENT_TYPES`) is shown in the arrangements' colours, as drawn.
    """

    def style(kind: str) -> dict[str, Any]:
        return (ARRANGEMENT_STYLES if kind in ARRANGEMENT_TYPES else EVENT_STYLES)["recent"]

    return "".join(
        f'<li class="idlib-legend-time idlib-legend-event-type">'
        f"{event_symbol_swatch(symbol['shape'], style(kind))}{text(symbol['label'])}</li>"
        for kind, symbol in EVENT_SYMBOLS.items()
    )


def timeline_rows() -> str:
    """Return the rows that explain the time slider's symbols: posts by status, events, arrangements."""
    symbols = "".join(
        f'<span class="sw idlib-tl-post idlib-tl-{status}"></span>{text(word)}'
        for status, word in (("active", "manned"), ("besieged", "surrounded"), ("evacuated", "evacuated"))
    )

    def event(style: dict[str, Any]) -> str:
        css = f"border-top:{style['weight']}px solid {style['color']};opacity:{style['opacity']};height:0"
        return f'<span class="sw idlib-ev" style="{css}"></span>'

    dots = ARRANGEMENT_STYLES["recent"]
    arrangement = (
        f'<span class="sw idlib-ev" style="border-top:{dots["weight"] + 1}px dotted {dots["color"]};height:0"></span>'
    )
    events = f"{event(EVENT_STYLES['recent'])}in the last month{event(EVENT_STYLES['earlier'])}earlier"
    return (
        '<li class="idlib-legend-head">Time slider (bottom left), on its day:</li>'
        f'<li class="idlib-legend-time">Post{symbols}</li>'
        f'<li class="idlib-legend-time">Event{events}</li>'
        f"{_event_symbol_rows()}"
        f'<li class="idlib-legend-time">{arrangement}'
        "Agreement on the route (not a patrol)</li>"
    )


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


def post_key(posts: gpd.GeoDataFrame) -> str:
    """Return the legend's key from post number to name: a section of its own, closed on a phone (``legend.js``).

    Parameters
    ----------
    posts
        The observation posts, with ``number`` and ``name`` (plain text, escaped here), in the order listed.

    Examples
    --------
    >>> import geopandas as gpd
    >>> post_key(gpd.GeoDataFrame({"number": [1], "name": ["Salwa"]}))
    '<details class="idlib-post-key" open><summary>Posts by number</summary><ol><li><b>1</b>Salwa</li></ol></details>'
    """
    pairs = zip(posts["number"], posts["name"], strict=True)
    items = "".join(f"<li><b>{text(n)}</b>{text(name)}</li>" for n, name in pairs)
    return f'<details class="idlib-post-key" open><summary>Posts by number</summary><ol>{items}</ol></details>'


def legend_html(rows: Iterable[str], posts: gpd.GeoDataFrame) -> str:
    """Return the legend panel's HTML: a title, the rows, the posts' key and a note on what the post symbols stand on.

    Parameters
    ----------
    rows
        The rows (``<li>`` HTML), in order.
    posts
        The observation posts (for the note).
    """
    return (
        "<details open><summary>Idlib security corridor, 5 March 2020</summary>"
        f"<ul>{''.join(rows)}</ul>{post_key(posts)}"
        f'<div class="note">{text(_post_points_note(posts))} Click a feature for its sources.</div></details>'
    )
