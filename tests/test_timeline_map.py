"""The time slider: its page data follows the posts' dates, its script is our own, and it plays in a browser."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
import re
import shutil
import tempfile
from pathlib import Path

import folium
import pytest

from geo.data import data_path
from geo.history import change_days, corridor_as_of, read_events
from geo.offline import OfflineAssets, external_references
from geo.timeline_map import add_time_slider, timeline_data

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def raw_posts() -> list[dict]:
    return json.loads(data_path("posts.geojson").read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def page(corridor) -> str:
    m = folium.Map(location=[35.9, 36.6], zoom_start=8, tiles=None)
    add_time_slider(m, corridor)
    return m.get_root().render()


def _embedded(html: str) -> dict:
    found = re.findall(r'<script type="application/json" id="(time_slider_\w+)_data">(.*?)</script>', html, re.S)
    assert len(found) == 1
    name, text = found[0]
    assert f'var name = "{name}"' in html
    return json.loads(text)


def _frame(data: dict, day: dt.date) -> dict:
    """The frame the page shows on ``day``: the last one on or before it (as the page's binary search)."""
    off = (day - dt.date.fromisoformat(data["start"])).days
    days = [f["day"] for f in data["frames"]]
    return data["frames"][bisect.bisect_right(days, off) - 1]


def _set_up_by(post: dict, day: dt.date) -> bool:
    value = post["properties"]["established"]
    if len(value) == 7:
        y, m = int(value[:4]), int(value[5:])
        return dt.date(y, m, calendar.monthrange(y, m)[1]) <= day
    return dt.date.fromisoformat(value) <= day


# --- the rendered page --------------------------------------------------------------------------------


def test_page_embeds_the_12_posts_at_their_data_coordinates(page, raw_posts):
    data = _embedded(page)
    assert [p["name"] for p in data["posts"]] == [f["properties"]["name"] for f in raw_posts]
    for p, f in zip(data["posts"], raw_posts, strict=True):
        assert [p["lon"], p["lat"]] == f["geometry"]["coordinates"]


def test_page_spans_october_2017_to_january_2021_by_default(page):
    data = _embedded(page)
    assert data["start"] == "2017-10-01"
    assert data["end"] == "2021-01-12"
    assert data["days"] == (dt.date(2021, 1, 12) - dt.date(2017, 10, 1)).days


@pytest.mark.parametrize("day", ["2017-11-01", "2018-03-01", "2018-06-01"])
def test_visible_posts_on_a_day_are_those_set_up_by_then(page, raw_posts, day):
    day = dt.date.fromisoformat(day)
    frame = _frame(_embedded(page), day)
    shown = [s != "not_established" for s in frame["status"]]
    assert shown == [_set_up_by(f, day) for f in raw_posts]


def test_the_visible_post_count_changes_between_two_dates(page):
    data = _embedded(page)

    def visible(day: str) -> int:
        return sum(s != "not_established" for s in _frame(data, dt.date.fromisoformat(day))["status"])

    assert visible("2017-11-01") == 2  # Salwa and Qalaat Samaan, October 2017
    assert visible("2018-06-01") == 12


def test_evacuated_posts_at_the_end_are_those_the_data_says(page, raw_posts):
    frame = _embedded(page)["frames"][-1]
    evacuated = [f["properties"]["fate"] == "evacuated" for f in raw_posts]
    assert [s == "evacuated" for s in frame["status"]] == evacuated


def test_the_page_shows_the_as_of_state_on_every_day(corridor):
    events = read_events()
    data = timeline_data(corridor, events)
    start = dt.date.fromisoformat(data["start"])
    days = {start + dt.timedelta(days=k) for k in range(0, data["days"] + 1, 9)}
    for d in change_days(corridor, events):
        days.update({d - dt.timedelta(days=1), d})
    for day in sorted(x for x in days if start <= x <= dt.date.fromisoformat(data["end"])):
        state = corridor_as_of(corridor, day, events=events)
        frame = _frame(data, day)
        assert frame["status"] == list(state.posts["status"]), day
        assert [data["events"][k]["id"] for k in frame["events"]] == list(state.events["id"]), day
        assert (frame["ceasefire"], frame["joint_patrols"]) == (state.ceasefire, state.joint_patrols), day


def test_the_slider_script_loads_nothing_from_the_network(corridor):
    m = folium.Map(tiles=None)
    m.default_js, m.default_css = [], []
    m.add_child(OfflineAssets())
    html = add_time_slider(m, corridor).get_root().render()
    assert external_references(html) == []
    script = html[html.index("(function () {\n  var map") :]
    assert "http" not in script.split("</script>")[0]


def test_event_text_cannot_break_out_of_the_page(corridor):
    events = read_events()
    evil = "</script><script>alert(1)</script> & <b>"
    events.loc[0, "description"] = evil
    html = add_time_slider(folium.Map(tiles=None), corridor, events).get_root().render()
    assert "<script>alert(1)" not in html
    assert _embedded(html)["events"][0]["description"] == evil


def test_a_window_of_days_starts_and_ends_where_asked(corridor):
    data = timeline_data(corridor, start="2020-03-01", end="2020-09-30")
    assert data["frames"][0]["date"] == "2020-03-01"
    assert data["frames"][0]["ceasefire"] is False
    assert all("2020-03-01" <= f["date"] <= "2020-09-30" for f in data["frames"])
    assert _frame(data, dt.date(2020, 9, 30))["joint_patrols"] is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"position": "middle"}, "position='middle'"),
        ({"interval_ms": 0}, "interval_ms=0"),
        ({"start": "2020-05-01", "end": "2020-01-01"}, "after end"),
        ({"start": "2020-05"}, "start='2020-05' is a month"),
        ({"initial": "2030-01-01"}, "outside the slider's days"),
    ],
)
def test_bad_slider_options_are_refused(corridor, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_time_slider(folium.Map(tiles=None), corridor, **kwargs)


def test_only_a_folium_map_takes_a_slider(corridor):
    with pytest.raises(ValueError, match=r"expected a folium\.Map"):
        add_time_slider("map.html", corridor)  # type: ignore[arg-type]


# --- in a browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="idlib-chromium-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
def test_the_slider_plays_in_the_offline_page_and_the_visible_posts_change(browser, corridor, tmp_path):
    m = folium.Map(location=[35.9, 36.6], zoom_start=8, tiles=None)
    m.default_js, m.default_css = [], []
    m.add_child(OfflineAssets())
    add_time_slider(m, corridor)
    html = m.get_root().render()
    assert external_references(html) == []
    path = tmp_path / "timeline.html"
    path.write_text(html, encoding="utf-8")
    start = dt.date.fromisoformat(_embedded(html)["start"])

    browser.get(path.as_uri())
    assert browser.execute_script("return typeof L") == "object"

    def slide_to(day: str) -> tuple[int, int, str]:
        browser.execute_script(
            "var s = document.querySelector('.idlib-slider'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input', {bubbles: true}));",
            (dt.date.fromisoformat(day) - start).days,
        )
        shown = browser.execute_script("return document.querySelectorAll('path.idlib-post').length")
        evacuated = browser.execute_script(
            "return document.querySelectorAll('path.idlib-post[data-status=evacuated]').length"
        )
        return shown, evacuated, browser.find_element("css selector", ".idlib-date").text

    assert slide_to("2017-11-01") == (2, 0, "2017-11-01")
    assert slide_to("2018-06-01") == (12, 0, "2018-06-01")
    assert slide_to("2021-01-12") == (12, 8, "2021-01-12")
    panel = browser.find_element("css selector", ".idlib-timeline").text
    assert "4 manned" in panel
    assert "8 evacuated" in panel

    # The step button walks to the next change: from the start, the end of October 2017.
    slide_to("2017-10-01")
    browser.find_element("css selector", ".idlib-next").click()
    assert browser.find_element("css selector", ".idlib-date").text == "2017-10-31"
    assert browser.execute_script("return document.querySelectorAll('path.idlib-post').length") == 2

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


@pytest.mark.browser
def test_play_runs_through_every_change_to_the_last_day(browser, corridor, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    m = folium.Map(location=[35.9, 36.6], zoom_start=8, tiles=None)
    m.default_js, m.default_css = [], []
    m.add_child(OfflineAssets())
    add_time_slider(m, corridor, initial="2017-10-01", interval_ms=20)
    path = tmp_path / "play.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    browser.get(path.as_uri())
    assert browser.execute_script("return document.querySelectorAll('path.idlib-post').length") == 0
    browser.find_element("css selector", ".idlib-play").click()
    WebDriverWait(browser, 30).until(
        lambda b: (
            b.find_element("css selector", ".idlib-date").text == "2021-01-12"
            and b.find_element("css selector", ".idlib-play").get_attribute("title") == "play"
        )
    )
    assert browser.execute_script("return document.querySelectorAll('path.idlib-post').length") == 12
