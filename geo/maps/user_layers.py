"""The user's own points on the map: one clustered layer per file or GeoDataFrame, coloured, with popups and dates.

:func:`user_layers` turns what :func:`geo.maps.build_map` is given as ``points=`` (a GeoDataFrame, a file
path, or a mapping of layer names to either) into :class:`PointLayer` s: each row's point in lon/lat, its
colour class, its day, and its fields as text. A file is read with :func:`geo.read_points` (classify's
rules); a GeoDataFrame in any CRS lacking the query columns gets them, each row answered at its point as
classify answers it (a line at its midpoint, any other shape at a point on its surface). A row with no
usable point (no geometry, an empty one, or coordinates that do not convert to lon/lat) is not drawn, and
the legend counts it.

:class:`UserPoints` draws one layer in the page: the data goes in once, as compact columnar JSON (coordinates
rounded to :data:`geo.maps.style.NDIGITS`, each column's repeated texts stored once), and
``geo/static/points.js`` makes the markers (circle markers on a canvas) in a Leaflet.markercluster group
(read from the installed ``xstatic-leaflet-markercluster`` package and inlined, like Leaflet). Popups
are built with ``textContent``: no text from the data is ever parsed as HTML. With the time slider, a
layer whose points have days shows, while the slider's layers are on, only the points up to the slider's
day (``timeline.js`` announces its day on the map); points with no date stay shown.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from branca.element import Element, Figure
from folium.template import Template

from .._point_files import points_of
from .._validate import lonlat_ok
from .._words import counted
from ..columns import QUERY_COLUMNS
from ..corridor import Corridor
from ..points import layer_name, read_points
from ..spacetime import event_days, find_date_column
from .assets import inline_static, markercluster_css, markercluster_js
from .elements import script_json
from .legend import legend_row
from .popups import plain, text
from .style import (
    NDIGITS,
    USER_CATEGORY_COLORS,
    USER_NUMBER_COLORS,
    USER_OTHER_COLOR,
    USER_POINT_COLORS,
    USER_POINT_STYLE,
    USER_SIDE_COLORS,
)

__all__ = [
    "CLUSTER_KEY",
    "DEFAULT_LAYER_NAME",
    "NUMBER_CLASSES",
    "PointLayer",
    "UserPoints",
    "add_user_layers",
    "user_layers",
]

#: The layer name of a GeoDataFrame given alone (``build_map(c, points=gdf)``).
DEFAULT_LAYER_NAME = "Your points"
#: Classes of a numeric colour column (at most; fewer when it has fewer distinct values).
NUMBER_CLASSES = len(USER_NUMBER_COLORS)
#: The colourings by a query column: each value's key in its colour table, and the legend's words for it.
_QUERY_COLORINGS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "in_corridor": (
        USER_POINT_COLORS,
        {"inside": "in the corridor", "outside": "outside the corridor", "unknown": "not answered"},
    ),
    "side": (USER_SIDE_COLORS, {"north": "north of the M4", "south": "south of the M4", "unknown": "no side"}),
}
#: A column's texts are stored once each, with a code per row, when it has at most this share of distinct texts.
_DICTIONARY_SHARE = 0.5


@dataclass
class PointLayer:
    """One user layer, ready to draw.

    Attributes
    ----------
    name
        The layer's name (plain text: the layer control and the legend escape it).
    data
        What ``points.js`` reads (see :func:`user_layers`).
    classes
        The colour key: ``(colour, words, points drawn in it)``, in the legend's order.
    drawn
        Rows drawn.
    not_drawn
        Rows with no usable point.
    undated
        Drawn rows with no date (0 when the layer has no date column).
    date_col
        The column the days come from, or None.
    """

    name: str
    data: dict[str, Any]
    classes: list[tuple[str, str, int]]
    drawn: int
    not_drawn: int
    undated: int
    date_col: str | None


def user_layers(
    corridor: Corridor,
    points: Any,
    *,
    point_color: str = "in_corridor",
    date_col: str | bool | None = True,
    dated: bool = True,
) -> list[PointLayer]:
    """Return the user layers of ``points``, in order.

    Parameters
    ----------
    corridor
        The corridor the points are answered against.
    points
        A GeoDataFrame (named :data:`DEFAULT_LAYER_NAME`), a file path (named for its file,
        :func:`geo.points.layer_name`) read with :func:`geo.read_points`, or a mapping from layer name to either.
    point_color
        ``"in_corridor"``, ``"side"``, or the name of a column: categories get a fixed palette
        (:data:`geo.maps.style.USER_CATEGORY_COLORS`, the most frequent first, ``other`` beyond), numbers up
        to :data:`NUMBER_CLASSES` classes of about equal counts.
    date_col
        The column of each point's date; True (the default) for the first named like
        :data:`geo.spacetime.DATE_NAMES` (any case), if any; None or False for none.
    dated
        Whether the points' days go to the page (the map has a time slider).

    Returns
    -------
    list of PointLayer
        ``data`` holds ``lat``, ``lon`` (rounded), ``k`` (each point's colour class), ``colors``, ``day`` (days
        since 1970-01-01, None for no date; or None for a layer without days), ``row`` (the row's number, from
        1), ``columns`` and ``values`` (each column's texts: ``{"t": [...]}``, or ``{"v": [...], "i": [...]}``
        with -1 for an empty value) and ``style``.

    Raises
    ------
    ValueError
        One line naming the value: ``points``, ``point_color`` or ``date_col`` of the wrong kind, a layer
        name that is not a non-empty string, a GeoDataFrame with no CRS or no geometry, a column not in a
        layer, a date that is not one, or a file :func:`geo.read_points` cannot read.
    """
    if not isinstance(point_color, str) or not point_color:
        raise ValueError(f"point_color={point_color!r}: expected 'in_corridor', 'side' or a column's name")
    if not (date_col is None or isinstance(date_col, (bool, str))) or date_col == "":
        raise ValueError(f"date_col={date_col!r}: expected a column's name, True (find it) or None (no dates)")
    layers = []
    for name, source in _named_sources(points):
        gdf = read_points(corridor, source) if isinstance(source, (str, os.PathLike)) else source
        layers.append(_layer(corridor, name, gdf, point_color, date_col, dated))
    return layers


def _named_sources(points: Any) -> list[tuple[str, Any]]:
    """Return ``(layer name, GeoDataFrame or path)`` for each layer of ``points``; names unique."""
    expected = "expected a GeoDataFrame, a file path, or a mapping {layer name: GeoDataFrame or path}"
    if isinstance(points, gpd.GeoDataFrame):
        return [(DEFAULT_LAYER_NAME, points)]
    if isinstance(points, (str, os.PathLike)):
        if not str(points):
            raise ValueError(f"points={points!r}: {expected}")
        return [(layer_name(points), points)]
    if not isinstance(points, Mapping):
        raise ValueError(f"points={type(points).__name__}: {expected}")
    if not points:
        raise ValueError(f"points={{}}: no layer; {expected}")
    out = []
    for name, source in points.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"points: layer name {name!r}: expected a non-empty string")
        if not isinstance(source, (gpd.GeoDataFrame, str, os.PathLike)) or not str(source):
            raise ValueError(f"points[{name!r}]={type(source).__name__}: expected a GeoDataFrame or a file path")
        out.append((name, source))
    return out


def _layer(
    corridor: Corridor, name: str, gdf: gpd.GeoDataFrame, point_color: str, date_col: str | bool | None, dated: bool
) -> PointLayer:
    """Return one layer: the rows' points in lon/lat, the query columns where missing, colours, days, texts."""
    where = str(gdf.attrs.get("source") or f"points[{name!r}]")  # read_points' file, named in a message
    if not _has_geometry(gdf):
        raise ValueError(f"{where}: the GeoDataFrame has no geometry column; expected one of points (or shapes)")
    if gdf.crs is None:
        raise ValueError(f"{where}: the GeoDataFrame has no CRS; set the one its coordinates are in (.set_crs(...))")
    lon, lat = _lonlat(gdf)
    ok = lonlat_ok(lon, lat)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    missing = [c.name for c in QUERY_COLUMNS if c.name not in table.columns]
    if missing:
        answers = corridor.query(lon[ok], lat[ok]) if ok.any() else None
        for added in missing:
            values = pd.Series([None] * len(table), index=table.index, dtype=object)
            if answers is not None:
                values[ok] = list(answers[added])
            table[added] = values
    drawn = table[ok]
    column = _date_column(table, date_col, where)
    days = _days(drawn, column, where) if column is not None and dated else None
    k, colors, words = _colors(drawn, point_color, where)
    counts = np.bincount(k, minlength=len(colors)) if len(k) else np.zeros(len(colors), dtype=int)
    data = {
        "lat": np.round(lat[ok], NDIGITS).tolist(),
        "lon": np.round(lon[ok], NDIGITS).tolist(),
        "k": k.tolist(),
        "colors": colors,
        "day": days,
        "row": (np.flatnonzero(ok) + 1).tolist(),
        "columns": [str(c) for c in drawn.columns],
        "values": [_texts(drawn[c]) for c in drawn.columns],
        "style": USER_POINT_STYLE,
    }
    return PointLayer(
        name=name,
        data=data,
        classes=[(c, w, int(n)) for c, w, n in zip(colors, words, counts, strict=True) if n],
        drawn=int(ok.sum()),
        not_drawn=int((~ok).sum()),
        undated=sum(d is None for d in days) if days is not None else 0,
        date_col=column,
    )


