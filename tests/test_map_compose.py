"""The corridor's map composes with geopandas and folium: layers added after it was built are drawn and listed.

``gdf.explore(m=c.explore())`` (or ``m=geo.build_map(c)``), ``folium.GeoJson(...).add_to(m)`` and
``folium.Marker(...).add_to(m)`` add to the map after its layer control, view fit and label placing
were added; the map renders those last (``CorridorMap.add_last``), so the layer control lists the new
layers too. The pages are opened in headless Chromium with the network off (tests/support.py).
"""

from __future__ import annotations

import html
import io
import re

import folium
import geopandas as gpd
import pytest
import shapely
from support import OVERLAYS, open_offline, wait

from geo.maps import BASEMAPS, CorridorMap, build_map, map_html, save_map
from geo.maps.assets import external_references
from geo.maps.basemap import tile_url_pattern

#: Three made-up points in and near the corridor (lon, lat, degrees), named so the page can find them.
POINTS = [(36.45, 35.80, "probe Ariha"), (36.62, 35.83, "probe Saraqib"), (36.30, 35.78, "probe west")]


@pytest.fixture(scope="module")
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [p[2] for p in POINTS], "fatalities": [0, 3, 1]},
        geometry=[shapely.Point(lon, lat) for lon, lat, _ in POINTS],
        crs=4326,
    )


def _add_explore(m, points):
    points.explore(m=m)


def _add_named_explore(m, points):
    points.explore(m=m, name="my events")


def _add_geojson(m, points):
    folium.GeoJson(points.__geo_interface__, name="my GeoJSON").add_to(m)


def _add_markers(m, points):
    for lon, lat, name in POINTS:
        folium.Marker([lat, lon], tooltip=name).add_to(m)


ADDITIONS = {
    "explore": _add_explore,
    "explore-named": _add_named_explore,
    "GeoJson": _add_geojson,
    "Marker": _add_markers,
}
#: The new entry each addition gives the layer control (a Marker is not a layer of the control).
NEW_ENTRY = {"explore-named": "my events", "GeoJson": "my GeoJSON"}

_DRAWN = """
var map = window[document.querySelector('.folium-map').id], names = arguments[0], found = [];
map.eachLayer(function (l) {
    var p = l.feature && l.feature.properties, tip = l.getTooltip && l.getTooltip();
    var name = p && p.name ? p.name : tip ? String(tip.getContent()).replace(/<[^>]*>/g, '').trim() : null;
    if (l.getLatLng && names.indexOf(name) >= 0) { found.push(name); }
});
return found.sort();
"""


def _overlays(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(function (l) { return l.textContent.trim(); })"
    )


@pytest.mark.browser
@pytest.mark.parametrize("offline", [True, False], ids=["offline", "default"])
@pytest.mark.parametrize("how", list(ADDITIONS))
def test_what_is_added_to_the_map_is_drawn_and_listed_with_no_error(browser, corridor, points, tmp_path, how, offline):
    m = build_map(corridor, offline=offline)
    ADDITIONS[how](m, points)
    page = open_offline(browser, save_map(m, tmp_path / "map.html"))
    names = sorted(p[2] for p in POINTS)
    assert wait(browser).until(lambda d: d.execute_script(_DRAWN, names) or None) == names
    overlays = _overlays(browser)
    assert overlays[: len(OVERLAYS)] == OVERLAYS  # the layer control is there, with every layer of ours
    if how in NEW_ENTRY:
        assert overlays[len(OVERLAYS) :] == [NEW_ENTRY[how]]
    elif how == "explore":  # unnamed, geopandas names the layer after its element
        assert len(overlays) == len(OVERLAYS) + 1
    tiles = tile_url_pattern(folium.TileLayer(provider).tiles for _, provider in BASEMAPS)
    errors = [e for e in page.errors() if not ("Failed to load resource" in e and tiles.fullmatch(e.split(" ")[0]))]
    assert errors == []
    requests = page.requests_beyond_the_page()
    assert [u for u in requests if offline or not tiles.fullmatch(u)] == []


@pytest.mark.browser
def test_a_layer_added_to_the_corridors_own_explore_is_drawn_and_listed(browser, corridor, points, tmp_path):
    m = points.explore(m=corridor.explore(offline=True), name="my events")
    page = open_offline(browser, save_map(m, tmp_path / "map.html"))
    names = sorted(p[2] for p in POINTS)
    assert wait(browser).until(lambda d: d.execute_script(_DRAWN, names) or None) == names
    assert _overlays(browser) == [*OVERLAYS, "my events"]
    assert page.errors() == []
    assert page.requests_beyond_the_page() == []


