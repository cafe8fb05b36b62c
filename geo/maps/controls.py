"""The page's own controls and plugins, each a short template over a script or stylesheet of ``geo/static/``.

Every element here passes its options to its script as one object (folium's
``tojavascript`` filter); the scripts and stylesheets themselves are plain files
that the page gets inline (:class:`geo.maps.assets.StaticMacro`), online and
offline alike. The controls for offline maps (mouse position, a geodesic measure
tool, fullscreen, ``controls.js``) are written on Leaflet's public API, so an
offline page needs no plugin from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence

from folium.template import Template

from .assets import StaticMacro
from .elements import script_json
from .style import NDIGITS

__all__ = ["NARROW_PX", "Declutter", "FitView", "LegendFit", "MapSetup", "OwnControls"]

#: What a decluttered label had best keep clear of: other tooltips, markers and the dots of places and patrol ends.
_OBSTACLES = ".leaflet-tooltip, .leaflet-marker-icon, path.idlib-place, path.idlib-patrol-end"
#: What a decluttered label must keep clear of (or be hidden): the map's controls and panels.
_CONTROLS = ".leaflet-control"
#: The country and sea names (geo.maps.overlays.RegionName): placed after every label, hidden where no room.
_REGIONS = ".idlib-region span"
#: A map narrower than this counts as a phone's (pixels): its legend starts closed (``legend.js``).
NARROW_PX = 640
#: The share of the map's width the view needs beside the open legend for both (:class:`FitView`); on a map
#: with less, the legend starts closed (:class:`LegendFit`), since the view could only lie under it.
BESIDE_SHARE = 0.4


class MapSetup(StaticMacro):
    """The page's own stylesheets, the data attribution and (offline) a plain attribution prefix.

    Parameters
    ----------
    attribution
        HTML added to the map's attribution control (escaped by the caller).
    prefix
        Replaces Leaflet's own attribution prefix (which links to leafletjs.com) when not None.
    stylesheets
        File names in ``geo/static/`` for the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {%- if this.prefix is not none %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix }});
            {%- endif %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution }});
        {% endmacro %}
        """
    )

    def __init__(self, attribution: str, prefix: str | None = None, stylesheets: Sequence[str] = ("map.css",)) -> None:
        super().__init__("MapSetup")
        self.static = tuple(stylesheets)
        self.attribution = script_json(attribution)
        self.prefix = None if prefix is None else script_json(prefix)


class Declutter(StaticMacro):
    """Keep permanent labels apart, and clear of markers and controls, whenever the view changes (``declutter.js``).

    A tooltip bound with a ``places`` option (see :class:`geo.maps.elements.Bind`), a list of
    ``[direction, [dx, dy]]`` pairs in order of preference, is put on the first side
    where it overlaps no label already placed, no control and no marker or place dot on
    the screen, or else on the side clear of labels and controls where it overlaps the
    markers least. A label with no side clear of the labels and controls is hidden
    until a later view (another zoom, a layer switched off) has room for it. The patrol's
    end labels are placed first, the kilometre ticks' labels last.

    Parameters
    ----------
    obstacles
        CSS selector of what a label had best keep clear of (markers, dots), besides the other labels.
    controls
        CSS selector of what a label must keep clear of, or be hidden: the map's controls and panels.
    regions
        CSS selector of the large names (countries, the sea), placed last: each shown only where it is wholly
        on the map and clear of every label, control and marker, else hidden.
    """

    static = ("declutter.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.IdlibDeclutter({{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, obstacles: str = _OBSTACLES, controls: str = _CONTROLS, regions: str = _REGIONS) -> None:
        super().__init__("Declutter")
        self.options = {"obstacles": obstacles, "controls": controls, "regions": regions}


class FitView(StaticMacro):
    """Open the map on ``bounds``, clear of the map's controls and panels.

    On a map wide enough for both (40% of its width left beside the panel), the bounds are kept
    right of a panel in the top-left corner (``clear_of``, e.g. the legend); on a
    narrower one (a phone) right of the top-left buttons and below that corner's
    controls, the legend included, and above the bottom-left corner's (e.g. the time
    slider). On any map they are kept below the top-right corner's controls (the layer
    button) and above the bottom-right corner's (the attribution). Where that would leave
    the bounds less than 15% of the map's width or height (a short map in a notebook),
    that direction keeps a 10 px margin only. The view is set
    without animation, so the map stands still once the page has loaded. Add it after
    the controls.

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
                var box = map.getContainer(), edge = box.getBoundingClientRect();
                // How far the visible controls a selector matches reach into the map, pixels: right, down or up.
                function reach(controls, side) {
                    var most = 0;
                    box.querySelectorAll(controls).forEach(function (e) {
                        var r = e.getBoundingClientRect();
                        if (!r.width || !r.height) { return; }
                        most = Math.max(most, side === "right" ? r.right - edge.left :
                                        side === "down" ? r.bottom - edge.top : edge.bottom - r.top);
                    });
                    return most + 16;  // 10 px, and half a post's symbol that may stand on the bounds' edge
                }
                var panel = box.querySelector({{ this.clear_of }});
                var width = panel ? panel.offsetWidth + 20 : 10;
                var wide = map.getSize().x - width - 10 >= {{ this.beside }} * map.getSize().x;
                var topRight = reach(".leaflet-top.leaflet-right > .leaflet-control", "down");
                var bottomRight = reach(".leaflet-bottom.leaflet-right > .leaflet-control", "up");
                var left = wide ? width : reach(".leaflet-top.leaflet-left > .leaflet-bar", "right");
                var topLeft = reach(".leaflet-top.leaflet-left > .leaflet-control", "down");
                var top = wide ? topRight : Math.max(topRight, topLeft);
                var bottomLeft = reach(".leaflet-bottom.leaflet-left > .leaflet-control", "up");
                var bottom = wide ? bottomRight : Math.max(bottomRight, bottomLeft);
                // Where that would leave the bounds less than 15% of the map in either direction, the corners'
                // controls are left out of that direction's padding: better under a control than too small.
                var size = map.getSize();
                if (size.x - left - 10 < 0.15 * size.x) { left = 10; }
                if (size.y - top - bottom < 0.15 * size.y) { top = 10; bottom = 10; }
                var pad = size.x > 40 && size.y > 40;  // a map not (yet) laid out has no room for any
                map.fitBounds({{ this.bounds }}, {paddingTopLeft: pad ? [left, top] : [0, 0],
                                                  paddingBottomRight: pad ? [16, bottom] : [0, 0], animate: false});
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[Sequence[float]], clear_of: str = ".idlib-legend") -> None:
        super().__init__("FitView")
        self.bounds = script_json([[round(float(v), NDIGITS) for v in corner] for corner in bounds])
        self.clear_of = script_json(clear_of)
        self.beside = BESIDE_SHARE


