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
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from ._html import table_html
from ._validate import DataError, given
from .dates import DATE_PRECISIONS, DateLike, change_window, date_bounds, parse_day
from .events import EVENT_TYPES, filter_events, read_events

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
    "data_end",
    "date_bounds",
    "filter_events",
    "parse_day",
    "post_change_window",
    "read_events",
]

#: Status of an observation post on a day, in the order a post goes through them.
POST_STATUSES = ("not_established", "active", "besieged", "evacuated")

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
    data_end
        The last day of the record (:func:`data_end`), or None for no events. For a
        later day the state is that of this day carried forward, not a known state.
    """

    date: dt.date
    posts: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    ceasefire: bool
    corridor: bool
    joint_patrols: bool
    data_end: dt.date | None = None

    @property
    def past_data_end(self) -> bool:
        """Whether the day lies after the last day of the record, so nothing is known of it."""
        return self.data_end is not None and self.date > self.data_end

    @property
    def data_end_note(self) -> str:
        """One line saying the day lies past the data's end ("" when it does not)."""
        if not self.past_data_end:
            return ""
        return (
            f"note: {self.date.isoformat()} is past the end of the data ({self.data_end}, the day the last recorded "
            "event is certain by): the state shown is the last one recorded, carried forward, not a known state"
        )

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
            "data_end": None if self.data_end is None else self.data_end.isoformat(),
            "past_data_end": self.past_data_end,
        }

    def __repr__(self) -> str:
        """Return the state in a few lines (its GeoDataFrames are in :attr:`posts` and :attr:`events`)."""
        return f"CorridorState: {self}"

    def _repr_html_(self) -> str:
        """Return the state as an HTML table, for notebooks."""
        yes = {True: "yes", False: "no"}
        rows = [
            ("ceasefire in force", yes[self.ceasefire]),
            ("security corridor", yes[self.corridor]),
            ("joint patrols", yes[self.joint_patrols]),
            ("posts manned", f"{len(self.posts_existing)} (surrounded: {', '.join(self.posts_besieged) or 'none'})"),
            ("posts evacuated", f"{len(self.posts_evacuated)} ({', '.join(self.posts_evacuated) or 'none'})"),
            ("posts not yet set up", len(self.posts_not_yet)),
            ("events so far", len(self.events)),
        ]
        if self.past_data_end:
            rows.append(("note", self.data_end_note))
        return table_html(f"As of {self.date.isoformat()} (end of day)", rows)

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
        if self.past_data_end:
            lines.append(f"  {self.data_end_note}")
        return "\n".join(lines)


def post_change_window(post: pd.Series, key: str) -> tuple[dt.date, dt.date] | None:
    """Return the (first, certain) days of the post's ``established`` or ``evacuated`` change, or None."""
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


def data_end(events: gpd.GeoDataFrame) -> dt.date | None:
    """Return the last day of the record: the day from which the latest event is certain (None for no events).

    Examples
    --------
    >>> data_end(read_events()).isoformat()
    '2021-01-31'
    """
    if not len(events):
        return None
    last: dt.date = max(events["day_certain"])
    return last


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

    Warns
    -----
    UserWarning
        For a day after the last day of the record (:func:`data_end`): the state is
        that day's carried forward (the state says so too: ``past_data_end``).

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
        established = post_change_window(post, "established")
        if established is None:
            raise DataError(f"post {post['number']} ({post['name']!r}): no 'established' date")
        evacuated = post_change_window(post, "evacuated")
        status, unsure = _post_status(day, established, evacuated, besieged.get(int(post["number"]), []))
        statuses.append(status)
        uncertain.append(unsure)
    posts["status"] = statuses
    posts["status_uncertain"] = uncertain

    def started(kind: str) -> bool:
        return bool((happened["type"] == kind).any())

    patrols = events[events["type"] == "patrol"]
    running = bool(len(patrols)) and patrols["day_certain"].min() <= day <= patrols["day_first"].max()
    state = CorridorState(
        date=day,
        posts=posts,
        events=happened.reset_index(drop=True),
        ceasefire=started("ceasefire"),
        corridor=started("corridor"),
        joint_patrols=bool(running),
        data_end=data_end(events),
    )
    if state.past_data_end:
        warnings.warn(state.data_end_note, UserWarning, stacklevel=2)
    return state


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
            window = post_change_window(post, key)
            if window is not None:
                days.update(window)
    patrols = events[events["type"] == "patrol"]
    if len(patrols):
        days.add(patrols["day_first"].max() + dt.timedelta(days=1))
    return sorted(days)
