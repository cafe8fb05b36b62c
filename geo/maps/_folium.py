"""The one place that calls folium's and branca's untyped functions.

Folium's ``PolyLine`` and branca's ``MacroElement.__init__`` carry
no annotations; the rest of :mod:`geo.maps` calls these typed wrappers instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Figure, MacroElement

__all__ = ["Macro", "polyline"]


class Macro(MacroElement):
    """A branca MacroElement whose template names it ``name`` in the page (e.g. ``bind_0012``).

    Parameters
    ----------
    name
        The element's kind, as the prefix of its name in the page.
    """

    def __init__(self, name: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = name

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca renders into the figure
        """Add what the element needs to the page's head (:meth:`add_assets`), then render it as branca does."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            self.add_assets(figure)
        super().render(**kwargs)  # type: ignore[no-untyped-call]

    def add_assets(self, figure: Figure) -> None:
        """Add what the element needs to the head of the page ``figure`` (nothing, here)."""


def polyline(locations: Sequence[Any], **options: Any) -> folium.PolyLine:
    """Return a :class:`folium.PolyLine` through ``locations`` (``[lat, lon]``, degrees) with Leaflet path options.

    Parameters
    ----------
    locations
        The line's points, ``[lat, lon]`` in degrees.
    **options
        Leaflet path options (``color``, ``weight`` in pixels, ``class_name``...).
    """
    return folium.PolyLine(locations, **options)  # type: ignore[no-untyped-call]
