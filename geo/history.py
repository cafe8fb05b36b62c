"""The corridor through time: dated events and the state of the corridor "as of" a day.

The shipped ``data/events.geojson`` holds the dated events (agreements, the
ceasefire, joint patrols, attacks, the 12 observation posts set up, surrounded
and evacuated), each with its source. :func:`read_events` reads and validates
it; :func:`corridor_as_of` answers "what did this look like on day X?".

Dates keep the precision their source gives: ``"2020-12-26"`` (day) or
``"2020-12"`` (month). A month-only date is never turned into a day. To place a
partial date on the calendar, :func:`date_bounds` gives the first and the last
day it can denote. Two optional fields narrow or widen it, as the sources do:

* an *end* (``date_end`` of an event, ``established_end`` / ``evacuated_end`` of a
  post) closes a reported range: "evacuated December 2020 - January 2021" is
  ``"2020-12"`` to ``"2021-01"``, "19-20 October 2020" is ``"2020-10-19"`` to
  ``"2020-10-20"``;
* a *by* day (``date_by`` of an event, ``established_by`` / ``evacuated_by`` of a
  post) is the latest day the change can have happened, when a source says it
  had happened by then: "in place by 14 May 2018" is ``"2018-05"`` by
  ``"2018-05-14"``. The month stays month-only; the *by* day is a bound, not
  the date.

**The "as of" rule.** The state on day *d* is the state at the end of that day.
A change is *certain* from the earlier of the last day its date (or its range)
can denote and its *by* day: a day-precision date on that very day, a month-only
date on the last day of its month, a range on the last day of its end, a date
with a *by* day on that day if it comes sooner (:func:`change_window`). From the
first day the change can denote until the day before it is certain, the change
may or may not have happened yet: the earlier state is reported and flagged
``status_uncertain``. So a post evacuated ``"2020-12"`` is still manned
(uncertain) on 2020-12-15 and evacuated on 2020-12-31; a post evacuated
``"2020-12"`` to ``"2021-01"`` is still manned (uncertain) on 2021-01-05 and
evacuated on 2021-01-31; a post set up ``"2018-05"`` is not yet there
(uncertain) on 2018-05-10 and there on 2018-05-31, or on 2018-05-14 if it was
set up by ``"2018-05-14"``. A change is shown once it is certain; an event is
among the events "so far" from the same day.

Post status comes from the ``established`` and ``evacuated`` dates (with their
``_end`` and ``_by`` fields) in ``data/posts.geojson`` (the one place those dates
are kept; the matching events in ``events.geojson`` repeat them and a test checks
they agree) and from the ``post_besieged`` events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from ._validate import DataError, given
from .data import CONFIDENCE_CODES, data_path, read_layer
from .dates import DATE_PRECISIONS, DateLike, change_window, date_bounds, parse_day

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = [
    "DATE_PRECISIONS",
    "EVENT_TYPES",
    "POST_STATUSES",
    "CorridorState",
    "change_days",
    "change_window",
    "corridor_as_of",
    "date_bounds",
    "filter_events",
    "parse_day",
    "read_events",
]

#: The vocabulary of event types, with what each means.
EVENT_TYPES: dict[str, str] = {
    "agreement": "an agreement between Russia and Turkey signed",
    "ceasefire": "a ceasefire takes effect",
    "corridor": "the security corridor set up or its terms settled",
    "patrol": "a joint Russian-Turkish patrol on the M4",
    "attack": "an attack on the patrol or sabotage of the road",
    "suspension": "the joint patrols suspended",
    "post_established": "a Turkish observation post set up",
    "post_besieged": "an observation post surrounded by Syrian government forces",
    "post_evacuated": "Turkish troops leave an observation post",
}

#: Where an event's geometry comes from: a post (its number; the post's point), a place (its name; the
#: place's point), ``road_at`` (a place name; the M4 point nearest that place) or a ``route`` (two place
#: names; the M4 between the road points nearest them). At most one is given, and only with a geometry.
LOCATION_KEYS = ("post", "place", "road_at", "route")

#: Status of an observation post on a day, in the order a post goes through them.
POST_STATUSES = ("not_established", "active", "besieged", "evacuated")

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


@dataclass(frozen=True, eq=False)
class CorridorState:
    """The corridor and the observation posts as of the end of one day.

    Build it with :func:`corridor_as_of`.

    Attributes
    ----------
    date
        The day.
    posts
        All 12 posts (the corridor's posts layer) with two added columns: ``status``, one of
        :data:`POST_STATUSES`, and ``status_uncertain``, True when a change of the post
        may have happened by the end of the day but is not yet certain (a month-only
        date whose month is not over, a reported range not yet over); the status is
        the one before that change.
    events
        The events that had certainly taken place (or begun) by the end of the day,
        in date order (an event counts from the day it is certain, as the posts' changes).
    ceasefire
        Whether the ceasefire of 6 March 2020 was in force.
    corridor
        Whether the security corridor had been set up.
    joint_patrols
        Whether the joint patrols were running: from the first joint patrol to the
        last one, both days included.
    """

    date: dt.date
    posts: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    ceasefire: bool
    corridor: bool
    joint_patrols: bool

    def _names(self, *statuses: str) -> list[str]:
        return list(self.posts.loc[self.posts["status"].isin(statuses), "name"])

    @property
    def posts_existing(self) -> list[str]:
        """Names of the posts set up and not evacuated (active or surrounded)."""
        return self._names("active", "besieged")

    @property
    def posts_besieged(self) -> list[str]:
        """Names of the manned posts surrounded by government forces."""
        return self._names("besieged")

    @property
    def posts_evacuated(self) -> list[str]:
        """Names of the posts Turkey had left."""
        return self._names("evacuated")

    @property
    def posts_not_yet(self) -> list[str]:
        """Names of the posts not yet set up."""
        return self._names("not_established")

    @property
    def posts_uncertain(self) -> list[str]:
        """Names of the posts whose status may have changed but is not yet certain (month or range not over)."""
        return list(self.posts.loc[self.posts["status_uncertain"], "name"])

    def as_dict(self) -> dict[str, Any]:
        """Return the state as plain data (for JSON): the day, flags, post names by status, event ids."""
        return {
            "date": self.date.isoformat(),
            "ceasefire": self.ceasefire,
            "corridor": self.corridor,
            "joint_patrols": self.joint_patrols,
            "posts_existing": self.posts_existing,
            "posts_besieged": self.posts_besieged,
            "posts_evacuated": self.posts_evacuated,
            "posts_not_yet": self.posts_not_yet,
            "posts_uncertain": self.posts_uncertain,
            "events": list(self.events["id"]),
        }

    def __str__(self) -> str:
        """Return the state as a few lines of text: the day, the flags, the posts by status."""

        def names(xs: list[str]) -> str:
            return ", ".join(xs) if xs else "none"

        yes = {True: "yes", False: "no"}
        last = self.events.iloc[-1] if len(self.events) else None
        lines = [
            f"As of {self.date.isoformat()} (end of day)",
            f"  ceasefire in force   {yes[self.ceasefire]}",
            f"  security corridor    {yes[self.corridor]}",
            f"  joint patrols        {yes[self.joint_patrols]}",
            f"  posts manned         {len(self.posts_existing):2d}  (surrounded: {names(self.posts_besieged)})",
            f"  posts evacuated      {len(self.posts_evacuated):2d}  ({names(self.posts_evacuated)})",
            f"  posts not yet set up {len(self.posts_not_yet):2d}",
        ]
        if self.posts_uncertain:
            lines.append(f"  status uncertain     {names(self.posts_uncertain)} (date known to a month or a range)")
        lines.append(
            f"  events so far        {len(self.events):2d}"
            + (f"  (last: {last['date']} {last['name']})" if last is not None else "")
        )
        return "\n".join(lines)


def _post_window(post: pd.Series, key: str) -> tuple[dt.date, dt.date] | None:
    """(first, certain) days of the post's ``established`` or ``evacuated`` change, or None when it has none."""
    value = given(post.get(key))
    if value is None:
        return None
    where = f"post {post['number']} ({post['name']!r}): {key}"
    end, by = given(post.get(f"{key}_end")), given(post.get(f"{key}_by"))
    return change_window(value, end=end, by=by, where=where, end_name=f"{key}_end", by_name=f"{key}_by")


def _post_status(
    day: dt.date,
    established: tuple[dt.date, dt.date],
    evacuated: tuple[dt.date, dt.date] | None,
    besieged: list[tuple[dt.date, dt.date]],
) -> tuple[str, bool]:
    est_first, est_certain = established
    if day < est_certain:
        return "not_established", day >= est_first
    uncertain = False
    if evacuated is not None:
        ev_first, ev_certain = evacuated
        if day >= ev_certain:
            return "evacuated", False
        uncertain = day >= ev_first
    status = "active"
    for b_first, b_certain in besieged:
        if day >= b_certain:
            status = "besieged"
        elif day >= b_first:
            uncertain = True
    return status, uncertain


def corridor_as_of(corridor: Corridor, date: DateLike, *, events: gpd.GeoDataFrame | None = None) -> CorridorState:
    """Return the state of the corridor and its posts at the end of ``date``.

    See the module docstring for the rule: a change counts from the day it is
    certain (the last day its date or reported range can denote, or its *by* day if
    sooner); from its first possible day until then the earlier state is given and
    flagged uncertain.

    Parameters
    ----------
    corridor
        The corridor model (its ``posts`` layer gives the posts' dates).
    date
        A day, ``"YYYY-MM-DD"`` or ``datetime.date``.
    events
        The events; by default the corridor's own (read with it from its data folder).

    Returns
    -------
    CorridorState

    Raises
    ------
    ValueError
        ``date`` is not a day (a month-only date is refused).

    Examples
    --------
    >>> from geo import load_corridor
    >>> s = corridor_as_of(load_corridor(), "2020-06-01")
    >>> s.ceasefire, s.joint_patrols, len(s.posts_existing), len(s.posts_evacuated)
    (True, True, 12, 0)
    """
    day = parse_day(date, what="date")
    events = corridor.events if events is None else events
    happened = events[events["day_certain"] <= day]

    besieged: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for _, ev in events[events["type"] == "post_besieged"].iterrows():
        besieged.setdefault(int(ev["post"]), []).append((ev["day_first"], ev["day_certain"]))

    posts = corridor.posts.copy()
    statuses, uncertain = [], []
    for _, post in posts.iterrows():
        established = _post_window(post, "established")
        if established is None:
            raise DataError(f"post {post['number']} ({post['name']!r}): no 'established' date")
        evacuated = _post_window(post, "evacuated")
        status, unsure = _post_status(day, established, evacuated, besieged.get(int(post["number"]), []))
        statuses.append(status)
        uncertain.append(unsure)
    posts["status"] = statuses
    posts["status_uncertain"] = uncertain

    def started(kind: str) -> bool:
        return bool((happened["type"] == kind).any())

    patrols = events[events["type"] == "patrol"]
    running = bool(len(patrols)) and patrols["day_certain"].min() <= day <= patrols["day_first"].max()
    return CorridorState(
        date=day,
        posts=posts,
        events=happened.reset_index(drop=True),
        ceasefire=started("ceasefire"),
        corridor=started("corridor"),
        joint_patrols=bool(running),
    )


def change_days(corridor: Corridor, events: gpd.GeoDataFrame) -> list[dt.date]:
    """Every day on which :func:`corridor_as_of` can give a different answer from the day before.

    These are the first day and the day from which it is certain (see
    :func:`change_window`) of every event and of every post's ``established`` and
    ``evacuated`` change, plus the day after the last joint patrol (when the patrols
    stop running), sorted and without repeats.

    Examples
    --------
    >>> from geo import load_corridor
    >>> days = change_days(load_corridor(), read_events())
    >>> days[0].isoformat(), days[-1].isoformat()
    ('2017-10-01', '2021-01-31')
    """
    days: set[dt.date] = set(events["day_first"]) | set(events["day_certain"])
    for _, post in corridor.posts.iterrows():
        for key in ("established", "evacuated"):
            window = _post_window(post, key)
            if window is not None:
                days.update(window)
    patrols = events[events["type"] == "patrol"]
    if len(patrols):
        days.add(patrols["day_first"].max() + dt.timedelta(days=1))
    return sorted(days)
