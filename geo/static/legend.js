/* Keep the legend (top left) from running under a panel in the bottom-left corner, e.g. the time slider.
 *
 *   new L.IdlibLegendFit({legend: ".idlib-legend", panel: ".idlib-timeline"}).addTo(map)
 *
 * options: legend and panel, CSS selectors inside the map's container; gap (10) and minHeight (48), pixels.
 *
 * On a short map the legend gets a maximum height that ends gap pixels above the panel (it scrolls, and a
 * scroll bar gets room of its own), recomputed whenever the map or the panel changes size.
 */
(function () {
    "use strict";
    var L = window.L;
    if (L.IdlibLegendFit) { return; }

    // Keep the legend's bottom o.gap pixels above the panel, or at least o.minHeight high.
    function fit(box, o) {
        var legend = box.querySelector(o.legend), panel = box.querySelector(o.panel);
        if (!legend || !panel || !window.ResizeObserver) { return; }
        function fitNow() {
            var css = getComputedStyle(legend), edges = 0;
            ["paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"].forEach(function (k) {
                edges += parseFloat(css[k]) || 0;
            });
            var room = panel.getBoundingClientRect().top - legend.getBoundingClientRect().top - o.gap;
            legend.style.maxHeight = Math.max(room - edges, o.minHeight) + "px";
            // A scroll bar, when there is one, gets room of its own rather than covering the rows.
            legend.style.paddingRight = "";
            var bar = legend.offsetWidth - legend.clientWidth - (parseFloat(css.borderLeftWidth) || 0) -
                (parseFloat(css.borderRightWidth) || 0);
            if (bar > 0) { legend.style.paddingRight = (parseFloat(css.paddingRight) + bar) + "px"; }
        }
        var watch = new ResizeObserver(fitNow);
        watch.observe(box);
        watch.observe(panel);
        fitNow();
    }

    L.IdlibLegendFit = L.Class.extend({
        options: {gap: 10, minHeight: 48},
        initialize: function (options) { L.setOptions(this, options); },
        addTo: function (map) { fit(map.getContainer(), this.options); return this; }
    });
})();
