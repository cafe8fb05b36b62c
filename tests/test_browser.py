"""The offline map in a real browser: headless Chromium with the network switched off.

One browser session serves the whole module (the ``browser`` fixture in conftest.py).
Each page is opened with DevTools' network emulation set to offline, and the
DevTools network events and the console are recorded while it loads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from support import FINAL_POSTS, OVERLAYS, TIME_LAYERS, Page, open_offline, requests_beyond, wait

from geo.geodesy import GEOD
from geo.history import change_days, corridor_as_of, read_events
from geo.maps import build_map, save_map
from geo.maps.assets import leaflet_version

pytestmark = pytest.mark.browser


def _js(driver, script: str, *args):
    """Run ``script`` with ``map`` bound to the page's Leaflet map."""
    prelude = "var map = window[document.querySelector('.folium-map').id];\n"
    return driver.execute_script(prelude + script, *args)


def _popup_text(driver) -> str:
    """Text of the open popup, once there is one."""
    script = "var p = document.querySelector('.leaflet-popup-content'); return p ? p.textContent : null"
    return wait(driver).until(lambda d: d.execute_script(script))


def _count(driver, selector: str) -> int:
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length", selector)


def _since_last_look(driver) -> tuple[list[str], list[str]]:
    """Console errors and requests (any scheme, ``file:`` too) for anything but the page itself, since the last look."""
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return errors, requests_beyond(driver.current_url, events)


def _features(repo_root: Path, name: str) -> list[dict]:
    """The features of a shipped layer, read straight from its GeoJSON file."""
    return json.loads((repo_root / "data" / name).read_text(encoding="utf-8"))["features"]


def _layer_checkboxes(driver) -> dict[str, bool]:
    """The overlays of the layer control, and whether each is ticked."""
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {"
        "  out[l.textContent.trim()] = l.querySelector('input').checked; }); return out;"
    )


def _toggle(driver, name: str) -> None:
    """Click an overlay's checkbox in the layer control."""
    driver.execute_script(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".find(l => l.textContent.trim() === arguments[0]).querySelector('input').click()",
        name,
    )


@pytest.fixture(scope="module")
def events():
    return read_events()


@pytest.fixture(scope="module")
def slider_days(corridor, events) -> tuple[str, str]:
    """The slider's first and last day: by default, the first and last day on which the state changes."""
    days = change_days(corridor, events)
    return days[0].isoformat(), days[-1].isoformat()


def _slide_to(driver, day: str, first_day: str) -> None:
    """Move the time slider to ``day``, as dragging it does (an ``input`` event)."""
    offset = (dt.date.fromisoformat(day) - dt.date.fromisoformat(first_day)).days
    driver.execute_script(
        "var s = document.querySelector('.idlib-slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        offset,
    )


def _time_posts(driver, status: str = "") -> int:
    """Posts drawn by the time slider (of one status, or all)."""
    return _count(driver, f".leaflet-marker-pane .idlib-tl-post{'.idlib-tl-' + status if status else ''}")


def _expected_on(corridor, events, day: str) -> dict[str, int]:
    """What the map should draw on ``day``, from geo.history.corridor_as_of."""
    state = corridor_as_of(corridor, day, events=events)
    status = list(state.posts["status"])
    located = [
        e
        for (_, e), g in zip(state.events.iterrows(), state.events.geometry, strict=True)
        if g is not None and not str(e["type"]).startswith("post_")
    ]
    return {
        "posts": sum(s != "not_established" for s in status),
        "active": status.count("active"),
        "besieged": status.count("besieged"),
        "evacuated": status.count("evacuated"),
        "events": len(located),
    }


def _drawn_on_map(driver) -> dict[str, int]:
    return {
        "posts": _time_posts(driver),
        "active": _time_posts(driver, "active"),
        "besieged": _time_posts(driver, "besieged"),
        "evacuated": _time_posts(driver, "evacuated"),
        "events": _count(driver, "path.idlib-event"),
    }


