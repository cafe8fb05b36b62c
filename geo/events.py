"""The dated events: reading and validating ``data/events.geojson``, and choosing events by date and type.

Every event has a date of day or month precision, optionally a range's end and a
"by" day (the date maths are in :mod:`geo.dates`; the "as of" rule that uses them
is in :mod:`geo.history`), a type from :data:`EVENT_TYPES`, a source and, when it
has a place on the map, what its geometry comes from (:data:`LOCATION_KEYS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ._validate import DataError, given
from .data import CONFIDENCE_CODES, data_path, read_layer
from .dates import DATE_PRECISIONS, DateLike, change_window, date_bounds

__all__ = ["EVENT_TYPES", "LOCATION_KEYS", "filter_events", "read_events"]

#: The vocabulary of event types, with what each means.
EVENT_TYPES: dict[str, str] = {
    "agreement": "an agreement between Russia and Turkey signed",
    "ceasefire": "a ceasefire takes effect",
    "corridor": "the security corridor set up or its terms settled",
    "patrol": "a joint Russian-Turkish patrol on the M4",
    "attack": "an attack on the joint patrol",
    "demolition": "a part of the road destroyed (a bridge blown up)",
    "suspension": "the joint patrols suspended",
    "post_established": "a Turkish observation post set up",
    "post_besieged": "an observation post surrounded by Syrian government forces",
    "post_evacuated": "Turkish troops leave an observation post",
}

#: Where an event's geometry comes from: a post (its number; the post's point), a place (its name; the
#: place's point), ``road_at`` (a place name; the M4 point nearest that place) or a ``route`` (two place
#: names; the M4 between the road points nearest them). At most one is given, and only with a geometry.
LOCATION_KEYS = ("post", "place", "road_at", "route")

def read_events(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read and validate the dated events (``data/events.geojson`` by default).

    Every event has an ``id``, a ``date`` of day or month precision (``date_precision``
    says which and must agree with the date), optionally a ``date_end`` closing a
    reported range and a ``date_by``, the latest day it can have happened (see
    :func:`change_window`), a ``type`` from :data:`EVENT_TYPES`, a ``name`` and a short
    ``description``, a ``source`` and a ``confidence`` code. Its geometry is a Point
    (at a post or a place), a LineString (along the M4) or null (no location).

    Parameters
    ----------
    path
        The GeoJSON file; the shipped one by default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per event in date order (a month-only date before the days of its
        month), CRS EPSG:4326; dates stay strings as in the file. Added columns
        ``day_first`` and ``day_last`` (``datetime.date``) are the first and last day
        the ``date`` can denote, ``span_last`` the last day of ``date_end`` (or
        ``day_last``), ``day_certain`` the day from which the event has certainly
        happened (the earlier of ``span_last`` and ``date_by``). ``post`` is a
        nullable integer.

    Raises
    ------
    DataError
        A feature has a bad or missing date, an unknown type, no source, ...;
        the message names the file and the feature.

    Examples
    --------
    >>> ev = read_events()
    >>> ev.loc[ev["id"] == "ceasefire", "date"].item()
    '2020-03-06'
    """
    path = path if path is not None else data_path("events.geojson")
    path = Path(path) if isinstance(path, str) else path
    gdf = read_layer(
        path,
        geometry_types={"Point", "LineString"},
        required={"id": str, "date": str, "date_precision": str, "type": str, "name": str, "description": str},
        unique=("id",),
        allow_null_geometry=True,
    )
    firsts, lasts, span_lasts, certains = [], [], [], []
    for i, row in gdf.iterrows():
        where = f"{path}: feature {i} ({row['name']!r})"
        date, precision = row["date"], row["date_precision"]
        first, last = date_bounds(date, where=where)
        if precision not in DATE_PRECISIONS:
            raise DataError(f"{where}: date_precision {precision!r}, expected one of {list(DATE_PRECISIONS)}")
        if len(date) != DATE_PRECISIONS[precision]:
            want = "YYYY-MM-DD" if precision == "day" else "YYYY-MM"
            raise DataError(f"{where}: date {date!r} does not have date_precision {precision!r} ({want})")
        names = {"where": where, "end_name": "date_end", "by_name": "date_by"}
        _, span_last = change_window(date, end=given(row.get("date_end")), **names)
        _, certain = change_window(date, end=given(row.get("date_end")), by=given(row.get("date_by")), **names)
        if row["type"] not in EVENT_TYPES:
            raise DataError(f"{where}: type {row['type']!r}, expected one of {list(EVENT_TYPES)}")
        _check_location(row, gdf.geometry.iloc[i], where)
        firsts.append(first)
        lasts.append(last)
        span_lasts.append(span_last)
        certains.append(certain)
    gdf["day_first"], gdf["day_last"], gdf["span_last"] = firsts, lasts, span_lasts
    gdf["day_certain"] = certains
    if "post" in gdf.columns:
        gdf["post"] = gdf["post"].astype("Int64")
    order = sorted(range(len(gdf)), key=lambda k: (firsts[k], lasts[k]))
    return gdf.iloc[order].reset_index(drop=True)


