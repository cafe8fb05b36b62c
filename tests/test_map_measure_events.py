"""Issue 13: a measure tool that works on the map as drawn, and event symbols by type.

The measure tool's area is run under node and compared with pyproj; the rest runs in
headless Chromium with the network off (the ``browser`` fixture of conftest.py), on the
offline map, clicking as a user does (real pointer events through Selenium).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import subprocess
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from support import open_offline, require_tool, wait

from geo.geodesy import GEOD
from geo.history import change_days
from geo.maps import build_map, save_map
from geo.maps.style import ARRANGEMENT_STYLES, EVENT_SYMBOLS, LINES

CONTROLS_JS = Path(__file__).resolve().parent.parent / "geo" / "static" / "controls.js"

#: The measure tool's area against pyproj's (Karney's): within a millionth, or 1 m² for a tiny polygon.
AREA_REL, AREA_ABS_M2 = 1e-6, 1.0

# ------------------------------------------------------------------------------ area under node

#: Polygons as [lat, lon] corners -> what they are.
POLYGONS = [
    pytest.param([(35.859, 36.768), (35.779, 36.166), (35.6, 36.5)], id="trumba-ain_al_havr-south"),
    pytest.param([(35.8, 36.4), (35.854, 36.45), (35.8, 36.5)], id="a-few-km-across"),
    pytest.param([(35.52, 35.79), (35.83, 36.8), (35.13, 36.75), (36.2, 36.16)], id="self-crossing-four-corners"),
    pytest.param([(36.2, 36.5), (35.8, 36.4), (35.854, 36.45)], id="clockwise"),
    pytest.param([(35.0, 35.0), (36.0, 38.0), (37.0, 35.5)], id="hundreds-of-km"),
    pytest.param([(10.0, 10.0), (20.0, 30.0), (40.0, 5.0)], id="thousands-of-km"),
    pytest.param([(-10.0, 0.0), (-10.0, 90.0), (60.0, 45.0)], id="across-the-equator"),
    pytest.param([(35.8, 179.5), (35.9, -179.5), (36.3, 179.9)], id="across-the-antimeridian"),
]


@pytest.fixture(scope="module")
def node() -> str:
    return require_tool("node", "nodejs")


def _node_areas(node: str, polygons: list[list[tuple[float, float]]]) -> list[float]:
    """The measure tool's own geodesicArea (controls.js, as node loads it) of each polygon, m²."""
    code = (
        "const {geodesicArea} = require(process.argv[1]);"
        "console.log(JSON.stringify(JSON.parse(process.argv[2]).map(p =>"
        " geodesicArea(p.map(([lat, lng]) => ({lat: lat, lng: lng}))))));"
    )
    run = [node, "-e", code, str(CONTROLS_JS), json.dumps(polygons)]
    return json.loads(subprocess.run(run, check=True, capture_output=True, text=True).stdout)


def _pyproj_area(corners: list[tuple[float, float]]) -> float:
    area, _ = GEOD.polygon_area_perimeter([lon for _, lon in corners], [lat for lat, _ in corners])
    return abs(area)


@pytest.mark.parametrize("corners", POLYGONS)
def test_measure_tool_area_matches_pyproj_polygon_area(node: str, corners):
    [got] = _node_areas(node, [corners])
    assert got == pytest.approx(_pyproj_area(corners), rel=AREA_REL, abs=AREA_ABS_M2)


def test_measure_tool_area_matches_pyproj_on_random_triangles_around_idlib(node: str):
    rng = random.Random(13)
    triangles = [[(rng.uniform(35.0, 36.6), rng.uniform(35.6, 37.6)) for _ in range(3)] for _ in range(300)]
    for corners, got in zip(triangles, _node_areas(node, triangles), strict=True):
        assert got == pytest.approx(_pyproj_area(corners), rel=AREA_REL, abs=AREA_ABS_M2), corners


_corner = st.tuples(st.floats(34.5, 37.0), st.floats(35.0, 38.5))


