/* Keep permanent labels apart, and clear of markers and the map's controls, whenever the view changes.
 *
 *   new L.IdlibDeclutter({obstacles: "CSS selector", controls: "CSS selector"}).addTo(map)
 *
 * A tooltip bound with a "places" option, a list of [direction, [dx, dy]] pairs in order of preference, is
 * put on the first side where it lies wholly on the map and overlaps no label already placed, no control (the
 * controls selector) and nothing the obstacles selector matches (markers, place dots), or else on the side,
 * wholly on the map and clear of every label, control and marker, where it overlaps the other obstacles (dots)
 * least. A label with no such side is hidden (class idlib-label-hidden) until a later view has room for it. Labels are placed by rank: the patrol's end labels (class idlib-end), then the others, then the
 * kilometre ticks' labels (class idlib-km), each rank in the order its layers were made. Last come the large
 * names (the regions selector: country and sea names), each shown only where it lies wholly on the map and
 * clear of every label, control and marker placed, else hidden. This runs when the page opens, after every
 * zoom and resize, and when a layer is switched on or off.
 */
(function () {
    "use strict";
    var L = window.L;
    if (L.IdlibDeclutter) { return; }
    var HIDDEN = "idlib-label-hidden";

    // Area (square pixels) where boxes a and b overlap, times b's weight.
    function area(a, b) {
        var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        return w > 0 && h > 0 ? w * h * (b.weight || 1) : 0;
    }
    function boxOf(e, weight) {
        var r = e.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, weight: weight};
    }
    function rank(t) {
        var c = " " + (t.options.className || "") + " ";
        return c.indexOf(" idlib-end ") >= 0 ? 0 : c.indexOf(" idlib-km ") >= 0 ? 2 : 1;
    }
    function shown(e) {
        var r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
    }

    // Place the labels of the map, now and whenever the view changes.
    function declutter(map, o) {
        function place() {
            var tips = [];
            map.eachLayer(function (l) {
                var t = l.getTooltip && l.getTooltip();
                if (t && t.options.places && t.getElement() && map.hasLayer(t)) { tips.push(t); }
            });
            if (!tips.length) { return; }
            tips = tips.map(function (t, i) { return [rank(t), i, t]; }).sort(function (a, b) {
                return a[0] - b[0] || a[1] - b[1];
            }).map(function (r) { return r[2]; });
            var mine = tips.map(function (t) { return t.getElement(); });
            mine.forEach(function (e) { e.classList.remove(HIDDEN); });
            var box = map.getContainer();
            // Must not be touched: the controls and the labels already placed. Best not touched: markers, dots.
            var walls = [], soft = [];
            box.querySelectorAll(o.controls).forEach(function (e) { if (shown(e)) { walls.push(boxOf(e, 1)); } });
            box.querySelectorAll(o.obstacles).forEach(function (e) {
                if (mine.indexOf(e) >= 0 || !shown(e)) { return; }
                (e.classList.contains("leaflet-marker-icon") ? walls : soft).push(boxOf(e, 1));
            });
            var edge = box.getBoundingClientRect();
            function inside(b) {
                return b.left >= edge.left && b.right <= edge.right && b.top >= edge.top && b.bottom <= edge.bottom;
            }
            tips.forEach(function (t, i) {
                var best = null, least = Infinity;
                t.options.places.some(function (p) {
                    t.options.direction = p[0];
                    t.options.offset = p[1];
                    t.update();
                    var b = boxOf(mine[i], 1), hard = 0, hit = 0;
                    walls.forEach(function (w) { hard += area(b, w); });
                    if (hard > 0 || !inside(b)) { return false; }
                    soft.forEach(function (s) { hit += area(b, s); });
                    if (hit < least) { least = hit; best = p; }
                    return hit === 0;
                });
                if (best === null) { mine[i].classList.add(HIDDEN); return; }
                t.options.direction = best[0];
                t.options.offset = best[1];
                t.update();
                walls.push(boxOf(mine[i], 1));
            });
            box.querySelectorAll(o.regions).forEach(function (e) {
                e.classList.remove(HIDDEN);
                var b = boxOf(e, 1), hard = 0;
                walls.forEach(function (w) { hard += area(b, w); });
                if (hard > 0 || !inside(b)) { e.classList.add(HIDDEN); } else { walls.push(b); }
            });
        }
        map.whenReady(place);
        map.on("zoomend resize overlayadd overlayremove", place);
    }

    L.IdlibDeclutter = L.Class.extend({
        options: {obstacles: ".leaflet-marker-icon", controls: ".leaflet-control", regions: ".idlib-region span"},
        initialize: function (options) { L.setOptions(this, options); },
        addTo: function (map) { declutter(map, this.options); return this; }
    });
})();
