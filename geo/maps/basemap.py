"""The online basemaps' tile layers as the page asks for them, and the note shown when they cannot be had."""

from __future__ import annotations

import re
from collections.abc import Iterable

from folium.template import Template

from .assets import StaticMacro

__all__ = ["BasemapNote", "tile_url_pattern"]


class BasemapNote(StaticMacro):
    """A note, bottom right, shown while the basemap's tiles fail to load (``basemap.js``).

    It listens to the ``tileerror`` and ``tileload`` events of every tile layer of the map: a
    failed tile shows it, a loaded one hides it. The map's own layers (the context lines, the
    corridor...) are drawn either way. The control is kept on the map as ``map.idlibBasemapNote``.
    """

    static = ("basemap.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.idlibBasemapNote =
                new L.IdlibBasemapNote().addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__("BasemapNote")


def tile_url_pattern(templates: Iterable[str]) -> re.Pattern[str]:
    """Return a pattern that matches exactly the tile URLs the given Leaflet URL templates give.

    ``{s}`` stands for a subdomain, ``{z}``, ``{x}``, ``{y}`` for whole numbers, ``{r}`` for
    nothing or ``@2x``; anything else in a template is matched as written.

    Parameters
    ----------
    templates
        Leaflet tile URL templates (``https://{s}.tile.example/{z}/{x}/{y}.png``).

    Examples
    --------
    >>> p = tile_url_pattern(["https://{s}.t.example/{z}/{x}/{y}{r}.png"])
    >>> bool(p.fullmatch("https://a.t.example/9/310/203.png")), bool(p.fullmatch("https://a.t.example/x.js"))
    (True, False)
    """
    fields = {"{s}": r"[a-z0-9-]+", "{z}": r"\d+", "{x}": r"\d+", "{y}": r"\d+", "{r}": r"(?:@2x)?"}

    def one(template: str) -> str:
        parts = re.split(r"(\{[a-z]\})", template)
        return "".join(fields.get(part, re.escape(part)) for part in parts)

    return re.compile("|".join(f"(?:{one(t)})" for t in templates))
