"""A time slider for the Folium map: the events and the posts' status day by day.

:func:`add_time_slider` adds a panel to a :class:`folium.Map` with a date slider,
play / step buttons and a short account of the state on the chosen day. The
observation posts appear when they are set up and change style when surrounded
or evacuated; other events with a location (patrols, attacks, the corridor)
appear on their date, the last month's in red. The JavaScript is our own, a few dozen lines on Leaflet's public API
(``L.control``, ``L.circleMarker``, ``L.geoJSON``): no plugin and no CDN, so
it works in the offline single-file map too.

The browser does no date logic of its own: Python computes the state at every
day the answer can change (:func:`geo.history.change_days`, with the rules of
:func:`geo.history.corridor_as_of`) and the page only looks up the last of those
days on or before the slider's day. The slider and :func:`corridor_as_of` can
therefore never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import folium
import shapely.geometry
from branca.element import MacroElement
from folium.template import Template

from .history import POST_STATUSES, change_days, corridor_as_of, parse_day, read_events

if TYPE_CHECKING:
    import geopandas as gpd

    from .corridor import Corridor

__all__ = ["POST_STYLES", "TimeSlider", "add_time_slider", "timeline_data"]

#: Leaflet path options of a post marker in each status (radius in pixels).
POST_STYLES: dict[str, dict[str, Any]] = {
    "active": {"radius": 7, "color": "#7f1d1d", "weight": 2, "fillColor": "#dc2626", "fillOpacity": 0.9},
    "besieged": {
        "radius": 7,
        "color": "#7c2d12",
        "weight": 2,
        "fillColor": "#f97316",
        "fillOpacity": 0.9,
        "dashArray": "3 3",
    },
    "evacuated": {
        "radius": 6,
        "color": "#525252",
        "weight": 2,
        "fillColor": "#a3a3a3",
        "fillOpacity": 0.25,
        "dashArray": "2 3",
    },
}
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
) -> dict[str, Any]:
    """The data the slider's page needs, as plain JSON-able Python.

    Parameters
    ----------
    corridor
        The corridor model (for its posts).
    events
        The events (:func:`geo.history.read_events` by default).
    start, end
        First and last day of the slider (days, ``YYYY-MM-DD``); by default the first and
        the last day on which the state changes.

    Returns
    -------
    dict
        ``start``, ``end`` (ISO days), ``days`` (the slider's length, end - start, in days),
        ``posts`` (number, name, lat, lon), ``events`` (id, date, type, name, description,
        source, ``first`` and ``last``: day offsets from ``start``, geometry as GeoJSON or
        None), ``frames`` (``day`` offset, ``date``, post ``status`` and ``uncertain`` lists
        in ``posts`` order, indices of the ``events`` that had happened, ``ceasefire``,
        ``corridor``, ``joint_patrols``), ``styles`` and ``labels``.

    Raises
    ------
    ValueError
        ``start`` or ``end`` is not a day, or ``start`` is after ``end``.

    Examples
    --------
    >>> from geo import load_corridor
    >>> d = timeline_data(load_corridor(), start="2020-01-01", end="2020-12-31")
    >>> d["frames"][0]["date"], d["days"]
    ('2020-01-01', 365)
    """
    events = read_events() if events is None else events
    days = change_days(corridor, events)
    first = parse_day(start, what="start") if start is not None else days[0]
    last = parse_day(end, what="end") if end is not None else days[-1]
    if first > last:
        raise ValueError(f"start {first.isoformat()} is after end {last.isoformat()}")
    frame_days = [first] + [d for d in days if first < d <= last]
    index = {eid: k for k, eid in enumerate(events["id"])}

    frames = []
    for day in frame_days:
        state = corridor_as_of(corridor, day, events=events)
        frames.append(
            {
                "day": (day - first).days,
                "date": day.isoformat(),
                "status": list(state.posts["status"]),
                "uncertain": [bool(u) for u in state.posts["status_uncertain"]],
                "events": [index[e] for e in state.events["id"]],
                "ceasefire": state.ceasefire,
                "corridor": state.corridor,
                "joint_patrols": state.joint_patrols,
            }
        )
    posts = [
        {"number": int(p["number"]), "name": str(p["name"]), "lat": float(g.y), "lon": float(g.x)}
        for (_, p), g in zip(corridor.posts.iterrows(), corridor.posts.geometry, strict=True)
    ]
    evs = []
    for k in range(len(events)):
        row, geom = events.iloc[k], events.geometry.iloc[k]
        evs.append(
            {
                "id": str(row["id"]),
                "date": str(row["date"]),
                "type": str(row["type"]),
                "name": str(row["name"]),
                "description": str(row["description"]),
                "source": str(row["source"]),
                "first": (row["day_first"] - first).days,
                "last": (row["day_last"] - first).days,
                "geometry": None if geom is None else shapely.geometry.mapping(geom),
            }
        )
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "days": (last - first).days,
        "posts": posts,
        "events": evs,
        "frames": frames,
        "styles": POST_STYLES,
        "labels": _STATUS_LABELS,
        "key": {"active": "manned", "besieged": "surrounded", "evacuated": "evacuated"},
        "statuses": list(POST_STATUSES),
        "recent_days": _RECENT_DAYS,
    }


class TimeSlider(MacroElement):
    """The slider panel: a Leaflet control and the layers of posts and events it drives.

    Built by :func:`add_time_slider`. The page exposes
    ``window.idlibTimelines[<element name>]`` with ``setDate("YYYY-MM-DD")``,
    ``date()``, ``visiblePosts()``, ``play()`` and ``pause()`` for scripting.
    """

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.idlib-timeline { background: #fff; padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4);
  font: 12px/1.4 "Helvetica Neue", Arial, sans-serif; max-width: 380px; }
.idlib-timeline .idlib-row { display: flex; align-items: center; gap: 6px; }
.idlib-timeline input[type=range] { flex: 1; min-width: 200px; }
.idlib-timeline button { font: inherit; min-width: 28px; cursor: pointer; }
.idlib-timeline .idlib-date { font-weight: bold; font-size: 14px; }
.idlib-timeline ul { margin: 4px 0 0; padding-left: 16px; }
.idlib-timeline .idlib-key span { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin: 0 3px 0 8px; vertical-align: middle; }
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}_data">{{ this.data_json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var name = "{{ this.get_name() }}";
  var data = JSON.parse(document.getElementById(name + "_data").textContent);
  var DAY = 86400000, t0 = Date.parse(data.start + "T00:00:00Z");
  function iso(off) { return new Date(t0 + off * DAY).toISOString().slice(0, 10); }
  function offsetOf(day) {
    var t = Date.parse(day + "T00:00:00Z");
    if (isNaN(t)) { throw new Error("not a day YYYY-MM-DD: " + day); }
    return Math.max(0, Math.min(data.days, Math.round((t - t0) / DAY)));
  }
  function el(tag, cls, parent, text) {
    var e = L.DomUtil.create(tag, cls || "", parent);
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  var postLayer = L.featureGroup().addTo(map), eventLayer = L.featureGroup().addTo(map);
  var postMarkers = data.posts.map(function (p) {
    var m = L.circleMarker([p.lat, p.lon], L.extend({className: "idlib-post"}, data.styles.active));
    m.bindTooltip("");
    return m;
  });
  function popup(e) {
    var div = L.DomUtil.create("div");
    el("b", "", div, e.date + "  " + e.name);
    el("div", "", div, e.description);
    el("i", "", div, "Source: " + e.source);
    return div;
  }
  var eventLayers = data.events.map(function (e) {
    // A post's own events show on its marker (style and tooltip), not as a second marker on top.
    if (!e.geometry || e.type.indexOf("post_") === 0) { return null; }
    var lyr = L.geoJSON(e.geometry, {
      className: "idlib-event",
      pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 5, className: "idlib-event"}); }
    });
    lyr.bindPopup(popup(e));
    return lyr;
  });
  var recent = {color: "#b91c1c", weight: 4, opacity: 0.9, fillColor: "#ef4444", fillOpacity: 0.8};
  var older = {color: "#6b7280", weight: 2, opacity: 0.5, fillColor: "#9ca3af", fillOpacity: 0.4};

  var ctl = L.control({position: "{{ this.position }}"});
  var ui = {};
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "idlib-timeline leaflet-bar");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var top = el("div", "idlib-row", div);
    ui.date = el("span", "idlib-date", top);
    ui.flags = el("span", "idlib-flags", top);
    var row = el("div", "idlib-row", div);
    ui.prev = el("button", "idlib-prev", row, "\\u25C0");
    ui.prev.title = "previous change";
    ui.play = el("button", "idlib-play", row, "\\u25B6");
    ui.play.title = "play";
    ui.next = el("button", "idlib-next", row, "\\u25B6\\u25B6");
    ui.next.title = "next change";
    ui.slider = el("input", "idlib-slider", row);
    ui.slider.type = "range";
    ui.slider.min = 0;
    ui.slider.max = data.days;
    ui.slider.step = 1;
    ui.slider.setAttribute("aria-label", "date");
    ui.posts = el("div", "idlib-posts", div);
    var key = el("div", "idlib-key", div);
    ["active", "besieged", "evacuated"].forEach(function (s) {
      var sw = el("span", "", key);
      sw.style.background = data.styles[s].fillColor;
      sw.style.border = "2px solid " + data.styles[s].color;
      key.appendChild(document.createTextNode(data.key[s]));
    });
    ui.events = el("ul", "idlib-events", div);
    L.DomEvent.on(ui.slider, "input change", function () { pause(); render(+ui.slider.value); });
    L.DomEvent.on(ui.prev, "click", function () { pause(); render(neighbour(-1)); });
    L.DomEvent.on(ui.next, "click", function () { pause(); render(neighbour(1)); });
    L.DomEvent.on(ui.play, "click", function () { if (timer) { pause(); } else { play(); } });
    return div;
  };
  ctl.addTo(map);

  var current = 0, timer = null;
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
  function render(off) {
    current = Math.max(0, Math.min(data.days, off));
    var f = frameAt(current), manned = 0, sieged = 0, gone = 0;
    data.posts.forEach(function (p, i) {
      var m = postMarkers[i], st = f.status[i];
      if (st === "not_established") { postLayer.removeLayer(m); return; }
      if (st === "evacuated") { gone++; } else { manned++; }
      if (st === "besieged") { sieged++; }
      postLayer.addLayer(m);
      m.setStyle(data.styles[st]);
      var path = m.getElement();
      if (path) {
        path.setAttribute("data-status", st);
        path.setAttribute("data-uncertain", f.uncertain[i] ? "1" : "0");
      }
      m.setTooltipContent("Post " + p.number + " " + p.name + ": " + data.labels[st] +
        (f.uncertain[i] ? " (may change later this month)" : ""));
    });
    var happened = {};
    f.events.forEach(function (k) { happened[k] = true; });
    eventLayers.forEach(function (lyr, k) {
      if (!lyr) { return; }
      if (!happened[k]) { eventLayer.removeLayer(lyr); return; }
      eventLayer.addLayer(lyr);
      lyr.setStyle(current - data.events[k].last <= data.recent_days ? recent : older);
    });
    ui.slider.value = current;
    ui.date.textContent = iso(current);
    ui.flags.textContent = "ceasefire: " + (f.ceasefire ? "yes" : "no") +
      " \\u00B7 joint patrols: " + (f.joint_patrols ? "yes" : "no");
    ui.posts.textContent = "Observation posts: " + manned + " manned (" + sieged + " surrounded), " +
      gone + " evacuated, " + (data.posts.length - manned - gone) + " not yet set up";
    ui.events.textContent = "";
    f.events.slice().sort(function (a, b) { return data.events[b].last - data.events[a].last; })
      .slice(0, 3).forEach(function (k) {
        var e = data.events[k];
        el("li", "", ui.events, e.date + "  " + e.name);
      });
  }
  function pause() {
    if (timer) { clearInterval(timer); timer = null; }
    ui.play.textContent = "\\u25B6";
    ui.play.title = "play";
  }
  function play() {
    if (current >= data.days) { render(0); }
    ui.play.textContent = "\\u275A\\u275A";
    ui.play.title = "pause";
    timer = setInterval(function () {
      if (current >= data.days) { pause(); return; }
      render(neighbour(1));
    }, {{ this.interval_ms }});
  }
  render(offsetOf("{{ this.initial }}"));
  window.idlibTimelines = window.idlibTimelines || {};
  window.idlibTimelines[name] = {
    setDate: function (day) { pause(); render(offsetOf(day)); },
    date: function () { return iso(current); },
    visiblePosts: function () { return postLayer.getLayers().length; },
    play: play,
    pause: pause
  };
})();
{% endmacro %}
"""
    )

    def __init__(
        self, data: dict[str, Any], *, initial: str, position: str = "bottomleft", interval_ms: int = 800
    ) -> None:
        super().__init__()
        self._name = "TimeSlider"
        self.data_json = _json_for_html(data)
        self.initial = initial
        self.position = position
        self.interval_ms = interval_ms


_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


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
) -> folium.Map:
    """Add the time slider to a Folium map and return the map.

    Parameters
    ----------
    m
        The map; it gets a control panel and two layers (posts, events).
    corridor
        The corridor model (for its posts and their dates).
    events
        The events (:func:`geo.history.read_events` by default).
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

    Returns
    -------
    folium.Map
        ``m`` itself.

    Raises
    ------
    ValueError
        A bad day, ``initial`` outside ``start``..``end``, an unknown position or a
        non-positive interval.

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
    if position not in _POSITIONS:
        raise ValueError(f"position={position!r}: expected one of {list(_POSITIONS)}")
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
        raise ValueError(f"interval_ms={interval_ms!r}: expected a positive whole number of milliseconds")
    data = timeline_data(corridor, events, start=start, end=end)
    day = parse_day(initial, what="initial") if initial is not None else dt.date.fromisoformat(data["end"])
    if not data["start"] <= day.isoformat() <= data["end"]:
        raise ValueError(f"initial {day.isoformat()} is outside the slider's days {data['start']}..{data['end']}")
    m.add_child(TimeSlider(data, initial=day.isoformat(), position=position, interval_ms=interval_ms))
    return m
