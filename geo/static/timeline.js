/* The time slider: a panel with a date slider, play and step buttons and the state on its day, which
 * draws the posts and the located events of that day into two layers of the map.
 *
 *   L.control.idlibTimeSlider(options).addTo(map)
 *
 * options (one object): data (from geo.maps.timeline.timeline_data: the state on every day it changes,
 * so the page does no date logic of its own), postsLayer and eventsLayer (the layer groups it draws into),
 * replaced (layers of the final state, switched off on the first use of the slider), initial (the day shown
 * first, YYYY-MM-DD; data.end by default), position, intervalMs (between steps when playing), key (a key
 * to the post symbols in the panel), halfPx (half the size of a post's circle) and name (under which
 * window.idlibTimelines keeps setDate, date, visiblePosts, showsTime, play and pause for scripting).
 *
 * The slider announces its day on the map after each change, and whenever a layer is switched in the layer
 * control: event "idlibtimeline" with {day: "YYYY-MM-DD", shown: whether its layers are on}, the last one also
 * kept as map.idlibTimeline. Other layers follow it (a user's points, points.js) with no slider of their own.
 *
 * Each event type has its own symbol (data.event_symbols: a shape for a point, SVG paths in
 * data.event_shapes), red in the last month and grey before; arrangements (data.arrangement_types) in
 * data.arrangement_styles. Events are drawn in their own panes (data.event_panes).
 *
 * On Leaflet's public API only (L.control, L.marker with L.divIcon, L.geoJSON, map.createPane). Every text
 * from the data is set as textContent, never parsed as HTML, but for the posts' ready-escaped details.
 */
