"""The shipped events: enough of them, sourced, dated as their sources give them, placed where the data says."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from geodesic_reference import GEOD, nearest_on_line, point_along

from geo.data import CONFIDENCE_CODES, data_path
from geo.history import EVENT_TYPES, read_events

RANK = {"S": 0, "P": 1, "E": 2}
#: Publications named in the project's reference notes (FACTS.md, with its re-checked reports), plus the
#: agreements' own texts.
KNOWN_SOURCES = (
    "Reuters",
    "DW",
    "Micro Syria",
    "Step News",
    "SMM Syria",
    "Pydrojava",
    "Qasioun",
    "SY24",
    "El Marada",
    "Baladi News",
    "Al-Masdar News",
    "ISW",
    "Resala Post",
    "NEF2",
    "SouthFront",
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
    for f in (f for f in raw_events if f["properties"]["place"] is not None):
        place = places[f["properties"]["place"]]
        assert f["geometry"] == place["geometry"], f["properties"]["id"]
        assert f["properties"]["location_confidence"] == place["properties"]["confidence"]


def _road_foot(corridor, place: str) -> tuple[float, float, float]:
    """Lon, lat of the M4 point nearest ``place`` and the geodesic metres to it (independent reference)."""
    p = corridor.places.set_index("name").geometry[place]
    near = nearest_on_line(corridor.m4, np.array([p.x]), np.array([p.y]))
    lon, lat, _ = point_along(corridor.m4, float(near.along_m[0]))
    return lon, lat, float(near.distance_m[0])


def test_road_events_sit_on_the_m4_at_the_point_nearest_their_place(raw_events, corridor):
    on_road = [f for f in raw_events if f["properties"]["road_at"] is not None]
    assert {f["properties"]["road_at"] for f in on_road} >= {"Trumba", "Ariha", "al-Kufayr", "Muhambal"}
    for f in on_road:
        lon, lat, _ = _road_foot(corridor, f["properties"]["road_at"])
        ev_lon, ev_lat = f["geometry"]["coordinates"]
        assert GEOD.inv(lon, lat, ev_lon, ev_lat)[2] < 1.0, f["properties"]["id"]
        assert f["properties"]["location_confidence"] == "E"  # nobody reports where on the road


def test_route_events_follow_the_m4_between_the_road_points_nearest_their_places(raw_events, corridor):
    m4 = {tuple(c) for c in np.round(np.asarray(corridor.m4.coords), 6)}
    routes = [f for f in raw_events if f["properties"]["route"] is not None]
    assert routes
    for f in routes:
        line = f["geometry"]["coordinates"]
        for end, place in zip((line[0], line[-1]), f["properties"]["route"], strict=True):
            lon, lat, _ = _road_foot(corridor, place)
            assert GEOD.inv(lon, lat, *end)[2] < 1.0, (f["properties"]["id"], place)
        assert all(tuple(c) in m4 for c in line[1:-1]), f["properties"]["id"]  # the road's own vertices between
        assert f["properties"]["location_confidence"] == "E"


def test_full_route_patrol_runs_from_trumba_to_ain_al_havr_on_the_road(raw_events, corridor):
    line = _of(raw_events, "first-full-patrol")["geometry"]["coordinates"]
    start, end = corridor.patrol_segment.coords[0], corridor.patrol_segment.coords[-1]
    assert GEOD.inv(*line[0], *start)[2] < 1.0
    assert GEOD.inv(*line[-1], *end)[2] < 1.0


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
    # SMM Syria, 27 Nov 2017: the base near Sheikh Aqil was finished, so post 3 stood by then (month kept).
    post = raw_posts[3]["properties"]
    assert (post["established"], post["established_by"]) == ("2017-11", "2017-11-27")
    assert "27 Nov 2017" in post["established_note"]
    assert "SMM Syria" in _of(raw_events, "post-3-established")["properties"]["source"]
    others = {n for n, f in raw_posts.items() if f["properties"]["established_by"] is not None}
    assert others == {3}


def test_ranges_in_the_posts_notes_are_recorded_as_ranges(raw_posts):
    # The reports' own dates (FACTS.md section 4, re-checked): a range where reports give two days or conflict.
    ranges = {
        (n, key): (f["properties"][key], f["properties"][f"{key}_end"])
        for n, f in raw_posts.items()
        for key in ("established", "evacuated")
        if f["properties"][f"{key}_end"] is not None
    }
    assert ranges == {
        (1, "established"): ("2017-10-12", "2017-10-13"),  # set up from 12 Oct; first group in on 13 Oct
        (2, "established"): ("2017-10", "2017-11-23"),  # October (earlier notes) vs 23 Nov 2017 (Pydrojava)
        (3, "evacuated"): ("2020-11-08", "2020-11-10"),  # dismantling on 8 Nov, trucks out on 10 Nov
        (4, "evacuated"): ("2020-11", "2020-12-27"),  # reports conflict; Al-Masdar: ended Sunday 27 Dec
        (5, "established"): ("2018-05-07", "2018-05-09"),  # deployed the evening of 7 May; set up by 9 May
        (8, "established"): ("2018-02-15", "2018-02-16"),
        (10, "established"): ("2018-05-13", "2018-05-14"),
        (10, "evacuated"): ("2020-11-03", "2020-11-04"),  # Resala Post: Tuesday 3 Nov; ISW: 4 Nov
        (12, "established"): ("2018-04", "2018-05-16"),  # early April (SY24) vs No. 12 on 16 May (Anadolu)
        (9, "evacuated"): ("2020-10-19", "2020-10-20"),
        (6, "evacuated"): ("2020-12", "2021-01"),
    }
    assert "15-16 February 2018" in raw_posts[8]["properties"]["established_note"]
    assert "13-14 May 2018" in raw_posts[10]["properties"]["established_note"]
    assert "19-20 October 2020" in raw_posts[9]["properties"]["fate_note"]
    assert "December 2020 - January 2021" in raw_posts[6]["properties"]["fate_note"]
    assert "Reports conflict" in raw_posts[12]["properties"]["established_note"]
    assert "27 December" in raw_posts[4]["properties"]["fate_note"]


def test_al_rashidin_withdrawal_began_on_24_november_2020(raw_posts, raw_events):
    # Baladi News ("today, Tuesday 24 November"), al-Alam, al-Watan, Hibr Press.
    assert raw_posts[5]["properties"]["evacuated"] == "2020-11-24"
    assert _of(raw_events, "post-5-evacuated")["properties"]["date"] == "2020-11-24"


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
