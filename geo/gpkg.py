"""One GeoPackage of the corridor that QGIS opens styled, typed and dated.

:func:`write_gpkg` writes every layer of :meth:`geo.Corridor.layers` as its own table, with:

* **one geometry type per table**: the events are split into ``events`` (points), ``event_routes``
  (lines) and ``events_unlocated`` (a plain attribute table for the events with no place on the map);
  the context lines are all multi-lines;
* **types**: whole numbers as integers (post numbers, waypoint orders), and real ``DATE`` columns next to
  the dates as their sources give them (``2017-10`` stays text, precision and all): a post's
  ``established_day`` and ``evacuated_day`` (the days from which the change is certain, the rule of
  :func:`geo.history.corridor_as_of`) and an event's ``day_first`` / ``day_last`` / ``span_last`` /
  ``day_certain``;
* a **description** of each table in ``gpkg_contents``;
* QGIS's own **``layer_styles``** table: one QML style per table, the default for it, in the web map's
  colours and line widths (read from its style table, :mod:`geo.maps.style`), with the Temporal
  Controller set up on the posts (established -> evacuated) and the events (first -> last day).

The file is GeoPackage 1.2, which GDAL and QGIS releases of the last years read without a warning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd

from ._gdal import write_layer
from .history import post_change_window
from .maps.style import (
    AREA,
    COLORS,
    CONTEXT_STYLE,
    DOTS,
    EVENT_STYLES,
    LINES,
    OTHER_CONTEXT_STYLE,
    POST_SYMBOLS,
    USER_POINT_COLORS,
)

__all__ = ["GPKG_DESCRIPTIONS", "gpkg_tables", "layer_qml", "write_gpkg"]

#: What each table holds, written to ``gpkg_contents.description``.
GPKG_DESCRIPTIONS = {
    "m4": "The M4 highway, Latakia - Saraqib, on its modelled alignment (source in the row)",
    "patrol_segment": "The joint-patrol segment of the M4, Trumba - Ain al-Havr (Additional Protocol, 5 March 2020)",
    "security_corridor": "The security corridor, 6 km each side of the M4 along the patrol segment, by half",
    "posts": "The 12 Turkish observation posts of 2017-2018: site, set-up and fate, with sources",
    "places": "Named places of the corridor, with sources and confidence",
    "m4_waypoints": "The sourced waypoints the M4 line is drawn through",
    "context": "Context lines: the Turkey-Syria border, governorate boundaries, the coastline",
    "events": "Dated events of the corridor's history with a point on the map, with sources",
    "event_routes": "Dated events of the corridor's history along a stretch of road, with sources",
    "events_unlocated": "Dated events of the corridor's history with no place on the map, with sources",
}

#: Tables without geometry, which have no style.
NO_GEOMETRY = {"events_unlocated"}

_QGIS_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


# --- tables -------------------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Return a list as '; '-joined text and a mapping as JSON (GDAL has neither type); anything else as it is."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False)
    return value


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        nested = col != out.geometry.name and out[col].dtype == object
        if nested and out[col].map(lambda v: isinstance(v, (list, tuple, Mapping))).any():
            out[col] = out[col].map(_cell)
    return out


def _certain_day(post: pd.Series, key: str) -> dt.date | None:
    """Return the day from which the post's ``established`` or ``evacuated`` change is certain, or None."""
    window = post_change_window(post, key)
    return None if window is None else window[1]


