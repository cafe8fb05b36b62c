"""A time slider for the Folium map: the events and the posts' status day by day.

:func:`add_time_slider` adds a panel to a :class:`folium.Map` with a date slider,
play / step buttons and a short account of the state on the chosen day, and two
layers it draws on that day: the observation posts (numbered circles, styled by
status: manned, surrounded, evacuated; a post appears once it is set up) and the
other events with a location (patrols, attacks, the corridor), the last month's
in red. Both are Folium feature groups, so a layer control lists them. The
JavaScript is our own, on Leaflet's public API (``L.control``, ``L.marker`` with
``L.divIcon``, ``L.circleMarker``, ``L.geoJSON``): no plugin and no CDN, so it
works in the offline single-file map too.

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

Events that record an arrangement (:data:`ARRANGEMENT_TYPES`: the corridor, the
patrol sides, ...) are drawn as thin dashed grey lines, apart from what happened
where it is drawn (patrols, attacks). While the slider's layers show a day before
the corridor existed, the map's container has the class ``idlib-tl-before-corridor``
(a stylesheet can fade the corridor's own layers with it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import pandas as pd
import shapely.geometry
from folium.template import Template

from ..history import POST_STATUSES, change_days, corridor_as_of, parse_day
from ._folium import Macro
from .elements import check_position
from .style import ARRANGEMENT_STYLES, EVENT_STYLES, POST_PX, POST_SYMBOLS, symbol_css

if TYPE_CHECKING:
    import geopandas as gpd

    from ..corridor import Corridor

__all__ = [
    "ARRANGEMENT_STYLES",
    "ARRANGEMENT_TYPES",
    "EVENTS_LAYER_NAME",
    "EVENT_STYLES",
    "POSTS_LAYER_NAME",
    "POST_SYMBOLS",
    "TimeSlider",
    "add_time_slider",
    "timeline_data",
]

#: Event types that record an arrangement (an agreement, the corridor, the patrol sides) rather than
#: something that happened where it is drawn: on the map they are thin dashed grey lines, never red.
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


def _json_for_html(obj: Any) -> str:
    """JSON that is safe as the text of a ``<script>`` element (no ``<``, ``>`` or ``&``)."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def timeline_data(
    corridor: Corridor,
    events: gpd.GeoDataFrame | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    post_details: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The data the slider's page needs, as plain JSON-able Python.

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
    posts, evs = _posts(corridor, post_details), _events(events, first)
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "days": (last - first).days,
        "posts": posts,
        "events": evs,
        "frames": frames,
        "event_styles": EVENT_STYLES,
        "arrangement_types": list(ARRANGEMENT_TYPES),
        "arrangement_styles": ARRANGEMENT_STYLES,
        "labels": _STATUS_LABELS,
        "key": {"active": "manned", "besieged": "surrounded", "evacuated": "evacuated"},
        "statuses": list(POST_STATUSES),
        "recent_days": _RECENT_DAYS,
        "before_corridor_note": "",
    }



def _frames(corridor: Corridor, events: gpd.GeoDataFrame, frame_days: list[dt.date]) -> list[dict[str, Any]]:
    """The state on each of ``frame_days`` (the first is the slider's first day), in the page's terms."""
    index = {eid: k for k, eid in enumerate(events["id"])}
    frames = []
    for day in frame_days:
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
    """The posts for the page (number, name, lat, lon, details), refusing details that are not one string each."""
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
    """The events for the page, their days as offsets from ``first`` and their geometry as GeoJSON."""
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
                "post": None if pd.isna(row.get("post")) else int(row["post"]),
                "first": (row["day_first"] - first).days,
                "last": (row["day_last"] - first).days,
                "geometry": None if geom is None else shapely.geometry.mapping(geom),
            }
        )
    return out


