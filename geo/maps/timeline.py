"""A time slider for the Folium map: the events and the posts' status day by day.

:func:`add_time_slider` adds a panel to a :class:`folium.Map` with a date slider,
play / step buttons and a short account of the state on the chosen day, and two
layers it draws on that day: the observation posts (numbered circles, styled by
status: manned, surrounded, evacuated; a post appears once it is set up) and the
other events with a location (patrols, attacks, the corridor), the last month's
in red. Both are Folium feature groups, so a layer control lists them. The
panel is our own Leaflet control (``geo/static/timeline.js``): no plugin and no
CDN, so it works in the offline single-file map too.

A map that already shows the posts' final status (:func:`geo.maps.build_map`)
passes those layers as ``replaces``: the page then opens on them, with the
slider's layers off, and the first use of the slider (moving it, a step button,
play) switches the slider's layers on and those off. The layer control switches
any of them back.

The browser does no date logic of its own: Python computes the state at every
day the answer can change (:func:`geo.history.change_days`, with the rules of
:func:`geo.history.corridor_as_of`) and the page only looks up the last of those
days on or before the slider's day. The slider and :func:`corridor_as_of` can
therefore never disagree. Every text from the data reaches the page as JSON and
is shown with ``textContent``, never parsed as HTML; the one exception is the
``post_details`` a caller passes, ready-escaped HTML (:func:`add_time_slider`).

Each event type has its own symbol (:data:`geo.maps.style.EVENT_SYMBOLS`): a
point is a shape by type (an attack a triangle, a patrol a circle...), red in the
last month and grey before. Events that record an arrangement
(:data:`ARRANGEMENT_TYPES`: the corridor, the patrol sides, ...) are drawn as
round purple dots, apart from the road's dashes and from what happened where it
is drawn (patrols, attacks). Events are drawn in their own Leaflet panes
(:data:`geo.maps.style.EVENT_PANES`), above every line of the map and points
above lines, so an older event is never under a long line and stays clickable.
While the slider's layers show a day before the corridor existed, the map's
container has the class ``idlib-tl-before-corridor`` (a stylesheet can fade the corridor's own layers with it).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import shapely.geometry
from folium.template import Template

from .._validate import is_missing
from ..history import POST_STATUSES, change_days, corridor_as_of, data_end, parse_day
from .assets import StaticMacro
from .elements import check_position, script_json
from .style import (
    ARRANGEMENT_STYLES,
    EVENT_PANES,
    EVENT_PX,
    EVENT_SHAPES,
    EVENT_STYLES,
    EVENT_SYMBOLS,
    POST_PX,
    symbol_css,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from ..corridor import Corridor

__all__ = [
    "ARRANGEMENT_TYPES",
    "EVENTS_LAYER_NAME",
    "POSTS_LAYER_NAME",
    "TimeSlider",
    "add_time_slider",
    "timeline_data",
]

#: Event types that record an arrangement (an agreement, the corridor, the patrol sides) rather than
#: something that happened where it is drawn: on the map they are round purple dots
#: (:data:`geo.maps.style.ARRANGEMENT_STYLES`), never red.
ARRANGEMENT_TYPES = ("agreement", "ceasefire", "corridor", "suspension")
#: Names of the slider's two layers (in a layer control).
POSTS_LAYER_NAME = "Observation posts on the slider's day"
EVENTS_LAYER_NAME = "Events up to the slider's day"
#: Words for each status in the page.
_STATUS_LABELS = {
    "not_established": "not yet set up",
    "active": "manned",
    "besieged": "manned, surrounded by government forces",
    "evacuated": "evacuated",
}
#: An event stays highlighted this many days after its date.
_RECENT_DAYS = 31


def timeline_data(
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    post_details: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Return the data the slider's page needs, as plain JSON-able Python.

    Parameters
    ----------
    corridor
        The corridor model (for its posts).
    events
        The events; by default the corridor's own (``corridor.events``).
    start, end
        First and last day of the slider (days, ``YYYY-MM-DD``); by default the first and
        the last day on which the state changes.
    post_details
        For each post (in ``corridor.posts`` order), ready-escaped HTML that its popup shows
        under the day's account (see :func:`add_time_slider`); None for none.

    Returns
    -------
    dict
        ``start``, ``end`` (ISO days), ``days`` (the slider's length, end - start, in days),
        ``posts`` (number, name, lat, lon, ``details``: HTML or None), ``events`` (id, date, type, name, description,
        source, ``post`` number or None, ``first`` and ``last``: day offsets from ``start``,
        geometry as GeoJSON or None), ``frames`` (``day`` offset, ``date``, post ``status``
        and ``uncertain`` lists in ``posts`` order, indices of the ``events`` that had
        happened, ``ceasefire``, ``corridor``, ``joint_patrols``), ``event_styles``,
        ``event_symbols``, ``event_shapes``, ``event_px`` and ``event_panes`` (each type's point shape, the
        shapes' SVG paths, their size in pixels and the Leaflet panes of events, from :mod:`geo.maps.style`),
        ``arrangement_types``, ``arrangement_styles``, ``labels`` and ``key`` (long and short
        words for each status) and ``recent_days``.

    Raises
    ------
    ValueError
        ``start`` or ``end`` is not a day, ``start`` is after ``end``, or ``post_details``
        is not one string per post.

    Examples
    --------
    >>> from geo import load_corridor
    >>> d = timeline_data(load_corridor(), start="2020-01-01", end="2020-12-31")
    >>> d["frames"][0]["date"], d["days"]
    ('2020-01-01', 365)
    """
    events = corridor.events if events is None else events
    days = change_days(corridor, events)
    first = parse_day(start, what="start") if start is not None else days[0]
    last = parse_day(end, what="end") if end is not None else days[-1]
    if first > last:
        raise ValueError(f"start {first.isoformat()} is after end {last.isoformat()}")
    frames = _frames(corridor, events, [first] + [d for d in days if first < d <= last])
    end_of_data = data_end(events)
    posts, evs = _posts(corridor, post_details), _events(events, first)
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "days": (last - first).days,
        "posts": posts,
        "events": evs,
        "frames": frames,
        "event_styles": EVENT_STYLES,
        "event_symbols": EVENT_SYMBOLS,
        "event_shapes": EVENT_SHAPES,
        "event_px": EVENT_PX,
        "event_panes": EVENT_PANES,
        "arrangement_types": list(ARRANGEMENT_TYPES),
        "arrangement_styles": ARRANGEMENT_STYLES,
        "labels": _STATUS_LABELS,
        "key": {"active": "manned", "besieged": "surrounded", "evacuated": "evacuated"},
        "statuses": list(POST_STATUSES),
        "recent_days": _RECENT_DAYS,
        "data_end": end_of_data.isoformat() if end_of_data is not None else None,
        "before_corridor_note": "",
    }


