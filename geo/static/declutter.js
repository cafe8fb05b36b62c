/* Move permanent labels clear of other labels and markers whenever the view changes.
 *
 *   new L.IdlibDeclutter({obstacles: "CSS selector"}).addTo(map)
 *
 * A tooltip bound with a "places" option, a list of [direction, [dx, dy]] pairs in order of preference, is
 * put on the first side where it overlaps no other label nor anything the obstacles selector matches on the
 * screen, or else on the side where it overlaps least (a marker counts ten times a label). Labels are placed
 * in the order their layers were made, in two rounds (the second sees where the first put every label):
 * when the page opens, after every zoom and resize, and when a layer is switched on or off.
 */
(function () {
    "use strict";
    var L = window.L;
    if (L.IdlibDeclutter) { return; }

    // Place the labels of the map, now and whenever the view changes.
    function declutter(map, OBSTACLES) {
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
    }

    L.IdlibDeclutter = L.Class.extend({
        initialize: function (options) { L.setOptions(this, options); },
        addTo: function (map) { declutter(map, this.options.obstacles); return this; }
    });
})();
