/* Fit the legend (top left) and the panels to the map's size: a desktop's, a notebook's or a phone's.
 *
 *   new L.IdlibLegendFit({legend: ".idlib-legend", panel: ".idlib-timeline"}).addTo(map)
 *
 * options: legend and panel (optional), CSS selectors inside the map's container; gap (10) and minHeight (48),
 * pixels; narrow (640), the map width in pixels below which the map counts as a phone's; short (700) and tiny
 * (560), the map heights in pixels below which the panels are compact and tiny; share (1/3), the largest part of a narrow map's height
 * the open legend may take.
 *
 * - The legend gets a maximum height that ends gap pixels above the panel, at least minHeight (it scrolls, and
 *   a scroll bar gets room of its own), recomputed whenever the map or the panel changes size.
 * - On a narrow map (class idlib-narrow on the map's container, for the stylesheets) the legend and every
 *   <details> in it start closed, and the open legend takes at most share of the map's height.
 * - On any map the bottom-left corner (the panel, the scale bar) is lifted above the attribution where the two
 *   would meet (a long attribution on a narrow map).
 * - On a narrow or a short map the container has the class idlib-compact, for the panels' stylesheets to leave
 *   out what the map itself shows; on a tiny one (under tiny pixels high) also idlib-tiny. The legend starts
 *   closed wherever, open, it would get less than twice minHeight.
 */
(function () {
    "use strict";
    var L = window.L;
    if (L.IdlibLegendFit) { return; }

    function overlapX(a, b) { return Math.min(a.right, b.right) > Math.max(a.left, b.left); }

    function fit(map, o) {
        var box = map.getContainer(), legend = box.querySelector(o.legend);
        var panel = o.panel ? box.querySelector(o.panel) : null;
        var bottomLeft = box.querySelector(".leaflet-bottom.leaflet-left");
        var attribution = box.querySelector(".leaflet-control-attribution");
        function narrow() { return box.clientWidth < o.narrow; }
        // The bottom-left corner sits on the attribution's top where they would meet, else on the map's edge.
        function lift() {
            if (!bottomLeft) { return; }
            bottomLeft.style.bottom = "";
            if (!attribution || !attribution.offsetHeight) { return; }
            var a = attribution.getBoundingClientRect();
            var hit = false;
            bottomLeft.querySelectorAll(".leaflet-control").forEach(function (c) {
                var r = c.getBoundingClientRect();
                if (r.width && overlapX(r, a)) { hit = true; }
            });
            if (hit) { bottomLeft.style.bottom = (box.getBoundingClientRect().bottom - a.top) + "px"; }
        }
        function fitNow() {
            box.classList.toggle("idlib-narrow", narrow());
            box.classList.toggle("idlib-compact", narrow() || box.clientHeight < o.short);
            box.classList.toggle("idlib-tiny", box.clientHeight < o.tiny);
            lift();
            if (!legend) { return; }
            var css = getComputedStyle(legend), edges = 0;
            ["paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"].forEach(function (k) {
                edges += parseFloat(css[k]) || 0;
            });
            var top = legend.getBoundingClientRect().top;
            // The legend ends above the bottom-left corner's highest control (the panel, or the scale bar).
            var floor = box.getBoundingClientRect().bottom;
            if (bottomLeft) {
                bottomLeft.querySelectorAll(".leaflet-control").forEach(function (c) {
                    var r = c.getBoundingClientRect();
                    if (r.height) { floor = Math.min(floor, r.top); }
                });
            }
            var room = floor - top - o.gap;
            if (narrow()) { room = Math.min(room, box.clientHeight * o.share); }
            legend.style.maxHeight = Math.max(room - edges, o.minHeight) + "px";
            // A scroll bar, when there is one, gets room of its own rather than covering the rows.
            legend.style.paddingRight = "";
            var bar = legend.offsetWidth - legend.clientWidth - (parseFloat(css.borderLeftWidth) || 0) -
                (parseFloat(css.borderRightWidth) || 0);
            if (bar > 0) { legend.style.paddingRight = (parseFloat(css.paddingRight) + bar) + "px"; }
        }
        if (window.ResizeObserver) {
            var watch = new ResizeObserver(fitNow);
            [box, panel, attribution].forEach(function (e) { if (e) { watch.observe(e); } });
        }
        fitNow();
        // Closed from the start on a phone, where the open legend would have less than twice minHeight, or where
        // it would leave the view too little of the width beside it.
        var crowded = legend && box.clientWidth - legend.offsetWidth - 30 < o.beside * box.clientWidth;
        if (legend && (narrow() || crowded || parseFloat(legend.style.maxHeight) < 2 * o.minHeight)) {
            legend.querySelectorAll("details").forEach(function (d) { d.open = false; });
            fitNow();
        }
    }

    L.IdlibLegendFit = L.Class.extend({
        options: {gap: 10, minHeight: 48, narrow: 640, short: 700, tiny: 560, share: 1 / 3, beside: 0.4, panel: null},
        initialize: function (options) { L.setOptions(this, options); },
        addTo: function (map) { fit(map, this.options); return this; }
    });
})();