def _has_geometry(gdf: gpd.GeoDataFrame) -> bool:
    try:
        gdf.geometry  # noqa: B018  (raises when the frame has no active geometry column)
    except AttributeError:
        return False
    return True


def _lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lon and lat (degrees; NaN where none) of each row's point, found in the frame's own CRS as classify does."""
    x, y, _ = points_of(gdf.geometry.to_numpy())
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.equals(pyproj.CRS.from_epsg(4326)):
        return x.astype(float), y.astype(float)
    lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y, errcheck=False)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _date_column(table: pd.DataFrame, date_col: str | bool | None, where: str) -> str | None:
    if date_col is None or date_col is False:
        return None
    if date_col is True:
        return find_date_column(table.columns)
    if date_col not in table.columns:
        raise ValueError(f"{where}: date_col={date_col!r} is not a column; columns are {list(table.columns)}")
    return date_col


def _days(drawn: pd.DataFrame, column: str, where: str) -> list[int | None]:
    """Each drawn row's day as days since 1970-01-01 (None for no date)."""
    try:
        days = event_days(drawn[column].astype(object), column)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc} (date_col=None for none)") from None
    numbers = (days - pd.Timestamp("1970-01-01")).dt.days
    return [None if pd.isna(d) else int(d) for d in numbers]


