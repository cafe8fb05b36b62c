"""The time slider: its page data follows the posts' dates, its script is our own, and it plays in a browser."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
import re
from pathlib import Path

import folium
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from geo.data import data_path
from geo.history import POST_STATUSES, change_days, corridor_as_of, read_events
from geo.maps.assets import OfflineAssets, external_references
from geo.maps.timeline import EVENTS_LAYER_NAME, POSTS_LAYER_NAME, add_time_slider, timeline_data


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
    """Set up for certain by ``day``: the end of its month or reported range, or its 'by' day if earlier."""
    p = post["properties"]
    value = p["established_end"] or p["established"]
    if len(value) == 7:
        y, m = int(value[:4]), int(value[5:])
        certain = dt.date(y, m, calendar.monthrange(y, m)[1])
    else:
        certain = dt.date.fromisoformat(value)
    if p["established_by"] is not None:
        certain = min(certain, dt.date.fromisoformat(p["established_by"]))
    return certain <= day


# --- the rendered page --------------------------------------------------------------------------------


def test_page_embeds_the_12_posts_at_their_data_coordinates(page, raw_posts):
    data = _embedded(page)
    assert [p["name"] for p in data["posts"]] == [f["properties"]["name"] for f in raw_posts]
    for p, f in zip(data["posts"], raw_posts, strict=True):
        assert [p["lon"], p["lat"]] == f["geometry"]["coordinates"]


def test_page_spans_october_2017_to_january_2021_by_default(page):
    data = _embedded(page)
    assert data["start"] == "2017-10-01"
    assert data["end"] == "2021-01-31"
    assert data["days"] == (dt.date(2021, 1, 31) - dt.date(2017, 10, 1)).days


@pytest.mark.parametrize("day", ["2017-11-01", "2017-12-01", "2018-03-01", "2018-06-01"])
def test_visible_posts_on_a_day_are_those_set_up_by_then(page, raw_posts, day):
    day = dt.date.fromisoformat(day)
    frame = _frame(_embedded(page), day)
    shown = [s != "not_established" for s in frame["status"]]
    assert shown == [_set_up_by(f, day) for f in raw_posts]


def test_the_visible_post_count_changes_between_two_dates(page):
    data = _embedded(page)

    def visible(day: str) -> int:
        return sum(s != "not_established" for s in _frame(data, dt.date.fromisoformat(day))["status"])

    assert visible("2017-11-01") == 1  # Salwa, 12-13 October 2017
    assert visible("2017-12-01") == 3  # and Qalaat Samaan (by 23 Nov) and Sheikh Aqil (by 27 Nov)
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


def test_post_details_must_be_one_string_per_post(corridor):
    with pytest.raises(ValueError, match=r"post_details: 11 item\(s\), expected one per post \(12\)"):
        add_time_slider(folium.Map(tiles=None), corridor, post_details=["<b>x</b>"] * 11)
    with pytest.raises(ValueError, match=r"post_details\[3\]=None: expected a string"):
        add_time_slider(folium.Map(tiles=None), corridor, post_details=["x"] * 3 + [None] + ["x"] * 8)


def test_arrangements_are_styled_apart_from_patrols_and_never_red(page):
    data = _embedded(page)
    corridor_events = [e for e in data["events"] if e["type"] == "corridor" and e["geometry"]]
    assert corridor_events, "the data has corridor events drawn along the route"
    assert all(e["type"] in data["arrangement_types"] for e in corridor_events)
    assert "patrol" not in data["arrangement_types"]
    for when in ("recent", "earlier"):
        style = data["arrangement_styles"][when]
        assert style["dashArray"]
        assert style["color"] != data["event_styles"]["recent"]["color"]
        assert style["weight"] < data["event_styles"]["recent"]["weight"]


def test_only_a_folium_map_takes_a_slider(corridor):
    with pytest.raises(ValueError, match=r"expected a folium\.Map"):
        add_time_slider("map.html", corridor)  # type: ignore[arg-type]


def test_events_about_a_post_carry_its_number(corridor):
    raw = json.loads(data_path("events.geojson").read_text(encoding="utf-8"))["features"]
    expected = {f["properties"]["id"]: f["properties"].get("post") for f in raw}
    data = timeline_data(corridor)
    assert {e["id"]: e["post"] for e in data["events"]} == expected
    assert all(e["post"] is not None for e in data["events"] if e["type"].startswith("post_"))


def test_every_status_of_a_set_up_post_has_its_own_symbol(page):
    for status in POST_STATUSES[1:]:
        assert re.search(rf"\.idlib-tl-{status} \{{[^}}]*background: #[0-9a-f]{{6}}", page), status
    assert "idlib-tl-not_established" not in page  # a post not yet set up is not drawn


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}


def test_the_slider_draws_into_two_named_layers_shown_from_the_start(corridor):
    m = add_time_slider(folium.Map(tiles=None), corridor)
    groups = _groups(m)
    assert list(groups) == [POSTS_LAYER_NAME, EVENTS_LAYER_NAME]
    assert all(g.show for g in groups.values())
    html = m.get_root().render()
    assert "var replaced = [];" in html


def test_layers_the_slider_replaces_show_first_and_its_own_start_off(corridor):
    m = folium.Map(tiles=None)
    final = folium.FeatureGroup(name="Posts, final status").add_to(m)
    add_time_slider(m, corridor, replaces=[final])
    groups = _groups(m)
    assert groups["Posts, final status"].show
    assert not groups[POSTS_LAYER_NAME].show
    assert not groups[EVENTS_LAYER_NAME].show
    html = m.get_root().render()
    assert f"var replaced = [{final.get_name()}];" in html


def test_only_a_layer_of_the_map_can_be_replaced(corridor):
    elsewhere = folium.FeatureGroup(name="elsewhere").add_to(folium.Map(tiles=None))
    with pytest.raises(ValueError, match=r"replaces\[0\]=.*expected a layer .* added to the map m"):
        add_time_slider(folium.Map(tiles=None), corridor, replaces=[elsewhere])
    with pytest.raises(ValueError, match=r"replaces\[0\]='posts'"):
        add_time_slider(folium.Map(tiles=None), corridor, replaces=["posts"])  # type: ignore[list-item]


# --- in a browser (headless Chromium: the ``browser`` fixture of conftest.py) ------------------------


def _offline_page(m: folium.Map, path: Path) -> Path:
    html = m.get_root().render()
    assert external_references(html) == []
    path.write_text(html, encoding="utf-8")
    return path


def _offline_map() -> folium.Map:
    m = folium.Map(location=[35.9, 36.6], zoom_start=8, tiles=None)
    m.default_js, m.default_css = [], []
    m.add_child(OfflineAssets())
    return m


def _shown(browser, selector: str = "") -> int:
    return browser.execute_script(
        "return document.querySelectorAll('.leaflet-marker-pane .idlib-tl-post' + arguments[0]).length", selector
    )


@pytest.mark.browser
def test_the_slider_plays_in_the_offline_page_and_the_visible_posts_change(browser, corridor, tmp_path):
    path = _offline_page(add_time_slider(_offline_map(), corridor), tmp_path / "timeline.html")
    start = dt.date.fromisoformat(_embedded(path.read_text(encoding="utf-8"))["start"])
    browser.get_log("browser")
    browser.get(path.as_uri())
    assert browser.execute_script("return typeof L") == "object"

    def slide_to(day: str) -> tuple[int, int, str]:
        browser.execute_script(
            "var s = document.querySelector('.idlib-slider'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input', {bubbles: true}));",
            (dt.date.fromisoformat(day) - start).days,
        )
        return (
            _shown(browser),
            _shown(browser, ".idlib-tl-evacuated"),
            browser.find_element("css selector", ".idlib-date").text,
        )

    assert slide_to("2017-12-01") == (3, 0, "2017-12-01")
    assert slide_to("2018-06-01") == (12, 0, "2018-06-01")
    assert slide_to("2021-01-31") == (12, 8, "2021-01-31")  # al-Eis: left by the end of January 2021
    panel = browser.find_element("css selector", ".idlib-timeline").text
    assert "4 manned" in panel
    assert "8 evacuated" in panel
    # With nothing to replace, the page has no hint about a final-status view.
    assert not browser.find_element("css selector", ".idlib-hint").is_displayed()

    # The step button walks to the next change: from the start, 12 October 2017, when Salwa's reported
    # range (12-13 October) begins and it may be set up; then 13 October, when it is.
    slide_to("2017-10-01")
    browser.find_element("css selector", ".idlib-next").click()
    assert browser.find_element("css selector", ".idlib-date").text == "2017-10-12"
    assert _shown(browser) == 0
    browser.find_element("css selector", ".idlib-next").click()
    assert browser.find_element("css selector", ".idlib-date").text == "2017-10-13"
    assert _shown(browser) == 1

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


@pytest.mark.browser
def test_play_runs_through_every_change_to_the_last_day(browser, corridor, tmp_path):
    m = add_time_slider(_offline_map(), corridor, initial="2017-10-01", interval_ms=20)
    browser.get(_offline_page(m, tmp_path / "play.html").as_uri())
    assert _shown(browser) == 0
    browser.find_element("css selector", ".idlib-play").click()
    WebDriverWait(browser, 30, poll_frequency=0.05).until(
        lambda b: (
            b.find_element("css selector", ".idlib-date").text == "2021-01-31"
            and b.find_element("css selector", ".idlib-play").get_attribute("title") == "play"
        )
    )
    assert _shown(browser) == 12


@pytest.mark.browser
def test_a_posts_popup_tells_its_status_and_its_events_up_to_the_day(browser, corridor, tmp_path, raw_posts):
    browser.get(_offline_page(add_time_slider(_offline_map(), corridor), tmp_path / "popup.html").as_uri())
    day = "2020-11-30"
    browser.execute_script("Object.values(window.idlibTimelines)[0].setDate(arguments[0])", day)
    state = corridor_as_of(corridor, day)
    events = read_events()
    labels = {"active": "manned", "besieged": "manned, surrounded", "evacuated": "evacuated"}
    for post, status in zip(raw_posts, state.posts["status"], strict=True):
        number = post["properties"]["number"]
        browser.execute_script(
            "Array.from(document.querySelectorAll('.idlib-tl-post')).find(e => e.textContent === arguments[0])"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            str(number),
        )
        text = WebDriverWait(browser, 10, poll_frequency=0.05).until(  # the last popup may still be fading
            lambda b, title=f"Post {number}: ": b.execute_script(
                "return Array.from(document.querySelectorAll('.leaflet-popup-content'))"
                ".map(p => p.textContent).find(t => t.startsWith(arguments[0]))",
                title,
            )
        )
        assert text.startswith(f"Post {number}: {post['properties']['name']}On {day}: {labels[status]}")
        # an event counts from the day it has certainly happened (the end of its month or range, or its 'by' day)
        own = events[(events["post"] == number) & (events["day_certain"] <= dt.date.fromisoformat(day))]
        assert len(own) > 0
        for _, e in own.iterrows():
            assert f"{e['date']}  {e['name']}" in text
        later = events[(events["post"] == number) & (events["day_certain"] > dt.date.fromisoformat(day))]
        for _, e in later.iterrows():
            assert e["name"] not in text
        browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
