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

#: The attribute that marks an element added with :meth:`CorridorMap.add_last`.
_LAST = "_idlib_render_last"


def renumber(root: Element) -> None:
    """Give every element under ``root`` an id from its position in the tree, not from uuid4.

    Parameters
    ----------
    root
        The map (or figure) whose elements to renumber, in place.
    """
    order = _elements(root)
    old = {id(el): el.get_name() for el in order}
    for i, el in enumerate(order):
        el._id = f"{i:04d}"
    for el in order:
        el._children = OrderedDict(
            (child.get_name() if key == old[id(child)] else key, child) for key, child in el._children.items()
        )


def _elements(root: Element) -> list[Element]:
    """Every element under ``root`` once, in tree order: each child, then its children (and a figure's head...)."""
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
    return order


class CorridorMap(folium.Map):
    """A :class:`folium.Map` to which other layers can be added, and that displays the same however often it is shown.

    What must come after every layer (the layer control, which lists them, and the
    scripts that fit the view and place the labels once all is drawn) is added with
    :meth:`add_last`, and the map puts it last when the page is rendered. Layers added
    afterwards, e.g. by ``gdf.explore(m=m)`` or ``folium.GeoJson(...).add_to(m)``, are
    then drawn before it, so the layer control lists them too.

    Folium adds elements to a map each time it renders it; this map renders a copy
    for its notebook display and :meth:`save`, as :func:`map_html` does.
    """

    def add_last(self, element: Element) -> Element:
        """Add ``element`` to the map, to be rendered after every layer (in the order of these calls), and return it."""
        element.__dict__[_LAST] = True
        return self.add_child(element)

    def put_last(self) -> None:
        """Move what :meth:`add_last` added after every other child of the map, in place.

        A layer control the user added (``folium.LayerControl().add_to(m)``, as folium's examples
        do) takes the place of the map's own, so the page has one, with the user's options, and it
        lists every layer.
        """
        items = list(self._children.items())
        last = [i for i in items if i[1].__dict__.get(_LAST)]
        theirs = [i for i in items if isinstance(i[1], folium.LayerControl) and not i[1].__dict__.get(_LAST)]
        rest = [i for i in items if not i[1].__dict__.get(_LAST) and i not in theirs]
        if theirs:
            at = next((k for k, i in enumerate(last) if isinstance(i[1], folium.LayerControl)), 0)
            last = [*last[:at], *theirs, *(i for i in last[at:] if not isinstance(i[1], folium.LayerControl))]
        self._children = OrderedDict([*rest, *last])

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca renders into the figure
        """Render the map into its figure, with what :meth:`add_last` added after every layer."""
        self.put_last()
        super().render(**kwargs)  # type: ignore[no-untyped-call]

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the page as :func:`save_map` does (checked, atomically), to a path or an open file."""
        if isinstance(outfile, (str, os.PathLike)):
            save_map(self, outfile)
            return
        data = map_html(self)
        outfile.write(data.encode("utf-8") if "b" in getattr(outfile, "mode", "") else data)
        if close_file:
            outfile.close()

    def _repr_html_(self, **kwargs: Any) -> str:
        figure = _page(self)
        out: str = figure._repr_html_(**kwargs)
        return out


def _page(m: folium.Map) -> Figure:
    """Return a copy of the page (the figure) of ``m``, ready to render: what comes last put last, ids numbered.

    Folium adds elements with random ids to the tree on every render, so a page is
    rendered from a copy, and the map is left as it was. Branca leaves an element's own
    template (an instance attribute, as ``gdf.explore`` gives its legend) out of a copy,
    so the copy takes the original's back. Elements added to the map after
    :func:`~geo.maps.build_map` (``gdf.explore(m=m)``) are numbered too, so the same map
    gives the same page.
    """
    root = m.get_root()
    memo: dict[int, Any] = {}
    copied = copy.deepcopy(root, memo)
    for el in _elements(root):
        if "_template" in vars(el):
            memo[id(el)]._template = el._template
    figure = copied if isinstance(copied, Figure) else Figure()
    if figure is not copied:
        figure.add_child(copied)
    copied_map = memo[id(m)]
    if isinstance(copied_map, CorridorMap):
        copied_map.put_last()
        renumber(copied_map)
    return figure


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
    text = _page(m).render()
    allowed = _allowed_references(m)
    if allowed is not None:
        refs = [ref for ref in external_references(text) if ref not in allowed]
        if refs:
            what = "offline map" if not allowed else "map (besides its basemap tiles)"
            raise ValueError(
                f"the {what} would load {len(refs)} external resource(s), e.g. {refs[:3]}; something added to it "
                "after build_map brings them (gdf.explore's legend loads jQuery UI or d3 from a CDN: pass legend=False)"
            )
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
