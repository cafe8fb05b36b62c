/* The controls of an offline map, on Leaflet's public API only: no plugin, no CDN.
 *
 * L.Control.IdlibMousePosition  longitude and latitude under the mouse pointer
 * L.Control.IdlibMeasure        click points; the geodesic length of the line through them
 * L.Control.IdlibFullscreen     the map on the whole screen, and back
 *
 * Each is a Leaflet control that takes one options object (its defaults below).
 * Geodesic distances use Vincenty's inverse formula on the WGS84 ellipsoid (accurate to well
 * under a millimetre on this scale); geodesicDistance is also exported for node, where the
 * tests compare it with pyproj.
 */
(function () {
    "use strict";
    var WGS84_A = 6378137.0, WGS84_F = 1 / 298.257223563, WGS84_B = WGS84_A * (1 - WGS84_F);
    var RAD = Math.PI / 180;

    // Distance in metres between two latLngs on the WGS84 ellipsoid (Vincenty's inverse formula).
    function geodesicDistance(p, q) {
        var lambdaOffset = (q.lng - p.lng) * RAD;
        var u1 = Math.atan((1 - WGS84_F) * Math.tan(p.lat * RAD));
        var u2 = Math.atan((1 - WGS84_F) * Math.tan(q.lat * RAD));
        var sinU1 = Math.sin(u1), cosU1 = Math.cos(u1), sinU2 = Math.sin(u2), cosU2 = Math.cos(u2);
        var lambda = lambdaOffset, lambdaPrev, steps = 0;
        var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM;
        do {
            var sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
            var a = cosU2 * sinLambda, b = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda;
            sinSigma = Math.sqrt(a * a + b * b);
            if (sinSigma === 0) { return 0; }
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
        if (steps >= 200) { return typeof L !== "undefined" ? L.CRS.Earth.distance(p, q) : NaN; }  // antipodal
        var uSq = cosSqAlpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
        var bigA = 1 + uSq / 16384 * (4096 + uSq * (uSq * (320 - 175 * uSq) - 768));
        var bigB = uSq / 1024 * (256 + uSq * (uSq * (74 - 47 * uSq) - 128));
        var c2 = cos2SigmaM * cos2SigmaM;
        var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (2 * c2 - 1) -
            bigB / 6 * cos2SigmaM * (4 * sinSigma * sinSigma - 3) * (4 * c2 - 3)));
        return WGS84_B * bigA * (sigma - deltaSigma);
    }

    if (typeof module !== "undefined") { module.exports = {geodesicDistance: geodesicDistance}; }
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

    // Click points on the map; the panel shows the geodesic length of the line through them.
    L.Control.IdlibMeasure = L.Control.extend({
        options: {position: "topleft", color: "#111"},
        onAdd: function (map) {
            var bar = L.DomUtil.create("div", "leaflet-bar idlib-measure");
            this._button = button(bar, "idlib-measure-toggle", "Measure a distance",
                '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 17 17 3l4 4L7 21z" fill="none" ' +
                'stroke="currentColor" stroke-width="1.8"/><path d="m7 13 2 2m1-5 2 2m1-5 2 2" ' +
                'stroke="currentColor" stroke-width="1.8"/></svg>');
            this._readout = L.DomUtil.create("div", "idlib-measure-readout", bar);
            this._layer = L.layerGroup();
            this._points = [];
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.on(this._button, "click", function (e) {
                L.DomEvent.preventDefault(e);
                if (this._active) { this.stop(); } else { this.start(); }
            }, this);
            this._bar = bar;
            return bar;
        },
        onRemove: function () { this.stop(); },
        start: function () {
            this._active = true;
            this._points = [];
            this._layer.clearLayers().addTo(this._map);
            this._line = L.polyline([], {color: this.options.color, weight: 2, dashArray: "6 4",
                                         interactive: false}).addTo(this._layer);
            this._map.on("click", this._add, this);
            this._map.doubleClickZoom.disable();
            L.DomUtil.addClass(this._bar, "idlib-measure-active");
            L.DomUtil.addClass(this._map.getContainer(), "idlib-measuring");
            this._button.title = "Stop measuring";
            this._show();
        },
        stop: function () {
            if (!this._active) { return; }
            this._active = false;
            this._map.off("click", this._add, this);
            this._map.doubleClickZoom.enable();
            this._map.removeLayer(this._layer);
            L.DomUtil.removeClass(this._bar, "idlib-measure-active");
            L.DomUtil.removeClass(this._map.getContainer(), "idlib-measuring");
            this._button.title = "Measure a distance";
        },
        lengthMetres: function () {
            var total = 0;
            for (var i = 1; i < this._points.length; i++) {
                total += geodesicDistance(this._points[i - 1], this._points[i]);
            }
            return total;
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
            this._readout.textContent = n < 2 ? "Click the map to add points" :
                (this.lengthMetres() / 1000).toFixed(3) + " km (" + n + " points, geodesic)";
        }
    });
    L.Control.IdlibMeasure.geodesicDistance = geodesicDistance;

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