@pytest.fixture(scope="module")
def pages(corridor, tmp_path_factory):
    """The offline map, the online map and an offline map of hostile data, as files."""
    folder = tmp_path_factory.mktemp("maps")
    posts = corridor.posts.copy()
    posts.loc[0, "name"] = "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned = 2'>Salwa"
    hostile = dataclasses.replace(corridor, posts=posts)
    return {
        "offline": save_map(build_map(corridor, offline=True), folder / "offline.html"),
        "online": save_map(build_map(corridor), folder / "online.html"),
        "hostile": save_map(build_map(hostile, offline=True), folder / "hostile.html"),
    }


@pytest.fixture(scope="module")
def first_load(browser, pages, artifacts_dir) -> Page:
    """The offline map's first load in this session, and its screenshot."""
    page = open_offline(browser, pages["offline"])
    browser.save_screenshot(str(artifacts_dir / "offline_map.png"))
    return page


@pytest.fixture
def offline_page(browser, pages, first_load) -> Page:
    """The offline map as first loaded; reopened if another test has navigated away."""
    if browser.current_url != pages["offline"].as_uri():
        open_offline(browser, pages["offline"])
    return first_load


@pytest.fixture
def fresh_offline_page(browser, pages) -> Page:
    """The offline map reloaded, for a test that changes the page's state."""
    return open_offline(browser, pages["offline"])


# ------------------------------------------------------------------------------------------- loading


def test_leaflet_is_loaded_from_the_page_itself(browser, offline_page):
    assert browser.execute_script("return typeof window.L === 'object' && L.version") == leaflet_version()


def test_offline_map_makes_no_network_request(browser, offline_page):
    assert offline_page.failed_requests() == []
    assert offline_page.requests_beyond_the_page() == []  # file: URLs too: a relative URL would be one
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [u for u in resources if not u.startswith("data:")] == []
    linked = browser.execute_script(
        "return Array.from(document.querySelectorAll('[src], [href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
        ".filter(u => /^\\s*(https?:)?\\/\\//i.test(u))"
    )
    assert linked == []


def test_the_network_check_does_see_the_requests_of_the_online_map(browser, pages):
    # Positive control: the default map asks for basemap tiles, which fail with the network off.
    online = open_offline(browser, pages["online"])
    assert online.failed_requests()
    assert all(u.startswith("https://") for u in online.failed_requests())


def test_offline_map_logs_no_console_error(offline_page):
    assert offline_page.errors() == []


def test_screenshot_of_the_offline_map_is_saved(offline_page, artifacts_dir):
    png = (artifacts_dir / "offline_map.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 20_000  # a drawn map, not a blank page


# ------------------------------------------------------------------------------------------- drawing


def test_every_vector_feature_is_drawn(browser, offline_page, corridor, repo_root):
    context = json.loads((repo_root / "data" / "context.geojson").read_text(encoding="utf-8"))["features"]
    places = json.loads((repo_root / "data" / "places.geojson").read_text(encoding="utf-8"))["features"]
    ticks = int(GEOD.geometry_length(corridor.patrol_segment) // 10_000) + 1
    expected = {
        "path.idlib-context": len(context),
        "path.idlib-corridor": 2,
        "path.idlib-m4": 1,
        "path.idlib-patrol": 1,
        "path.idlib-patrol-end": 2,
        "path.idlib-tick": ticks,
        "path.idlib-place": len(places),
    }
    wait(browser).until(lambda d: _count(d, "path.leaflet-interactive") >= sum(expected.values()))
    assert {sel: _count(browser, sel) for sel in expected} == expected
    assert _count(browser, "path.leaflet-interactive") == sum(expected.values())
    assert _count(browser, ".leaflet-tooltip-pane .idlib-km") == ticks - 1


def test_the_twelve_posts_are_drawn_as_markers_styled_by_fate(browser, offline_page, repo_root):
    posts = json.loads((repo_root / "data" / "posts.geojson").read_text(encoding="utf-8"))["features"]
    fates = [p["properties"]["fate"] for p in posts]
    assert _count(browser, ".leaflet-marker-pane .idlib-post") == 12
    assert _count(browser, ".leaflet-marker-pane .idlib-post-remained") == fates.count("remained")
    assert _count(browser, ".leaflet-marker-pane .idlib-post-evacuated") == fates.count("evacuated")
    assert _count(browser, ".leaflet-marker-pane img") == 0  # no image icon, default or other


def test_layer_control_lists_every_layer(browser, offline_page):
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.textContent.trim())"
    )
    assert names == OVERLAYS
    assert _count(browser, ".leaflet-control-layers-selector") == len(OVERLAYS)