@settings(max_examples=40, deadline=None)
@given(corners=st.lists(_corner, min_size=3, max_size=6), start=st.integers(0, 5))
def test_measure_tool_area_is_the_same_from_any_corner_either_way_round_and_is_pyprojs(node: str, corners, start):
    start %= len(corners)
    turned = corners[start:] + corners[:start]
    forward, backward, first = _node_areas(node, [corners, turned[::-1], turned])
    assert backward == pytest.approx(forward, rel=AREA_REL, abs=AREA_ABS_M2)
    assert first == pytest.approx(forward, rel=AREA_REL, abs=AREA_ABS_M2)
    if shapely.Polygon([(lon, lat) for lat, lon in corners]).is_valid:  # a simple polygon: pyproj's area
        assert forward == pytest.approx(_pyproj_area(corners), rel=AREA_REL, abs=AREA_ABS_M2)


@pytest.mark.parametrize(
    ("corners", "expected"),
    [
        pytest.param([], 0.0, id="no-point"),
        pytest.param([(35.8, 36.4)], 0.0, id="one-point"),
        pytest.param([(35.8, 36.4), (35.9, 36.5)], 0.0, id="two-points"),
        pytest.param([(35.8, 36.4), (35.85, 36.4), (35.9, 36.4)], 0.0, id="on-one-meridian"),
    ],
)
def test_measure_tool_area_of_fewer_than_three_corners_or_a_line_is_nothing(node: str, corners, expected):
    [got] = _node_areas(node, [corners])
    assert got == pytest.approx(expected, abs=AREA_ABS_M2)


# ------------------------------------------------------------------------------ in the browser


@pytest.fixture(scope="module")
def offline_map(corridor, tmp_path_factory) -> Path:
    return save_map(build_map(corridor, offline=True), tmp_path_factory.mktemp("maps") / "offline.html")


@pytest.fixture
def page(browser, offline_map):
    """The offline map freshly loaded, network off."""
    return open_offline(browser, offline_map)


def _js(driver, script: str, *args):
    """Run ``script`` with ``map`` bound to the page's Leaflet map."""
    prelude = "var map = window[document.querySelector('.folium-map').id];\n"
    return driver.execute_script(prelude + script, *args)


#: Window sizes (width, height) of the measure tests. On a 390 x 844 phone the legend and the slider's panel
#: still cover most of the map (the phone layout is another part of issue 13): measured there once they fold.
DESKTOP_SIZES, DESKTOP_IDS = [(1280, 900), (1920, 1080)], ["1280x900", "1920x1080"]


def _pixel(driver, lat: float, lon: float) -> tuple[float, float]:
    """Where ``lat, lon`` is on the screen (container pixels)."""
    return tuple(
        _js(driver, "var p = map.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y];", lat, lon)
    )


def _click_at(driver, x: float, y: float) -> None:
    """A real click at container pixel (x, y)."""
    container = driver.find_element(By.CSS_SELECTOR, ".folium-map")
    w, h = _js(driver, "var s = map.getSize(); return [s.x, s.y];")
    ActionChains(driver).move_to_element_with_offset(container, round(x - w / 2), round(y - h / 2)).click().perform()


def _under(driver, x: float, y: float) -> str:
    """The classes of the topmost element at container pixel (x, y) and of its parents up to the map."""
    return _js(
        driver,
        "var r = map.getContainer().getBoundingClientRect(), out = [];"
        "for (var e = document.elementFromPoint(r.left + arguments[0], r.top + arguments[1]);"
        "     e && e !== map.getContainer(); e = e.parentElement) { out.push(e.getAttribute('class') || ''); }"
        "return out.join(' | ');",
        round(x),
        round(y),
    )


def _close_legend(driver) -> None:
    """Close the legend if it is open, as a user on a phone does to see the map."""
    if driver.execute_script("return !!document.querySelector('.idlib-legend details[open]')"):
        driver.find_element(By.CSS_SELECTOR, ".idlib-legend summary").click()


def _measured_points(driver) -> list[list[float]]:
    return _js(driver, "return map.idlibControls.measure._points.map(p => [p.lat, p.lng]);")


def _popup_open(driver) -> bool:
    return driver.execute_script("return document.querySelectorAll('.leaflet-popup').length > 0")


def _metres_per_pixel(driver, lat: float, lon: float) -> float:
    here = _js(
        driver,
        "var p = map.latLngToContainerPoint([arguments[0], arguments[1]]);"
        "var q = map.containerPointToLatLng([p.x + 1, p.y + 1]); return [q.lat, q.lng];",
        lat,
        lon,
    )
    return GEOD.inv(lon, lat, here[1], here[0])[2]


