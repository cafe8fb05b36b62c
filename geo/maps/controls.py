"""The page's own controls and plugins: set-up, fitting the view, decluttering labels, the offline controls.

The controls for offline maps (mouse position, a geodesic measure tool,
fullscreen) are written on Leaflet's public API, so an offline page needs no
plugin from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence

from folium.template import Template

from ._folium import Macro
from .elements import script_json
from .style import NDIGITS

__all__ = ["MAP_CSS", "Declutter", "FitView", "LegendAbovePanel", "MapSetup", "OwnControls"]


class MapSetup(Macro):
    """The page's own CSS, the data attribution and (offline) a plain attribution prefix.

    Parameters
    ----------
    css
        Stylesheet for the page.
    attribution
        HTML added to the map's attribution control (escaped by the caller).
    prefix
        Replaces Leaflet's own attribution prefix (which links to leafletjs.com) when not None.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            {%- if this.prefix is not none %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix }});
            {%- endif %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution }});
        {% endmacro %}
        """
    )

    def __init__(self, css: str, attribution: str, prefix: str | None = None) -> None:
        super().__init__("MapSetup")
        self.css = css.replace("</style", "<\\/style")
        self.attribution = script_json(attribution)
        self.prefix = None if prefix is None else script_json(prefix)


#: What a decluttered label keeps clear of: labels, markers and the dots of places and patrol ends.
_OBSTACLES = ".leaflet-tooltip, .leaflet-marker-icon, path.idlib-place, path.idlib-patrol-end"


class Declutter(Macro):
    """Move permanent labels clear of other labels and markers whenever the view changes.

    A tooltip bound with a ``places`` option (see :class:`Bind`), a list of
    ``[direction, [dx, dy]]`` pairs in order of preference, is put on the first side
    where it overlaps no other label, marker or place dot on the screen, or else on
    the side where it overlaps least. Labels are placed in the order their layers
    were made, in two rounds (the second sees where the first put every label). It runs when the page opens,
    after every zoom and resize, and when a layer is switched on or off.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var OBSTACLES = {{ this.obstacles }};
                function area(a, b) {
                    var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    return w > 0 && h > 0 ? w * h * (b.weight || 1) : 0;
                }
                function place() {
                    var tips = [];
                    map.eachLayer(function (l) {
                        var t = l.getTooltip && l.getTooltip();
                        if (t && t.options.places && t.getElement() && map.hasLayer(t)) { tips.push(t); }
                    });
                    if (!tips.length) { return; }
                    var mine = tips.map(function (t) { return t.getElement(); });
                    // A marker counts ten times a label: a label may touch another label sooner than a post.
                    var fixed = [];
                    map.getContainer().querySelectorAll(OBSTACLES).forEach(function (e) {
                        if (mine.indexOf(e) >= 0) { return; }
                        var r = e.getBoundingClientRect(), w = e.classList.contains("leaflet-marker-icon") ? 10 : 1;
                        fixed.push({left: r.left, right: r.right, top: r.top, bottom: r.bottom, weight: w});
                    });
                    // Two rounds: in the second, each label sees where every other one went in the first.
                    [0, 1].forEach(function () { tips.forEach(function (t, i) {
                        var others = fixed.concat(mine.filter(function (e, j) { return j !== i; }).map(function (e) {
                            return e.getBoundingClientRect();
                        }));
                        var best = null, least = Infinity;
                        t.options.places.some(function (p) {
                            t.options.direction = p[0];
                            t.options.offset = p[1];
                            t.update();
                            var box = mine[i].getBoundingClientRect(), hit = 0;
                            others.forEach(function (o) { hit += area(box, o); });
                            if (hit < least) { least = hit; best = p; }
                            return hit === 0;
                        });
                        t.options.direction = best[0];
                        t.options.offset = best[1];
                        t.update();
                    }); });
                }
                map.whenReady(place);
                map.on("zoomend resize overlayadd overlayremove", place);
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, obstacles: str = _OBSTACLES) -> None:
        super().__init__("Declutter")
        self.obstacles = script_json(obstacles)


class FitView(Macro):
    """Open the map on ``bounds``, clear of a panel on its left when the map is wide enough for both.

    The view is set without animation, so the map stands still once the page has loaded.
    Add it after the panel.

    Parameters
    ----------
    bounds
        ``[[south, west], [north, east]]``, degrees.
    clear_of
        CSS selector of a panel in a left corner (e.g. the legend) to keep the bounds clear of.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var panel = map.getContainer().querySelector({{ this.clear_of }});
                var width = panel ? panel.offsetWidth + 20 : 10;
                var left = map.getSize().x > 2.5 * width ? width : 10;
                map.fitBounds({{ this.bounds }}, {paddingTopLeft: [left, 10], paddingBottomRight: [10, 10],
                                                  animate: false});
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[Sequence[float]], clear_of: str = ".idlib-legend") -> None:
        super().__init__("FitView")
        self.bounds = script_json([[round(float(v), NDIGITS) for v in corner] for corner in bounds])
        self.clear_of = script_json(clear_of)


#: The controls of an offline map, on Leaflet's API only. Geodesic distances use Vincenty's
#: inverse formula on the WGS84 ellipsoid (accurate to well under a millimetre on this scale).
_CONTROLS_JS = r"""
(function (L) {
    "use strict";
    if (L.Control.IdlibMeasure) { return; }

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
        if (steps >= 200) { return L.CRS.Earth.distance(p, q); }  // nearly antipodal: sphere
        var uSq = cosSqAlpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
        var bigA = 1 + uSq / 16384 * (4096 + uSq * (uSq * (320 - 175 * uSq) - 768));
        var bigB = uSq / 1024 * (256 + uSq * (uSq * (74 - 47 * uSq) - 128));
        var c2 = cos2SigmaM * cos2SigmaM;
        var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (2 * c2 - 1) -
            bigB / 6 * cos2SigmaM * (4 * sinSigma * sinSigma - 3) * (4 * c2 - 3)));
        return WGS84_B * bigA * (sigma - deltaSigma);
    }

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
})(window.L);
"""


class OwnControls(Macro):
    """Mouse position (lon/lat), a geodesic measure tool and a fullscreen button, with no plugin.

    The controls are kept on the map object as ``map.idlibControls.{fullscreen,measure,mousePosition}``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.js }}
            {{ this._parent.get_name() }}.idlibControls = {
                fullscreen: new L.Control.IdlibFullscreen().addTo({{ this._parent.get_name() }}),
                measure: new L.Control.IdlibMeasure().addTo({{ this._parent.get_name() }}),
                mousePosition: new L.Control.IdlibMousePosition().addTo({{ this._parent.get_name() }})
            };
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__("OwnControls")
        self.js = _CONTROLS_JS