@pytest.mark.browser
def test_a_layer_control_of_the_users_own_replaces_the_maps_and_lists_every_layer(browser, corridor, points, tmp_path):
    m = points.explore(m=build_map(corridor, offline=True), name="my events")
    folium.LayerControl(collapsed=False, position="bottomright").add_to(m)  # as folium's examples do
    page = open_offline(browser, save_map(m, tmp_path / "map.html"))
    names = sorted(p[2] for p in POINTS)
    assert wait(browser).until(lambda d: d.execute_script(_DRAWN, names) or None) == names
    assert browser.execute_script("return document.querySelectorAll('.leaflet-control-layers').length") == 1
    assert browser.execute_script(  # the user's options: open, bottom right
        "return !!document.querySelector('.leaflet-bottom.leaflet-right .leaflet-control-layers-expanded')"
    )
    assert _overlays(browser) == [*OVERLAYS, "my events"]
    assert page.errors() == []


def test_the_layer_control_and_the_last_scripts_come_after_a_layer_added_later(corridor, points):
    page = map_html(points.explore(m=build_map(corridor, offline=True), name="my events"))
    listed = re.search(r'"my events" : (geo_json_\w+),', page)
    assert listed  # the layer control lists it...
    control = page.index("L.control.layers(")
    assert page.index(f"var {listed[1]} = L.geoJson(") < control  # ... and comes after it
    assert control < page.rindex("new L.IdlibDeclutter(")
    assert control < page.rindex("map.fitBounds(")


def test_the_corridors_explore_is_build_map(corridor):
    assert isinstance(corridor.explore(), CorridorMap)
    assert map_html(corridor.explore(offline=True, tick_km=5.0)) == map_html(
        build_map(corridor, offline=True, tick_km=5.0)
    )
    with pytest.raises(TypeError, match="colour"):
        corridor.explore(colour="red")


def test_a_map_with_a_layer_added_saves_the_same_page_however_it_is_saved_or_shown(corridor, points, tmp_path):
    m = points.explore(m=corridor.explore(offline=True), name="my events")
    save_map(m, tmp_path / "a.html")
    m.save(str(tmp_path / "b.html"))
    with open(tmp_path / "c.html", "wb") as f:
        m.save(f, close_file=False)
    buffer = io.StringIO()
    m.save(buffer)
    first = (tmp_path / "a.html").read_bytes()
    assert first == (tmp_path / "b.html").read_bytes() == (tmp_path / "c.html").read_bytes()
    assert buffer.closed
    assert map_html(m).encode("utf-8") == first
    assert "my events" in first.decode("utf-8")
    assert re.search(r"geo_json_[0-9a-f]{32}", first.decode("utf-8")) is None  # the added layer is numbered too
    shown = m._repr_html_()
    assert shown == m._repr_html_()
    assert "my events" in html.unescape(shown)


def test_saving_a_map_does_not_change_it(corridor, points, tmp_path):
    m = points.explore(m=corridor.explore(offline=True), name="my events")
    keys = list(m._children)
    m.save(str(tmp_path / "a.html"))
    assert list(m._children) == keys


@pytest.mark.parametrize(
    ("column", "asset"),
    [("name", "https://code.jquery.com/ui/1.12.1/jquery-ui.js"), ("fatalities", "d3.min.js")],
    ids=["categories", "numbers"],
)
@pytest.mark.parametrize("offline", [True, False], ids=["offline", "default"])
def test_a_legend_from_explore_that_needs_a_cdn_is_refused_named(corridor, points, tmp_path, column, asset, offline):
    m = points.explore(m=build_map(corridor, offline=offline), column=column)
    with pytest.raises(ValueError, match=rf"would load 1 external resource.*{re.escape(asset)}.*legend=False"):
        save_map(m, tmp_path / "map.html")
    assert not (tmp_path / "map.html").exists()
    with pytest.raises(ValueError, match=re.escape(asset)):
        m.save(str(tmp_path / "map.html"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_without_its_legend_a_coloured_explore_layer_works_offline(browser, corridor, points, tmp_path):
    m = points.explore(m=build_map(corridor, offline=True), column="fatalities", legend=False, name="my events")
    assert external_references(map_html(m)) == []
    page = open_offline(browser, save_map(m, tmp_path / "map.html"))
    names = sorted(p[2] for p in POINTS)
    assert wait(browser).until(lambda d: d.execute_script(_DRAWN, names) or None) == names
    assert page.errors() == []
    assert page.requests_beyond_the_page() == []