def _on_patrol_segment(corridor, fraction: float) -> tuple[float, float]:
    """[lat, lon] of the point ``fraction`` of the way along the patrol segment (Trumba 0, Ain al-Havr 1)."""
    line = corridor.patrol_segment
    p = line.interpolate(fraction, normalized=True)
    return p.y, p.x


@pytest.fixture
def window(browser, request):
    """The browser window at the size ``request.param`` (width, height) for one test, then as it was."""
    size = browser.get_window_size()
    browser.set_window_size(*request.param)
    yield request.param
    browser.set_window_size(size["width"], size["height"])


@pytest.mark.browser
@pytest.mark.parametrize("window", DESKTOP_SIZES, ids=DESKTOP_IDS, indirect=True)
def test_measuring_trumba_to_ain_al_havr_by_clicking_on_the_road(browser, window, page, corridor):
    # Near each end of the patrol segment, on the road as drawn (the patrol segment's orange line).
    ends = [_on_patrol_segment(corridor, f) for f in (0.01, 0.99)]
    trumba = corridor.places.loc[corridor.places["name"] == "Trumba"].geometry.iloc[0]
    assert GEOD.inv(ends[0][1], ends[0][0], trumba.x, trumba.y)[2] < 3000  # the first end is by Trumba
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    for lat, lon in ends:
        x, y = _pixel(browser, lat, lon)
        assert "leaflet-interactive" in _under(browser, x, y)  # a feature is what the click lands on
        _click_at(browser, x, y)
    assert not _popup_open(browser)
    points = _measured_points(browser)
    assert len(points) == 2
    expected_m = GEOD.inv(ends[0][1], ends[0][0], ends[1][1], ends[1][0])[2]
    # A click lands within a pixel of its point: 2 pixels' metres for each of the two ends.
    tolerance_m = 4 * _metres_per_pixel(browser, *ends[0])
    readout = browser.find_element(By.CSS_SELECTOR, ".idlib-measure-readout").text
    m = re.fullmatch(r"(\d+\.\d{3}) km \(2 points, geodesic\)", readout)
    assert m, readout
    assert float(m.group(1)) * 1000 == pytest.approx(expected_m, abs=tolerance_m + 0.5)
    assert expected_m > 50_000  # the whole route, not a step along it


@pytest.mark.browser
@pytest.mark.parametrize("window", DESKTOP_SIZES, ids=DESKTOP_IDS, indirect=True)
def test_a_click_on_a_post_while_measuring_adds_a_point_and_opens_no_popup(browser, window, page):
    _close_legend(browser)
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    post = browser.find_element(By.CSS_SELECTOR, ".leaflet-marker-pane .idlib-post")
    centre = _js(
        browser,
        "var r = arguments[0].getBoundingClientRect(), c = map.getContainer()"
        ".getBoundingClientRect(); return [r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top];",
        post,
    )
    _click_at(browser, *centre)
    assert not _popup_open(browser)
    [point] = _measured_points(browser)
    clicked, one_px_off = _js(
        browser,
        "var a = map.containerPointToLatLng(arguments[0]), b = map.containerPointToLatLng([arguments[0][0] + 1,"
        " arguments[0][1] + 1]); return [[a.lat, a.lng], [Math.abs(b.lat - a.lat), Math.abs(b.lng - a.lng)]];",
        [round(centre[0]), round(centre[1])],
    )
    # where the click landed: within the pixel the pointer was rounded to (WebDriver clicks whole pixels)
    assert point[0] == pytest.approx(clicked[0], abs=one_px_off[0])
    assert point[1] == pytest.approx(clicked[1], abs=one_px_off[1])
    # Stopped, the map is as before: the same click opens the post's popup.
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    _click_at(browser, *centre)
    wait(browser).until(_popup_open)


@pytest.mark.browser
def test_enter_on_a_focused_post_while_measuring_adds_its_point_and_opens_no_popup(browser, page):
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    post = browser.find_element(By.CSS_SELECTOR, ".leaflet-marker-pane .idlib-post")
    post_latlng = _js(
        browser,
        "var r = arguments[0].getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();"
        "var p = map.containerPointToLatLng([r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top]);"
        "return [p.lat, p.lng];",
        post,
    )
    post.send_keys(Keys.ENTER)
    assert not _popup_open(browser)
    assert _measured_points(browser) == [pytest.approx(post_latlng, abs=1e-9)]


