"""The map's overlays, one builder each: it adds its feature group(s) to the map and gives its legend rows.

The road's three overlays (M4, patrol segment, kilometre ticks) are in :mod:`geo.maps.roads`.

Every builder takes the map and the part of the model it draws, and returns an
:class:`Overlay`. The layers are drawn in the colours of :mod:`geo.maps.style`;
every text from the data is HTML-escaped (:mod:`geo.maps.popups`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.template import Template
from shapely.geometry import Point
from shapely.ops import nearest_points

from ..analysis import across_border
from ..corridor import PATROL_END, PATROL_START, Corridor
from ..geodesy import GEOD
from ._folium import Macro, polyline
from .elements import Bind, DivMarker, script_json
from .legend import box_swatch, legend_row, line_swatch
from .popups import confidence, popup_html, post_popup, text
from .style import AREA, COLORS, CONTEXT_STYLE, DOTS, LINES, NDIGITS, OTHER_CONTEXT_STYLE

__all__ = [
    "Overlay",
    "RegionName",
    "context_overlay",
    "corridor_overlay",
    "feature_group",
    "label",
    "latlngs",
    "places_overlay",
    "posts_overlay",
    "region_anchor",
]

_CONTEXT_NAMES = {"border": "Turkey-Syria border", "admin1": "Governorate boundaries", "coastline": "Coastline"}

_PLACE_PLACES = [["right", [2, 0]], ["left", [-2, 0]], ["top", [0, -2]], ["bottom", [0, 2]]]

#: The country and sea names, each put beside a context line of the data (Natural Earth) on the side where it
#: lies: (name, the line's kind, what on the map the line's nearest point is taken to, azimuth from that point,
#: degrees clockwise from north, distance, km, whether the name is across the line from the M4). "road" is the
#: middle of the M4 (by length); "north-east" the north-east corner of the M4's and the corridor's bounds (so
#: that "Syria" sits north of the corridor, not on it). The M4 is in Syria, on land: Turkey and the sea are
#: across the border and the coastline from it (:func:`region_anchor` checks it).
REGION_LABELS = (
    ("Turkey", "border", "road", 0.0, 15.0, True),
    ("Syria", "border", "north-east", 135.0, 15.0, False),
    ("Mediterranean Sea", "coastline", "road", 270.0, 15.0, True),
)


@dataclass
class Overlay:
    """What an overlay builder added to the map.

    Parameters
    ----------
    layers
        Its feature groups, in the order they were added.
    legend
        Its legend rows (``<li>`` HTML), in the order the legend lists them.
    """

    layers: list[folium.FeatureGroup]
    legend: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- helpers


def latlngs(geom: shapely.Geometry) -> list[Any]:
    """Leaflet [lat, lon] nesting for a (Multi)LineString or (Multi)Polygon, rounded to ~0.1 m.

    Parameters
    ----------
    geom
        The geometry, lon/lat degrees.

    Examples
    --------
    >>> latlngs(shapely.LineString([(36.1234567, 35.7654321), (36.2, 35.8)]))
    [[35.765432, 36.123457], [35.8, 36.2]]
    """

    def ring(coords: Iterable[Any]) -> list[list[float]]:
        return [[round(float(c[1]), NDIGITS), round(float(c[0]), NDIGITS)] for c in coords]

    if geom.geom_type == "LineString":
        return ring(geom.coords)
    if geom.geom_type == "MultiLineString":
        return [ring(g.coords) for g in geom.geoms]
    if geom.geom_type == "Polygon":
        return [ring(geom.exterior.coords), *(ring(r.coords) for r in geom.interiors)]
    if geom.geom_type == "MultiPolygon":
        return [[ring(p.exterior.coords), *(ring(r.coords) for r in p.interiors)] for p in geom.geoms]
    raise ValueError(f"cannot draw a {geom.geom_type} as a line or polygon")


def _latlng(point: Point) -> tuple[float, float]:
    return round(float(point.y), NDIGITS), round(float(point.x), NDIGITS)


def _css_token(value: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(value).lower())


def _require(gdf: gpd.GeoDataFrame, layer: str, columns: Iterable[str], geom_types: set[str]) -> None:
    """Refuse a layer that lacks a column or holds an unexpected geometry, naming the first bad row."""
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ValueError(f"{layer} layer: missing column(s) {missing}; expected {sorted(columns)}")
    types = gdf.geometry.geom_type.to_numpy()
    bad = np.flatnonzero(gdf.geometry.isna().to_numpy() | ~np.isin(types, sorted(geom_types)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{layer} layer: row {i} has geometry {types[i]!r}, expected one of {sorted(geom_types)} "
            f"({bad.size} bad row(s))"
        )


def label(html: str, places: list[Any], class_name: str) -> Bind:
    """Return a permanent label (escaped HTML), put on the first of ``places`` ([direction, [dx, dy]]) found clear.

    Parameters
    ----------
    html
        The label, escaped by the caller.
    places
        ``[direction, [dx, dy]]`` pairs (Leaflet tooltip direction, offset in pixels), in order of preference:
        the page's declutter script tries them (:class:`geo.maps.controls.Declutter`).
    class_name
        CSS classes of the label.
    """
    (direction, offset), *_ = places
    options = {"permanent": True, "direction": direction, "offset": offset, "places": places, "className": class_name}
    return Bind(html, "tooltip", **options)


def feature_group(m: folium.Map, name: str) -> folium.FeatureGroup:
    """Return a feature group named ``name`` (as the layer control lists it), added to the map.

    Leaflet's layer control inserts a layer's name as HTML, so the name is escaped here
    (:func:`~geo.maps.popups.text`): it shows as the text given, markup and all.

    Parameters
    ----------
    m
        The map.
    name
        The layer's name, plain text (it may hold text from the data).
    """
    group = folium.FeatureGroup(name=text(name))
    group.add_to(m)
    return group


# ------------------------------------------------------------------------------------------- overlays


class RegionName(Macro):
    """A country or sea name on the map, centred on a point: a marker that is only text and takes no click.

    Parameters
    ----------
    name
        The name, plain text (escaped here).
    location
        ``(lat, lon)``, degrees.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker({{ this.location }}, {
                icon: L.divIcon({{ this.icon }}), interactive: false, keyboard: false
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str, location: tuple[float, float]) -> None:
        super().__init__("RegionName")
        self.name = name
        self.latlng = location
        self.location = script_json(list(location))
        self.icon = script_json({"html": f"<span>{text(name)}</span>", "className": "idlib-region", "iconSize": [0, 0]})


def region_anchor(
    line: shapely.Geometry, near: Point, azimuth: float, km: float, inside: Point, across: bool
) -> Point | None:
    """Return the point ``km`` from ``line`` towards ``azimuth``, from the point of ``line`` nearest ``near``.

    The anchor of a country or sea name (:data:`REGION_LABELS`) is computed from the data's own line
    (the Natural Earth border or coastline), never typed in. It must lie across the line from
    ``inside`` (``across``: the straight way between them crosses the line an odd number of times)
    or on the same side (an even number); where it does not (a bend of the border, a cape), there is
    no anchor, so no name is put on the wrong side.

    Parameters
    ----------
    line
        The line (lon/lat degrees).
    near
        What the line's nearest point is taken to (lon/lat degrees).
    azimuth
        Direction from the line, degrees clockwise from north.
    km
        Distance from the line along ``azimuth`` (geodesic, WGS84), kilometres.
    inside
        A point known to be on one side of the line (the M4: in Syria, on land).
    across
        Whether the anchor must be across the line from ``inside``.

    Examples
    --------
    >>> border, syria = shapely.LineString([(36.0, 36.0), (37.0, 36.0)]), Point(36.5, 35.5)
    >>> p = region_anchor(border, syria, 0.0, 11.1, syria, across=True)
    >>> round(p.x, 3), round(p.y, 2)
    (36.5, 36.1)
    >>> print(region_anchor(border, syria, 180.0, 11.1, syria, across=True))
    None
    """
    start = nearest_points(line, near)[0]
    lon, lat, _ = GEOD.fwd(start.x, start.y, azimuth, km * 1000.0)
    anchor = Point(lon, lat)
    met = shapely.LineString([anchor, inside]).intersection(line)
    crossings = 0 if met.is_empty else len(shapely.get_parts(met))
    return anchor if (crossings % 2 == 1) == across else None


def _region_labels(groups: dict[str, folium.FeatureGroup], context: gpd.GeoDataFrame, corridor: Corridor) -> None:
    """Put the country and sea names of :data:`REGION_LABELS` in the groups of the lines they are placed from."""
    _, _, east, north = shapely.union_all([corridor.m4, corridor.security_corridor]).bounds
    road = corridor.m4.interpolate(0.5, normalized=True)
    targets = {"road": road, "north-east": Point(east, north)}
    for name, kind, near, azimuth, km, across in REGION_LABELS:
        lines = context.geometry[context["kind"].astype(str) == kind]
        if kind not in groups or lines.empty:
            continue
        at = region_anchor(shapely.union_all(list(lines)), targets[near], azimuth, km, road, across)
        if at is None:
            continue
        groups[kind].add_child(RegionName(name, _latlng(at)))


def context_overlay(m: folium.Map, context: gpd.GeoDataFrame, corridor: Corridor | None = None) -> Overlay:
    """Return the context lines (border, governorate lines, coastline), one feature group per kind, in data order.

    With ``corridor``, the names "Turkey" and "Syria" are put on either side of the border line and
    "Mediterranean Sea" west of the coastline, in their groups (:data:`REGION_LABELS`,
    :func:`region_anchor`); a context without those lines gets no names.

    Parameters
    ----------
    m
        The map.
    context
        ``corridor.context``: lines with ``kind`` and ``name`` (and ``source``, ``note``).
    corridor
        The corridor the names are placed near, or None for no names.
    """
    _require(context, "context", ("kind", "name"), {"LineString", "MultiLineString"})
    groups = []
    by_kind: dict[str, folium.FeatureGroup] = {}
    for kind in dict.fromkeys(context["kind"].astype(str)):
        group = feature_group(m, _CONTEXT_NAMES.get(kind, f"Context: {kind}"))
        groups.append(group)
        by_kind[kind] = group
        style = CONTEXT_STYLE.get(kind, OTHER_CONTEXT_STYLE)
        for _, row in context[context["kind"].astype(str) == kind].iterrows():
            line = polyline(
                latlngs(row.geometry), class_name=f"idlib-context idlib-context-{_css_token(kind)}", **style
            ).add_to(group)
            tip = f"<b>{text(row['name'])}</b><br>{text(row.get('source'))}<br><i>{text(row.get('note'))}</i>"
            line.add_child(Bind(tip, "tooltip", sticky=True))
    if corridor is not None:
        _region_labels(by_kind, context, corridor)
    legend = [
        legend_row(line_swatch(LINES["border"]), "Turkey-Syria border"),
        legend_row(line_swatch(LINES["admin1"]), "Governorate boundary"),
        legend_row(line_swatch(LINES["coastline"]), "Coastline"),
    ]
    return Overlay(groups, legend)


def _border_caveat(corridor: Corridor, half: shapely.Geometry) -> str:
    """Return a caveat when the border line of the context layer cuts off part of a corridor half, else ''."""
    overlap = across_border(corridor, half)
    if overlap is None:
        return ""
    near = f" near {overlap.nearest_place}," if overlap.nearest_place is not None else ""
    return (
        f"The protocol's {corridor.width_km:g} km is measured from the road:{near} "
        f"about {overlap.area_km2:.1f} km² of this half lies across the Turkey-Syria border line of the map "
        "(Natural Earth), i.e. in Turkey."
    )


def corridor_overlay(m: folium.Map, corridor: Corridor) -> Overlay:
    """Return the two halves of the security corridor, a feature group each, with width, area and caveats.

    Parameters
    ----------
    m
        The map.
    corridor
        The corridor model.
    """
    halves = corridor.layers()["security_corridor"]
    total_km2 = float(halves["area_km2"].sum())
    groups = []
    for k, (_, row) in enumerate(halves.iterrows()):
        side, by = str(row["side"]), str(row["patrolled_by"])
        group = feature_group(m, f"Security corridor, {side} half ({by} patrols)")
        groups.append(group)
        pieces = [folium.Polygon(
            latlngs(piece),
            color=COLORS.get(side, "#555555"),
            weight=AREA["weight"],
            fill=True,
            fill_color=COLORS.get(side, "#555555"),
            fill_opacity=AREA["fill_opacity"],
            class_name=f"idlib-corridor idlib-corridor-{_css_token(side)}",
        ).add_to(group) for piece in shapely.get_parts(row.geometry)]  # fmt: skip  # a half in pieces: each drawn
        popup = popup_html(
            str(row["name"]),
            [
                ("Patrolled by", f"{by} (as reported)"),
                ("Width", f"{float(row['width_km']):g} km {side} of the M4, along the patrol segment"),
                ("Area", f"{float(row['area_km2']):,.1f} km² (whole corridor {total_km2:,.1f} km², geodesic)"),
                ("Caveat", _border_caveat(corridor, halves.geometry.iloc[k])),
                ("Source", row.get("source")),
            ],
        )
        for poly in pieces:
            poly.add_child(Bind(popup, "popup", maxWidth=360))
    w = f"{corridor.width_km:g}"
    legend = [
        legend_row(box_swatch(COLORS["north"]), f"Corridor north of the M4, {w} km (Turkish patrols)"),
        legend_row(box_swatch(COLORS["south"]), f"Corridor south of the M4, {w} km (Russian patrols)"),
    ]
    return Overlay(groups, legend)


def places_overlay(m: folium.Map, places: gpd.GeoDataFrame) -> Overlay:
    """Return the named places as dots, labelled (but the patrol's end places, which the patrol ends label).

    Parameters
    ----------
    m
        The map.
    places
        ``corridor.places``.
    """
    _require(places, "places", ("name",), {"Point"})
    group = feature_group(m, "Places")
    for _, row in places.iterrows():
        dot = folium.CircleMarker(
            _latlng(row.geometry),
            **DOTS["place"],
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            class_name="idlib-place",
        ).add_to(group)
        if str(row["name"]) not in (PATROL_START, PATROL_END):  # labelled by the patrol segment's ends
            dot.add_child(label(text(row["name"]), _PLACE_PLACES, "idlib-label"))
        rows = [
            ("Arabic", row.get("name_ar")),
            ("Kind", row.get("kind")),
            ("Note", row.get("note")),
            ("Coordinate", confidence(row.get("confidence"))),
            ("Source", row.get("source")),
        ]
        dot.add_child(Bind(popup_html(str(row["name"]), rows), "popup", maxWidth=380))
    return Overlay([group])


def posts_overlay(m: folium.Map, posts: gpd.GeoDataFrame) -> Overlay:
    """Return the observation posts by final fate: two feature groups, remained and evacuated.

    Parameters
    ----------
    m
        The map.
    posts
        ``corridor.posts``, each with a ``fate`` of ``remained`` or ``evacuated``.
    """
    _require(posts, "posts", ("number", "name", "fate"), {"Point"})
    fates = posts["fate"].astype(str)
    bad = np.flatnonzero(~fates.isin(["remained", "evacuated"]).to_numpy())
    if bad.size:
        raise ValueError(
            f"posts layer: row {bad[0]} has fate {fates.iloc[bad[0]]!r}, expected 'remained' or 'evacuated'"
        )
    counts = {fate: int((fates == fate).sum()) for fate in ("remained", "evacuated")}
    groups = {
        "remained": feature_group(m, f"Observation posts, remained ({counts['remained']})"),
        "evacuated": feature_group(m, f"Observation posts, evacuated 2020-21 ({counts['evacuated']})"),
    }
    for _, row in posts.iterrows():
        fate = str(row["fate"])
        when = "remained" if fate == "remained" else f"evacuated {row.get('evacuated')}"
        marker = DivMarker(
            _latlng(row.geometry),
            html=f"<span>{text(row['number'])}</span>",
            class_name=f"idlib-post idlib-post-{fate}",
            title=f"Post {row['number']}: {row['name']} ({when})",
        ).add_to(groups[fate])
        marker.add_child(Bind(post_popup(row), "popup", maxWidth=420))
    legend = [
        legend_row(f'<span class="sw idlib-post idlib-post-{fate}"></span>', f"Observation post, {fate} ({n})")
        for fate, n in counts.items()
    ]
    return Overlay(list(groups.values()), legend)