_PANEL_CSS = """
.idlib-timeline {
    box-sizing: content-box; width: 290px; background: rgba(255, 255, 255, 0.93); padding: 6px 10px;
    border-radius: 5px; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4); color: #222;
    font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;
}
.idlib-timeline .idlib-row { display: flex; align-items: center; gap: 4px; }
.idlib-timeline .idlib-date { font-weight: 700; font-size: 14px; margin-right: auto; }
.idlib-timeline button {
    font: inherit; min-width: 30px; height: 22px; padding: 0 4px; cursor: pointer;
    background: #fff; border: 1px solid #999; border-radius: 3px; color: #222;
}
.idlib-timeline button:hover { background: #eee; }
.idlib-timeline input[type=range] { display: block; box-sizing: border-box; width: 100%; margin: 4px 0 0; }
.idlib-timeline .idlib-years { position: relative; height: 13px; font-size: 10px; color: #666; }
.idlib-timeline .idlib-years span { position: absolute; top: 0; transform: translateX(-50%); }
.idlib-timeline .idlib-hint { color: #555; font-style: italic; }
.idlib-timeline .idlib-events { list-style: none; margin: 2px 0 0; padding: 0; }
.idlib-timeline .idlib-events li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.idlib-timeline .idlib-events li.idlib-recent { color: #b91c1c; }
.idlib-timeline .idlib-key .idlib-tl-post {
    display: inline-block; width: 12px; height: 12px; margin: 0 3px 0 8px; vertical-align: middle; box-shadow: none;
}
.idlib-timeline .idlib-key .idlib-tl-post:first-child { margin-left: 0; }
.idlib-tl-popup { font: 12.5px/1.35 "Helvetica Neue", Arial, sans-serif; }
.idlib-tl-popup h4 { margin: 0 0 4px; font-size: 14px; }
.idlib-tl-popup ul { margin: 4px 0; padding-left: 16px; }
.idlib-tl-popup .idlib-src { color: #555; font-size: 11px; }
.idlib-tl-popup .idlib-tl-details { margin-top: 6px; border-top: 1px solid #ddd; padding-top: 4px; }
.idlib-tl-popup .idlib-tl-details h4 { display: none; }
"""