def test_legend_scale_bar_and_controls_are_on_the_map(browser, offline_page):
    for selector in (
        ".idlib-legend",
        ".leaflet-control-scale",
        ".idlib-measure",
        ".idlib-fullscreen",
        ".idlib-mouse-position",
        ".leaflet-control-attribution",
    ):
        assert _count(browser, selector) == 1, selector
    attribution = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-attribution").text
    assert "OpenStreetMap" in attribution
    assert "Natural Earth" in attribution


# ----------------------------------------------------------------------------------------- interaction


def test_switching_a_layer_off_and_on_hides_and_shows_its_features(browser, fresh_offline_page):
    def toggle(name: str) -> None:
        browser.execute_script(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".find(l => l.textContent.trim() === arguments[0]).querySelector('input').click()",
            name,
        )

    before = _count(browser, "path.idlib-place")
    toggle("Places")
    assert _count(browser, "path.idlib-place") == 0
    toggle("Places")
    assert _count(browser, "path.idlib-place") == before > 0


def test_clicking_each_post_opens_its_popup_with_its_name(browser, fresh_offline_page, repo_root):
    posts = json.loads((repo_root / "data" / "posts.geojson").read_text(encoding="utf-8"))["features"]
    for feature in posts:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        # Bring the post to the middle (an earlier popup may have panned it away), close that popup.
        _js(
            browser,
            "map.closePopup(); map.setView([arguments[0], arguments[1]], map.getZoom(), {animate: false});",
            lat,
            lon,
        )
        wait(browser).until(lambda d: _count(d, ".leaflet-popup") == 0)  # it fades out
        marker = browser.find_element(By.CSS_SELECTOR, f".idlib-post[title^='Post {props['number']}: ']")
        marker.click()
        text = _popup_text(browser)
        assert props["name"] in text
        assert all(alt in text for alt in props["alt_names"])


def test_mouse_position_shows_lon_lat_under_the_pointer(browser, fresh_offline_page):
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(browser).move_to_element_with_offset(container, 100, 60).perform()
    text = browser.find_element(By.CSS_SELECTOR, ".idlib-mouse-position").text
    m = re.fullmatch(r"lon (-?\d+\.\d{5}), lat (-?\d+\.\d{5})", text)
    assert m, text
    # Where Leaflet puts that pixel (100, 60 right of and below the container's centre).
    expected = _js(
        browser,
        "var s = map.getSize(); var p = map.containerPointToLatLng([s.x / 2 + 100, s.y / 2 + 60]);"
        "return [p.lng, p.lat, map.containerPointToLatLng([0, 0]).lng - map.containerPointToLatLng([1, 0]).lng];",
    )
    one_px = abs(expected[2])
    assert float(m.group(1)) == pytest.approx(expected[0], abs=2 * one_px)
    assert float(m.group(2)) == pytest.approx(expected[1], abs=2 * one_px)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((35.859, 36.768), (35.779, 36.166)),  # Trumba - Ain al-Havr
        ((35.0, 35.0), (36.0, 38.0)),
        ((0.0, 0.0), (0.5, 179.5)),  # long, near the equator
        ((35.8, 36.4), (35.8, 36.4)),  # no distance
    ],
)
def test_measure_tool_distance_is_geodesic_on_wgs84(browser, offline_page, a, b):
    measured = browser.execute_script(
        "return L.Control.IdlibMeasure.geodesicDistance(L.latLng(arguments[0]), L.latLng(arguments[1]))", a, b
    )
    _, _, expected = GEOD.inv(a[1], a[0], b[1], b[0])
    assert measured == pytest.approx(expected, abs=1e-3)


