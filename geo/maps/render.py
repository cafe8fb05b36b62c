"""Rendering a map to one HTML page, and writing it: numbered element ids, the offline check, atomic save."""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure

from .._io import check_output_path, write_bytes_atomic
from .assets import OfflineAssets, external_references

__all__ = ["CorridorMap", "map_html", "renumber", "save_map"]


def renumber(root: Element) -> None:
    """Give every element under ``root`` an id from its position in the tree, not from uuid4.

    Parameters
    ----------
    root
        The map (or figure) whose elements to renumber, in place.
    """
    order: list[Element] = []
    seen: set[int] = set()

    def walk(el: Element) -> None:
        if id(el) in seen:
            return
        seen.add(id(el))
        order.append(el)
        for child in list(el._children.values()):
            walk(child)
        for key in sorted(vars(el)):
            value = vars(el)[key]
            if key != "_parent" and isinstance(value, Element):
                walk(value)

    walk(root)
    old = {id(el): el.get_name() for el in order}
    for i, el in enumerate(order):
        el._id = f"{i:04d}"
    for el in order:
        el._children = OrderedDict(
            (child.get_name() if key == old[id(child)] else key, child) for key, child in el._children.items()
        )


class CorridorMap(folium.Map):
    """A :class:`folium.Map` that displays the same in a notebook however often it is shown.

    Folium adds elements to a map each time it renders it; this map renders a copy
    for its notebook display, as :func:`map_html` does for files.
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        return folium.Map._repr_html_(copy.deepcopy(self), **kwargs)


def _allowed_references(m: folium.Map) -> list[str] | None:
    """Return what a page of ``m`` may fetch: nothing (offline), its tile URL templates, or None (not checked).

    A map with :class:`~geo.maps.assets.OfflineAssets` has Leaflet inlined: with ``no_request`` it
    promises no request at all; without, it may ask only for the tiles of its tile layers.
    """
    assets = [child for child in m._children.values() if isinstance(child, OfflineAssets)]
    if not assets:
        return None
    if any(a.no_request for a in assets):
        return []
    return [str(child.tiles) for child in m._children.values() if isinstance(child, folium.TileLayer)]


def map_html(m: folium.Map) -> str:
    """Render a map to one HTML page.

    Parameters
    ----------
    m
        A map from :func:`geo.maps.build_map`.

    Raises
    ------
    ValueError
        ``m`` is not a folium Map, or the page would fetch something it must not (the message
        lists what): anything at all for a map built offline, anything but its basemap tiles
        for the default map.
    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"m={type(m).__name__}: expected a folium.Map (from build_map())")
    # Render a copy: Folium adds elements with random ids to the tree on every render.
    root = copy.deepcopy(m.get_root())
    figure = root if isinstance(root, Figure) else Figure().add_child(root)
    text = figure.render()
    allowed = _allowed_references(m)
    if allowed is not None:
        refs = [ref for ref in external_references(text) if ref not in allowed]
        if refs:
            what = "offline map" if not allowed else "map (besides its basemap tiles)"
            raise ValueError(f"the {what} would load {len(refs)} external resource(s), e.g. {refs[:3]}")
    return text


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as one HTML file, atomically, and return its path.

    ``path`` is checked first (see :func:`geo._io.check_output_path`: an existing
    directory, device, FIFO or socket is refused and left as it is; the folder must exist
    and be writable). The page is then rendered and written to a temporary file beside
    ``path``, which replaces ``path``: a failed build, a full disk or SIGTERM/SIGINT
    leaves no file, nor a partial one, and an old ``path`` as it was.

    Parameters
    ----------
    m
        A map from :func:`build_map`.
    path
        The HTML file to write; its folder must exist.

    Raises
    ------
    ValueError
        ``path`` cannot be written (one line saying why), or see :func:`map_html`.
    geo._io.OutputError
        The write failed (a full disk...).
    geo._io.Interrupted
        SIGTERM or SIGINT while writing.
    """
    try:
        path = Path(path)
    except TypeError:
        raise ValueError(f"path={path!r}: expected a file path") from None
    check_output_path(path)
    write_bytes_atomic(path, map_html(m).encode("utf-8"))
    return path