class TimeSlider(Macro):
    """The slider panel: a Leaflet control that draws the posts and events of its day.

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

    _template = Template(
        r"""
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
  var postLayer = {{ this.posts_layer.get_name() }}, eventLayer = {{ this.events_layer.get_name() }};
  var replaced = [{% for layer in this.replaces %}{{ layer.get_name() }}{{ ", " if not loop.last }}{% endfor %}];
  var DAY = 86400000, t0 = Date.parse(data.start + "T00:00:00Z"), HALF = {{ this.half_px }};
  function iso(off) { return new Date(t0 + off * DAY).toISOString().slice(0, 10); }
  function offsetOf(day) {
    var t = Date.parse(day + "T00:00:00Z");
    if (isNaN(t)) { throw new Error("not a day YYYY-MM-DD: " + day); }
    return Math.max(0, Math.min(data.days, Math.round((t - t0) / DAY)));
  }
  // Every text is set as textContent: data never becomes markup.
  function el(tag, cls, parent, text) {
    var e = L.DomUtil.create(tag, cls || "", parent);
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  var current = 0, timer = null, ui = {}, looks = [], tips = [];

  function symbol(p, status) {
    return L.divIcon({html: String(p.number), className: "idlib-tl-post idlib-tl-" + status,
                      iconSize: [2 * HALF, 2 * HALF], iconAnchor: [HALF, HALF], popupAnchor: [0, -HALF],
                      tooltipAnchor: [HALF, 0]});
  }
  function postPopup(i) {
    var p = data.posts[i], f = frameAt(current), st = f.status[i], sources = [];
    var div = L.DomUtil.create("div", "idlib-tl-popup");
    el("h4", "", div, "Post " + p.number + ": " + p.name);
    el("div", "", div, "On " + iso(current) + ": " + data.labels[st] +
       (f.uncertain[i] ? " (may change later this month)" : ""));
    var ul = el("ul", "", div);
    f.events.forEach(function (k) {
      var e = data.events[k];
      if (e.post !== p.number) { return; }
      el("li", "", ul, e.date + "  " + e.name);
      if (sources.indexOf(e.source) < 0) { sources.push(e.source); }
    });
    if (sources.length) { el("div", "idlib-src", div, "Source: " + sources.join("; ")); }
    // The post's own details, as the final-status popup gives them: HTML escaped in Python.
    if (p.details) { el("div", "idlib-tl-details", div).innerHTML = p.details; }
    return div;
  }
  var postMarkers = data.posts.map(function (p, i) {
    var m = L.marker([p.lat, p.lon], {icon: symbol(p, "active"), keyboard: true, riseOnHover: true});
    tips.push(L.DomUtil.create("span"));
    m.bindTooltip(tips[i], {direction: "right"});
    m.bindPopup(function () { return postPopup(i); }, {maxWidth: 420});
    return m;
  });
  function eventPopup(e) {
    var div = L.DomUtil.create("div", "idlib-tl-popup");
    el("h4", "", div, e.date + "  " + e.name);
    el("div", "", div, e.description);
    el("div", "idlib-src", div, "Source: " + e.source);
    return div;
  }
  var eventLayers = data.events.map(function (e) {
    // A post's own events show on its marker (symbol, tooltip, popup), not as a second marker on top.
    if (!e.geometry || e.type.indexOf("post_") === 0) { return null; }
    var cls = "idlib-event idlib-event-" + e.type.replace(/[^a-z0-9_]/gi, "-");
    var lyr = L.geoJSON(e.geometry, {
      className: cls,
      pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 6, className: cls}); }
    });
    lyr.bindPopup(eventPopup(e), {maxWidth: 360});
    return lyr;
  });

  function button(parent, cls, text, title) {
    var b = el("button", cls, parent, text);
    b.type = "button";
    b.title = title;
    b.setAttribute("aria-label", title);
    return b;
  }
  var ctl = L.control({position: "{{ this.position }}"});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "idlib-timeline");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var top = el("div", "idlib-row", div);
    ui.date = el("span", "idlib-date", top);
    ui.prev = button(top, "idlib-prev", "\u25C0", "previous change");
    ui.play = button(top, "idlib-play", "\u25B6", "play");
    ui.next = button(top, "idlib-next", "\u25B6\u25B6", "next change");
    ui.slider = el("input", "idlib-slider", div);
    ui.slider.type = "range";
    ui.slider.min = 0;
    ui.slider.max = data.days;
    ui.slider.step = 1;
    ui.slider.setAttribute("aria-label", "date");
    var years = el("div", "idlib-years", div);
    for (var y = +data.start.slice(0, 4) + 1; y <= +data.end.slice(0, 4); y++) {
      var at = data.days ? offsetOf(y + "-01-01") / data.days : 0;
      if (at > 0.04 && at < 0.96) {
        el("span", "", years, String(y)).style.left = "calc(8px + (100% - 16px) * " + at.toFixed(4) + ")";
      }
    }
    ui.flags = el("div", "idlib-flags", div);
    ui.posts = el("div", "idlib-posts", div);
    {%- if this.key %}
    var key = el("div", "idlib-key", div);
    ["active", "besieged", "evacuated"].forEach(function (s) {
      el("span", "idlib-tl-post idlib-tl-" + s, key);
      key.appendChild(document.createTextNode(data.key[s]));
    });
    {%- endif %}
    ui.hint = el("div", "idlib-hint", div);
    ui.events = el("ul", "idlib-events", div);
    L.DomEvent.on(ui.slider, "input change", function () { pause(); showTime(); render(+ui.slider.value); });
    L.DomEvent.on(ui.prev, "click", function () { pause(); showTime(); render(neighbour(-1)); });
    L.DomEvent.on(ui.next, "click", function () { pause(); showTime(); render(neighbour(1)); });
    L.DomEvent.on(ui.play, "click", function () { if (timer) { pause(); } else { play(); } });
    return div;
  };
  ctl.addTo(map);

  function frameAt(off) {
    var lo = 0, hi = data.frames.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (data.frames[mid].day <= off) { lo = mid; } else { hi = mid - 1; }
    }
    return data.frames[lo];
  }
  function neighbour(dir) {
    var fs = data.frames, i;
    if (dir > 0) {
      for (i = 0; i < fs.length; i++) { if (fs[i].day > current) { return fs[i].day; } }
      return data.days;
    }
    for (i = fs.length - 1; i >= 0; i--) { if (fs[i].day < current) { return fs[i].day; } }
    return 0;
  }
  function timeShown() { return map.hasLayer(postLayer) || map.hasLayer(eventLayer); }
  function finalShown() { return replaced.some(function (l) { return map.hasLayer(l); }); }
  function showHint() {
    if (!replaced.length) { ui.hint.style.display = "none"; return; }
    ui.hint.textContent = timeShown() ?
      "The map shows the posts and events on this day" + (finalShown() ? ", and the posts' final status." : ".") :
      "The map shows the posts' final status: move the slider or press \u25B6 to see them on a day.";
  }
  // The first use of the slider swaps the final-status layers for the slider's own.
  function showTime() {
    if (!timeShown()) {
      postLayer.addTo(map);
      eventLayer.addTo(map);
      replaced.forEach(function (l) { map.removeLayer(l); });
    }
    showHint();
  }
  // While the slider's view shows a day before the corridor existed, the map's container says so
  // (class idlib-tl-before-corridor), for the page's stylesheet to fade the corridor's layers.
  function markCorridor() {
    var before = timeShown() && !frameAt(current).corridor;
    map.getContainer().classList.toggle("idlib-tl-before-corridor", before);
  }
  map.on("overlayadd overlayremove", function () { showHint(); markCorridor(); });

  function render(off) {
    current = Math.max(0, Math.min(data.days, off));
    var f = frameAt(current), manned = 0, sieged = 0, gone = 0, later = 0;
    data.posts.forEach(function (p, i) {
      var m = postMarkers[i], st = f.status[i];
      tips[i].textContent = "Post " + p.number + " " + p.name + ": " + data.labels[st] +
        (f.uncertain[i] ? " (may change later this month)" : "");
      if (st === "not_established") { later++; postLayer.removeLayer(m); return; }
      if (st === "evacuated") { gone++; } else { manned++; }
      if (st === "besieged") { sieged++; }
      if (looks[i] !== st) { m.setIcon(symbol(p, st)); looks[i] = st; }
      postLayer.addLayer(m);
    });
    var happened = {};
    f.events.forEach(function (k) { happened[k] = true; });
    eventLayers.forEach(function (lyr, k) {
      if (!lyr) { return; }
      if (!happened[k]) { eventLayer.removeLayer(lyr); return; }
      eventLayer.addLayer(lyr);
      var recent = current - data.events[k].last <= data.recent_days;
      var styles = data.arrangement_types.indexOf(data.events[k].type) >= 0 ? data.arrangement_styles :
        data.event_styles;
      lyr.setStyle(recent ? styles.recent : styles.earlier);
      if (recent && styles === data.event_styles) { lyr.bringToFront(); }
    });
    markCorridor();
    ui.slider.value = current;
    ui.date.textContent = iso(current);
    ui.flags.textContent = "Ceasefire: " + (f.ceasefire ? "yes" : "no") + " \u00B7 corridor: " +
      (f.corridor ? "yes" : "no" + (timeShown() ? data.before_corridor_note : "")) +
      " \u00B7 joint patrols: " + (f.joint_patrols ? "yes" : "no");
    ui.posts.textContent = "Posts: " + manned + " manned" + (sieged ? " (" + sieged + " surrounded)" : "") +
      (gone ? ", " + gone + " evacuated" : "") + (later ? ", " + later + " not yet set up" : "");
    ui.events.textContent = "";
    f.events.slice().sort(function (a, b) { return data.events[b].last - data.events[a].last || b - a; })
      .slice(0, 3).forEach(function (k) {
        var e = data.events[k];
        var li = el("li", current - e.last <= data.recent_days ? "idlib-recent" : "", ui.events,
                    e.date + "  " + e.name);
        li.title = e.description;
      });
  }
  function pause() {
    if (timer) { clearInterval(timer); timer = null; }
    ui.play.textContent = "\u25B6";
    ui.play.title = "play";
  }
  function play() {
    showTime();
    if (current >= data.days) { render(0); }
    ui.play.textContent = "\u275A\u275A";
    ui.play.title = "pause";
    timer = setInterval(function () {
      if (current >= data.days) { pause(); return; }
      render(neighbour(1));
    }, {{ this.interval_ms }});
  }
  render(offsetOf("{{ this.initial }}"));
  showHint();
  window.idlibTimelines = window.idlibTimelines || {};
  window.idlibTimelines[name] = {
    setDate: function (day) { pause(); showTime(); render(offsetOf(day)); },
    date: function () { return iso(current); },
    visiblePosts: function () { return map.hasLayer(postLayer) ? postLayer.getLayers().length : 0; },
    showsTime: timeShown,
    play: function () { if (!timer) { play(); } },
    pause: pause
  };
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
        self.data_json = _json_for_html(data)
        self.posts_layer = posts_layer
        self.events_layer = events_layer
        self.replaces = list(replaces)
        self.initial = initial
        self.position = position
        self.interval_ms = interval_ms
        self.key = bool(key)
        self.half_px = POST_PX // 2
        self.css = (_PANEL_CSS + symbol_css()).replace("</style", "<\\/style")


def add_time_slider(
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
