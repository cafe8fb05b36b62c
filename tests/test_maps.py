"""The interactive map: what it shows, escaping, determinism, offline self-containment and saving."""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import math
import re
from pathlib import Path

import folium
import numpy as np
import pytest
import shapely
from branca.element import Element
from folium import plugins
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point
from support import OVERLAYS

import geo
import geo._io
import geo.maps
import geo.maps.render
from geo.cli import main
from geo.geodesy import GEOD
from geo.history import read_events
from geo.maps import BASEMAPS, build_map, chainage_ticks, map_html, save_map
from geo.maps.assets import external_references, leaflet_css, leaflet_icon_js, leaflet_js
from geo.maps.elements import Bind, DivMarker
from geo.maps.overlays import RegionName
from geo.maps.style import EVENT_STYLES, POST_SYMBOLS
from geo.maps.timeline import TimeSlider

#: The overlays of a map without the time slider.
STATIC_OVERLAYS = OVERLAYS[:-2]


# --------------------------------------------------------------------------------------------- helpers


def _walk(el: Element):
    yield el
    for child in el._children.values():
        yield from _walk(child)


def _of(m: folium.Map, cls: type) -> list:
    return [el for el in _walk(m) if isinstance(el, cls)]


def _classes(el: Element) -> set[str]:
    return set(str(el.options.get("className", el.options.get("class_name", ""))).split())


def _bound(el: Element, method: str) -> list[str]:
    """The HTML of the popups ("bindPopup") or tooltips ("bindTooltip") bound to an element."""
    return [json.loads(c.content) for c in el._children.values() if isinstance(c, Bind) and c.method == method]


def _ours(page: str) -> str:
    """The page without the inlined Leaflet library, its stylesheet and its default icon's images: our part."""
    return page.replace(leaflet_js(), "").replace(leaflet_css(), "").replace(leaflet_icon_js(), "")


def _raw_features(repo_root: Path, name: str) -> list[dict]:
    """Properties of a shipped layer, read straight from its GeoJSON (not through the package)."""
    doc = json.loads((repo_root / "data" / name).read_text(encoding="utf-8"))
    return [f["properties"] for f in doc["features"]]


