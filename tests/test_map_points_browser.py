"""Your own points on the map, in headless Chromium with the network off: drawn, clustered, filtered, escaped.

The pages are made as a user makes them: ``idlib-corridor map -o m.html --offline --points acled.csv`` with
20,000 (and 100,000) made-up rows in ACLED's layout (``tests/acled.py``), and ``build_map(c, points=gdf)``.
What the page draws is read through Leaflet.markercluster's public API (``getVisibleParent``,
``zoomToShowLayer``) and the DOM; what is expected is read from the CSV file itself.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from acled import write_acled_csv
from selenium.webdriver.support.ui import WebDriverWait
from support import TIME_LAYERS, open_offline, requests_beyond, wait
from test_hostile_map import PAYLOADS, SUFFIX

from geo.cli import main
from geo.maps import build_map, save_map
from geo.maps.style import USER_SIDE_COLORS

pytestmark = pytest.mark.browser

ROWS = 20_000
BIG_ROWS = 100_000
#: A guard against a hanging page while 100,000 points are clustered (not a timing test), seconds.
BIG_WAIT_S = 240
LAYER = "acled"

_MAP = "var map = window[document.querySelector('.folium-map').id];\n"
_GROUP = _MAP + "var layer = window.idlibUserLayers[arguments[0]], group = layer.group;\n"
#: How the page shows a layer's points now, once the view holds all of them: the points in the group, the
#: markers drawn alone (on the map themselves), the clusters' icons and the sum of the counts they show.
_DRAWN = (
    _GROUP
    + """
var alone = group.getLayers().filter(function (m) { return map.hasLayer(m); }).length;
var icons = document.querySelectorAll('.idlib-cluster span'), inClusters = 0;
icons.forEach(function (s) { inClusters += +s.textContent.replace(/,/g, ''); });
return {alone: alone, clusters: icons.length, inClusters: inClusters, visible: alone + inClusters,
        inGroup: group.getLayers().length, shown: layer.shown(), total: layer.total};
