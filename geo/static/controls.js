/* The controls of an offline map, on Leaflet's public API only: no plugin, no CDN.
 *
 * L.Control.IdlibMousePosition  longitude and latitude under the mouse pointer
 * L.Control.IdlibMeasure        click points; the geodesic length of the line through them, or the area
 *                               and perimeter of the polygon they close
 * L.Control.IdlibFullscreen     the map on the whole screen, and back
 *
 * Each is a Leaflet control that takes one options object (its defaults below).
 * Geodesic distances use Vincenty's inverse formula on the WGS84 ellipsoid (accurate to well
 * under a millimetre on this scale). The area of a polygon with geodesic edges: each edge is drawn in
 * 2 km pieces along its geodesic (Vincenty's direct formula), then the area is the spherical excess on
 * the authalic sphere (each latitude mapped to its authalic latitude, so areas are kept), within a
 * millionth of pyproj's (Karney's) polygon area. geodesicDistance and geodesicArea are also exported for node, where
 * the tests compare them with pyproj.
 *
 * While measuring, a click anywhere on the map (on a road, a post, the corridor...) adds a point at
 * the clicked position and opens no popup: the tool takes the click before any layer sees it (and Enter
 * on a focused feature, which Leaflet would turn into a click on it, adds the feature's point).
 */