def _geodesic_chainage_m(line: LineString, points: list[Point], step_m: float = 2.0) -> np.ndarray:
    """Geodesic distance along ``line`` from its start to the line point nearest each point (brute force)."""
    dense, cum = [], [0.0]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(line.coords):
        _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(int(d // step_m), 1)
        seg = [(lon1, lat1), *GEOD.npts(lon1, lat1, lon2, lat2, n - 1)]
        dense.extend(seg)
        cum.extend([cum[-1] + d * k / n for k in range(1, n + 1)])
    dense.append(line.coords[-1])
    dense_arr = np.asarray(dense)
    scale = math.cos(math.radians(dense_arr[:, 1].mean()))
    tree = cKDTree(np.column_stack([dense_arr[:, 0] * scale, dense_arr[:, 1]]))
    _, idx = tree.query([(p.x * scale, p.y) for p in points])
    return np.asarray(cum)[idx]


@pytest.fixture(scope="module")
def offline_map(corridor):
    return build_map(corridor, offline=True)


@pytest.fixture(scope="module")
def online_map(corridor):
    return build_map(corridor)


@pytest.fixture(scope="module")
def offline_html(offline_map):
    return map_html(offline_map)


@pytest.fixture(scope="module")
def online_html(online_map):
    return map_html(online_map)


# ------------------------------------------------------------------------------------------ interface


def test_build_map_and_save_map_are_exported_from_geo(corridor):
    assert geo.build_map is build_map
    assert geo.save_map is save_map
    assert isinstance(geo.build_map(corridor), folium.Map)


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_two_builds_of_the_same_data_are_byte_identical(corridor, tmp_path, offline):
    a = save_map(build_map(corridor, offline=offline), tmp_path / "a.html")
    b = save_map(build_map(corridor, offline=offline), tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    assert not re.search(r"[0-9a-f]{32}", a.read_text(encoding="utf-8")), "a uuid4-style element id is left"


def test_rendering_one_map_twice_gives_the_same_page(offline_map, offline_html):
    assert map_html(offline_map) == offline_html


def test_another_corridor_width_gives_another_page(offline_html):
    assert map_html(build_map(geo.load_corridor(width_km=3), offline=True)) != offline_html


# ------------------------------------------------------------------------------------------- content


def test_layer_control_offers_every_overlay_and_online_the_three_basemaps(offline_map, online_map):
    def layers(m, overlay):
        return [el.layer_name for el in _of(m, folium.map.Layer) if el.control and el.overlay == overlay]

    assert layers(offline_map, True) == OVERLAYS
    assert layers(offline_map, False) == []
    assert layers(online_map, True) == OVERLAYS
    assert layers(online_map, False) == [label for label, _ in BASEMAPS]
    assert len(_of(offline_map, folium.LayerControl)) == 1


def test_the_time_slider_layers_are_listed_but_off_while_the_final_status_shows(offline_map, online_map):
    for m in (offline_map, online_map):
        shown = {el.layer_name: el.show for el in _of(m, folium.FeatureGroup)}
        assert [name for name, on in shown.items() if not on] == OVERLAYS[-2:]
        sliders = _of(m, TimeSlider)
        assert len(sliders) == 1
        assert [g.layer_name for g in sliders[0].replaces] == [
            "Observation posts, remained (4)",
            "Observation posts, evacuated 2020-21 (8)",
        ]


def test_the_legend_explains_the_time_sliders_symbols(offline_map):
    legend = next(el for el in _of(offline_map, geo.maps.PanelControl) if "idlib-legend" in el.class_name)
    text = json.loads(legend.content)
    for status in POST_SYMBOLS:
        assert f"idlib-tl-post idlib-tl-{status}" in text
    for word in ("manned", "surrounded", "evacuated", "in the last month", "earlier"):
        assert word in text
    for style in EVENT_STYLES.values():
        assert f"solid {style['color']}" in text


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_a_map_without_the_timeline_has_no_slider(corridor, offline):
    m = build_map(corridor, offline=offline, timeline=False)
    assert _of(m, TimeSlider) == []
    assert [el.layer_name for el in _of(m, folium.map.Layer) if el.control and el.overlay] == STATIC_OVERLAYS
    page = map_html(m)
    assert "idlib-tl-" not in page
    assert "idlibTimelines" not in page


def test_online_basemaps_come_from_xyzservices(online_map):
    tiles = [el.tiles for el in _of(online_map, folium.TileLayer) if not el.overlay]
    assert [label for label, _ in BASEMAPS] == [
        "Light canvas (Esri World Light Gray)",
        "Street map (OpenStreetMap)",
        "Satellite imagery (Esri World Imagery)",
    ]
    for (_, provider), url in zip(BASEMAPS, tiles, strict=True):
        assert url.split("/")[2] == provider.url.split("/")[2]  # the provider's tile host
        assert url.startswith("https://")


def test_the_default_map_has_no_plugin_from_a_cdn(online_map):
    for plugin in (plugins.MiniMap, plugins.MeasureControl, plugins.Fullscreen, plugins.MousePosition):
        assert _of(online_map, plugin) == [], plugin.__name__


@pytest.mark.parametrize("fixture", ["online_html", "offline_html"])
def test_both_maps_have_our_own_measure_fullscreen_mouse_position_and_a_scale_bar(request, fixture):
    page = request.getfixturevalue(fixture)
    for control in ("IdlibMeasure", "IdlibFullscreen", "IdlibMousePosition"):
        assert f"new L.Control.{control}()" in page
    assert "L.control.scale()" in page


@pytest.mark.parametrize("fixture", ["online_html", "offline_html"])
def test_map_credits_openstreetmap_and_natural_earth(request, fixture):
    page = request.getfixturevalue(fixture)
    assert "OpenStreetMap" in page
    assert "Natural Earth" in page


def test_patrol_segment_is_drawn_apart_from_the_m4_with_both_ends_labelled(offline_map, corridor):
    lines = {
        next(iter(_classes(el) & {"idlib-m4", "idlib-patrol"})): el
        for el in _of(offline_map, folium.PolyLine)
        if _classes(el) & {"idlib-m4", "idlib-patrol"}
    }
    assert lines["idlib-patrol"].options["weight"] > lines["idlib-m4"].options["weight"]
    assert lines["idlib-patrol"].options["color"] != lines["idlib-m4"].options["color"]

    ends = [el for el in _of(offline_map, folium.CircleMarker) if "idlib-patrol-end" in _classes(el)]
    labels = [_bound(el, "bindTooltip")[0] for el in ends]
    length_km = GEOD.geometry_length(corridor.patrol_segment) / 1000
    assert labels == ["Trumba - patrol start (km 0)", f"Ain al-Havr - patrol end (km {length_km:.1f})"]
    places = {r["name"]: r.geometry for _, r in corridor.places.iterrows()}
    for el, name in zip(ends, ["Trumba", "Ain al-Havr"], strict=True):
        lat, lon = el.location
        _, _, to_named = GEOD.inv(lon, lat, places[name].x, places[name].y)
        other = "Ain al-Havr" if name == "Trumba" else "Trumba"
        _, _, to_other = GEOD.inv(lon, lat, places[other].x, places[other].y)
        assert to_named < 3000 < to_other  # each label sits at its own end of the road


def test_corridor_halves_are_told_apart_and_give_width_and_area(offline_map, corridor):
    polys = {el.options["className"]: el for el in _of(offline_map, folium.Polygon)}
    north, south = polys["idlib-corridor idlib-corridor-north"], polys["idlib-corridor idlib-corridor-south"]
    assert north.options["fillColor"] != south.options["fillColor"]
    total = 0.0
    for el, half, who in ((north, corridor.corridor_north, "Turkey"), (south, corridor.corridor_south, "Russia")):
        lon, lat = np.asarray(half.exterior.coords).T
        area_km2 = abs(GEOD.polygon_area_perimeter(lon, lat)[0]) / 1e6
        total += area_km2
        popup = _bound(el, "bindPopup")[0]
        assert who in popup
        assert "6 km" in popup
        assert f"{area_km2:,.1f} km²" in popup
    assert f"whole corridor {total:,.1f} km²" in popup


def test_m4_popup_gives_the_openstreetmap_provenance_and_no_stretch_is_dashed(offline_map, repo_root):
    doc = json.loads((repo_root / "data" / "m4_waypoints.geojson").read_text(encoding="utf-8"))
    waypoints = [f["geometry"]["coordinates"] for f in doc["features"]]
    assert all(GEOD.inv(a[0], a[1], b[0], b[1])[2] < 20_000 for a, b in itertools.pairwise(waypoints))
    assert not [el for el in _of(offline_map, folium.PolyLine) if "idlib-m4-approx" in _classes(el)]
    m4 = next(el for el in _of(offline_map, folium.PolyLine) if "idlib-m4" in _classes(el))
    popup = _bound(m4, "bindPopup")[0]
    assert "OpenStreetMap" in popup
    assert "Travel Mapping" in popup
    assert "approximate" not in popup
    legend = json.loads(
        next(el for el in _of(offline_map, geo.maps.PanelControl) if "idlib-legend" in el.class_name).content
    )
    assert "M4 highway</li>" in legend


def test_a_user_line_with_a_long_straight_has_it_dashed_and_says_so(corridor):
    # The shipped line with its vertices between lon 35.95 and 36.15 left out: one straight of about 26 km.
    coords = [(x, y) for x, y in corridor.m4.coords if not 35.95 < x < 36.15]
    c = geo.load_corridor(m4=shapely.LineString(coords))
    m = geo.build_map(c, offline=True)
    dashed = [el for el in _of(m, folium.PolyLine) if "idlib-m4-approx" in _classes(el)]
    assert len(dashed) == 1
    (lat1, lon1), (lat2, lon2) = dashed[0].locations
    assert GEOD.inv(lon1, lat1, lon2, lat2)[2] > 20_000
    m4 = next(el for el in _of(m, folium.PolyLine) if "idlib-m4" in _classes(el))
    assert "as supplied" in _bound(m4, "bindPopup")[0]


def test_legend_and_post_popups_say_what_each_post_point_is(offline_map, corridor):
    legend = json.loads(
        next(el for el in _of(offline_map, geo.maps.PanelControl) if "idlib-legend" in el.class_name).content
    )
    assert "8, 9 at the site as reports place it (estimate)" in legend
    assert "3, 10 midway between the two places reports put it between" in legend
    markers = _of(offline_map, DivMarker)
    assert len(markers) == 12
    for _, post in corridor.posts.iterrows():
        title = f"<h4>{html.escape(post['name'])}</h4>"
        popups = [_bound(el, "bindPopup")[0] for el in markers if title in _bound(el, "bindPopup")[0]]
        assert popups, post["name"]
        assert f"<td>{post['point_kind']} (" in popups[0], post["name"]
    morek = next(p for el in markers if "<h4>Morek</h4>" in (p := _bound(el, "bindPopup")[0]))
    assert "Tall al-Sawwan" in morek
    assert "Village point" in morek  # the town centre is kept beside the estimate


def test_north_half_popup_warns_of_the_part_across_the_border_line(offline_map, corridor, repo_root):
    border = [
        shapely.geometry.shape(f["geometry"])
        for f in json.loads((repo_root / "data" / "context.geojson").read_text(encoding="utf-8"))["features"]
        if f["properties"]["kind"] == "border"
    ]
    # The faces cut out of each half by the border line, away from the road (polygonize, not split).
    expected = {}
    for side, half in (("north", corridor.corridor_north), ("south", corridor.corridor_south)):
        faces = shapely.polygonize([shapely.union_all([half.exterior, *border])]).geoms
        away = [f for f in faces if half.contains(f.representative_point()) and not f.intersects(corridor.m4)]
        expected[side] = sum(abs(GEOD.geometry_area_perimeter(f)[0]) for f in away) / 1e6
    assert expected["north"] > 1
    assert expected["south"] == 0
    polys = {el.options["className"]: el for el in _of(offline_map, folium.Polygon)}
    north = _bound(polys["idlib-corridor idlib-corridor-north"], "bindPopup")[0]
    south = _bound(polys["idlib-corridor idlib-corridor-south"], "bindPopup")[0]
    assert "measured from the road" in north
    assert f"about {expected['north']:.1f} km² of this half lies across the Turkey-Syria border line" in north
    assert "border line" not in south


def test_posts_are_div_markers_styled_by_fate_never_the_default_icon(offline_map, offline_html, repo_root):
    raw = {p["number"]: p for p in _raw_features(repo_root, "posts.geojson")}
    markers = _of(offline_map, DivMarker)
    assert len(markers) == len(raw) == 12
    for el in markers:
        icon = json.loads(el.icon)  # the icon options are written as JSON
        number = int(re.fullmatch(r"<span>(\d+)</span>", icon["html"]).group(1))
        assert icon["className"] == f"idlib-post idlib-post-{raw[number]['fate']}"
    names = _of(offline_map, RegionName)  # the country and sea names: text-only markers
    assert len(names) == 3
    assert offline_html.count("icon: L.divIcon(") == 12 + len(names)
    # Every marker, ours and the time slider's, is given an icon: never Leaflet's default image icon.
    calls = re.findall(r"L\.marker\([^;]*", _ours(offline_html))
    assert len(calls) > 12
    assert all("icon: " in call for call in calls)
    assert "L.Icon.Default" not in _ours(offline_html)


def test_post_popups_give_names_spellings_dates_confidence_and_source(offline_map, repo_root):
    raw = {p["name"]: p for p in _raw_features(repo_root, "posts.geojson")}
    popups = {
        json.loads(el.title).split(": ", 1)[1].rsplit(" (", 1)[0]: _bound(el, "bindPopup")[0]
        for el in _of(offline_map, DivMarker)
    }
    assert popups.keys() == raw.keys()
    words = {"S": "sourced", "P": "proxy", "E": "estimate"}
    for name, props in raw.items():
        popup = popups[name]
        for text in [name, props["name_ar"], *props["alt_names"], props["established"], props["source"]]:
            assert html.escape(text) in popup, (name, text)
        assert f"{props['confidence']} ({words[props['confidence']]})" in popup
        if props["fate"] == "evacuated":
            assert f"evacuated {props['evacuated']}" in popup
        else:
            assert "remained" in popup


def test_every_place_is_drawn_and_labelled(offline_map, repo_root):
    names = [p["name"] for p in _raw_features(repo_root, "places.geojson")]
    dots = [el for el in _of(offline_map, folium.CircleMarker) if "idlib-place" in _classes(el)]
    assert len(dots) == len(names)
    labels = {t for el in dots for t in _bound(el, "bindTooltip")}
    # The patrol's end places carry the patrol end labels instead (see the test above).
    assert labels == {html.escape(n) for n in names} - {"Trumba", "Ain al-Havr"}
    assert all(_bound(el, "bindPopup") for el in dots)


def test_context_lines_are_drawn_by_kind(offline_map, repo_root):
    kinds = [p["kind"] for p in _raw_features(repo_root, "context.geojson")]
    for kind in ("border", "admin1", "coastline"):
        drawn = [el for el in _of(offline_map, folium.PolyLine) if f"idlib-context-{kind}" in _classes(el)]
        assert len(drawn) == kinds.count(kind) > 0


# ------------------------------------------------------------------------------------------ km ticks


def test_ticks_fall_every_10_km_of_geodesic_distance_from_trumba(corridor):
    ticks = chainage_ticks(corridor)
    length_m = GEOD.geometry_length(corridor.patrol_segment)
    assert ticks["chainage_km"].tolist() == [10.0 * k for k in range(int(length_m // 10_000) + 1)]
    measured = _geodesic_chainage_m(corridor.patrol_segment, list(ticks.geometry))
    np.testing.assert_allclose(measured, ticks["chainage_km"].to_numpy() * 1000, atol=3.0)


def test_first_tick_is_at_the_trumba_end_of_the_patrol_segment(corridor):
    first = chainage_ticks(corridor).geometry.iloc[0]
    trumba = corridor.places.loc[corridor.places["name"] == "Trumba"].geometry.iloc[0]
    ain = corridor.places.loc[corridor.places["name"] == "Ain al-Havr"].geometry.iloc[0]
    _, _, to_trumba = GEOD.inv(first.x, first.y, trumba.x, trumba.y)
    _, _, to_ain = GEOD.inv(first.x, first.y, ain.x, ain.y)
    assert to_trumba < 3000
    assert to_ain > 50_000


def test_ticks_are_1600_m_lines_square_to_the_road(corridor):
    road = corridor.patrol_segment
    for _, row in chainage_ticks(corridor).iterrows():
        (lon1, lat1), (lon2, lat2) = row["tick"].coords
        az_tick, _, tick_len = GEOD.inv(lon1, lat1, lon2, lat2)
        assert tick_len == pytest.approx(1600, abs=1)
        mid = shapely.line_interpolate_point(row["tick"], 0.5, normalized=True)
        _, _, off_centre = GEOD.inv(mid.x, mid.y, row.geometry.x, row.geometry.y)
        assert off_centre < 0.05  # centred on the road point
        # Road direction at the tick: the chord through points 50 m of road either side.
        s = road.project(row.geometry)
        a, b = road.interpolate(max(s - 5e-4, 0)), road.interpolate(min(s + 5e-4, road.length))
        az_road, _, _ = GEOD.inv(a.x, a.y, b.x, b.y)
        angle = (az_tick - az_road) % 180
        assert angle == pytest.approx(90, abs=1.0)


def test_a_larger_step_gives_fewer_ticks(corridor):
    assert chainage_ticks(corridor, 25)["chainage_km"].tolist() == [0.0, 25.0, 50.0]
    assert chainage_ticks(corridor, 1000)["chainage_km"].tolist() == [0.0]


@pytest.mark.parametrize("step", [0, -10, float("nan"), float("inf"), "ten", None])
def test_a_bad_tick_step_is_refused_naming_the_argument_given(corridor, step):
    with pytest.raises(ValueError, match="step_km="):
        chainage_ticks(corridor, step)
    with pytest.raises(ValueError, match="tick_km=") as caught:
        build_map(corridor, tick_km=step)
    assert "step_km" not in str(caught.value)


def test_map_draws_a_labelled_tick_every_10_km(offline_map, corridor):
    ticks = [el for el in _of(offline_map, folium.PolyLine) if "idlib-tick" in _classes(el)]
    n = int(GEOD.geometry_length(corridor.patrol_segment) // 10_000) + 1
    assert len(ticks) == n
    labels = [t for el in ticks for t in _bound(el, "bindTooltip")]
    assert labels == [f"{10 * k} km" for k in range(1, n)]  # km 0 is the labelled patrol start


# ------------------------------------------------------------------------------------------- escaping


@pytest.fixture(scope="module")
def hostile_corridor(corridor):
    posts = corridor.posts.copy()
    posts.loc[0, "name"] = "<script>window.__pwned = 1</script>Salwa"
    posts.at[1, "alt_names"] = ['<img src=x onerror="window.__pwned = 2">', "`${window.__pwned = 3}`"]
    places = corridor.places.copy()
    places.loc[places["name"] == "Idlib", "name"] = "Idlib </script><b>bold</b> & 'quoted'"
    return dataclasses.replace(corridor, posts=posts, places=places)


def test_data_text_is_escaped_and_cannot_inject_markup(hostile_corridor, offline_html):
    page = map_html(build_map(hostile_corridor, offline=True))
    for raw in ("<script>window.__pwned", "<img src=x", "</script><b>", "<b>bold</b>"):
        assert raw not in page
    assert page.count("<script") == offline_html.count("<script")
    assert page.count("</script>") == offline_html.count("</script>")
    # Outside string literals our page has no backtick: no JS template literal (where `${...}` runs)
    # for data to break out of. (The shipped data itself has one: "Shaykh `Aqil".)
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', _ours(offline_html))
    assert "`" in offline_html
    assert "`" not in code


def test_event_text_cannot_break_out_of_the_map_page(corridor, offline_html):
    events = read_events()
    events.loc[0, "name"] = "</script><script>window.__pwned = 4</script>"
    events.loc[1, "description"] = "<img src=x onerror='window.__pwned = 5'> & `${1}`"
    page = map_html(build_map(corridor, offline=True, events=events))
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert page.count("<script") == offline_html.count("<script")
    assert external_references(page) == []


def test_escaped_names_reach_the_popups_as_text(hostile_corridor):
    m = build_map(hostile_corridor, offline=True)
    popups = [_bound(el, "bindPopup")[0] for el in _of(m, DivMarker)]
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;Salwa" in popups[0]
    assert "&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;, `$&#123;window.__pwned = 3}`" in popups[1]
    titles = [json.loads(el.title) for el in _of(m, DivMarker)]
    assert titles[0].startswith("Post 1: <script>")  # a DOM title property: shown as text, never parsed


# ------------------------------------------------------------------------------------ offline / online


def test_offline_page_fetches_nothing(offline_html):
    assert external_references(offline_html) == []
    ours = _ours(offline_html)  # Leaflet's own code names leafletjs.com in a string
    ours = ours.replace('\\u003ca href=\\"https://', "")  # a source's link in a popup: followed only when clicked
    assert not re.search(r"""(?:src|href)\s*=\s*\\?["']?\s*(?:https?:)?//""", ours, flags=re.IGNORECASE)
    assert "L.tileLayer" not in ours
    for library in ("jquery", "bootstrap", "awesome-markers", "font-awesome", "fontawesome"):
        assert library not in ours.lower()


def test_offline_page_declares_its_charset_in_its_first_1024_bytes(offline_html):
    assert "charset=UTF-8" in offline_html.encode("utf-8")[:1024].decode("utf-8", "ignore")


def test_the_default_page_fetches_nothing_but_its_basemaps_tiles(online_map, online_html):
    tiles = [el.tiles for el in _of(online_map, folium.TileLayer)]
    assert external_references(online_html) == tiles


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("bad", [None, "corridor", 42])
def test_build_map_wants_a_corridor(bad):
    with pytest.raises(ValueError, match="expected a Corridor"):
        build_map(bad)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_build_map_wants_offline_true_or_false(corridor, bad):
    with pytest.raises(ValueError, match="offline="):
        build_map(corridor, offline=bad)


@pytest.mark.parametrize("bad", ["no", 0, None])
def test_build_map_wants_timeline_true_or_false(corridor, bad):
    with pytest.raises(ValueError, match="timeline="):
        build_map(corridor, timeline=bad)


def test_a_posts_layer_without_a_fate_column_is_refused(corridor):
    posts = corridor.posts.drop(columns="fate")
    with pytest.raises(ValueError, match=r"posts layer: missing column\(s\) \['fate'\]"):
        build_map(dataclasses.replace(corridor, posts=posts))


def test_a_post_of_unknown_fate_is_refused_naming_its_row(corridor):
    posts = corridor.posts.copy()
    posts.loc[5, "fate"] = "destroyed"
    with pytest.raises(ValueError, match=r"posts layer: row 5 has fate 'destroyed'"):
        build_map(dataclasses.replace(corridor, posts=posts))


def test_a_post_that_is_not_a_point_is_refused_naming_its_row(corridor):
    posts = corridor.posts.copy()
    posts.loc[3, "geometry"] = LineString([(36.5, 35.8), (36.6, 35.9)])
    with pytest.raises(ValueError, match=r"posts layer: row 3 has geometry 'LineString'"):
        build_map(dataclasses.replace(corridor, posts=posts))


# ---------------------------------------------------------------------------------------------- saving


def test_save_map_writes_the_page_and_returns_its_path(offline_map, offline_html, tmp_path):
    path = save_map(offline_map, tmp_path / "map.html")
    assert path == tmp_path / "map.html"
    assert path.read_text(encoding="utf-8") == offline_html
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]  # no temporary file left


def test_save_map_replaces_an_existing_file(offline_map, offline_html, tmp_path):
    path = tmp_path / "map.html"
    path.write_text("old", encoding="utf-8")
    save_map(offline_map, str(path))
    assert path.read_text(encoding="utf-8") == offline_html


def test_a_failed_build_leaves_no_file_and_keeps_the_old_one(offline_map, tmp_path, monkeypatch):
    def broken(m):
        raise RuntimeError("render failed")

    monkeypatch.setattr(geo.maps.render, "map_html", broken)
    with pytest.raises(RuntimeError):
        save_map(offline_map, tmp_path / "new.html")
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    (tmp_path / "old.html").write_text("old", encoding="utf-8")
    monkeypatch.setattr(geo._io.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save_map(offline_map, tmp_path / "old.html")
    assert [p.name for p in tmp_path.iterdir()] == ["old.html"]
    assert (tmp_path / "old.html").read_text(encoding="utf-8") == "old"


def test_an_offline_map_that_would_fetch_something_is_not_written(corridor, tmp_path):
    m = build_map(corridor, offline=True)
    plugins.Fullscreen().add_to(m)  # a Folium plugin links its script from a CDN
    with pytest.raises(ValueError, match=r"offline map would load 2 external resource\(s\).*cdn"):
        save_map(m, tmp_path / "map.html")
    assert list(tmp_path.iterdir()) == []


def test_save_map_refuses_a_missing_folder_and_a_folder(offline_map, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        save_map(offline_map, tmp_path / "nowhere" / "map.html")
    with pytest.raises(ValueError, match="is a directory"):
        save_map(offline_map, tmp_path)


def test_save_map_wants_a_folium_map(tmp_path):
    with pytest.raises(ValueError, match=r"expected a folium\.Map"):
        save_map("not a map", tmp_path / "map.html")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_map_writes_the_offline_file_and_prints_its_path_and_size(tmp_path, capsys, offline_html):
    out = tmp_path / "map.html"
    assert main(["map", "-o", str(out), "--offline"]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed
    assert f"{out.stat().st_size / 1024:,.0f} KiB" in printed
    assert out.read_text(encoding="utf-8") == offline_html


def test_cli_map_into_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["map", "-o", str(tmp_path / "no" / "map.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("idlib-corridor: error: ")
    assert "does not exist" in err
    assert "Traceback" not in err


def test_a_map_shown_twice_in_a_notebook_shows_the_same_offline_page(corridor):
    from geo.maps.assets import external_references

    m = build_map(corridor, offline=True)
    first, second = m._repr_html_(), m._repr_html_()
    assert first == second
    assert "leaflet" in first.lower()
    assert external_references(html.unescape(first)) == []