def _check_location(row: pd.Series, geom: Any, where: str) -> None:
    refs = {k: given(row.get(k)) for k in LOCATION_KEYS}
    if isinstance(refs["post"], float) and refs["post"].is_integer():  # pandas stores int-or-null as float
        refs["post"] = int(refs["post"])
    named = [k for k, v in refs.items() if v is not None]
    loc_conf = given(row.get("location_confidence"))
    if len(named) > 1:
        raise DataError(f"{where}: give at most one of {', '.join(LOCATION_KEYS)}, not {named}")
    if geom is None:
        if named:
            raise DataError(f"{where}: {named[0]} {refs[named[0]]!r} is given but the geometry is null")
        if loc_conf is not None:
            raise DataError(f"{where}: location_confidence {loc_conf!r} is given but the geometry is null")
        return
    if not named:
        raise DataError(f"{where}: the geometry has no {', '.join(LOCATION_KEYS)} saying where it comes from")
    kind = named[0]
    want = "LineString" if kind == "route" else "Point"
    if geom.geom_type != want:
        raise DataError(f"{where}: a {kind} event needs a {want} geometry, got {geom.geom_type}")
    if kind == "route" and not (
        isinstance(refs["route"], list) and len(refs["route"]) == 2 and all(isinstance(r, str) for r in refs["route"])
    ):
        raise DataError(f"{where}: route {refs['route']!r}, expected [from place name, to place name]")
    if kind == "road_at" and not isinstance(refs["road_at"], str):
        raise DataError(f"{where}: road_at {refs['road_at']!r}, expected a place name")
    if kind == "post" and (isinstance(refs["post"], bool) or not isinstance(refs["post"], int)):
        raise DataError(f"{where}: post {refs['post']!r}, expected a post number")
    if loc_conf not in CONFIDENCE_CODES:
        raise DataError(f"{where}: location_confidence {loc_conf!r}, expected one of {sorted(CONFIDENCE_CODES)}")


def filter_events(
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Select the events that may fall between ``start`` and ``end`` and have one of ``types``.

    Parameters
    ----------
    events
        As returned by :func:`read_events`.
    start, end
        Partial dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) or ``datetime.date``; None for
        open. ``start`` means its first day, ``end`` its last day (``end="2020-08"`` keeps
        the whole of August). An event is kept when its span (``date`` to ``date_end``)
        overlaps the window, so a month-only event is kept by a window that covers
        any day of its month.
    types
        Event types to keep (see :data:`EVENT_TYPES`); None keeps all.

    Raises
    ------
    ValueError
        A bad date, ``start`` after ``end``, or an unknown type.

    Examples
    --------
    >>> ev = filter_events(read_events(), start="2020-08", end="2020-08", types=["patrol"])
    >>> list(ev["date"])
    ['2020-08-25']
    """
    lo = _bound(start, "start", 0) if start is not None else dt.date.min
    hi = _bound(end, "end", 1) if end is not None else dt.date.max
    if lo > hi:
        raise ValueError(f"start {start!r} is after end {end!r}")
    keep = (events["span_last"] >= lo) & (events["day_first"] <= hi)
    if types is not None:
        types = list(types)
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type {unknown[0]!r}, expected one of {list(EVENT_TYPES)}")
        keep &= events["type"].isin(types)
    return events[keep.astype(bool)].reset_index(drop=True)


def _bound(value: DateLike, what: str, which: int) -> dt.date:
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, str):
        raise ValueError(f"{what}={value!r}: expected a date 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'")
    return date_bounds(value.strip(), where=f"{what}={value!r}")[which]
