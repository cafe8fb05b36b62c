"""Events along the patrol route in space and time: the chart road-safety and rail analysts use.

:func:`spacetime_table` places each event at its **chainage** (km along the patrol segment from Trumba,
:data:`geo.columns.QUERY_COLUMNS`) and its **day**; an event drawn along a stretch of road (a patrol) spans the
chainages of its ends. :func:`plot_spacetime` draws them with matplotlib: x is the chainage from Trumba (0) to
Ain al-Havr, with the places near the road marked; y is time; the colour is the event's type, its side of the
road or a column the caller names. :func:`post_summary` counts events within a distance of each observation post,
per month.

Only events near the segment are drawn (within ``within_km`` of it, the corridor's width by default): an event
20 km away has a chainage, but no place on this road. How many were left out is kept in the table's ``attrs``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ._words import counted

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from .corridor import Corridor

__all__ = [
    "DATE_NAMES",
    "chart_bytes",
    "event_days",
    "find_date_column",
    "plot_spacetime",
    "post_summary",
    "spacetime_table",
]

#: Column names taken as an event's date when none is named (any case), in this order.
DATE_NAMES = ("event_date", "date", "day", "day_first", "timestamp", "datetime")
#: Places drawn on the chart: those within this distance of the patrol segment, metres.
_PLACE_M = 2_000.0


def find_date_column(columns: Any) -> str | None:
    """Return the first column named like an event's date (:data:`DATE_NAMES`, any case), or None.

    The one rule by which the space-time chart, the post summary and the map's user layers find a date column
    nobody named.

    Parameters
    ----------
    columns
        The table's column names.

    Examples
    --------
    >>> find_date_column(["id", "EVENT_DATE", "lat"]), find_date_column(["id"])
    ('EVENT_DATE', None)
    """
    lower = {str(c).lower(): c for c in columns}
    for name in DATE_NAMES:
        if name in lower:
            return str(lower[name])
    return None


def _date_column(events: pd.DataFrame, date_col: str | None) -> str:
    if date_col is not None:
        if date_col not in events.columns:
            raise ValueError(f"date column {date_col!r}: not in the events; columns are {list(events.columns)}")
        return date_col
    found = find_date_column(events.columns)
    if found is None:
        raise ValueError(
            f"no date column among {list(events.columns)}; expected one named like {DATE_NAMES} (date_col=)"
        )
    return found


#: A time (``T02``, ``T02:00``, `` 020000.5``) and the UTC offset after it (``+03:00``, ``-0500``, ``+3``, ``Z``):
#: the offset is dropped, so the day is the local one, where the event was.
_TIME_OFFSET = r"((?:T|\s)\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)$"
#: An offset's hours and minutes; real ones run from -12:00 to +14:00, so a larger one is no time zone's.
_OFFSET_PARTS = r"^[+-](\d{1,2}):?(\d{2})?$"


def event_days(values: pd.Series, column: str) -> pd.Series:
    """Return each value of a date column as its day (datetime64, midnight; NaT where the value is missing).

    Parameters
    ----------
    values
        The column's values: dates, timestamps or text: ISO 8601 (``YYYY-MM-DD``, ``YYYY-MM``,
        with a time or not), or a date with its month by name (``05 March 2020``, older ACLED
        exports' form). A time with a UTC offset gives its own day, where the event was, not
        UTC's. Numbers alone in another order (``01/02/2020``: 1 February or 2 January?) are
        refused rather than guessed.
    column
        The column's name, for the message.

    Raises
    ------
    ValueError
        Naming the first value there (not blank) that is not a date, with its row: its index
        label plus one (a file's data row, from 1, when ``values`` keeps the index of
        :func:`geo.read_points`).
    """
    text = values.astype("string").str.strip()
    offset = text.str.extract(_TIME_OFFSET)[1].str.extract(_OFFSET_PARTS).astype("Float64")
    wrong = ((offset[0] > 14) | (offset[1] > 59) | ((offset[0] == 14) & (offset[1] > 0))).fillna(False).astype(bool)
    if wrong.any():
        raise ValueError(
            _bad_date(values, wrong, column, "its UTC offset is no time zone's (they run -12:00 to +14:00)")
        )
    text = text.str.replace(_TIME_OFFSET, r"\1", regex=True)  # the event's own day, not UTC's
    blank = text.eq("").fillna(False).astype(bool)  # an empty cell of a text column: no date
    days = pd.to_datetime(text.mask(blank), errors="coerce", format="ISO8601", utc=True)
    named = days.isna() & text.str.contains("[A-Za-z]{3}", regex=True).fillna(False).astype(bool)
    if named.any():  # a month by name cannot be read the wrong way round
        days[named] = pd.to_datetime(text[named], errors="coerce", format="mixed", utc=True)
    bad = values.notna() & ~blank & days.isna()
    if bad.any():
        raise ValueError(
            _bad_date(values, bad, column, "expected a date as YYYY-MM-DD (or with its month by name, as 5 March 2020)")
        )
    return days.dt.tz_localize(None).dt.normalize()


def _bad_date(values: pd.Series, bad: pd.Series, column: str, why: str) -> str:
    """Name the first value ``bad`` marks: its row (its index label plus one) and the value as a Python one."""
    i = int(np.argmax(bad.to_numpy()))
    label = values.index[i]
    row = label + 1 if isinstance(label, (int, np.integer)) else label
    value = values.iloc[i]
    value = value.item() if isinstance(value, np.generic) else value  # 35.8, not np.float64(35.8)
    return f"date column {column!r}: row {row} holds {value!r}; {why}"


def spacetime_table(
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    date_col: str | None = None,
    within_km: float | None = None,
) -> pd.DataFrame:
    """Return each event's place along the patrol route and its day, one row per event near the segment.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    events
        Events with a geometry in any CRS (points; a line spans the chainages of its ends), e.g. from
        :func:`geo.read_points`. By default the corridor's own dated events.
    date_col
        The column holding each event's date; by default the first of :data:`DATE_NAMES` present (any case).
    within_km
        Keep events within this distance of the patrol segment, kilometres; the corridor's width by default.

    Returns
    -------
    pandas.DataFrame
        ``chainage_km`` (where along the route, from Trumba), ``chainage_end_km`` (the other end of a line; equal
        for a point), ``day`` (datetime64), the other query columns (:data:`geo.columns.QUERY_COLUMNS`:
        ``distance_m``, ``in_corridor``, ``side``..., a line's at its start) and every column of ``events``
        but its geometry. ``attrs["left_out"]`` counts events with no geometry, no date, or too far from the segment;
        ``attrs["left_out_by"]`` splits that count by those three reasons.
    """
    from ._validate import real_number
    from .columns import QUERY_COLUMNS

    km = corridor.width_km if within_km is None else real_number(within_km, "within_km", "kilometres")
    if not (math.isfinite(km) and km >= 0):
        raise ValueError(f"within_km={within_km!r}: expected a distance of 0 km or more")
    events, column, geoms, located = _located(corridor, events, date_col)
    limit_m = km * 1000.0
    pairs = [_ends(g) for g in geoms[located]]
    starts, ends = (np.array([pair[k] for pair in pairs], dtype=object) for k in (0, 1))  # none: no event has a place
    days = event_days(events[column][located], column)  # before the index is dropped: it names a bad row
    rows = pd.DataFrame(events.drop(columns=events.geometry.name)[located]).reset_index(drop=True)
    for col in (c.name for c in QUERY_COLUMNS if c.name in rows.columns):
        rows = rows.drop(columns=col)  # answered afresh below, against this corridor
    a = corridor.query(shapely.get_x(starts), shapely.get_y(starts))
    b = corridor.query(shapely.get_x(ends), shapely.get_y(ends))
    for col in a.columns:  # a line's answers are its start's
        rows[col] = a[col].to_numpy()
    rows["chainage_end_km"] = b["chainage_km"].to_numpy()
    rows["day"] = days.to_numpy()
    keep = (np.minimum(a["distance_m"].to_numpy(), b["distance_m"].to_numpy()) <= limit_m) & rows["day"].notna()
    out: pd.DataFrame = rows[keep].reset_index(drop=True)
    out.attrs["left_out"] = len(events) - len(out)
    out.attrs["left_out_by"] = {
        "with no location": int(np.count_nonzero(~located)),
        "with no date": int(rows["day"].isna().sum()),
        "farther away": int(np.count_nonzero(~keep & rows["day"].notna().to_numpy())),
    }
    return out


def _located(
    corridor: Corridor, events: gpd.GeoDataFrame | None, date_col: str | None
) -> tuple[gpd.GeoDataFrame, str, np.ndarray, np.ndarray]:
    """Return the events (the corridor's by default), their date column, geometries in lon/lat, which have one."""
    events = corridor.events if events is None else events
    column = _date_column(events, date_col)
    geoms = events.geometry.to_crs("EPSG:4326").to_numpy() if events.crs is not None else events.geometry.to_numpy()
    return events, column, geoms, ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _ends(geom: Any) -> tuple[shapely.Point, shapely.Point]:
    """Return a line's two ends (a multi-line's first and last); any other geometry's representative point, twice."""
    if isinstance(geom, shapely.MultiLineString):
        return shapely.Point(geom.geoms[0].coords[0]), shapely.Point(geom.geoms[-1].coords[-1])
    if isinstance(geom, shapely.LineString):
        return shapely.Point(geom.coords[0]), shapely.Point(geom.coords[-1])
    point = geom if isinstance(geom, shapely.Point) else geom.representative_point()
    return point, point


def _places(corridor: Corridor) -> pd.DataFrame:
    """Return the places within :data:`_PLACE_M` of the patrol segment, with their chainage."""
    places = corridor.places
    q = corridor.query(places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    near = q["distance_m"].to_numpy() <= _PLACE_M
    return pd.DataFrame({"name": places["name"].to_numpy()[near], "chainage_km": q["chainage_km"].to_numpy()[near]})


def _place_labels(places: pd.DataFrame, apart_km: float = 2.0) -> list[tuple[float, str]]:
    """Places as (chainage, label) along the route, names closer than ``apart_km`` joined into one label."""
    labels: list[tuple[float, str]] = []
    for _, place in places.sort_values("chainage_km").iterrows():
        km, name = float(place["chainage_km"]), str(place["name"])
        if labels and km - labels[-1][0] < apart_km:
            labels[-1] = (labels[-1][0], f"{labels[-1][1]} / {name}")
        else:
            labels.append((km, name))
    return labels


def plot_spacetime(
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    color_by: str = "type",
    date_col: str | None = None,
    within_km: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw events along the patrol route: x the chainage from Trumba (km), y the day, coloured by ``color_by``.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    events
        Events with a geometry (see :func:`spacetime_table`); by default the corridor's own.
    color_by
        A column of the events (``"type"`` for the project's; ``"side"``, ``"in_corridor"``, ``"event_type"``...).
    date_col, within_km
        As for :func:`spacetime_table`.
    ax
        The matplotlib axes to draw on; a new figure (8 x 6 inches) by default.

    Returns
    -------
    matplotlib.axes.Axes
        The chart: points for events, horizontal bars for events along a stretch of road, dotted lines at the
        places near the road, Trumba on the left and Ain al-Havr on the right.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .geodesy import geodesic_length_m

    table = spacetime_table(corridor, events, date_col=date_col, within_km=within_km)
    if color_by not in table.columns:
        columns = [c for c in table.columns if c not in ("chainage_end_km", "day")]  # the events' and the query's
        raise ValueError(f"color_by={color_by!r}: not a column of the events; columns are {columns}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    length = geodesic_length_m(corridor.patrol_segment) / 1000.0
    for km, names in _place_labels(_places(corridor)):
        ax.axvline(km, color="#bbbbbb", linewidth=0.8, linestyle=":", zorder=0)
        ax.annotate(names, (km, 1.0), xycoords=("data", "axes fraction"), rotation=60, fontsize=7, ha="left",
                    va="bottom")  # fmt: skip
    groups = table[color_by].astype("string").fillna("(none)")
    cmap = plt.get_cmap("tab10")
    handles = []
    for k, (value, rows) in enumerate(table.groupby(groups, sort=True)):
        color = cmap(k % 10)
        spans = rows["chainage_km"] != rows["chainage_end_km"]
        ax.scatter(rows.loc[~spans, "chainage_km"], rows.loc[~spans, "day"], s=18, color=color, edgecolors="white",
                   linewidths=0.5, zorder=3)  # fmt: skip
        for _, r in rows[spans].iterrows():
            ax.plot([r["chainage_km"], r["chainage_end_km"]], [r["day"], r["day"]], color=color, linewidth=2.5,
                    alpha=0.8, zorder=2)  # fmt: skip
        marker = "o" if (~spans).any() else "_"
        handles.append(Line2D([], [], color=color, marker=marker, linestyle="-" if spans.any() else "", label=value))
    ax.set_xlim(-1, length + 1)
    ax.set_xlabel("chainage along the patrol segment, km (Trumba 0 -> Ain al-Havr)")
    ax.set_ylabel("date")
    ax.invert_yaxis()  # time runs down the page, as in a train graph
    ax.legend(handles=handles, title=color_by, fontsize=7, title_fontsize=8, loc="lower left",
              bbox_to_anchor=(1.01, 0.0))  # fmt: skip
    ax.set_title(_title(table, corridor.width_km if within_km is None else within_km), fontsize=9, pad=60)
    return ax


def _title(table: pd.DataFrame, km: float) -> str:
    """Return the chart's title: how many events it shows, and how many it leaves out and why.

    Examples
    --------
    >>> table = pd.DataFrame({"day": [1]})
    >>> table.attrs["left_out_by"] = {"with no location": 0, "with no date": 2, "farther away": 1}
    >>> _title(table, 6.0)
    '1 event within 6 km of the patrol segment (left out: 2 with no date, 1 farther away)'
    """
    shown = f"{counted(len(table), 'event')} within {km:g} km of the patrol segment"
    left = [f"{n} {why}" for why, n in table.attrs.get("left_out_by", {}).items() if n]
    return shown + (f" (left out: {', '.join(left)})" if left else "")


def post_summary(
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    within_km: float = 5.0,
    date_col: str | None = None,
) -> pd.DataFrame:
    """Count the events within ``within_km`` of each observation post, per month.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    events
        Events in any CRS (a line or an area counts at its centroid); by default the corridor's own.
    within_km
        The distance from a post, kilometres (geodesic).
    date_col
        As for :func:`spacetime_table`.

    Returns
    -------
    pandas.DataFrame
        One row per post (its number and name), one column per month (``YYYY-MM``) with an event near any post,
        counts as integers; an event near two posts counts for both.

    Examples
    --------
    >>> import geo
    >>> table = post_summary(geo.load_corridor(), within_km=1)
    >>> int(table.loc[(9, "Morek")].sum()) > 0
    True
    """
    from .geodesy import GEOD

    events, column, geoms, located = _located(corridor, events, date_col)
    months = event_days(events[column][located], column).dt.strftime("%Y-%m")
    points = [g if isinstance(g, shapely.Point) else shapely.centroid(g) for g in geoms[located]]
    lon, lat = np.array([p.x for p in points]), np.array([p.y for p in points])
    posts = corridor.posts
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for _, post in posts.iterrows():
        _, _, dist = GEOD.inv(np.full(len(lon), post.geometry.x), np.full(len(lat), post.geometry.y), lon, lat)
        near = (np.asarray(dist) <= within_km * 1000.0) & months.notna().to_numpy()
        counts[(int(post["number"]), str(post["name"]))] = months[near].value_counts().to_dict()
    table = pd.DataFrame.from_dict(counts, orient="index").fillna(0).astype(int)
    table = table.reindex(sorted(table.columns), axis=1)
    table.index = pd.MultiIndex.from_tuples(list(counts), names=["post", "name"])
    return table


def chart_bytes(figure: Any, kind: str) -> bytes:
    """Return a matplotlib figure as a PNG, an SVG, or an HTML page holding the SVG (one file, no request).

    Parameters
    ----------
    figure
        The figure (``ax.figure`` of :func:`plot_spacetime`).
    kind
        ``"png"``, ``"svg"`` or ``"html"``.
    """
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png" if kind == "png" else "svg", dpi=150)
    if kind != "html":
        return buffer.getvalue()
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]  # the SVG element, without its XML prologue
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Events along the patrol route</title>'
        f"</head><body>{svg}</body></html>\n"
    ).encode()
