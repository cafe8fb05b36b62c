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

__all__ = ["Declutter", "FitView", "LegendFit", "MapSetup", "OwnControls"]

#: What a decluttered label keeps clear of: labels, markers and the dots of places and patrol ends.
_OBSTACLES = ".leaflet-tooltip, .leaflet-marker-icon, path.idlib-place, path.idlib-patrol-end"


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
    """Move permanent labels clear of other labels and markers whenever the view changes (``declutter.js``).

    A tooltip bound with a ``places`` option (see :class:`geo.maps.elements.Bind`), a list of
    ``[direction, [dx, dy]]`` pairs in order of preference, is put on the first side
    where it overlaps no other label, marker or place dot on the screen, or else on
    the side where it overlaps least.

    Parameters
    ----------
    obstacles
        CSS selector of what a label keeps clear of, besides the other labels.
    """

    static = ("declutter.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.IdlibDeclutter({{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, obstacles: str = _OBSTACLES) -> None:
        super().__init__("Declutter")
        self.options = {"obstacles": obstacles}


class FitView(StaticMacro):
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
    """Keep the legend (top left) from running under a panel in the bottom-left corner (``legend.js``).

    On a short map the legend gets a maximum height that ends 10 px above the panel
    (it scrolls), recomputed whenever the map or the panel changes size.

    Parameters
    ----------
    panel
        CSS selector of the panel (e.g. the time slider's).
    legend
        CSS selector of the legend.
    """

    static = ("legend.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.IdlibLegendFit({{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, panel: str, legend: str = ".idlib-legend") -> None:
        super().__init__("LegendFit")
        self.options = {"legend": legend, "panel": panel}