def test_measure_tool_adds_clicked_points_and_shows_their_length(browser, fresh_offline_page):
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    for dx, dy in ((-150, 120), (50, 140), (200, 100)):
        ActionChains(browser).move_to_element_with_offset(container, dx, dy).click().perform()
    points = _js(browser, "return map.idlibControls.measure._points.map(p => [p.lat, p.lng]);")
    assert len(points) == 3
    expected_m = sum(GEOD.inv(p[1], p[0], q[1], q[0])[2] for p, q in itertools.pairwise(points))
    readout = browser.find_element(By.CSS_SELECTOR, ".idlib-measure-readout").text
    m = re.fullmatch(r"(\d+\.\d{3}) km \(3 points, geodesic\)", readout)
    assert m, readout
    assert float(m.group(1)) == pytest.approx(expected_m / 1000, abs=0.0006)
    assert expected_m > 1000
    browser.find_element(By.CSS_SELECTOR, ".idlib-measure-toggle").click()  # stop: the line goes
    assert _js(browser, "return map.hasLayer(map.idlibControls.measure._layer);") is False


def test_fullscreen_button_fills_the_screen_with_the_map_and_back(browser, fresh_offline_page):
    button = browser.find_element(By.CSS_SELECTOR, ".idlib-fullscreen-toggle")
    is_full = "return document.fullscreenElement === document.querySelector('.folium-map')"
    button.click()
    wait(browser).until(lambda d: d.execute_script(is_full))
    button.click()
    wait(browser).until(lambda d: d.execute_script("return document.fullscreenElement === null"))


def test_a_name_with_markup_shows_as_text_in_its_popup(browser, pages):
    page = open_offline(browser, pages["hostile"])
    assert page.errors() == []
    browser.find_element(By.CSS_SELECTOR, ".idlib-post[title^='Post 1: ']").click()
    text = _popup_text(browser)
    assert "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned = 2'>Salwa" in text
    assert browser.execute_script("return window.__pwned === undefined")
    assert _count(browser, ".leaflet-popup-content script, .leaflet-popup-content img") == 0
    assert page.requests_beyond_the_page() == []  # the <img src=x> never became an element that loads


# ----------------------------------------------------------------------------------------- time slider


def test_the_page_opens_on_the_posts_final_status_with_the_time_layers_off(
    browser, offline_page, corridor, events, slider_days, repo_root
):
    assert _layer_checkboxes(browser) == {name: name not in TIME_LAYERS for name in OVERLAYS}
    assert _time_posts(browser) == 0  # no post drawn twice
    assert _count(browser, "path.idlib-event") == 0
    # The panel gives the state on the slider's last day, which agrees with the final-status markers.
    assert browser.find_element(By.CSS_SELECTOR, ".idlib-date").text == slider_days[1]
    fates = [p["properties"]["fate"] for p in _features(repo_root, "posts.geojson")]
    state = corridor_as_of(corridor, slider_days[1], events=events)
    assert len(state.posts_existing) == fates.count("remained")
    assert len(state.posts_evacuated) == fates.count("evacuated")
    panel = browser.find_element(By.CSS_SELECTOR, ".idlib-timeline").text
    assert f"Posts: {fates.count('remained')} manned, {fates.count('evacuated')} evacuated" in panel
    assert "final status" in browser.find_element(By.CSS_SELECTOR, ".idlib-hint").text