def _frames(corridor: Corridor, events: gpd.GeoDataFrame, frame_days: list[dt.date]) -> list[dict[str, Any]]:
    """Return the state on each of ``frame_days`` (the first is the slider's first day), in the page's terms."""
    index = {eid: k for k, eid in enumerate(events["id"])}
    frames = []
    for day in frame_days:
        with warnings.catch_warnings():  # a day past the data's end: the page says so (data_end), not a warning
            warnings.simplefilter("ignore", UserWarning)
            state = corridor_as_of(corridor, day, events=events)
        frames.append(
            {
                "day": (day - frame_days[0]).days,
                "date": day.isoformat(),
                "status": list(state.posts["status"]),
                "uncertain": [bool(u) for u in state.posts["status_uncertain"]],
                "events": [index[e] for e in state.events["id"]],
                "ceasefire": state.ceasefire,
                "corridor": state.corridor,
                "joint_patrols": state.joint_patrols,
            }
        )
    return frames


def _posts(corridor: Corridor, post_details: Sequence[str] | None) -> list[dict[str, Any]]:
    """Return the posts for the page (number, name, lat, lon, details); each detail must be one string."""
    n_posts = len(corridor.posts)
    if post_details is None:
        details: list[str | None] = [None] * n_posts
    else:
        details = list(post_details)
        if len(details) != n_posts:
            raise ValueError(f"post_details: {len(details)} item(s), expected one per post ({n_posts})")
        bad = [i for i, d in enumerate(details) if not isinstance(d, str)]
        if bad:
            raise ValueError(f"post_details[{bad[0]}]={details[bad[0]]!r}: expected a string of HTML")
    return [
        {"number": int(p["number"]), "name": str(p["name"]), "lat": float(g.y), "lon": float(g.x), "details": d}
        for (_, p), g, d in zip(corridor.posts.iterrows(), corridor.posts.geometry, details, strict=True)
    ]