(function () {
    "use strict";
    var WGS84_A = 6378137.0, WGS84_F = 1 / 298.257223563, WGS84_B = WGS84_A * (1 - WGS84_F);
    var RAD = Math.PI / 180;

    // Vincenty's inverse formula on the WGS84 ellipsoid: {s: metres from p to q, az: azimuth at p, radians},
    // or null where it does not converge (nearly antipodal points).
    function inverse(p, q) {
        var lambdaOffset = (q.lng - p.lng) * RAD;
        var u1 = Math.atan((1 - WGS84_F) * Math.tan(p.lat * RAD));
        var u2 = Math.atan((1 - WGS84_F) * Math.tan(q.lat * RAD));
        var sinU1 = Math.sin(u1), cosU1 = Math.cos(u1), sinU2 = Math.sin(u2), cosU2 = Math.cos(u2);
        var lambda = lambdaOffset, lambdaPrev, steps = 0;
        var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda;
        do {
            sinLambda = Math.sin(lambda);
            cosLambda = Math.cos(lambda);
            var a = cosU2 * sinLambda, b = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda;
            sinSigma = Math.sqrt(a * a + b * b);
            if (sinSigma === 0) { return {s: 0, az: 0}; }
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
            sigma = Math.atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cosSqAlpha = 1 - sinAlpha * sinAlpha;
            cos2SigmaM = cosSqAlpha === 0 ? 0 : cosSigma - 2 * sinU1 * sinU2 / cosSqAlpha;
            var c = WGS84_F / 16 * cosSqAlpha * (4 + WGS84_F * (4 - 3 * cosSqAlpha));
            lambdaPrev = lambda;
            lambda = lambdaOffset + (1 - c) * WGS84_F * sinAlpha *
                (sigma + c * sinSigma * (cos2SigmaM + c * cosSigma * (2 * cos2SigmaM * cos2SigmaM - 1)));
        } while (Math.abs(lambda - lambdaPrev) > 1e-12 && ++steps < 200);
        if (steps >= 200) { return null; }
        var uSq = cosSqAlpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
        var bigA = 1 + uSq / 16384 * (4096 + uSq * (uSq * (320 - 175 * uSq) - 768));
        var bigB = uSq / 1024 * (256 + uSq * (uSq * (74 - 47 * uSq) - 128));
        var c2 = cos2SigmaM * cos2SigmaM;
        var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (2 * c2 - 1) -
            bigB / 6 * cos2SigmaM * (4 * sinSigma * sinSigma - 3) * (4 * c2 - 3)));
        return {s: WGS84_B * bigA * (sigma - deltaSigma),
                az: Math.atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)};
    }

    // Distance in metres between two latLngs on the WGS84 ellipsoid (Vincenty's inverse formula).
    function geodesicDistance(p, q) {
        var r = inverse(p, q);
        if (r) { return r.s; }
        return typeof L !== "undefined" ? L.CRS.Earth.distance(p, q) : NaN;  // nearly antipodal
    }

    // The point s metres from latLng p at azimuth az (radians), on the WGS84 ellipsoid (Vincenty's direct formula).
    function direct(p, az, s) {
        var sinA1 = Math.sin(az), cosA1 = Math.cos(az);
        var tanU1 = (1 - WGS84_F) * Math.tan(p.lat * RAD), cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
        var sinU1 = tanU1 * cosU1, sigma1 = Math.atan2(tanU1, cosA1);
        var sinAlpha = cosU1 * sinA1, cosSqAlpha = 1 - sinAlpha * sinAlpha;
        var uSq = cosSqAlpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
        var bigA = 1 + uSq / 16384 * (4096 + uSq * (uSq * (320 - 175 * uSq) - 768));
        var bigB = uSq / 1024 * (256 + uSq * (uSq * (74 - 47 * uSq) - 128));
        var sigma = s / (WGS84_B * bigA), sigmaPrev, steps = 0, cos2SigmaM, sinSigma, cosSigma;
        do {
            cos2SigmaM = Math.cos(2 * sigma1 + sigma);
            sinSigma = Math.sin(sigma);
            cosSigma = Math.cos(sigma);
            var c2 = cos2SigmaM * cos2SigmaM;
            var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (2 * c2 - 1) -
                bigB / 6 * cos2SigmaM * (4 * sinSigma * sinSigma - 3) * (4 * c2 - 3)));
            sigmaPrev = sigma;
            sigma = s / (WGS84_B * bigA) + deltaSigma;
        } while (Math.abs(sigma - sigmaPrev) > 1e-12 && ++steps < 200);
        var x = sinU1 * sinSigma - cosU1 * cosSigma * cosA1;
        var lat = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosA1,
                             (1 - WGS84_F) * Math.sqrt(sinAlpha * sinAlpha + x * x));
        var lambda = Math.atan2(sinSigma * sinA1, cosU1 * cosSigma - sinU1 * sinSigma * cosA1);
        var c = WGS84_F / 16 * cosSqAlpha * (4 + WGS84_F * (4 - 3 * cosSqAlpha));
        var dLng = lambda - (1 - c) * WGS84_F * sinAlpha *
            (sigma + c * sinSigma * (cos2SigmaM + c * cosSigma * (2 * cos2SigmaM * cos2SigmaM - 1)));
        return {lat: lat / RAD, lng: p.lng + dLng / RAD};
    }

    var WGS84_E2 = WGS84_F * (2 - WGS84_F), WGS84_E = Math.sqrt(WGS84_E2);
    // q(phi) of the authalic latitude (Snyder, Map Projections, eq. 3-12).
    function authalicQ(phi) {
        var s = Math.sin(phi);
        return (1 - WGS84_E2) * (s / (1 - WGS84_E2 * s * s) -
            Math.log((1 - WGS84_E * s) / (1 + WGS84_E * s)) / (2 * WGS84_E));
    }
    var QP = authalicQ(Math.PI / 2), AUTHALIC_R = WGS84_A * Math.sqrt(QP / 2);
    function authalicLat(lat) { return Math.asin(Math.max(-1, Math.min(1, authalicQ(lat * RAD) / QP))); }

    // The polygon through points with each edge's geodesic drawn in pieces of at most stepM metres
    // (at most maxPieces per edge).
    function densify(points, stepM, maxPieces) {
        var out = [];
        for (var i = 0; i < points.length; i++) {
            var p = points[i], r = inverse(p, points[(i + 1) % points.length]);
            out.push(p);
            var pieces = r ? Math.min(maxPieces, Math.ceil(r.s / stepM)) : 1;
            for (var k = 1; k < pieces; k++) { out.push(direct(p, r.az, r.s * k / pieces)); }
        }
        return out;
    }

    // Area in square metres of the polygon through latLngs (closed back to the first; either winding)
    // whose edges are geodesics of the WGS84 ellipsoid: each edge drawn in 2 km pieces along its geodesic,
    // then spherical excess on the authalic sphere, piece by piece.
    function geodesicArea(latLngs) {
        if (latLngs.length < 3) { return 0; }
        var points = densify(latLngs, 2000, 1000), n = points.length, total = 0;
        for (var i = 0; i < n; i++) {
            var p = points[i], q = points[(i + 1) % n];
            var dLng = ((q.lng - p.lng + 540) % 360 - 180) * RAD;
            var t1 = Math.tan(authalicLat(p.lat) / 2), t2 = Math.tan(authalicLat(q.lat) / 2);
            total += 2 * Math.atan2(Math.tan(dLng / 2) * (t1 + t2), 1 + t1 * t2);
        }
        var excess = Math.abs(total);  // beyond half the sphere, the polygon is the other side
        return Math.min(excess, 4 * Math.PI - excess) * AUTHALIC_R * AUTHALIC_R;
    }

    if (typeof module !== "undefined") {
        module.exports = {geodesicDistance: geodesicDistance, geodesicArea: geodesicArea};
    }
    var L = typeof window !== "undefined" ? window.L : undefined;
    if (!L || L.Control.IdlibMeasure) { return; }

    function button(bar, cls, title, svg) {
        var a = L.DomUtil.create("a", cls, bar);
        a.href = "#";
        a.title = title;
        a.setAttribute("role", "button");
        a.setAttribute("aria-label", title);
        a.innerHTML = svg;
        return a;
    }

    // Longitude and latitude under the mouse pointer, degrees.
    L.Control.IdlibMousePosition = L.Control.extend({
        options: {position: "bottomright", digits: 5, empty: "lon \u2013, lat \u2013"},
        onAdd: function (map) {
            var div = L.DomUtil.create("div", "idlib-mouse-position");
            var opts = this.options;
            div.textContent = opts.empty;
            this._move = function (e) {
                var p = e.latlng.wrap();
                div.textContent = "lon " + p.lng.toFixed(opts.digits) + ", lat " + p.lat.toFixed(opts.digits);
            };
            this._out = function () { div.textContent = opts.empty; };
            map.on("mousemove", this._move).on("mouseout", this._out);
            return div;
        },
        onRemove: function (map) { map.off("mousemove", this._move).off("mouseout", this._out); }
    });

    // Click points on the map; the panel shows the geodesic length of the line through them (the ruler),
    // or the area and perimeter of the polygon they close (the second button, shown while measuring, so
    // the idle control keeps the size of one button). While measuring, the tool
    // takes every click on the map in the capture phase, before Leaflet and its layers see it: a click on
    // a feature adds a point where it is and opens no popup. Clicks on controls are left alone, and so is
    // the click that ends a drag of the map.
    L.Control.IdlibMeasure = L.Control.extend({
        options: {position: "topleft", color: "#111", areaFill: 0.15},
        onAdd: function (map) {
            var bar = L.DomUtil.create("div", "leaflet-bar idlib-measure");
            this._button = button(bar, "idlib-measure-toggle", "Measure a distance",
                '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 17 17 3l4 4L7 21z" fill="none" ' +
                'stroke="currentColor" stroke-width="1.8"/><path d="m7 13 2 2m1-5 2 2m1-5 2 2" ' +
                'stroke="currentColor" stroke-width="1.8"/></svg>');
            this._areaButton = button(bar, "idlib-measure-area-toggle", "Measure an area",
                '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 18 9 5l11 5-4 9z" fill="none" ' +
                'stroke="currentColor" stroke-width="1.8"/></svg>');
            this._areaButton.style.display = "none";
            this._readout = L.DomUtil.create("div", "idlib-measure-readout", bar);
            this._layer = L.layerGroup();
            this._points = [];
            this._mode = null;
            this._capture = L.bind(this._onCapturedClick, this);
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.on(this._button, "click", function (e) { this._toggle(e, "distance"); }, this);
            L.DomEvent.on(this._areaButton, "click", function (e) { this._toggle(e, "area"); }, this);
            this._bar = bar;
            return bar;
        },
        onRemove: function () { this.stop(); },
        _toggle: function (e, mode) {
            L.DomEvent.preventDefault(e);
            var was = this._active ? this._mode : null;
            this.stop();
            if (was !== mode) { this.start(mode); }
        },
        // Start measuring: mode "distance" (a line, the default) or "area" (a closed polygon).
        start: function (mode) {
            this.stop();
            this._active = true;
            this._mode = mode === "area" ? "area" : "distance";
            this._points = [];
            this._map.closePopup();
            this._layer.clearLayers().addTo(this._map);
            var style = {color: this.options.color, weight: 2, dashArray: "6 4", interactive: false};
            this._line = (this._mode === "area" ?
                L.polygon([], L.extend({fillColor: this.options.color, fillOpacity: this.options.areaFill}, style)) :
                L.polyline([], style)).addTo(this._layer);
            this._map.getContainer().addEventListener("click", this._capture, true);
            this._map.getContainer().addEventListener("keypress", this._capture, true);
            this._map.doubleClickZoom.disable();
            L.DomUtil.addClass(this._bar, "idlib-measure-active");
            L.DomUtil.addClass(this._map.getContainer(), "idlib-measuring");
            this._activeButton().title = "Stop measuring";
            this._areaButton.style.display = "";
            // The pressed button: the stylesheet marks the ruler while measuring; in area mode, this one.
            this._button.style.background = this._mode === "area" ? "#fff" : "";
            this._areaButton.style.background = this._mode === "area" ? "#ffe3b3" : "";
            this._show();
        },
        stop: function () {
            if (!this._active) { return; }
            this._active = false;
            this._map.getContainer().removeEventListener("click", this._capture, true);
            this._map.getContainer().removeEventListener("keypress", this._capture, true);
            this._map.doubleClickZoom.enable();
            this._map.removeLayer(this._layer);
            L.DomUtil.removeClass(this._bar, "idlib-measure-active");
            L.DomUtil.removeClass(this._map.getContainer(), "idlib-measuring");
            this._button.title = "Measure a distance";
            this._areaButton.title = "Measure an area";
            this._areaButton.style.display = "none";
            this._button.style.background = this._areaButton.style.background = "";
        },
        mode: function () { return this._active ? this._mode : null; },
        // Length of the line through the points, metres; in area mode, the closed polygon's perimeter.
        lengthMetres: function () {
            var pts = this._points, total = 0;
            for (var i = 1; i < pts.length; i++) { total += geodesicDistance(pts[i - 1], pts[i]); }
            if (this._mode === "area" && pts.length > 2) { total += geodesicDistance(pts[pts.length - 1], pts[0]); }
            return total;
        },
        // Area of the polygon the points close, square metres (0 below three points).
        areaSquareMetres: function () { return geodesicArea(this._points); },
        _activeButton: function () { return this._mode === "area" ? this._areaButton : this._button; },
        // A click on the map, or Enter on a focused feature (which Leaflet turns into a click on it): a point
        // where it lands (for Enter, the middle of the feature's symbol) instead of what the feature does.
        _onCapturedClick: function (e) {
            var map = this._map, target = e.target, box;
            if (!this._active || (target.closest && target.closest(".leaflet-control-container"))) { return; }
            if (e.type === "keypress" && (e.keyCode !== 13 || target === map.getContainer())) { return; }
            e.stopPropagation();
            e.preventDefault();
            if (e.type === "keypress") {
                box = target.getBoundingClientRect();
                var origin = map.getContainer().getBoundingClientRect();
                this._add({latlng: map.containerPointToLatLng([box.left + box.width / 2 - origin.left,
                                                               box.top + box.height / 2 - origin.top])});
                return;
            }
            if (map.dragging && map.dragging.moved()) { return; }  // the end of a drag, not a click
            this._add({latlng: map.mouseEventToLatLng(e)});
        },
        _add: function (e) {
            this._points.push(e.latlng);
            this._line.setLatLngs(this._points);
            L.circleMarker(e.latlng, {radius: 3, color: this.options.color, weight: 1, fillOpacity: 1,
                                      interactive: false}).addTo(this._layer);
            this._show();
        },
        _show: function () {
            var n = this._points.length;
            if (this._mode === "area") {
                this._readout.textContent = n < 3 ? "Click the map to add the corners of an area" :
                    (this.areaSquareMetres() / 1e6).toFixed(3) + " km\u00B2, perimeter " +
                    (this.lengthMetres() / 1000).toFixed(3) + " km (" + n + " points, geodesic)";
                return;
            }
            this._readout.textContent = n < 2 ? "Click the map to add points" :
                (this.lengthMetres() / 1000).toFixed(3) + " km (" + n + " points, geodesic)";
        }
    });
    L.Control.IdlibMeasure.geodesicDistance = geodesicDistance;
    L.Control.IdlibMeasure.geodesicArea = geodesicArea;

    // Show the map on the whole screen, and back.
    L.Control.IdlibFullscreen = L.Control.extend({
        options: {position: "topleft"},
        onAdd: function (map) {
            var bar = L.DomUtil.create("div", "leaflet-bar idlib-fullscreen");
            var el = map.getContainer();
            var a = button(bar, "idlib-fullscreen-toggle", "View full screen",
                '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5" ' +
                'fill="none" stroke="currentColor" stroke-width="2"/></svg>');
            if (!document.fullscreenEnabled) { bar.style.display = "none"; }
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.on(a, "click", function (e) {
                L.DomEvent.preventDefault(e);
                if (document.fullscreenElement) { document.exitFullscreen(); } else { el.requestFullscreen(); }
            });
            this._change = function () {
                var full = document.fullscreenElement === el;
                if (full) { L.DomUtil.addClass(el, "idlib-is-fullscreen"); }
                else { L.DomUtil.removeClass(el, "idlib-is-fullscreen"); }
                a.title = full ? "Exit full screen" : "View full screen";
                map.invalidateSize();
            };
            L.DomEvent.on(document, "fullscreenchange", this._change);
            return bar;
        },
        onRemove: function () { L.DomEvent.off(document, "fullscreenchange", this._change); }
    });
})();
