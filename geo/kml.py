"""One KML document of the corridor for Google Earth: a folder a layer, the map's styles, every feature dated.

:func:`kml_document` turns the model's layers (:meth:`geo.Corridor.layers`) into one OGC KML 2.2 document,
written with the standard library's ElementTree (no KML library is needed for what we write, and the tests
validate the result against the OGC schema):

* one ``Folder`` per layer, in the order of :meth:`~geo.Corridor.layers`;
* shared ``Style`` elements in the web map's colours and line widths, read from its style table
  (:mod:`geo.maps.style`): the M4, the patrol segment, each half of the corridor, each post status, places,
  waypoints, each kind of context line and each event type;
* every feature named, described by an HTML table of its non-empty fields (text escaped, ``http(s)``
  sources as links, as the map's popups make them: :func:`geo.maps.popups.linked`) and carrying the same
  fields as ``ExtendedData``;
* time, so Google Earth's slider plays the history: a post is a ``TimeSpan`` from its set-up to its
  evacuation (open-ended while it remained), the corridor starts on the day it was set up, the patrol
  segment spans the first to the last joint patrol, and an event is a ``TimeStamp`` on its date, or a
  ``TimeSpan`` over its reported range. Dates keep the precision their source gives (KML accepts
  ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``).

:func:`kmz_bytes` zips the document as ``doc.kml``, the form Google Earth opens by double-click.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import shapely

from ._validate import is_missing
from .maps.popups import linked, plain
from .maps.style import (
    AREA,
    COLORS,
    CONTEXT_STYLE,
    EVENT_STYLES,
    LINES,
    NDIGITS,
    OTHER_CONTEXT_STYLE,
    POST_SYMBOLS,
    USER_POINT_COLORS,
)

__all__ = ["KML_NAMESPACE", "kml_color", "kml_document", "kmz_bytes"]

#: The OGC KML 2.2 namespace.
KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
#: Google Earth's own round icon, tinted by each style's colour (Google Earth ships it; no request is ours).
_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
#: A fixed time for the zip entry, so the same data give a byte-identical KMZ.
_ZIP_TIME = (2020, 3, 5, 0, 0, 0)
#: Fields shown elsewhere than in the description table, or that are derived for the map only.
_NOT_DESCRIBED = {"day_first", "day_last", "span_last", "day_certain"}


def kml_color(hex_rgb: str, opacity: float = 1.0) -> str:
    """Return a CSS ``#rrggbb`` colour with an opacity as KML's ``aabbggrr``.

    Parameters
    ----------
    hex_rgb
        ``#rrggbb``.
    opacity
        0 (transparent) to 1 (opaque).

    Examples
    --------
    >>> kml_color("#d7301f", 0.5)
    '801f30d7'
    """
    rgb = hex_rgb.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", rgb) or not 0 <= opacity <= 1:
        raise ValueError(f"colour {hex_rgb!r}, opacity {opacity!r}: expected #rrggbb and an opacity in [0, 1]")
    return f"{round(opacity * 255):02x}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".lower()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


# --- styles -------------------------------------------------------------------------------------------------


def _line_style(parent: ET.Element, options: Mapping[str, Any]) -> None:
    line = _sub(parent, "LineStyle")
    _sub(line, "color", kml_color(options["color"], options.get("opacity", 1.0)))
    _sub(line, "width", f"{options['weight']:g}")


def _style(document: ET.Element, style_id: str, *, icon: str | None = None, icon_scale: float = 0.8,
           line: Mapping[str, Any] | None = None, fill: tuple[str, float] | None = None) -> None:  # fmt: skip
    style = _sub(document, "Style", id=style_id)
    if icon is not None:
        icon_style = _sub(style, "IconStyle")
        _sub(icon_style, "color", kml_color(icon))
        _sub(icon_style, "scale", f"{icon_scale:g}")
        _sub(_sub(icon_style, "Icon"), "href", _ICON)
    if line is not None:
        _line_style(style, line)
    if fill is not None:
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", kml_color(*fill))


#: The style of each event type: the map's colour for a recent event, the same for all types.
_EVENT_COLOR = EVENT_STYLES["recent"]["fillColor"]


def _styles(document: ET.Element) -> None:
    """Add the shared styles: one per layer look, named ``layer`` or ``layer-variant``."""
    _style(document, "m4", line=LINES["m4"])
    _style(document, "patrol_segment", line=LINES["patrol"])
    for side in ("north", "south"):
        _style(
            document,
            f"security_corridor-{side}",
            line={"color": COLORS[side], "weight": AREA["weight"]},
            fill=(COLORS[side], AREA["fill_opacity"]),
        )
    for status, symbol in POST_SYMBOLS.items():
        _style(document, f"posts-{status}", icon=symbol["fill"] if status != "evacuated" else symbol["border"],
               icon_scale=1.1)  # fmt: skip
    _style(document, "places", icon=COLORS["place"], icon_scale=0.7)
    _style(document, "m4_waypoints", icon=COLORS["m4"], icon_scale=0.4)
    for kind, options in CONTEXT_STYLE.items():
        _style(document, f"context-{kind}", line=options)
    _style(document, "context-other", line=OTHER_CONTEXT_STYLE)
    _style(
        document,
        "events",
        icon=_EVENT_COLOR,
        line={"color": EVENT_STYLES["recent"]["color"], "weight": EVENT_STYLES["recent"]["weight"]},
    )
    for inside, color in USER_POINT_COLORS.items():
        _style(document, f"user-{inside}", icon=color, icon_scale=0.6, line={"color": color, "weight": 2})


def _style_of(layer: str, row: pd.Series) -> str:
    """Return the id of the shared style of one feature."""
    if layer == "security_corridor":
        return f"security_corridor-{row['side']}"
    if layer == "posts":
        return "posts-evacuated" if not is_missing(row.get("evacuated")) else "posts-active"
    if layer == "context":
        return f"context-{row['kind']}" if row["kind"] in CONTEXT_STYLE else "context-other"
    if layer not in _MODEL_LAYERS:  # a user's layer: coloured by in_corridor
        inside = row.get("in_corridor")
        return f"user-{'unknown' if is_missing(inside) else 'inside' if inside else 'outside'}"
    return layer


# --- time -----------------------------------------------------------------------------------------------------


def _given(value: Any) -> str | None:
    return None if is_missing(value) or value == "" else str(value)


def _span(begin: str | None, end: str | None) -> tuple[str, str | None, str | None] | None:
    if begin is None and end is None:
        return None
    return ("TimeSpan", begin, end)


def _time_of(layer: str, row: pd.Series, events: gpd.GeoDataFrame | None) -> tuple[str, str | None, str | None] | None:
    """KML time of a feature: ``("TimeStamp", when, None)`` or ``("TimeSpan", begin, end)``, or None."""
    if layer == "posts":
        return _span(_given(row.get("established")), _given(row.get("evacuated_end")) or _given(row.get("evacuated")))
    if layer == "events":
        date, end = _given(row.get("date")), _given(row.get("date_end"))
        return ("TimeSpan", date, end) if end else (("TimeStamp", date, None) if date else None)
    if events is None or events.empty:
        return None
    if layer == "security_corridor":
        return _span(_first_date(events, "corridor"), None)
    if layer == "patrol_segment":
        patrols = events.loc[events["type"] == "patrol", "date"].dropna().astype(str)
        return _span(patrols.min(), patrols.max()) if len(patrols) else None
    return None


def _first_date(events: gpd.GeoDataFrame, event_type: str) -> str | None:
    dates = events.loc[events["type"] == event_type, "date"].dropna().astype(str)
    return str(dates.min()) if len(dates) else None


def _time(placemark: ET.Element, time: tuple[str, str | None, str | None] | None) -> None:
    if time is None:
        return
    kind, first, second = time
    element = _sub(placemark, kind)
    if kind == "TimeStamp":
        _sub(element, "when", first)
        return
    if first:
        _sub(element, "begin", first)
    if second:
        _sub(element, "end", second)


# --- descriptions ------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Return a field's value as plain text, as the map's popups give it; a mapping as ``key: value`` pairs."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items() if _text(v))
    return plain(value)


def _fields(row: pd.Series) -> list[tuple[str, str]]:
    return [(str(k), t) for k, v in row.items() if k not in _NOT_DESCRIBED and (t := _text(v))]


def _description(fields: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{linked(v)}</td></tr>" for k, v in fields)
    return f"<table>{rows}</table>"


def _name(layer: str, row: pd.Series) -> str:
    if layer == "posts":
        return f"{_text(row.get('number'))}. {_text(row.get('name'))}"
    keys = ("name", "id") if layer in _MODEL_LAYERS else _USER_NAMES
    lower = {str(k).lower(): k for k in row.index}
    for key in keys:
        if key in lower and _text(row.get(lower[key])):
            return _text(row.get(lower[key]))
    return layer


#: The columns a user's point is named by in Google Earth's list, the first one given (any case): a place's
#: name, ACLED's location, an event's id.
_USER_NAMES = ("name", "location", "place", "event_id_cnty", "event_id", "id")


def _user_days(gdf: gpd.GeoDataFrame) -> pd.Series | None:
    """Return the day of each row of a user's layer, from its date column (as the map's slider reads it).

    None when it has no such column, or one that does not read as dates (its values are then in the
    descriptions only, as every column's are).
    """
    from .spacetime import event_days, find_date_column

    column = find_date_column(gdf.columns)
    if column is None:
        return None
    try:
        return event_days(gdf[column], column)
    except ValueError:
        return None


# --- geometry --------------------------------------------------------------------------------------------------


def _coordinates(coords: Any) -> str:
    return " ".join(f"{round(x, NDIGITS):g},{round(y, NDIGITS):g}" for x, y, *_ in coords)


def _geometry(parent: ET.Element, geom: shapely.Geometry) -> None:
    """Add ``geom`` (lon/lat degrees) as KML geometry; lines and rings follow the ground (tessellate)."""
    if isinstance(geom, shapely.Point):
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geom.coords))
    elif isinstance(geom, shapely.LineString):
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geom.coords))
    elif isinstance(geom, shapely.Polygon):
        polygon = _sub(parent, "Polygon")
        _sub(polygon, "tessellate", "1")
        for tag, ring in [("outerBoundaryIs", geom.exterior), *(("innerBoundaryIs", r) for r in geom.interiors)]:
            _sub(_sub(_sub(polygon, tag), "LinearRing"), "coordinates", _coordinates(ring.coords))
    elif isinstance(geom, shapely.geometry.base.BaseMultipartGeometry):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)
    else:
        raise ValueError(f"geometry {geom.geom_type}: expected a point, line or polygon (or several)")


def _placemark(
    folder: ET.Element, layer: str, row: pd.Series, geom: Any, events: gpd.GeoDataFrame | None, day: Any = None
) -> None:
    placemark = _sub(folder, "Placemark")
    _sub(placemark, "name", _name(layer, row))
    if layer in _HIDDEN:
        _sub(placemark, "visibility", "0")
    fields = _fields(row)
    _sub(placemark, "description", _description(fields))
    _time(placemark, _time_of(layer, row, events) if day is None else ("TimeStamp", day.date().isoformat(), None))
    _sub(placemark, "styleUrl", f"#{_style_of(layer, row)}")
    extended = _sub(placemark, "ExtendedData")
    for key, value in fields:
        _sub(_sub(extended, "Data", name=key), "value", value)
    if geom is not None and not (isinstance(geom, float) and math.isnan(geom)) and not geom.is_empty:
        _geometry(placemark, geom)


#: The document's description.
_ABOUT = (
    "The M4, the joint-patrol segment, the security corridor of the Additional Protocol of 5 March 2020 "
    "and the Turkish observation posts, with their sources (idlib-corridor)."
)
#: The model's layers, each with a style of its own; any other layer is a user's, styled by ``in_corridor``.
_MODEL_LAYERS = {"m4", "patrol_segment", "security_corridor", "posts", "places", "m4_waypoints", "context", "events"}
#: Layers shown when the document opens; the others are listed, ticked off.
_HIDDEN = {"m4_waypoints"}


def kml_document(layers: Mapping[str, gpd.GeoDataFrame], *, title: str = "Idlib security corridor") -> bytes:
    """Return one KML 2.2 document of ``layers``: a folder each, shared styles, dated features.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame in EPSG:4326, as :meth:`geo.Corridor.layers` gives them. The ``events``
        layer, when present, also dates the corridor (from its ``corridor`` events) and the patrol segment
        (its first to last ``patrol`` event).
    title
        The document's name in Google Earth's list.

    Returns
    -------
    bytes
        The document, UTF-8 with an XML declaration.

    Examples
    --------
    >>> import geo
    >>> doc = kml_document(geo.load_corridor().layers())
    >>> doc.count(b"<Folder>")
    8
    """
    for name, gdf in layers.items():
        if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
            raise ValueError(f"layer {name!r} is in {gdf.crs.to_string()}; expected EPSG:4326 (lon/lat degrees)")
    events = layers.get("events")
    kml = ET.Element("kml", xmlns=KML_NAMESPACE)
    document = _sub(kml, "Document")
    _sub(document, "name", title)
    _sub(document, "open", "1")
    _sub(document, "description", _ABOUT)
    _styles(document)
    for name, gdf in layers.items():
        folder = _sub(document, "Folder")
        _sub(folder, "name", name)
        _sub(folder, "visibility", "0" if name in _HIDDEN else "1")
        days = None if name in _MODEL_LAYERS else _user_days(gdf)
        fields = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))  # a column named "geometry" is a field too
        for (i, row), geom in zip(fields.iterrows(), gdf.geometry, strict=True):
            day = None if days is None or pd.isna(days.get(i)) else days.get(i)
            _placemark(folder, name, row, geom, events, day)
    ET.indent(kml)
    document_bytes: bytes = ET.tostring(kml, encoding="utf-8", xml_declaration=True)
    return document_bytes


def kmz_bytes(document: bytes) -> bytes:
    """Return a KMZ: ``document`` zipped as ``doc.kml`` (deflated, with a fixed time stamp).

    Parameters
    ----------
    document
        A KML document, from :func:`kml_document`.

    Examples
    --------
    >>> kmz_bytes(b"<kml/>")[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("doc.kml", date_time=_ZIP_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, document)
    return buffer.getvalue()