def _events(events: gpd.GeoDataFrame, first: dt.date) -> list[dict[str, Any]]:
    """Return the events for the page, their days as offsets from ``first`` and their geometry as GeoJSON."""
    out = []
    for k in range(len(events)):
        row, geom = events.iloc[k], events.geometry.iloc[k]
        out.append(
            {
                "id": str(row["id"]),
                "date": str(row["date"]),
                "type": str(row["type"]),
                "name": str(row["name"]),
                "description": str(row["description"]),
                "source": str(row["source"]),
                "post": None if is_missing(row.get("post")) else int(row["post"]),
                "first": (row["day_first"] - first).days,
                "last": (row["day_last"] - first).days,
                "geometry": None if geom is None else shapely.geometry.mapping(geom),
            }
        )
    return out


class TimeSlider(StaticMacro):
    """The slider panel: a Leaflet control (``timeline.js``) that draws the posts and events of its day.

    Built by :func:`add_time_slider`, after the two feature groups it draws into.
    The page exposes ``window.idlibTimelines[<element name>]`` for scripting, with
    ``setDate("YYYY-MM-DD")`` (as moving the slider), ``date()``, ``visiblePosts()``
    (the posts drawn on the map now: 0 while the slider's layers are off), ``showsTime()``
    (whether a layer of the slider is on), ``play()`` and ``pause()``.

    Parameters
    ----------
    data
        From :func:`timeline_data`.
    posts_layer, events_layer
        The feature groups the posts and the events are drawn into.
    replaces
        Layers showing the final state, switched off on the first use of the slider.
    initial
        The day shown first, ``YYYY-MM-DD``.
    position
        Leaflet control position of the panel.
    interval_ms
        Milliseconds between steps when playing.
    key
        Whether the panel shows a key to the post symbols (leave it to a legend if the map has one).
    """

    static = ("timeline.js", "timeline.css")
    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>{{ this.css }}</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}_data">{{ this.data_json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var name = "{{ this.get_name() }}";
  var data = JSON.parse(document.getElementById(name + "_data").textContent);
  var replaced = [{% for layer in this.replaces %}{{ layer.get_name() }}{{ ", " if not loop.last }}{% endfor %}];
  var options = L.extend({{ this.options|tojavascript }}, {name: name, data: data, replaced: replaced});
  L.control.idlibTimeSlider(options).addTo(map);
})();
{% endmacro %}
"""
    )

    def __init__(
        self,
        data: dict[str, Any],
        posts_layer: folium.FeatureGroup,
        events_layer: folium.FeatureGroup,
        *,
        replaces: Sequence[folium.map.Layer] = (),
        initial: str,
        position: str = "bottomleft",
        interval_ms: int = 800,
        key: bool = True,
    ) -> None:
        super().__init__("TimeSlider")
        self.data_json = script_json(data, compact=True)
        self.replaces = list(replaces)
        self.options = {
            "position": check_position(position),
            "posts_layer": posts_layer,
            "events_layer": events_layer,
            "initial": initial,
            "interval_ms": interval_ms,
            "key": bool(key),
            "half_px": POST_PX // 2,
        }
        self.css = symbol_css()


def add_time_slider(  # noqa: PLR0913  (the slider's documented options)
    m: folium.Map,
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    initial: str | dt.date | None = None,
    position: str = "bottomleft",
    interval_ms: int = 800,
    replaces: Sequence[folium.map.Layer] = (),
    key: bool = True,
    post_details: Sequence[str] | None = None,
    before_corridor_note: str = "",
) -> folium.Map:
    """Add the time slider and its two layers to a Folium map and return the map.

    The map gets two feature groups, named :data:`POSTS_LAYER_NAME` and
    :data:`EVENTS_LAYER_NAME` (a layer control added after them lists them), and the
    slider panel that draws the state of its day into them.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model (for its posts and their dates).
    events
        The events; by default the corridor's own (``corridor.events``).
    start, end
        The slider's first and last day; by default the first and last day on which
        the state changes (October 2017 to January 2021 with the shipped data).
    initial
        The day shown when the page opens; ``end`` by default.
    position
        Corner of the map for the panel: ``"topleft"``, ``"topright"``, ``"bottomleft"``
        or ``"bottomright"``.
    interval_ms
        Milliseconds between steps when playing (each step goes to the next day on
        which something changes).
    replaces
        Layers of ``m`` that show the final state (e.g. the posts styled by fate). When
        given, the page opens on them with the slider's layers off; the first use of the
        slider (moving it, a step button, play) switches the slider's layers on and these
        off. With none, the slider's layers show from the start.
    key
        Whether the panel shows a key to the post symbols (False when the map's legend
        explains them).
    post_details
        For each post (in ``corridor.posts`` order), HTML shown in its popup under the
        day's account, e.g. the names, spellings and coordinate source of the map's own
        post popup. It is inserted as HTML: every text from the data in it must already be
        escaped (as :func:`geo.maps.build_map` does).
    before_corridor_note
        Text the panel adds after "corridor: no" while the slider's layers show a day
        before the corridor existed, e.g. to say how the map draws the corridor then.

    Returns
    -------
    folium.Map
        ``m`` itself.

    Raises
    ------
    ValueError
        A bad day, ``initial`` outside ``start``..``end``, an unknown position, a
        non-positive interval, or a layer in ``replaces`` that is not a layer of ``m``.

    Examples
    --------
    >>> import folium
    >>> from geo import load_corridor
    >>> m = add_time_slider(folium.Map(tiles=None), load_corridor())
    >>> "idlibTimelines" in m.get_root().render()
    True
    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"m={m!r}: expected a folium.Map")
    check_position(position)
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
        raise ValueError(f"interval_ms={interval_ms!r}: expected a positive whole number of milliseconds")
    replaces = list(replaces)
    for i, layer in enumerate(replaces):
        if not isinstance(layer, folium.map.Layer) or layer._parent is not m:
            raise ValueError(f"replaces[{i}]={layer!r}: expected a layer (e.g. a FeatureGroup) added to the map m")
    data = timeline_data(corridor, events, start=start, end=end, post_details=post_details)
    data["before_corridor_note"] = str(before_corridor_note)
    day = parse_day(initial, what="initial") if initial is not None else dt.date.fromisoformat(data["end"])
    if not data["start"] <= day.isoformat() <= data["end"]:
        raise ValueError(f"initial {day.isoformat()} is outside the slider's days {data['start']}..{data['end']}")
    show = not replaces
    # The layer control inserts a name as HTML: these two are ours and hold no markup (see overlays.feature_group).
    posts_layer = folium.FeatureGroup(name=POSTS_LAYER_NAME, show=show)
    events_layer = folium.FeatureGroup(name=EVENTS_LAYER_NAME, show=show)
    posts_layer.add_to(m)
    events_layer.add_to(m)
    slider = TimeSlider(
        data,
        posts_layer,
        events_layer,
        replaces=replaces,
        initial=day.isoformat(),
        position=position,
        interval_ms=interval_ms,
        key=key,
    )
    m.add_child(slider)
    return m