class OwnControls(StaticMacro):
    """Mouse position (lon/lat), a geodesic measure tool and a fullscreen button, with no plugin (``controls.js``).

    The controls are kept on the map object as ``map.idlibControls.{fullscreen,measure,mousePosition}``,
    each with the options ``controls.js`` gives it. The measure tool measures a distance (the ruler) or,
    with its second button (shown while measuring), the area and perimeter of a polygon, both on the WGS84
    ellipsoid; while it measures, a click on any feature adds a point there and opens no popup. Scripts
    can read ``measure.mode()`` (``"distance"``, ``"area"`` or null), ``measure.lengthMetres()`` and
    ``measure.areaSquareMetres()``.
    """

    static = ("controls.js", "controls.css")
    _template = Template(
        """
        {% macro script(this, kwargs) %}
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


class LegendFit(StaticMacro):
    """Fit the legend (top left) and the panels to the map's size: a desktop's, a notebook's, a phone's (``legend.js``).

    The legend gets a maximum height that ends 10 px above the bottom-left corner's
    controls (the panel, the scale bar; it scrolls), recomputed whenever the map or the panel changes size. On a map
    narrower than ``narrow`` (a phone; the map's container then has the class
    ``idlib-narrow`` for the stylesheets), the legend and the sections in it start
    closed and the open legend takes at most a third of the map's height. On any map
    the bottom-left corner is lifted above the attribution where the two would meet. On a
    narrow or a short map (under 700 px) the container has the class ``idlib-compact``:
    the time panel then leaves out its hint and list of events; under 560 px
    (``idlib-tiny``, a phone held sideways) also its account of the day. The legend
    starts closed wherever, open, it would be under 96 px high, and wherever it would leave the view less than
    :data:`BESIDE_SHARE` of the map's width beside it.

    Parameters
    ----------
    panel
        CSS selector of the panel (e.g. the time slider's), or None for none.
    legend
        CSS selector of the legend.
    narrow
        Map width below which the map counts as a phone's, pixels.
    """

    static = ("legend.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.IdlibLegendFit({{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, panel: str | None, legend: str = ".idlib-legend", narrow: int = NARROW_PX) -> None:
        super().__init__("LegendFit")
        self.options = {"legend": legend, "panel": panel, "narrow": narrow, "beside": BESIDE_SHARE}
