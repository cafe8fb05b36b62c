/* A user's points on the map: circle markers on a canvas, in a Leaflet.markercluster group, with popups.
 *
 *   L.idlibUserPoints(data, {name: "layer name"}, map)   // returns the cluster group (a layer)
 *
 * data (from geo.maps.user_layers.user_layers, once per layer, as columnar JSON): lat, lon, k (each point's
 * colour class), colors, day (days since 1970-01-01 or null per point; null for a layer without days), row (the
 * row's number in the user's file or frame, from 1), columns and values (each column's texts, {t: [...]} or
 * {v: [...], i: [...]} with -1 for an empty value) and style (Leaflet path options).
 *
 * A cluster is drawn in the colour most of its points have, with their count. A popup lists the row's fields,
 * each set as textContent: no text from the data is ever parsed as HTML.
 *
 * The time slider (timeline.js) announces its day on the map (event "idlibtimeline", {day, shown}; the last
 * one kept as map.idlibTimeline). While its layers are shown, a layer with days holds only the points up to
 * the slider's day; points with no date stay. Otherwise every point is in the layer.
 *
 * window.idlibUserLayers[name] = {group, total, shown(), ready()} for scripting: shown() counts the points in the
 * group after the slider's filter, ready() says whether the group has placed them all (it adds them in chunks).
 */
(function () {
  "use strict";
  var L = window.L;
  if (L.idlibUserPoints) { return; }
  var DAY = 86400000, MAX_ZOOM = 19;

  function value(column, i) {
    if (column.t) { return column.t[i]; }
    var code = column.i[i];
    return code < 0 ? "" : column.v[code];
  }

  function popup(data, name, i) {
    var div = L.DomUtil.create("div", "idlib-popup idlib-user-popup");
    L.DomUtil.create("h4", "", div).textContent = name + ", row " + data.row[i];
    var table = L.DomUtil.create("table", "", div);
    data.columns.forEach(function (column, j) {
      var text = value(data.values[j], i);
      if (text === "") { return; }
      var tr = L.DomUtil.create("tr", "", table);
      L.DomUtil.create("th", "", tr).textContent = column;
      L.DomUtil.create("td", "", tr).textContent = text;
    });
    return div;
  }

  // A cluster's icon: its count on the colour most of its points have.
  function clusterIcon(cluster) {
    var markers = cluster.getAllChildMarkers(), counts = {}, best = null, n = markers.length;
    for (var j = 0; j < n; j++) {
      var c = markers[j].options.fillColor;
      counts[c] = (counts[c] || 0) + 1;
      if (best === null || counts[c] > counts[best]) { best = c; }
    }
    var size = n < 100 ? 32 : n < 1000 ? 38 : 46;
    var box = document.createElement("div");
    box.className = "idlib-cluster-dot";
    box.style.background = best;
    L.DomUtil.create("span", "", box).textContent = n.toLocaleString("en");
    return L.divIcon({html: box, className: "idlib-cluster", iconSize: [size, size]});
  }

  L.idlibUserPoints = function (data, options, map) {
    // The clusters need the map's deepest zoom: a map with no tile layer (offline) has none of its own.
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(MAX_ZOOM); }
    var renderer = L.canvas({padding: 0.5});
    // While the group adds points in chunks, a change of day waits for it: a point not yet placed in the
    // clusters could not be taken out again.
    var loading = false, waiting = null;
    function progress(done, total) {
      loading = done < total;
      if (!loading && waiting) { var state = waiting; waiting = null; follow(state); }
    }
    var group = L.markerClusterGroup({
      chunkedLoading: true, chunkProgress: progress, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      maxClusterRadius: 50, iconCreateFunction: clusterIcon
    });
    var markers = data.lat.map(function (lat, i) {
      var m = L.circleMarker([lat, data.lon[i]], L.extend({}, data.style, {
        renderer: renderer, fillColor: data.colors[data.k[i]]
      }));
      m.bindPopup(function () { return popup(data, options.name, i); }, {maxWidth: 420, maxHeight: 320});
      return m;
    });
    // The points with a day, in day order, and how many of them (from the first) are in the group.
    var dated = [], always = markers;
    if (data.day) {
      always = [];
      markers.forEach(function (m, i) { if (data.day[i] === null) { always.push(m); } else { dated.push(i); } });
      dated.sort(function (a, b) { return data.day[a] - data.day[b]; });
    }
    var datedDays = dated.map(function (i) { return data.day[i]; });
    var datedMarkers = dated.map(function (i) { return markers[i]; });
    var upTo = 0, last = map.idlibTimeline;
    // The number of dated points on or before the slider's day while its layers are on; else all of them.
    function wanted(state) {
      if (!state || !state.shown) { return datedDays.length; }
      var d = Math.floor(Date.parse(state.day + "T00:00:00Z") / DAY), lo = 0, hi = datedDays.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (datedDays[mid] <= d) { lo = mid + 1; } else { hi = mid; } }
      return lo;
    }
    // Points are added and taken out only while the group is on the map (off it, Leaflet.markercluster keeps
    // them in a list it searches for each one: slow for many); it catches up when switched on again.
    function follow(state) {
      last = state;
      if (!map.hasLayer(group)) { return; }
      if (loading) { waiting = state || {shown: false}; return; }
      var n = wanted(state);
      if (n > upTo) { group.addLayers(datedMarkers.slice(upTo, n)); }
      if (n < upTo) { group.removeLayers(datedMarkers.slice(n, upTo)); }
      upTo = n;
    }
    group.addTo(map);
    upTo = wanted(last);
    group.addLayers(always.concat(datedMarkers.slice(0, upTo)));
    if (data.day) {
      map.on("idlibtimeline", follow);
      group.on("add", function () { follow(last); });
    }
    window.idlibUserLayers = window.idlibUserLayers || {};
    window.idlibUserLayers[options.name] = {
      group: group, total: markers.length,
      shown: function () { return always.length + upTo; },
      ready: function () { return !loading && !waiting; }
    };
    return group;
  };
})();