#: The page's stylesheet: labels, post symbols, panels and our controls.
MAP_CSS = """
.leaflet-tooltip.idlib-label {
    background: transparent; border: 0; box-shadow: none; padding: 0;
    font: 600 12px/1.2 "Helvetica Neue", Arial, sans-serif; color: #222;
    text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;
}
.leaflet-tooltip.idlib-label::before { display: none; }
.leaflet-tooltip.idlib-label.idlib-end { color: #a34700; font-size: 13px; }
.leaflet-tooltip.idlib-label.idlib-km { font-weight: 400; font-size: 11px; color: #000; }
.idlib-post {
    box-sizing: border-box; border-radius: 50%; border: 2px solid #08306b; background: #08306b;
    color: #fff; font: 700 11px/20px "Helvetica Neue", Arial, sans-serif; text-align: center;
    box-shadow: 0 1px 3px rgba(0, 0, 0, 0.45);
}
.idlib-post.idlib-post-evacuated { background: #fff; color: #555; border: 2px dashed #555; }
.idlib-post:focus { outline: 3px solid #ff8c00; }
.idlib-panel {
    background: rgba(255, 255, 255, 0.93); padding: 6px 10px; border-radius: 5px;
    box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4); font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;
    max-width: 290px; color: #222;
}
.idlib-panel summary { font-weight: 700; cursor: pointer; }
.idlib-legend ul { list-style: none; margin: 4px 0 0; padding: 0; }
.idlib-legend li { margin: 3px 0; white-space: nowrap; }
.idlib-legend .sw {
    display: inline-block; width: 26px; height: 12px; margin-right: 6px; vertical-align: middle;
    box-sizing: border-box;
}
.idlib-legend .sw.idlib-post { width: 16px; height: 16px; margin: 0 11px 0 5px; }
.idlib-legend .note { color: #555; white-space: normal; margin-top: 4px; }
.idlib-popup { font: 12.5px/1.35 "Helvetica Neue", Arial, sans-serif; }
.idlib-popup h4 { margin: 0 0 4px; font-size: 14px; }
.idlib-popup table { border-collapse: collapse; }
.idlib-popup th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #555; font-weight: 600; }
.idlib-popup td { vertical-align: top; padding: 1px 0; }
.idlib-mouse-position {
    background: rgba(255, 255, 255, 0.85); padding: 1px 6px; border-radius: 3px;
    font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.3);
}
.idlib-measure a, .idlib-fullscreen a { display: flex; align-items: center; justify-content: center; }
.idlib-measure svg, .idlib-fullscreen svg { width: 18px; height: 18px; }
.idlib-measure-readout { display: none; background: #fff; padding: 3px 8px; font-size: 12px; white-space: nowrap; }
.idlib-measure-active .idlib-measure-readout { display: block; }
.idlib-measure-active .idlib-measure-toggle { background: #ffe3b3; }
.leaflet-container.idlib-measuring { cursor: crosshair; }
.idlib-is-fullscreen { width: 100% !important; height: 100% !important; }
"""


class LegendAbovePanel(Macro):
    """Keep the legend (top left) from running under a panel in the bottom-left corner.

    On a short map the legend gets a maximum height that ends 10 px above the panel
    (it scrolls), recomputed whenever the map or the panel changes size.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (box) {
                var legend = box.querySelector(".idlib-legend"), panel = box.querySelector({{ this.panel }});
                if (!legend || !panel || !window.ResizeObserver) { return; }
                function fit() {
                    var css = getComputedStyle(legend), edges = 0;
                    ["paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"].forEach(function (k) {
                        edges += parseFloat(css[k]) || 0;
                    });
                    var room = panel.getBoundingClientRect().top - legend.getBoundingClientRect().top - 10;
                    legend.style.maxHeight = Math.max(room - edges, 48) + "px";
                    // A scroll bar, when there is one, gets room of its own rather than covering the rows.
                    legend.style.paddingRight = "";
                    var bar = legend.offsetWidth - legend.clientWidth - (parseFloat(css.borderLeftWidth) || 0) -
                        (parseFloat(css.borderRightWidth) || 0);
                    if (bar > 0) { legend.style.paddingRight = (parseFloat(css.paddingRight) + bar) + "px"; }
                }
                var watch = new ResizeObserver(fit);
                watch.observe(box);
                watch.observe(panel);
                fit();
            })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
        """
    )

    def __init__(self, panel: str) -> None:
        super().__init__("LegendAbovePanel")
        self.panel = script_json(panel)