"""
)


def _loaded(driver, name: str, n: int) -> None:
    """Wait until the layer has placed its ``n`` points in clusters (it adds them in chunks)."""
    script = _GROUP + "return layer.ready() && group.getLayers().length;"
    WebDriverWait(driver, BIG_WAIT_S, poll_frequency=0.1).until(lambda d: d.execute_script(script, name) == n)


def _drawn(driver, name: str = LAYER) -> dict:
    """What the layer shows once it has placed the points it holds now (:data:`_DRAWN`)."""
    script = _GROUP + "return layer.ready();"
    WebDriverWait(driver, BIG_WAIT_S, poll_frequency=0.1).until(lambda d: d.execute_script(script, name))
    driver.execute_script(_GROUP + "map.fitBounds(group.getBounds(), {animate: false});", name)
    # The clusters' zoom animation keeps the old icons a moment (the map pane has leaflet-cluster-anim meanwhile).
    idle = "return !document.querySelector('.leaflet-cluster-anim');"
    WebDriverWait(driver, BIG_WAIT_S, poll_frequency=0.1).until(lambda d: d.execute_script(idle))
    return driver.execute_script(_DRAWN, name)


def _toggle(driver, name: str) -> None:
    driver.execute_script(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".find(l => l.textContent.trim() === arguments[0]).querySelector('input').click()",
        name,
    )


def _layer_checkboxes(driver) -> dict[str, bool]:
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {"
        "  out[l.textContent.trim()] = l.querySelector('input').checked; }); return out;"
    )


@pytest.fixture(scope="module")
def acled_csv(tmp_path_factory) -> Path:
    return write_acled_csv(tmp_path_factory.mktemp("acled") / f"{LAYER}.csv", rows=ROWS, seed=7)


@pytest.fixture(scope="module")
def acled_days(acled_csv) -> list[str]:
    """Each row's event_date, read from the file itself."""
    with acled_csv.open(encoding="utf-8", newline="") as f:
        return [row["event_date"] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def acled_map(acled_csv) -> Path:
    out = acled_csv.with_name("m.html")
    assert main(["map", "-o", str(out), "--offline", "--points", str(acled_csv)]) == 0
    return out


@pytest.fixture
def acled_page(browser, acled_map):
    """The 20,000-point map, freshly opened and its points all clustered; what it logged and asked while loading."""
    page = open_offline(browser, acled_map)
    _loaded(browser, LAYER, ROWS)
    events = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    errors = page.errors() + [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return {"errors": errors, "requests": page.requests_beyond_the_page() + requests_beyond(acled_map.as_uri(), events)}


def test_the_20000_point_map_logs_no_error_and_requests_nothing(acled_page):
    assert acled_page["errors"] == []
    assert acled_page["requests"] == []


def test_all_20000_points_are_drawn_alone_or_in_a_cluster(browser, acled_page, artifacts_dir):
    drawn = _drawn(browser)
    browser.save_screenshot(str(artifacts_dir / "map_user_points.png"))
    assert drawn["total"] == drawn["inGroup"] == ROWS
    assert drawn["alone"] + drawn["inClusters"] == ROWS  # every point drawn, alone or counted on a cluster
    assert drawn["inClusters"] > ROWS / 2  # at this zoom most are clustered


def test_the_layer_has_its_own_entry_in_the_layer_control_and_the_legend(browser, acled_page):
    assert _layer_checkboxes(browser)[LAYER] is True
    legend = browser.execute_script("return document.querySelector('.idlib-legend').textContent")
    assert f"{LAYER}: {ROWS:,} points drawn" in legend
    _toggle(browser, LAYER)
    assert browser.execute_script("return document.querySelectorAll('.idlib-cluster').length") == 0
    _toggle(browser, LAYER)
    assert browser.execute_script("return document.querySelectorAll('.idlib-cluster').length") > 0


@pytest.mark.parametrize("day", ["2019-06-30", "2020-03-05", "2021-01-31"])
def test_the_slider_shows_the_points_up_to_its_day(browser, acled_page, acled_days, day):
    slider = browser.execute_script("return Object.keys(window.idlibTimelines)[0]")
    browser.execute_script("window.idlibTimelines[arguments[0]].setDate(arguments[1])", slider, day)
    expected = sum(d <= day for d in acled_days)
    assert 0 < expected < ROWS
    drawn = _drawn(browser)
    assert drawn["shown"] == drawn["inGroup"] == drawn["visible"] == expected


def test_with_the_sliders_layers_off_every_point_shows_again(browser, acled_page):
    slider = browser.execute_script("return Object.keys(window.idlibTimelines)[0]")
    browser.execute_script("window.idlibTimelines[arguments[0]].setDate('2019-01-01')", slider)
    assert _drawn(browser)["inGroup"] < ROWS
    for name in TIME_LAYERS:
        _toggle(browser, name)
    assert _drawn(browser)["visible"] == ROWS


# ------------------------------------------------------------------------------------------- built from Python


def _points(n: int, **columns) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(36.2, 37.0, n), rng.uniform(35.6, 36.0, n)
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def test_without_the_slider_undated_and_dated_points_all_show(browser, corridor, tmp_path):
    gdf = _points(50, date=["2030-01-01"] * 25 + [None] * 25)
    path = save_map(build_map(corridor, offline=True, points=gdf), tmp_path / "dated.html")
    open_offline(browser, path)
    _loaded(browser, "Your points", 50)
    slider = browser.execute_script("return Object.keys(window.idlibTimelines)[0]")
    browser.execute_script("window.idlibTimelines[arguments[0]].setDate('2020-01-01')", slider)
    assert _drawn(browser, "Your points")["visible"] == 25  # the 25 of 2030 wait; the undated stay
    path = save_map(build_map(corridor, offline=True, timeline=False, points=gdf), tmp_path / "plain.html")
    open_offline(browser, path)
    _loaded(browser, "Your points", 50)
    assert _drawn(browser, "Your points")["visible"] == 50


def test_points_coloured_by_side_have_their_sides_colours(browser, corridor, tmp_path):
    gdf = _points(300, id=np.arange(300))
    path = save_map(build_map(corridor, offline=True, points=gdf, point_color="side"), tmp_path / "side.html")
    open_offline(browser, path)
    _loaded(browser, "Your points", 300)
    got = browser.execute_script(
        _GROUP + "return group.getLayers().map(function (m) { var p = m.getLatLng(); "
        "return [p.lng.toFixed(6), p.lat.toFixed(6), m.options.fillColor]; });",
        "Your points",
    )
    sides = corridor.query(gdf)["side"]
    expected = {(f"{g.x:.6f}", f"{g.y:.6f}"): USER_SIDE_COLORS[s] for g, s in zip(gdf.geometry, sides, strict=True)}
    assert {(lon, lat): color for lon, lat, color in got} == expected
    assert set(expected.values()) == {USER_SIDE_COLORS["north"], USER_SIDE_COLORS["south"]}


def test_hostile_text_in_every_column_and_the_layer_name_shows_as_text_in_the_popup(browser, corridor, tmp_path):
    columns = {f"{key}{SUFFIX}": [f"{payload} {key}"] * 3 for key, payload in PAYLOADS}
    name = f"layer{SUFFIX}"
    gdf = _points(3, **columns)
    path = save_map(build_map(corridor, offline=True, points={name: gdf}), tmp_path / "hostile.html")
    open_offline(browser, path)
    _loaded(browser, name, 3)
    # Zoomed in on the first point, it is drawn alone: open its popup as a click would.
    shown = browser.execute_script(
        _GROUP
        + """
var m = group.getLayers()[0];
map.setView(m.getLatLng(), map.getMaxZoom(), {animate: false});
if (!map.hasLayer(m)) { return null; }
m.openPopup();
var p = document.querySelector('.leaflet-popup-content');
return {heading: p.querySelector('h4').textContent,
        rows: Array.from(p.querySelectorAll('tr')).map(function (tr) {
          return [tr.querySelector('th').textContent, tr.querySelector('td').textContent]; })};
""",
        name,
    )
    assert shown is not None
    rows = dict(shown["rows"])
    assert shown["heading"] in {f"{name}, row {n}" for n in (1, 2, 3)}  # the group keeps its own order
    for key, payload in PAYLOADS:
        assert rows[f"{key}{SUFFIX}"] == f"{payload} {key}"
    assert browser.execute_script("return window.__pwned === undefined") is True
    assert browser.execute_script("return document.querySelectorAll('img, iframe, [onerror], [onload]').length") == 0
    assert name in _layer_checkboxes(browser)
    legend = browser.execute_script("return document.querySelector('.idlib-legend').textContent")
    assert f"{name}: 3 points drawn" in legend


# ------------------------------------------------------------------------------------------- 100,000 points


def test_a_map_of_100000_points_opens_and_shows_its_clusters(browser, tmp_path):
    source = write_acled_csv(tmp_path / "big.csv", rows=BIG_ROWS, seed=11)
    out = tmp_path / "big.html"
    assert main(["map", "-o", str(out), "--offline", "--points", str(source)]) == 0
    page = open_offline(browser, out)
    _loaded(browser, "big", BIG_ROWS)
    wait(browser).until(lambda d: d.execute_script("return document.querySelectorAll('.idlib-cluster').length") > 0)
    drawn = _drawn(browser, "big")
    assert drawn["visible"] == BIG_ROWS
    assert page.errors() == []
    assert page.requests_beyond_the_page() == []


def test_a_layer_switched_off_while_the_slider_moves_shows_the_sliders_day_when_switched_on(
    browser, acled_page, acled_days
):
    slider = browser.execute_script("return Object.keys(window.idlibTimelines)[0]")
    _toggle(browser, LAYER)
    browser.execute_script("window.idlibTimelines[arguments[0]].setDate('2020-03-05')", slider)
    assert browser.execute_script("return document.querySelectorAll('.idlib-cluster').length") == 0
    _toggle(browser, LAYER)
    assert _drawn(browser)["visible"] == sum(d <= "2020-03-05" for d in acled_days)