def gpkg_tables(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Return the GeoPackage's tables: the layers with one geometry type each, typed and dated.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame in EPSG:4326, as :meth:`geo.Corridor.layers` gives them.

    Returns
    -------
    dict
        Table name -> GeoDataFrame (a plain DataFrame for ``events_unlocated``), in writing order.
    """
    tables: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {}
    for name, gdf in layers.items():
        plain = _plain(gdf)
        if name == "posts":
            plain["established_day"] = [_certain_day(p, "established") for _, p in gdf.iterrows()]
            plain["evacuated_day"] = [_certain_day(p, "evacuated") for _, p in gdf.iterrows()]
        if name == "context":
            plain = plain.set_geometry(plain.geometry.force_2d())
        if name != "events":
            tables[name] = plain
            continue
        kinds = plain.geometry.geom_type
        tables["events"] = plain[kinds == "Point"]
        tables["event_routes"] = plain[kinds.isin(["LineString", "MultiLineString"])]
        tables["events_unlocated"] = pd.DataFrame(plain[kinds.isna()].drop(columns=plain.geometry.name))
    return tables


# --- styles -------------------------------------------------------------------------------------------------


def _rgba(hex_rgb: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS's ``r,g,b,a`` (0-255 each)."""
    r, g, b = (int(hex_rgb[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(opacity * 255)}"


def _props(layer: ET.Element, props: Mapping[str, str]) -> None:
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def _line_layer(options: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    props = {
        "line_color": _rgba(options["color"], options.get("opacity", 1.0)),
        "line_width": f"{options['weight']:g}",
        "line_width_unit": "Pixel",
        "capstyle": "round",
        "joinstyle": "round",
    }
    dashes = options.get("dash_array")
    if dashes:
        props |= {"use_custom_dash": "1", "customdash": dashes.replace(" ", ";"), "customdash_unit": "Pixel"}
    return "SimpleLine", props


def _fill_layer(color: str, opacity: float, outline: float) -> tuple[str, dict[str, str]]:
    return "SimpleFill", {
        "color": _rgba(color, opacity),
        "style": "solid",
        "outline_color": _rgba(color),
        "outline_width": f"{outline:g}",
        "outline_width_unit": "Pixel",
    }


def _marker_layer(fill: str, outline: str, diameter_px: float, outline_px: float) -> tuple[str, dict[str, str]]:
    return "SimpleMarker", {
        "name": "circle",
        "color": _rgba(fill),
        "outline_color": _rgba(outline),
        "size": f"{diameter_px:g}",
        "size_unit": "Pixel",
        "outline_width": f"{outline_px:g}",
        "outline_width_unit": "Pixel",
    }


def _symbol(parent: ET.Element, name: str, kind: str, layer: tuple[str, dict[str, str]]) -> None:
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    element = ET.SubElement(symbol, "layer", {"class": layer[0], "enabled": "1", "locked": "0", "pass": "0"})
    _props(element, layer[1])


#: Each table's look: (symbol type, categorising field or None, {category value or "": symbol layer}).
def _looks() -> dict[str, tuple[str, str | None, dict[str, tuple[str, dict[str, str]]]]]:
    recent = EVENT_STYLES["recent"]
    post = {
        fate: _marker_layer(s["fill"], s["border"], 14, 2)
        for fate, s in (("remained", POST_SYMBOLS["active"]), ("evacuated", POST_SYMBOLS["evacuated"]))
    }
    return {
        "m4": ("line", None, {"": _line_layer(LINES["m4"])}),
        "patrol_segment": ("line", None, {"": _line_layer(LINES["patrol"])}),
        "security_corridor": (
            "fill",
            "side",
            {side: _fill_layer(COLORS[side], AREA["fill_opacity"], AREA["weight"]) for side in ("north", "south")},
        ),
        "posts": ("marker", "fate", post),
        "places": ("marker", None, {"": _marker_layer("#ffffff", DOTS["place"]["color"], 7, 1.5)}),
        "m4_waypoints": ("marker", None, {"": _marker_layer("#ffffff", COLORS["m4"], 4, 1)}),
        "context": (
            "line",
            "kind",
            {**{k: _line_layer(o) for k, o in CONTEXT_STYLE.items()}, "": _line_layer(OTHER_CONTEXT_STYLE)},
        ),
        "events": ("marker", None, {"": _marker_layer(recent["fillColor"], recent["color"], 8, 1.5)}),
        "event_routes": ("line", None, {"": _line_layer(recent)}),
    }


#: The Temporal Controller's fields of a table: (start, end); QGIS treats an empty end as open.
_TIME_FIELDS = {"posts": ("established_day", "evacuated_day"), "events": ("day_first", "span_last")}
_TIME_FIELDS["event_routes"] = _TIME_FIELDS["events"]


def _user_look() -> tuple[str, str | None, dict[str, tuple[str, dict[str, str]]]]:
    """Return the look of a user's points: coloured by ``in_corridor`` (true, false; a bad row has none)."""
    return (
        "marker",
        "in_corridor",
        {
            value: _marker_layer(USER_POINT_COLORS[key], "#ffffff", 7, 1)
            for value, key in (("1", "inside"), ("0", "outside"), ("", "unknown"))
        },
    )


def layer_qml(table: str) -> str | None:
    """Return the QGIS style (QML) of one table, or None for a table without geometry.

    Parameters
    ----------
    table
        A table of :func:`gpkg_tables`; a table that is not the model's is a user's points.

    Examples
    --------
    >>> "SimpleLine" in layer_qml("m4")
    True
    """
    looks = _looks()
    if table in NO_GEOMETRY:
        return None
    kind, field, symbols = looks.get(table) or _user_look()
    qgis = ET.Element("qgis", version="3.28.0", styleCategories="Symbology|Temporal")
    if table in _TIME_FIELDS:
        start, end = _TIME_FIELDS[table]
        # mode 2: each feature's start and end from fields
        ET.SubElement(qgis, "temporal", enabled="1", mode="2", startField=start, endField=end, accumulate="0",
                      durationUnit="min", fixedDuration="0", durationField="", startExpression="", endExpression="",
                      limitMode="0")  # fmt: skip
    if field is None:
        renderer = ET.SubElement(qgis, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0")
        _symbol(ET.SubElement(renderer, "symbols"), "0", kind, symbols[""])
    else:
        renderer = ET.SubElement(
            qgis, "renderer-v2", type="categorizedSymbol", attr=field, symbollevels="0", enableorderby="0"
        )
        categories = ET.SubElement(renderer, "categories")
        symbol_parent = ET.SubElement(renderer, "symbols")
        for i, (value, layer) in enumerate(symbols.items()):
            ET.SubElement(categories, "category", value=value, symbol=str(i), label=value or "other", render="true")
            _symbol(symbol_parent, str(i), kind, layer)
    ET.indent(qgis)
    return _QGIS_DOCTYPE + ET.tostring(qgis, encoding="unicode")


# --- writing ------------------------------------------------------------------------------------------------

_LAYER_STYLES = """CREATE TABLE layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, f_table_schema TEXT, f_table_name TEXT,
    f_geometry_column TEXT, styleName TEXT, styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
    description TEXT, owner TEXT, ui TEXT, update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""


def _add_styles(path: Path, tables: Mapping[str, Any]) -> None:
    """Add QGIS's ``layer_styles`` table (registered in ``gpkg_contents`` as attributes) with each table's QML."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # closed, and committed on success
        db.execute(_LAYER_STYLES)
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, ?, ?, ?)",
            ("layer_styles", "attributes", "layer_styles", "QGIS layer styles (QML), one default per table"),
        )
        for name in tables:
            qml = layer_qml(name)
            if qml is not None:
                db.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
                    " styleName, styleQML, styleSLD, useAsDefault, description, owner)"
                    " VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, 'idlib-corridor')",
                    (name, name, qml, f"The web map's style of {name}"),
                )


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write ``layers`` as one GeoPackage at ``path`` (a new file): typed tables, descriptions, QGIS styles.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame in EPSG:4326, as :meth:`geo.Corridor.layers` gives them.
    path
        The file to create (the caller writes it atomically: :func:`geo._io.atomic_folder`).

    Raises
    ------
    OSError
        GDAL or SQLite could not write (a full disk...): one line naming the layer.
    """
    tables = gpkg_tables(layers)
    for name, table in tables.items():
        options = {"DESCRIPTION": GPKG_DESCRIPTIONS.get(name, f"Your points: {name}, with the corridor's answers")}
        vector = {"engine": "pyogrio", "promote_to_multi": name == "context"} if name not in NO_GEOMETRY else {}
        write_layer(table, path, name, driver="GPKG", use_arrow=True, layer_options=options,
                    dataset_options={"VERSION": "1.2"}, **vector)  # fmt: skip
    try:
        _add_styles(path, tables)
    except sqlite3.Error as exc:  # a full disk, a locked file: the writer's own kind of error
        raise OSError(f"SQLite could not add the layer styles: {exc}") from None