def test_the_slider_shows_the_posts_and_events_of_each_day(
    browser, fresh_offline_page, corridor, events, slider_days, artifacts_dir
):
    seen = {}
    for day in ("2017-11-01", "2018-06-01", "2020-06-01"):
        _slide_to(browser, day, slider_days[0])
        assert browser.find_element(By.CSS_SELECTOR, ".idlib-date").text == day
        seen[day] = _drawn_on_map(browser)
        assert seen[day] == _expected_on(corridor, events, day), day
        assert _count(browser, ".leaflet-marker-pane .idlib-post") == 0, day  # the final-status markers gave way
    assert seen["2017-11-01"]["posts"] < seen["2018-06-01"]["posts"]  # the visible post count changes
    assert _layer_checkboxes(browser) == {name: name not in FINAL_POSTS for name in OVERLAYS}
    assert "on this day" in browser.find_element(By.CSS_SELECTOR, ".idlib-hint").text
    browser.save_screenshot(str(artifacts_dir / "offline_map_timeline.png"))
    assert _since_last_look(browser) == ([], [])


def test_screenshot_of_the_map_on_a_day_is_saved(artifacts_dir):
    # Written by the test above (the slider on 2020-06-01): look at it.
    png = (artifacts_dir / "offline_map_timeline.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 20_000


def test_play_advances_the_slider_day_by_day_and_pause_stops_it(
    browser, fresh_offline_page, corridor, events, slider_days
):
    _slide_to(browser, slider_days[0], slider_days[0])
    assert _time_posts(browser) == 0
    play = browser.find_element(By.CSS_SELECTOR, ".idlib-play")
    play.click()
    assert play.get_attribute("title") == "pause"
    wait(browser).until(lambda d: _time_posts(d) > 0)
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, ".idlib-date").text > "2018-02-28")
    play.click()
    assert play.get_attribute("title") == "play"
    day = browser.find_element(By.CSS_SELECTOR, ".idlib-date").text
    assert slider_days[0] < day < slider_days[1]
    assert _drawn_on_map(browser) == _expected_on(corridor, events, day)
    assert _since_last_look(browser) == ([], [])