def _colors(drawn: pd.DataFrame, point_color: str, where: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Each drawn row's colour class, and the classes' colours and legend words."""
    if point_color in _QUERY_COLORINGS:
        table, words = _QUERY_COLORINGS[point_color]
        keys = _query_keys(drawn[point_color], point_color)
        order = list(table)
        return np.array([order.index(key) for key in keys], dtype=int), list(table.values()), list(words.values())
    if point_color not in drawn.columns:
        raise ValueError(
            f"{where}: point_color={point_color!r} is not a column; expected 'in_corridor', 'side' or one of "
            f"{list(drawn.columns)}"
        )
    values = drawn[point_color]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return _number_classes(values.astype(float).to_numpy())
    return _categories(values)


def _query_keys(values: pd.Series, column: str) -> list[str]:
    """``inside``/``outside``/``unknown`` of ``in_corridor``; ``north``/``south``/``unknown`` of ``side``."""
    if column == "in_corridor":
        return ["unknown" if plain(v) == "" else "inside" if bool(v) else "outside" for v in values]
    return [plain(v) if plain(v) in ("north", "south") else "unknown" for v in values]


def _number_classes(x: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """Up to :data:`NUMBER_CLASSES` classes of about equal counts (bounds at distinct values); missing: no value."""
    known = np.isfinite(x)
    distinct = np.unique(x[known])
    if len(distinct) <= NUMBER_CLASSES:
        bounds = list(distinct)
    else:
        picks = np.quantile(x[known], np.linspace(0, 1, NUMBER_CLASSES + 1)[1:-1], method="higher")
        bounds = sorted({*picks.tolist(), float(distinct[-1])})
    # Class j holds the values in (bounds[j-1], bounds[j]]; the first from the smallest value.
    k = np.full(len(x), len(bounds), dtype=int)
    k[known] = np.searchsorted(bounds, x[known], side="left")
    colors = [USER_NUMBER_COLORS[round(j * (NUMBER_CLASSES - 1) / max(len(bounds) - 1, 1))] for j in range(len(bounds))]
    words = [_number(bounds[0]) if distinct[0] == bounds[0] else f"{_number(distinct[0])} to {_number(bounds[0])}"]
    words += [f"over {_number(lo)} to {_number(hi)}" for lo, hi in itertools.pairwise(bounds)]
    return k, [*colors, USER_POINT_COLORS["unknown"]], [*words, "no value"]


def _number(value: float) -> str:
    """Return a class bound as the legend writes it: six significant digits, 12.0 as 12."""
    return plain(float(f"{value:.6g}"))


def _categories(values: pd.Series) -> tuple[np.ndarray, list[str], list[str]]:
    """Return classes of categories: the most frequent in the palette, ``other`` beyond, ``no value`` for none."""
    texts = pd.Series([plain(v) for v in values], dtype=object)
    counts = texts[texts != ""].value_counts(sort=True)
    top = list(counts.index[: len(USER_CATEGORY_COLORS)])
    others = len(counts) > len(top)
    position = {t: j for j, t in enumerate(top)}
    other, none = len(top), len(top) + 1
    k = np.array([position.get(t, none if t == "" else other) for t in texts], dtype=int)
    colors = [*USER_CATEGORY_COLORS[: len(top)], USER_OTHER_COLOR, USER_POINT_COLORS["unknown"]]
    words = [*top, f"other ({len(counts) - len(top)} values)" if others else "other", "no value"]
    return k, colors, words


def _texts(values: pd.Series) -> dict[str, list[Any]]:
    """Return a column's values as the popup shows them (:func:`~geo.maps.popups.plain`), few distinct ones once."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): text each one
        return {"t": [plain(v) for v in values]}
    shown = [plain(v) for v in uniques]
    if len(shown) > _DICTIONARY_SHARE * max(len(values), 1):
        lookup = np.array([*shown, ""], dtype=object)
        return {"t": lookup[codes].tolist()}
    return {"v": shown, "i": codes.tolist()}


class UserPoints(folium.map.Layer):
    """One user layer in the page: its data as JSON, its markers made by ``points.js`` in a cluster group.

    It is a folium layer: a layer control added after it lists it under its (escaped) name. The page keeps
    ``window.idlibUserLayers[<name>]`` for scripting: ``group`` (the Leaflet.markercluster group), ``total``
    (points drawn), ``shown()`` (points in the group now, after the time slider's filter).

    Parameters
    ----------
    layer
        From :func:`user_layers`.
    """

    _template = Template(
        """
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}_data">{{ this.data_json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.idlibUserPoints(
  JSON.parse(document.getElementById("{{ this.get_name() }}_data").textContent),
  {{ this.options }}, {{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, layer: PointLayer) -> None:
        super().__init__(name=text(layer.name), overlay=True, control=True, show=True)
        self._name = "UserPoints"
        self.data_json = script_json(layer.data, compact=True)
        self.options = script_json({"name": layer.name})

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca renders into the figure
        """Put Leaflet.markercluster and ``points.js``/``points.css`` inline in the page's head, then render."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.header.add_child(Element(f"<style>{markercluster_css()}</style>"), name="idlib_markercluster_css")
            figure.header.add_child(Element(f"<script>{markercluster_js()}</script>"), name="idlib_markercluster_js")
            inline_static(figure, ("points.css", "points.js"))
        super().render(**kwargs)  # type: ignore[no-untyped-call]


def legend_rows(layer: PointLayer, timeline: bool) -> str:
    """Return the legend rows of a user layer: its name and counts, its colour key, what is not drawn.

    Parameters
    ----------
    layer
        From :func:`user_layers`.
    timeline
        Whether the map has the time slider (then the rows say which points it filters).
    """
    swatch = '<span class="sw idlib-user-dot" style="background:{}"></span>'
    head = f"{text(layer.name)}: {counted(layer.drawn, 'point')} drawn"
    rows = [f'<li class="idlib-legend-head idlib-user-layer">{head}</li>']
    rows += [legend_row(swatch.format(color), f"{words} ({n:,})") for color, words, n in layer.classes]
    if layer.not_drawn:
        note = f"{counted(layer.not_drawn, 'row')} not drawn: no geometry or no valid coordinates"
        rows.append(f'<li class="idlib-user-note">{note}</li>')
    if timeline and layer.date_col is not None and layer.data["day"] is not None:
        note = f"Dated by {layer.date_col}: on the slider's day, points up to that day"
        if layer.undated:
            note += f"; {layer.undated:,} with no date always shown"
        rows.append(f'<li class="idlib-user-note">{text(note)}</li>')
    return "".join(rows)


#: The legend's line for a cluster of a user's points.
CLUSTER_KEY = "a cluster of that many points: click to spread"


def add_user_layers(m: folium.Map, layers: list[PointLayer], timeline: bool) -> list[str]:
    """Add each layer to the map (:class:`UserPoints`) and return their legend rows.

    Parameters
    ----------
    m
        The map.
    layers
        From :func:`user_layers`.
    timeline
        Whether the map has the time slider.
    """
    for layer in layers:
        m.add_child(UserPoints(layer))
    rows = [legend_rows(layer, timeline) for layer in layers]
    if layers:  # once: a cluster is not a post, though both are numbered discs
        rows.append(legend_row('<span class="sw idlib-user-cluster">12</span>', CLUSTER_KEY))
    return rows
