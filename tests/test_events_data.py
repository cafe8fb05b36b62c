"""The shipped events: enough of them, sourced, dated as their sources give them, placed where the data says."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from geo.data import CONFIDENCE_CODES, data_path
from geo.history import EVENT_TYPES, read_events

RANK = {"S": 0, "P": 1, "E": 2}
#: Publications named in the project's reference notes (FACTS.md), plus the agreements' own texts.
KNOWN_SOURCES = (
    "Anadolu Agency",
    "MEMO",
    "SOHR",
    "TASS",
    "Daily Sabah",
    "voltairenet",
    "PA-X",
    "Sochi memorandum",
    "Press reports",
)


def _raw(name: str) -> dict:
    return json.loads(data_path(name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw_events() -> list[dict]:
    return _raw("events.geojson")["features"]


@pytest.fixture(scope="module")
def raw_posts() -> dict[int, dict]:
    return {f["properties"]["number"]: f for f in _raw("posts.geojson")["features"]}


def _of(raw_events: list[dict], event_id: str) -> dict:
    return next(f for f in raw_events if f["properties"]["id"] == event_id)


def test_there_are_at_least_25_events_and_the_loader_reads_them_all(raw_events):
    assert len(raw_events) >= 25
    assert len(read_events()) == len(raw_events)


def test_every_event_has_a_known_type_a_named_source_and_a_confidence_code(raw_events):
    for f in raw_events:
        p = f["properties"]
        assert p["type"] in EVENT_TYPES, p["id"]
        assert any(s in p["source"] for s in KNOWN_SOURCES), (p["id"], p["source"])
        assert p["confidence"] in CONFIDENCE_CODES, p["id"]


def test_descriptions_are_short_sentences(raw_events):
    for f in raw_events:
        text = f["properties"]["description"]
        assert 20 <= len(text) <= 300, f["properties"]["id"]
        assert text.endswith("."), f["properties"]["id"]


def test_dates_are_iso_day_or_month_and_the_precision_says_which(raw_events):
    for f in raw_events:
        p = f["properties"]
        if p["date_precision"] == "day":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["date"]), p["id"]
        else:
            assert p["date_precision"] == "month", p["id"]
            assert re.fullmatch(r"\d{4}-\d{2}", p["date"]), p["id"]


def test_month_only_dates_stay_month_only_after_loading(raw_events):
    ev = read_events()
    by_id = dict(zip(ev["id"], ev["date"], strict=True))
    month_only = [f["properties"] for f in raw_events if f["properties"]["date_precision"] == "month"]
    assert len(month_only) >= 5
    for p in month_only:
        assert by_id[p["id"]] == p["date"]
        assert len(by_id[p["id"]]) == 7


def test_events_without_a_location_have_a_null_geometry_member(raw_events):
    unplaced = [f for f in raw_events if f["geometry"] is None]
    assert {"additional-protocol", "ceasefire", "sochi-memorandum"} <= {f["properties"]["id"] for f in unplaced}
    for f in unplaced:
        assert "geometry" in f
        assert f["properties"]["location_confidence"] is None


def test_post_events_sit_exactly_on_their_post_with_its_confidence(raw_events, raw_posts):
    at_posts = [f for f in raw_events if f["properties"]["post"] is not None]
    assert len(at_posts) >= 12
    for f in at_posts:
        post = raw_posts[f["properties"]["post"]]
        assert f["geometry"] == post["geometry"], f["properties"]["id"]
        assert f["properties"]["location_confidence"] == post["properties"]["confidence"]


def test_place_events_sit_exactly_on_their_place_with_its_confidence(raw_events):
    places = {f["properties"]["name"]: f for f in _raw("places.geojson")["features"]}
    at_places = [f for f in raw_events if f["properties"]["place"] is not None]
    assert {f["properties"]["place"] for f in at_places} >= {"Trumba", "Ariha", "al-Kufayr", "Muhambal"}
    for f in at_places:
        place = places[f["properties"]["place"]]
        assert f["geometry"] == place["geometry"], f["properties"]["id"]
        assert f["properties"]["location_confidence"] == place["properties"]["confidence"]


def test_route_events_follow_the_m4_waypoints_between_their_ends(raw_events):
    wps = sorted(_raw("m4_waypoints.geojson")["features"], key=lambda f: f["properties"]["order"])
    order = {f["properties"]["name"]: i for i, f in enumerate(wps)}
    routes = [f for f in raw_events if f["properties"]["route"] is not None]
    assert routes
    for f in routes:
        a, b = (order[n] for n in f["properties"]["route"])
        run = [wps[i] for i in (range(a, b - 1, -1) if a > b else range(a, b + 1))]
        assert f["geometry"]["type"] == "LineString"
        assert f["geometry"]["coordinates"] == [w["geometry"]["coordinates"] for w in run], f["properties"]["id"]
        worst = max((w["properties"]["confidence"] for w in run), key=RANK.get)
        assert f["properties"]["location_confidence"] == worst


def test_full_route_patrol_runs_from_trumba_to_ain_al_havr(raw_events):
    places = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in _raw("places.geojson")["features"]}
    line = _of(raw_events, "first-full-patrol")["geometry"]["coordinates"]
    assert line[0] == places["Trumba"]
    assert line[-1] == places["Ain al-Havr"]


def test_each_post_has_one_establishment_event_dated_as_in_posts_geojson(raw_events, raw_posts):
    est = [f["properties"] for f in raw_events if f["properties"]["type"] == "post_established"]
    assert sorted(p["post"] for p in est) == sorted(raw_posts)
    for p in est:
        post = raw_posts[p["post"]]["properties"]
        assert (p["date"], p["date_end"], p["date_by"]) == (
            post["established"],
            post["established_end"],
            post["established_by"],
        ), p["id"]


def test_each_evacuated_post_has_one_evacuation_event_dated_as_in_posts_geojson(raw_events, raw_posts):
    evac = [f["properties"] for f in raw_events if f["properties"]["type"] == "post_evacuated"]
    evacuated = {n for n, f in raw_posts.items() if f["properties"]["fate"] == "evacuated"}
    assert sorted(p["post"] for p in evac) == sorted(evacuated)
    for p in evac:
        post = raw_posts[p["post"]]["properties"]
        assert (p["date"], p["date_end"], p["date_by"]) == (
            post["evacuated"],
            post["evacuated_end"],
            post["evacuated_by"],
        ), p["id"]


@pytest.mark.parametrize(
    ("event_id", "date"),
    [
        # FACTS.md §1 and §3, as the sources give them.
        ("sochi-memorandum", "2018-09-17"),
        ("additional-protocol", "2020-03-05"),
        ("ceasefire", "2020-03-06"),
        ("first-joint-patrol", "2020-03-15"),
        ("patrol-reaches-mseibin", "2020-05-05"),
        ("ariha-bomb", "2020-07-14"),
        ("first-full-patrol", "2020-07-22"),
        ("patrols-suspended", "2020-08-13"),
        ("last-joint-patrol", "2020-08-25"),
    ],
)
def test_key_events_carry_the_dates_of_the_reference_notes(raw_events, event_id, date):
    assert _of(raw_events, event_id)["properties"]["date"] == date


def test_in_place_by_notes_give_a_by_day_and_the_month_stays_a_month(raw_events, raw_posts):
    # "In place by 14 Feb 2018" / "In place by 14 May 2018" in the posts' notes; FACTS.md: the 12th and last
    # post was set up on 16 May 2018, so al-Rashidin ("May 2018") was set up by then.
    expected = {3: "2018-02-14", 12: "2018-05-14", 5: "2018-05-16"}
    for number, by in expected.items():
        post = raw_posts[number]["properties"]
        assert post["established"] == by[:7], number  # the month, still month-only
        assert post["established_by"] == by, number
    for number in (3, 12):
        note = raw_posts[number]["properties"]["established_note"]
        day = dt.date.fromisoformat(expected[number])
        assert f"In place by {day.day} {day:%b} {day.year}" in note, note
    assert "16 May 2018" in raw_posts[5]["properties"]["established_note"]
    assert "Anadolu Agency" in _of(raw_events, "post-5-established")["properties"]["date_note"]
    others = {n for n, f in raw_posts.items() if f["properties"]["established_by"] is not None}
    assert others == set(expected)


def test_ranges_in_the_posts_notes_are_recorded_as_ranges(raw_posts):
    # The notes' own wording: "15-16 February 2018", "13-14 May 2018", "19-20 October 2020",
    # "December 2020 - January 2021".
    ranges = {
        (n, key): f["properties"][f"{key}_end"]
        for n, f in raw_posts.items()
        for key in ("established", "evacuated")
        if f["properties"][f"{key}_end"] is not None
    }
    assert ranges == {
        (8, "established"): "2018-02-16",
        (10, "established"): "2018-05-14",
        (9, "evacuated"): "2020-10-20",
        (6, "evacuated"): "2021-01",
    }
    assert "15-16 February 2018" in raw_posts[8]["properties"]["established_note"]
    assert "13-14 May 2018" in raw_posts[10]["properties"]["established_note"]
    assert "19-20 October 2020" in raw_posts[9]["properties"]["fate_note"]
    assert "December 2020 - January 2021" in raw_posts[6]["properties"]["fate_note"]


def test_reported_ranges_keep_their_end_date(raw_events):
    assert _of(raw_events, "patrols-suspended")["properties"]["date_end"] == "2020-08-14"
    assert _of(raw_events, "kufayr-bridge")["properties"]["date_end"] == "2020-03-25"
    assert _of(raw_events, "post-6-evacuated")["properties"]["date_end"] == "2021-01"


def test_loaded_events_are_in_date_order_with_a_month_before_its_days():
    ev = read_events()
    firsts = list(ev["day_first"])
    assert firsts == sorted(firsts)
    feb = list(ev.loc[ev["date"].str.startswith("2020-02"), "date"])
    assert feb[0] == "2020-02"