def _opacity(driver, selector: str) -> list[float]:
    """The effective opacity (CSS opacity times stroke opacity) of each element matching ``selector``."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => {"
        "  var s = getComputedStyle(e); return parseFloat(s.opacity) * parseFloat(s.strokeOpacity || 1); })",
        selector,
    )


def test_the_corridor_layers_fade_on_the_slider_days_before_the_corridor(
    browser, fresh_offline_page, corridor, events, slider_days
):
    faded = "path.idlib-corridor, path.idlib-patrol, path.idlib-tick"
    at_load = _opacity(browser, faded)
    assert len(at_load) == 2 + 1 + _count(browser, "path.idlib-tick")
    assert min(at_load) > 0.5
    for day in ("2019-01-01", "2020-06-01", "2019-01-01"):
        _slide_to(browser, day, slider_days[0])
        exists = corridor_as_of(corridor, day, events=events).corridor
        assert exists is (day > "2020-03-06"), day
        shown = _opacity(browser, faded)
        assert (min(shown) > 0.5) if exists else (max(shown) < 0.5), (day, shown)
        flags = browser.find_element(By.CSS_SELECTOR, ".idlib-flags").text
        assert ("corridor: yes" in flags) is exists
        visible_km = browser.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-tooltip.idlib-km'))"
            ".filter(e => getComputedStyle(e).visibility === 'visible').length"
        )
        assert visible_km == (_count(browser, ".leaflet-tooltip.idlib-km") if exists else 0)
    # Switching the slider's layers off brings the final view back, corridor and all.
    for name in TIME_LAYERS:
        _toggle(browser, name)
    assert min(_opacity(browser, faded)) > 0.5


def test_agreements_along_the_route_are_thin_grey_dashes_and_patrols_red(browser, fresh_offline_page, slider_days):
    _slide_to(browser, "2020-07-25", slider_days[0])  # the corridor events and the full-route patrol of 22 July
    styles = browser.execute_script(
        "return Array.from(document.querySelectorAll('path.idlib-event')).map(e => [e.getAttribute('class'),"
        " e.getAttribute('stroke'), e.getAttribute('stroke-dasharray'), +e.getAttribute('stroke-width')])"
    )
    corridor = [s for s in styles if "idlib-event-corridor" in s[0]]
    patrols = [s for s in styles if "idlib-event-patrol" in s[0]]
    assert corridor
    assert patrols
    assert all(dash and color.lower() != "#b91c1c" and width <= 2 for _, color, dash, width in corridor)
    recent_patrol = [s for s in patrols if s[1].lower() == "#b91c1c"]
    assert recent_patrol
    assert all(not dash and width >= 4 for _, _, dash, width in recent_patrol)
    legend = browser.find_element(By.CSS_SELECTOR, ".idlib-legend").get_attribute("textContent")
    assert "Agreement on the route (not a patrol)" in legend


def test_the_sliders_post_popups_give_spellings_and_coordinate_source(browser, fresh_offline_page, slider_days):
    posts = _features(Path(__file__).resolve().parent.parent, "posts.geojson")
    _slide_to(browser, "2020-06-01", slider_days[0])
    props = posts[1]["properties"]  # a post with alternative spellings
    assert props["alt_names"]
    browser.execute_script(
        "Array.from(document.querySelectorAll('.idlib-tl-post')).find(e => e.textContent === arguments[0])"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        str(props["number"]),
    )
    text = _popup_text(browser)
    assert text.startswith(f"Post {props['number']}: {props['name']}On 2020-06-01")
    for alt in props["alt_names"]:
        assert alt in text
    words = {"S": "sourced", "P": "proxy", "E": "estimate"}
    assert f"{props['confidence']} ({words[props['confidence']]})" in text
    assert props["source"] in text


@pytest.mark.parametrize("size", [(1280, 900), (1024, 640)])
def test_the_patrol_start_label_is_not_east_of_its_marker_nor_on_a_post(browser, pages, size):
    old = browser.get_window_size()
    try:
        browser.set_window_size(*size)
        open_offline(browser, pages["offline"])
        labels = browser.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-tooltip.idlib-end'))"
            ".map(e => [e.textContent, e.getBoundingClientRect().toJSON()])"
        )
        label = next(box for text, box in labels if "patrol start" in text)
        dot = _box(browser, "path.idlib-patrol-start")
        centre_x = (dot["left"] + dot["right"]) / 2
        assert (label["left"] + label["right"]) / 2 <= centre_x + 1  # west of or above the marker
        posts = browser.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-marker-pane .idlib-post'))"
            ".map(e => e.getBoundingClientRect().toJSON())"
        )
        assert not any(_overlap(label, p) for p in posts), (label, posts)
        # The km labels the QA review found on place labels and posts are clear of them at both sizes.
        boxes = browser.execute_script(
            "return Object.fromEntries(Array.from(document.querySelectorAll('.leaflet-tooltip.idlib-label'))"
            ".map(e => [e.textContent, e.getBoundingClientRect().toJSON()]))"
        )
        post_12 = _box(browser, ".leaflet-marker-pane .idlib-post[title^='Post 12: ']")
        clashes = [("20 km", "Bsanqul"), ("60 km", "Bdama"), ("20 km", "Jisr al-Shughur")]
        assert not [(k, p) for k, p in clashes if _overlap(boxes[k], boxes[p])]
        assert not _overlap(boxes["60 km"], post_12)
    finally:
        browser.set_window_size(old["width"], old["height"])


def test_the_layer_control_brings_the_final_status_back(browser, fresh_offline_page, slider_days, repo_root):
    fates = [p["properties"]["fate"] for p in _features(repo_root, "posts.geojson")]
    _slide_to(browser, "2018-03-01", slider_days[0])
    shown_then = _time_posts(browser)
    _toggle(browser, FINAL_POSTS[0])
    assert _count(browser, ".leaflet-marker-pane .idlib-post-remained") == fates.count("remained")
    assert "final status" in browser.find_element(By.CSS_SELECTOR, ".idlib-hint").text
    _toggle(browser, TIME_LAYERS[0])
    assert _time_posts(browser) == 0
    _toggle(browser, TIME_LAYERS[0])
    assert _time_posts(browser) == shown_then > 0
    # Moving the slider again keeps the user's choice: both views stay.
    _slide_to(browser, "2018-06-01", slider_days[0])
    assert _count(browser, ".leaflet-marker-pane .idlib-post-remained") == fates.count("remained")
    assert _time_posts(browser) > shown_then


def _box(driver, selector: str) -> dict[str, float]:
    return driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()", selector
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("height", [900, 640])
def test_panels_and_controls_do_not_overlap(browser, pages, height):
    size = browser.get_window_size()
    try:
        browser.set_window_size(1280, height)
        open_offline(browser, pages["offline"])
        wait(browser).until(lambda d: _count(d, ".idlib-timeline") == 1)
        selectors = [
            ".idlib-legend",
            ".idlib-timeline",
            ".leaflet-control-scale",
            ".leaflet-control-attribution",
            ".leaflet-control-layers",
            ".idlib-mouse-position",
            ".leaflet-control-zoom",
            ".idlib-measure",
            ".idlib-fullscreen",
        ]
        boxes = {sel: _box(browser, sel) for sel in selectors}
        for a, b in itertools.combinations(selectors, 2):
            assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
        if height < 900:  # on a short map the legend scrolls rather than run under the slider
            legend = browser.find_element(By.CSS_SELECTOR, ".idlib-legend")
            assert browser.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight", legend)
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_a_name_with_markup_shows_as_text_in_the_time_sliders_tooltip_and_popup(browser, pages, slider_days):
    page = open_offline(browser, pages["hostile"])
    _slide_to(browser, "2020-06-01", slider_days[0])
    marker = next(e for e in browser.find_elements(By.CSS_SELECTOR, ".idlib-tl-post") if e.text == "1")
    ActionChains(browser).move_to_element(marker).perform()
    name = "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned = 2'>Salwa"
    tips = wait(browser).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-tooltip-pane .leaflet-tooltip'))"
            ".map(t => t.textContent).filter(t => t.startsWith('Post 1 '))"
        )
    )
    assert tips == [f"Post 1 {name}: manned"]
    marker.click()
    assert f"Post 1: {name}" in _popup_text(browser)
    assert browser.execute_script("return window.__pwned === undefined")
    assert _count(browser, ".leaflet-tooltip-pane img, .leaflet-tooltip-pane script, .leaflet-popup-content img") == 0
    assert page.errors() == []
    assert _since_last_look(browser) == ([], [])


def test_past_the_datas_end_the_slider_says_where_the_record_stops(browser, corridor, slider_days, tmp_path):
    m = build_map(corridor, offline=True, timeline_end="2022-06-30")
    open_offline(browser, save_map(m, tmp_path / "later.html"))
    flags = {}
    for day in ("2022-06-01", "2020-06-01", "2021-01-31", "2021-02-01"):
        _slide_to(browser, day, slider_days[0])
        flags[day] = browser.find_element(By.CSS_SELECTOR, ".idlib-flags").text
    # the record ends on 31 January 2021 (the day the last evacuation, reported for December-January, is certain)
    note = "events recorded up to 2021-01-31"
    assert note in flags["2022-06-01"]
    assert note in flags["2021-02-01"]
    assert note not in flags["2020-06-01"]
    assert note not in flags["2021-01-31"]
