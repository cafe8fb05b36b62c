"""Small Leaflet elements of our own: popups and tooltips bound safely, post markers, fixed panels.

Folium's ``Popup`` and ``Tooltip`` put their text into a JavaScript template
literal (where ``${...}`` runs code) and ``Popup`` needs jQuery; its ``Marker``
re-adds its icon on every render. These elements avoid all three: every text
reaches the page as a JSON string literal with ``<``, ``>``, ``&`` and ``'``
escaped, and Jinja's ``{{``, ``{%`` and ``{#`` made inert (:func:`script_json`), after
the caller has HTML-escaped the data in it.
"""

from __future__ import annotations

import json
from typing import Any

from folium.template import Template

from ._folium import Macro
from .style import NDIGITS, POST_PX

__all__ = ["POSITIONS", "Bind", "DivMarker", "PanelControl", "check_position", "script_json"]

#: Leaflet's control positions.
POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")
#: What :func:`script_json` escapes, so that the text cannot end a ``<script>`` element or start a comment
#: (``<``, ``>``), start an entity (``&``), end an attribute (``'``) or a JavaScript line (U+2028, U+2029).
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("'", "\\u0027"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


#: Jinja's openers, and each one with its brace as JSON's escape of it. branca compiles what an element's macro
#: renders as a template once more, so a text holding ``{{ 7*7 }}`` would show ``49``, and one holding
#: ``{% if %}`` would stop the map with a syntax error. In JSON a structural brace is never followed by another
#: brace, ``%`` or ``#``, so each pair lies within a string, where ``\u007b`` is the same brace.
_JINJA_OPENERS = (("{{", "{\\u007b"), ("{%", "\\u007b%"), ("{#", "\\u007b#"))


def script_json(value: Any, *, compact: bool = False) -> str:
    r"""Return ``value`` as JSON text that is safe inside a ``<script>`` element (and is JavaScript).

    Parameters
    ----------
    value
        A JSON value: dict, list, tuple, str, number, bool or None (no NaN).
    compact
        Without spaces after ``,`` and ``:`` (for large data).

    Examples
    --------
    >>> print(script_json("</script> 'x' & y"))
    "\u003c/script\u003e \u0027x\u0027 \u0026 y"
    >>> print(script_json({"a": [1, "é"]}))
    {"a": [1, "é"]}
    >>> print(script_json("{{ 7*7 }} {% if %} {# #}"))
    "{\u007b 7*7 }} \u007b% if %} \u007b# #}"
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":") if compact else None)
    for char, code in (*_SCRIPT_ESCAPES, *_JINJA_OPENERS):
        text = text.replace(char, code)
    return text


def check_position(position: str) -> str:
    """Return a Leaflet control position, or raise ValueError naming the one given.

    Parameters
    ----------
    position
        ``topleft``, ``topright``, ``bottomleft`` or ``bottomright``.
    """
    if position not in POSITIONS:
        raise ValueError(f"position={position!r}: expected topleft, topright, bottomleft or bottomright")
    return position


class Bind(Macro):
    """Bind a popup or a tooltip holding ready-made (already escaped) HTML to the parent layer.

    Parameters
    ----------
    html
        HTML content; every piece of data text in it must already be escaped.
    kind
        ``"popup"`` or ``"tooltip"``.
    **options
        Leaflet popup or tooltip options (``maxWidth``, ``permanent``, ``direction``...).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.content }}, {{ this.js_options }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, kind: str = "popup", **options: Any) -> None:
        super().__init__("Bind")
        if kind not in ("popup", "tooltip"):
            raise ValueError(f"kind={kind!r}: expected 'popup' or 'tooltip'")
        self.method = "bindPopup" if kind == "popup" else "bindTooltip"
        self.content = script_json(html)
        self.js_options = script_json(options)


class DivMarker(Macro):
    """A marker drawn as a styled ``<div>`` (no image, so it works in a single offline file).

    Parameters
    ----------
    location
        ``(lat, lon)`` in degrees.
    html
        Inner HTML of the marker (escaped by the caller).
    class_name
        CSS classes of the marker's ``<div>``.
    title
        Hover text (set as a DOM property, so it is never parsed as HTML).
    size_px
        Width and height of the marker, pixels.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker({{ this.location }}, {
                icon: L.divIcon({{ this.icon }}),
                title: {{ this.title }},
                keyboard: true,
                riseOnHover: true
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, location: tuple[float, float], html: str, class_name: str, title: str, size_px: int = POST_PX
    ) -> None:
        super().__init__("DivMarker")
        half = size_px // 2
        self.location = script_json([round(float(location[0]), NDIGITS), round(float(location[1]), NDIGITS)])
        self.icon = script_json(
            {
                "html": html,
                "className": class_name,
                "iconSize": [size_px, size_px],
                "iconAnchor": [half, half],
                "popupAnchor": [0, -half],
            }
        )
        self.title = script_json(title)


class PanelControl(Macro):
    """A fixed panel of HTML (e.g. the legend) in a corner of the map.

    Parameters
    ----------
    html
        Panel content (escaped by the caller).
    position
        Leaflet control position: ``topleft``, ``topright``, ``bottomleft`` or ``bottomright``.
    class_name
        CSS classes of the panel.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.class_name }});
                div.innerHTML = {{ this.content }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "bottomleft", class_name: str = "idlib-panel") -> None:
        super().__init__("PanelControl")
        self.position = script_json(check_position(position))
        self.class_name = script_json(class_name)
        self.content = script_json(html)
