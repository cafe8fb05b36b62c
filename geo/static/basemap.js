/* A note on the map while its basemap cannot be had (no connection): the map's own context lines stay.
 *
 * L.IdlibBasemapNote is a control, hidden at first, that listens to every tile layer of the map (those
 * there when it is added and those added later, e.g. from the layer control): a tile that fails to load
 * ("tileerror") shows the note, a tile that loads hides it again. Its text is set as text, never as HTML. */
(function () {
    "use strict";

    L.IdlibBasemapNote = L.Control.extend({
        options: {
            position: "bottomright",
            text: "Basemap unavailable (no connection?): the map's own lines stand in for it."
        },

        onAdd: function (map) {
            var div = L.DomUtil.create("div", "idlib-panel idlib-basemap-note");
            div.setAttribute("role", "status");
            div.textContent = this.options.text;
            div.style.display = "none";
            this._div = div;
            map.eachLayer(this._watch, this);
            map.on("layeradd", this._onLayerAdd, this);
            return div;
        },

        onRemove: function (map) {
            map.off("layeradd", this._onLayerAdd, this);
            map.eachLayer(function (layer) {
                if (layer instanceof L.TileLayer) {
                    layer.off("tileerror", this._show, this);
                    layer.off("tileload", this._hide, this);
                }
            }, this);
        },

        /* Whether the note is shown. */
        shown: function () {
            return this._div.style.display !== "none";
        },

        _onLayerAdd: function (e) {
            this._watch(e.layer);
        },

        _watch: function (layer) {
            if (layer instanceof L.TileLayer) {  // Leaflet keeps one listener per function and context
                layer.on("tileerror", this._show, this);
                layer.on("tileload", this._hide, this);
            }
        },

        _show: function () {
            this._div.style.display = "";
        },

        _hide: function () {
            this._div.style.display = "none";
        }
    });
})();