(function () {
  "use strict";
  var L = window.L;
  if (L.Control.IdlibTimeSlider) { return; }
  var DAY = 86400000;

  // Draw the slider of options o on the map; return the panel's element (the control's container).
  function start(map, o) {
    var data = o.data, postLayer = o.postsLayer, eventLayer = o.eventsLayer, replaced = o.replaced || [];
    var t0 = Date.parse(data.start + "T00:00:00Z"), HALF = o.halfPx;
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
    // Events get their own panes, above every line of the map (overlayPane) and below the posts:
    // arrangements, then event lines, then event points, so an older event is never under a long line.
    var panes = data.event_panes;
    Object.keys(panes).forEach(function (k) {
      if (!map.getPane(panes[k].name)) { map.createPane(panes[k].name).style.zIndex = panes[k].z; }
    });
    function isArrangement(e) { return data.arrangement_types.indexOf(e.type) >= 0; }
    function shapeOf(e) { return (data.event_symbols[e.type] || data.event_symbols.other).shape; }
    // A point's symbol: its type's shape (an SVG path) in the colours of style s.
    function eventIcon(e, cls, s) {
      var px = data.event_px;
      var svg = '<svg viewBox="0 0 16 16" width="' + px + '" height="' + px +
        '"><path class="' + cls + '" d="' + data.event_shapes[shapeOf(e)] + '" fill="' + (s.fillColor || s.color) +
        '" fill-opacity="' + s.fillOpacity + '" stroke="' + s.color + '" stroke-opacity="' + s.opacity +
        '" stroke-width="' + Math.min(s.weight, 2.5) + '" stroke-linejoin="round"/></svg>';
      return L.divIcon({html: svg, className: "idlib-event-symbol idlib-event-shape-" + shapeOf(e),
                        iconSize: [px, px], iconAnchor: [px / 2, px / 2], popupAnchor: [0, -px / 2]});
    }
    var eventLayers = data.events.map(function (e) {
      // A post's own events show on its marker (symbol, tooltip, popup), not as a second marker on top.
      if (!e.geometry || e.type.indexOf("post_") === 0) { return null; }
      var cls = "idlib-event idlib-event-" + e.type.replace(/[^a-z0-9_]/gi, "-");
      var lyr = L.geoJSON(e.geometry, {
        className: cls,
        pane: (isArrangement(e) ? panes.arrangements : panes.lines).name,
        pointToLayer: function (f, ll) {
          var s = (isArrangement(e) ? data.arrangement_styles : data.event_styles).earlier;
          var m = L.marker(ll, {icon: eventIcon(e, cls, s), pane: panes.points.name, keyboard: true,
                                title: e.date + "  " + e.name, riseOnHover: true});
          m.idlibEventClass = cls;
          return m;
        }
      });
      lyr.bindPopup(eventPopup(e), {maxWidth: 360});
      return lyr;
    });
    // Style an event's layer: its lines with Leaflet path options s, its points as their type's symbol.
    function styleEvent(lyr, e, s) {
      lyr.eachLayer(function (l) {
        if (l.setIcon) { l.setIcon(eventIcon(e, l.idlibEventClass, s)); } else { l.setStyle(s); }
      });
    }

    function button(parent, cls, text, title) {
      var b = el("button", cls, parent, text);
      b.type = "button";
      b.title = title;
      b.setAttribute("aria-label", title);
      return b;
    }
    function panel() {
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
      if (o.key) {
        var key = el("div", "idlib-key", div);
        ["active", "besieged", "evacuated"].forEach(function (s) {
          el("span", "idlib-tl-post idlib-tl-" + s, key);
          key.appendChild(document.createTextNode(data.key[s]));
        });
      }
      ui.hint = el("div", "idlib-hint", div);
      ui.events = el("ul", "idlib-events", div);
      L.DomEvent.on(ui.slider, "input change", function () { pause(); showTime(); render(+ui.slider.value); });
      L.DomEvent.on(ui.prev, "click", function () { pause(); showTime(); render(neighbour(-1)); });
      L.DomEvent.on(ui.next, "click", function () { pause(); showTime(); render(neighbour(1)); });
      L.DomEvent.on(ui.play, "click", function () { if (timer) { pause(); } else { play(); } });
      return div;
    }
    var div = panel();

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
    // Other layers (a user's points, points.js) follow the slider's day: announced on the map (event
    // "idlibtimeline", {day: "YYYY-MM-DD", shown: whether the slider's layers are on}), the last kept as
    // map.idlibTimeline for a layer made later.
    function announce() {
      map.idlibTimeline = {day: iso(current), shown: timeShown()};
      map.fire("idlibtimeline", map.idlibTimeline);
    }
    map.on("overlayadd overlayremove", function () { showHint(); markCorridor(); announce(); });

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
        var recent = current - data.events[k].last <= data.recent_days;
        var styles = isArrangement(data.events[k]) ? data.arrangement_styles : data.event_styles;
        var look = recent ? "recent" : "earlier";
        if (lyr.idlibLook !== look) { styleEvent(lyr, data.events[k], styles[look]); lyr.idlibLook = look; }
        eventLayer.addLayer(lyr);
        if (recent && styles === data.event_styles) { lyr.bringToFront(); }
      });
      markCorridor();
      announce();
      ui.slider.value = current;
      ui.date.textContent = iso(current);
      ui.flags.textContent = "Ceasefire: " + (f.ceasefire ? "yes" : "no") + " \u00B7 corridor: " +
        (f.corridor ? "yes" : "no" + (timeShown() ? data.before_corridor_note : "")) +
        " \u00B7 joint patrols: " + (f.joint_patrols ? "yes" : "no") +
        (data.data_end && iso(current) > data.data_end ? " \u00B7 events recorded up to " + data.data_end +
          ": later days carry the last state forward" : "");
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
      }, o.intervalMs);
    }
    render(offsetOf(o.initial || data.end));
    showHint();
    window.idlibTimelines = window.idlibTimelines || {};
    window.idlibTimelines[o.name] = {
      setDate: function (day) { pause(); showTime(); render(offsetOf(day)); },
      date: function () { return iso(current); },
      visiblePosts: function () { return map.hasLayer(postLayer) ? postLayer.getLayers().length : 0; },
      showsTime: timeShown,
      play: function () { if (!timer) { play(); } },
      pause: pause
    };
    return div;
  }

  L.Control.IdlibTimeSlider = L.Control.extend({
    options: {position: "bottomleft", intervalMs: 800, key: true, halfPx: 12, replaced: []},
    onAdd: function (map) { return start(map, this.options); }
  });
  L.control.idlibTimeSlider = function (options) { return new L.Control.IdlibTimeSlider(options); };
})();