@pytest.mark.browser
def test_while_measuring_a_drag_pans_and_a_click_on_a_control_adds_no_point(browser, page):
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    centre = _js(browser, "var c = map.getCenter(); return [c.lat, c.lng];")
    ActionChains(browser).move_to_element_with_offset(container, 150, 100).click_and_hold().move_by_offset(
        60, 40
    ).move_by_offset(60, 40).release().perform()
    assert _js(browser, "var c = map.getCenter(); return [c.lat, c.lng];") != centre  # the map moved
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-out").click()
    assert _measured_points(browser) == []
    assert _js(browser, "return map.idlibControls.measure.mode();") == "distance"


@pytest.mark.browser
@pytest.mark.parametrize("window", DESKTOP_SIZES, ids=DESKTOP_IDS, indirect=True)
def test_the_area_of_a_clicked_triangle_is_pyprojs(browser, window, page):
    _close_legend(browser)
    assert not browser.find_element(By.CSS_SELECTOR, ".idlib-measure-area-toggle").is_displayed()  # idle: a ruler
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()  # measuring: the area button shows
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-area-toggle").click()
    w, h = _js(browser, "var s = map.getSize(); return [s.x, s.y];")
    for fx, fy in ((0.45, 0.35), (0.8, 0.45), (0.6, 0.75)):
        _click_at(browser, w * fx, h * fy)
    assert not _popup_open(browser)
    points = _measured_points(browser)
    assert len(points) == 3
    area_m2, perimeter_m = GEOD.polygon_area_perimeter([p[1] for p in points], [p[0] for p in points])
    readout = browser.find_element(By.CSS_SELECTOR, ".idlib-measure-readout").text
    m = re.fullmatch(r"(\d+\.\d{3}) km², perimeter (\d+\.\d{3}) km \(3 points, geodesic\)", readout)
    assert m, readout
    assert float(m.group(1)) == pytest.approx(abs(area_m2) / 1e6, abs=0.0006)
    assert float(m.group(2)) == pytest.approx(perimeter_m / 1000, abs=0.0006)
    exact = _js(browser, "return map.idlibControls.measure.areaSquareMetres();")
    assert exact == pytest.approx(abs(area_m2), rel=AREA_REL, abs=AREA_ABS_M2)
    assert abs(area_m2) > 1e8  # a real triangle, hundreds of km²


def _slide_to(driver, corridor, day: str) -> None:
    first = change_days(corridor, corridor.events)[0]
    offset = (dt.date.fromisoformat(day) - first).days
    driver.execute_script(
        "var s = document.querySelector('.idlib-slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        offset,
    )


def _drawn_events(driver) -> list[dict]:
    """Each event symbol on the map: its classes, whether a point, its shape, its stroke and its dashes."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('path.idlib-event')).map(e => {"
        " var icon = e.closest('.idlib-event-symbol');"
        " return {cls: e.getAttribute('class'), point: !!icon,"
        "   shape: icon ? (icon.className.match(/idlib-event-shape-(\\w+)/) || [])[1] : null,"
        "   stroke: (e.getAttribute('stroke') || '').toLowerCase(), fill: (e.getAttribute('fill') || '').toLowerCase(),"
        "   dash: e.getAttribute('stroke-dasharray'),"
        "   pane: e.closest('.leaflet-pane').className}; });"
    )


@pytest.mark.browser
def test_each_event_type_is_drawn_with_its_own_symbol_and_named_in_the_legend(browser, page, corridor):
    _slide_to(browser, corridor, "2020-07-25")  # attacks, patrols (a point and lines) and the corridor's terms
    drawn = _drawn_events(browser)
    by_type: dict[str, set] = {}
    for d in drawn:
        kind = re.search(r"idlib-event-(\w+)", d["cls"].replace("idlib-event ", "")).group(1)
        by_type.setdefault(kind, set()).add((d["point"], d["shape"] if d["point"] else (d["stroke"], d["dash"])))
    assert {"attack", "demolition", "patrol", "corridor"} <= set(by_type)
    assert {s for point, s in by_type["demolition"] if point} == {EVENT_SYMBOLS["demolition"]["shape"]} == {"cross"}
    attack_points = {s for point, s in by_type["attack"] if point}
    patrol_points = {s for point, s in by_type["patrol"] if point}
    assert attack_points == {EVENT_SYMBOLS["attack"]["shape"]}
    assert patrol_points == {EVENT_SYMBOLS["patrol"]["shape"]}
    assert attack_points != patrol_points
    # The corridor's terms (an agreement on the route): round dots, apart from the road's dashes and colour.
    [(is_point, (stroke, dash))] = by_type["corridor"]
    assert not is_point
    assert dash != LINES["m4_unsourced"]["dash_array"]
    assert stroke not in (LINES["m4_unsourced"]["color"], LINES["patrol"]["color"], LINES["m4"]["color"])
    legend = browser.find_element(By.CSS_SELECTOR, ".idlib-legend")
    for symbol in EVENT_SYMBOLS.values():
        row = legend.find_element(By.CSS_SELECTOR, f".idlib-ev-shape-{symbol['shape']}").find_element(By.XPATH, "..")
        assert symbol["label"] in row.get_attribute("textContent")


@pytest.mark.browser
def test_an_agreement_at_a_place_is_a_square_in_the_arrangements_colour_as_the_legend_shows(
    browser, corridor, tmp_path
):
    events = corridor.events.copy()
    sochi = events.index[events["id"] == "sochi-memorandum"][0]
    events.loc[sochi, "geometry"] = shapely.Point(36.63, 35.93)  # given a place: Idlib
    path = save_map(build_map(dataclasses.replace(corridor, events=events), offline=True), tmp_path / "map.html")
    open_offline(browser, path)
    _slide_to(browser, corridor, "2018-09-20")
    [drawn] = [d for d in _drawn_events(browser) if "idlib-event-agreement" in d["cls"]]
    assert drawn["point"]
    assert drawn["shape"] == EVENT_SYMBOLS["agreement"]["shape"]
    assert drawn["stroke"] == drawn["fill"] == ARRANGEMENT_STYLES["recent"]["color"]
    swatch = browser.find_element(By.CSS_SELECTOR, f".idlib-legend .idlib-ev-shape-{drawn['shape']} path")
    assert (swatch.get_attribute("stroke"), swatch.get_attribute("fill")) == (drawn["stroke"], drawn["fill"])


@pytest.mark.browser
def test_events_are_drawn_above_every_line_of_the_map(browser, page, corridor):
    _slide_to(browser, corridor, "2020-07-25")
    z = _js(
        browser,
        "function z(el) { return +getComputedStyle(el.closest('.leaflet-pane')).zIndex; }"
        "var roads = Array.from(document.querySelectorAll('.leaflet-overlay-pane path')).map(z);"
        "var lines = Array.from(document.querySelectorAll('path.idlib-event'))"
        "  .filter(e => !e.closest('.idlib-event-symbol') && !/corridor/.test(e.getAttribute('class'))).map(z);"
        "var points = Array.from(document.querySelectorAll('.idlib-event-symbol')).map(z);"
        "return [Math.max.apply(null, roads), Math.min.apply(null, lines), Math.max.apply(null, lines),"
        "        Math.min.apply(null, points)];",
    )
    road_top, line_bottom, line_top, point_bottom = z
    assert road_top < line_bottom <= line_top < point_bottom


@pytest.mark.browser
@pytest.mark.parametrize(
    "window", [(1280, 900), (1920, 1080), (390, 844)], ids=["1280x900", "1920x1080", "390x844"], indirect=True
)
def test_an_older_demolition_under_the_full_route_patrol_opens_its_own_popup(browser, window, page, corridor):
    _slide_to(browser, corridor, "2020-07-25")  # the bridges of March are grey; the full-route patrol of July red
    events = corridor.events
    bridge = events.loc[events["id"] == "kufayr-bridge"].iloc[0]
    patrol = events.loc[events["id"] == "first-full-patrol"].geometry.iloc[0]
    point = events.loc[events["id"] == "kufayr-bridge"].geometry.iloc[0]
    assert shapely.distance(patrol, point) < 1e-6  # the blown-up bridge lies on the patrol's line
    _close_legend(browser)
    _js(
        browser, "map.setView([arguments[0], arguments[1]], 12, {animate: false});", point.y, point.x
    )  # apart from posts
    x, y = _pixel(browser, point.y, point.x)
    assert "idlib-event-demolition" in _under(browser, x, y)  # on top of the patrol's line
    _click_at(browser, x, y)
    text = wait(browser).until(
        lambda d: d.execute_script(
            "var p = document.querySelector('.leaflet-popup-content');return p ? p.textContent : null"
        )
    )
    assert text.startswith(f"{bridge['date']}  {bridge['name']}")
