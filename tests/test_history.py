"""History: the events loader refuses bad files, "as of" follows the data's dates, the events command filters."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.corridor import load_corridor
from geo.data import DataError, data_path, read_posts
from geo.history import (
    CorridorState,
    change_days,
    change_window,
    corridor_as_of,
    date_bounds,
    filter_events,
    parse_day,
    read_events,
)


@pytest.fixture(scope="module")
def events():
    return read_events()


@pytest.fixture(scope="module")
def raw_posts() -> list[dict]:
    return [f["properties"] for f in json.loads(data_path("posts.geojson").read_text(encoding="utf-8"))["features"]]


def _names(posts: list[dict], pred) -> set[str]:
    return {p["name"] for p in posts if pred(p)}


# --- partial dates ------------------------------------------------------------------------------------


def test_a_month_spans_its_first_to_its_last_day_including_leap_february():
    assert date_bounds("2020-02") == (dt.date(2020, 2, 1), dt.date(2020, 2, 29))
    assert date_bounds("2019-02") == (dt.date(2019, 2, 1), dt.date(2019, 2, 28))
    assert date_bounds("2020-12") == (dt.date(2020, 12, 1), dt.date(2020, 12, 31))


def test_a_day_is_its_own_first_and_last_day():
    assert date_bounds("2020-03-06") == (dt.date(2020, 3, 6), dt.date(2020, 3, 6))


@pytest.mark.parametrize("bad", ["2020-13", "2020-02-30", "06/03/2020", "2020-3-6", "", "yesterday"])
def test_a_malformed_date_is_refused_naming_it(bad):
    with pytest.raises(DataError, match=f"{bad!r}"):
        date_bounds(bad, where="here")


def test_as_of_needs_a_day_not_a_month():
    with pytest.raises(ValueError, match="'2020-06' is a month"):
        parse_day("2020-06")


def test_as_of_accepts_a_date_or_datetime_object():
    assert parse_day(dt.date(2020, 6, 1)) == dt.date(2020, 6, 1)
    assert parse_day(dt.datetime(2020, 6, 1, 23, 59)) == dt.date(2020, 6, 1)


@pytest.mark.parametrize("bad", [20200601, None, 3.5])
def test_as_of_refuses_a_non_date(bad):
    with pytest.raises(ValueError, match="expected a day"):
        parse_day(bad)


# --- the loader refuses bad files ---------------------------------------------------------------------


def _broken(data_copy: Path, fn) -> Path:
    path = data_copy / "events.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc["features"])
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


#: Feature 0 as the cases below assume it: a month-precision event (post 1 set up, October 2017), with no range.
_MONTH_EVENT = {"date": "2017-10", "date_precision": "month", "date_end": None, "date_by": None}


def _set(index: int, **props):
    def fn(features):
        features[index]["properties"].update({**_MONTH_EVENT, **props})

    return fn


def _feature(features, event_id):
    return next(f for f in features if f["properties"]["id"] == event_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(0, date="2017-13"), "month 13"),
        (_set(0, date="2020-02-30", date_precision="day"), "not a calendar date"),
        (_set(0, date="Oct 2017"), "not ISO 8601"),
        (_set(0, date=None), "missing required property 'date'"),
        (_set(0, date="2017-10-13"), "does not have date_precision 'month'"),
        (_set(0, date="2017", date_precision="month"), "does not have date_precision 'month'"),
        (_set(0, date_precision="week"), "date_precision 'week'"),
        (_set(0, date_end="2017-09"), "date_end '2017-09' is not after date '2017-10'"),
        (_set(0, date_end="2017-10"), "not after"),
        (_set(0, date_by="2017-10"), "date_by '2017-10' is not a day"),
        (_set(0, date_by="2017-09-30"), "date_by '2017-09-30' is before date '2017-10'"),
        (_set(0, date_by="2017-10-31"), "date_by '2017-10-31' is not before 2017-10-31"),
        (_set(0, date_by="2017-11-02"), "date_by '2017-11-02' is not before 2017-10-31"),
        (_set(0, date_by="2017-10-32"), "date_by: date '2017-10-32' is not a calendar date"),
        (_set(0, type="massacre"), "type 'massacre', expected one of"),
        (_set(0, type=None), "missing required property 'type'"),
        (_set(0, source=""), "missing required property 'source'"),
        (_set(0, source=None), "missing required property 'source'"),
        (_set(0, confidence="high"), "confidence 'high'"),
        (_set(0, location_confidence="high"), "location_confidence 'high'"),
        (_set(0, post=None), "no post, place, road_at, route"),
        (_set(0, place="Ariha"), "at most one of post, place, road_at, route"),
        (_set(0, post="one"), "post 'one', expected a post number"),
    ],
)
def test_a_bad_event_is_refused_naming_the_file_and_the_feature(data_copy, change, message):
    path = _broken(data_copy, change)
    with pytest.raises(DataError, match=message) as err:
        read_events(path)
    assert str(path) in str(err.value)
    assert "feature 0 ('Post 1 (Salwa) set up')" in str(err.value)


def test_an_event_without_a_source_key_is_refused(data_copy):
    path = _broken(data_copy, lambda fs: fs[3]["properties"].pop("source"))
    with pytest.raises(DataError, match=r"feature 3 .*missing required property 'source'"):
        read_events(path)


def test_a_null_geometry_with_a_post_is_refused(data_copy):
    path = _broken(data_copy, lambda fs: fs[0].update(geometry=None))
    with pytest.raises(DataError, match="post 1 is given but the geometry is null"):
        read_events(path)


def test_a_missing_geometry_member_is_refused_while_null_is_accepted(data_copy):
    def drop(features):
        del _feature(features, "ceasefire")["geometry"]

    with pytest.raises(DataError, match="missing geometry"):
        read_events(_broken(data_copy, drop))


def test_an_event_without_location_loads_with_a_missing_geometry(events):
    row = events[events["id"] == "ceasefire"]
    assert row.geometry.iloc[0] is None
    assert row.geometry.isna().all()


def test_a_point_for_a_route_event_is_refused(data_copy):
    def point(features):
        _feature(features, "first-full-patrol")["geometry"] = {"type": "Point", "coordinates": [36.7, 35.86]}

    with pytest.raises(DataError, match="route event needs a LineString"):
        read_events(_broken(data_copy, point))


def test_a_duplicate_event_id_is_refused(data_copy):
    with pytest.raises(DataError, match="duplicate id 'post-2-established'"):
        read_events(_broken(data_copy, _set(0, id="post-2-established")))


def test_the_shipped_layers_without_null_geometries_still_refuse_one(data_copy):
    from geo.data import read_places

    path = data_copy / "places.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][0]["geometry"] = None
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="missing geometry"):
        read_places(path)


# --- a change's window: first possible day, day it is certain -----------------------------------------


def test_a_month_with_a_by_day_is_certain_from_that_day():
    assert change_window("2018-05", by="2018-05-14") == (dt.date(2018, 5, 1), dt.date(2018, 5, 14))


def test_a_range_over_two_months_is_certain_from_the_last_day_of_the_second():
    assert change_window("2020-12", end="2021-01") == (dt.date(2020, 12, 1), dt.date(2021, 1, 31))


def test_a_by_day_may_fall_inside_a_range_past_the_first_month():
    assert change_window("2020-12", end="2021-01", by="2021-01-12") == (dt.date(2020, 12, 1), dt.date(2021, 1, 12))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": "2018-05", "by": "2018-05"}, "by '2018-05' is not a day"),
        ({"value": "2018-05", "by": "2018-04-30"}, "by '2018-04-30' is before date '2018-05'"),
        ({"value": "2018-05", "by": "2018-05-31"}, "not before 2018-05-31"),
        ({"value": "2018-05-16", "by": "2018-05-16"}, "not before 2018-05-16"),
        ({"value": "2018-05", "end": "2018-04"}, "end '2018-04' is not after date '2018-05'"),
        ({"value": "2018-05", "end": 2018}, "end 2018 is not a date string"),
        ({"value": "2018-05", "by": "2018-05-32"}, "by: date '2018-05-32' is not a calendar date"),
    ],
)
def test_a_bad_end_or_by_is_refused_naming_it(kwargs, message):
    with pytest.raises(DataError, match=message):
        change_window(**kwargs, where="here")


def _broken_posts(data_copy: Path, name: str, **props) -> Path:
    path = data_copy / "posts.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in doc["features"] if f["properties"]["name"] == name)["properties"].update(props)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "props", "message"),
    [
        ("Tell Touqan", {"established_by": "2018-03-01"}, "established_by '2018-03-01' is not before 2018-02-28"),
        ("Tell Touqan", {"established_by": "2018-01-31"}, "established_by '2018-01-31' is before date '2018-02'"),
        ("Tell Touqan", {"established_by": "14 Feb 2018"}, "established_by '14 Feb 2018' is not a day"),
        ("Tell Touqan", {"established_by": "2018-02"}, "established_by '2018-02' is not a day"),
        ("Anadan", {"established_by": "2018-03-17"}, "established_by '2018-03-17' is not before 2018-03-17"),
        ("al-Eis", {"evacuated_end": "2020-11"}, "evacuated_end '2020-11' is not after date '2020-12'"),
        ("al-Eis", {"evacuated_by": "2021-02-01"}, "evacuated_by '2021-02-01' is not before 2021-01-31"),
        ("Salwa", {"evacuated_end": "2021-01"}, "evacuated_end or evacuated_by '2021-01' is given but no 'evacuated'"),
    ],
)
def test_a_bad_end_or_by_of_a_post_is_refused_naming_the_post(data_copy, name, props, message):
    path = _broken_posts(data_copy, name, **props)
    with pytest.raises(DataError, match=message) as err:
        read_posts(path)
    assert f"({name!r})" in str(err.value)


def test_a_range_end_on_a_post_moves_the_day_it_counts_as_of(data_copy):
    _broken_posts(data_copy, "Anadan", evacuated_end="2021-01")
    c = load_corridor(data_dir=data_copy)
    assert "Anadan" in c.as_of("2021-01-05").posts_uncertain
    assert "Anadan" in c.as_of("2021-01-31").posts_evacuated


# --- as of a day --------------------------------------------------------------------------------------


def test_on_1_june_2020_all_12_posts_stand_the_ceasefire_holds_and_patrols_run(corridor):
    s = corridor_as_of(corridor, "2020-06-01")
    assert isinstance(s, CorridorState)
    assert len(s.posts_existing) == 12
    assert s.posts_evacuated == []
    assert (s.ceasefire, s.corridor, s.joint_patrols) == (True, True, True)


def test_the_ceasefire_and_corridor_start_on_6_march_2020(corridor):
    before, on = corridor_as_of(corridor, "2020-03-05"), corridor_as_of(corridor, "2020-03-06")
    assert (before.ceasefire, before.corridor) == (False, False)
    assert (on.ceasefire, on.corridor) == (True, True)


@pytest.mark.parametrize(
    ("day", "running"),
    [("2020-03-14", False), ("2020-03-15", True), ("2020-08-14", True), ("2020-08-25", True), ("2020-08-26", False)],
)
def test_joint_patrols_run_from_15_march_to_25_august_2020(corridor, day, running):
    assert corridor_as_of(corridor, day).joint_patrols is running


def test_before_october_2017_no_post_exists(corridor):
    s = corridor_as_of(corridor, "2017-09-30")
    assert s.posts_existing == []
    assert len(s.posts_not_yet) == 12
    assert len(s.events) == 0


def test_a_post_set_up_in_a_month_appears_at_the_end_of_that_month_and_is_uncertain_before(corridor, raw_posts):
    february_2018 = _names(
        raw_posts,
        lambda p: p["established"] == "2018-02" and (p["established_end"], p["established_by"]) == (None, None),
    )
    assert february_2018 == {"Tell Touqan"}
    mid = corridor_as_of(corridor, "2018-02-15")
    assert "Tell Touqan" not in mid.posts_existing
    assert "Tell Touqan" in mid.posts_uncertain
    end = corridor_as_of(corridor, "2018-02-28")
    assert "Tell Touqan" in end.posts_existing
    assert "Tell Touqan" not in end.posts_uncertain


def test_a_post_evacuated_in_a_month_counts_as_evacuated_only_when_the_month_is_over(corridor, raw_posts):
    december_2020 = _names(raw_posts, lambda p: p["evacuated"] == "2020-12" and p["evacuated_end"] is None)
    assert december_2020 == {"Surman"}
    mid = corridor_as_of(corridor, "2020-12-15")
    assert not december_2020 & set(mid.posts_evacuated)
    assert december_2020 <= set(mid.posts_existing)
    assert december_2020 <= set(mid.posts_uncertain)
    end = corridor_as_of(corridor, "2020-12-31")
    assert december_2020 <= set(end.posts_evacuated)


def test_a_day_precision_evacuation_counts_from_that_day(corridor, raw_posts):
    # al-Rashidin: withdrawal began on 24 November 2020.
    assert _names(raw_posts, lambda p: p["evacuated"] == "2020-11-24" and p["evacuated_end"] is None) == {"al-Rashidin"}
    assert "al-Rashidin" in corridor_as_of(corridor, "2020-11-23").posts_existing
    assert "al-Rashidin" in corridor_as_of(corridor, "2020-11-24").posts_evacuated
    assert "al-Rashidin" not in corridor_as_of(corridor, "2020-11-24").posts_uncertain


def test_a_two_day_evacuation_is_uncertain_on_its_first_day_and_certain_on_its_second(corridor, raw_posts):
    # Morek: "evacuated 19-20 October 2020".
    assert _names(raw_posts, lambda p: (p["evacuated"], p["evacuated_end"]) == ("2020-10-19", "2020-10-20")) == {
        "Morek"
    }
    before, first, second = (corridor_as_of(corridor, f"2020-10-{d}") for d in (18, 19, 20))
    assert "Morek" in before.posts_besieged
    assert "Morek" not in before.posts_uncertain
    assert "Morek" in first.posts_besieged
    assert "Morek" in first.posts_uncertain
    assert "Morek" in second.posts_evacuated
    assert "Morek" not in second.posts_uncertain
    assert "post-9-evacuated" not in set(first.events["id"])
    assert "post-9-evacuated" in set(second.events["id"])


def test_an_evacuation_over_december_and_january_stays_uncertain_until_31_january(corridor, raw_posts):
    # al-Eis: "evacuated December 2020 - January 2021".
    assert _names(raw_posts, lambda p: (p["evacuated"], p["evacuated_end"]) == ("2020-12", "2021-01")) == {"al-Eis"}
    for day in ("2020-12-01", "2020-12-31", "2021-01-05", "2021-01-30"):
        s = corridor_as_of(corridor, day)
        assert "al-Eis" in s.posts_besieged, day
        assert "al-Eis" in s.posts_uncertain, day
        assert "post-6-evacuated" not in set(s.events["id"]), day
    s = corridor_as_of(corridor, "2021-01-31")
    assert "al-Eis" in s.posts_evacuated
    assert s.posts_uncertain == []
    assert "post-6-evacuated" in set(s.events["id"])


def test_a_post_in_place_by_a_day_counts_from_that_day_though_its_date_is_a_month(corridor, raw_posts):
    # Sheikh Aqil: set up in November 2017, in place by 27 November (SMM Syria); its date stays "2017-11".
    aqil = next(p for p in raw_posts if p["name"] == "Sheikh Aqil")
    assert (aqil["established"], aqil["established_by"]) == ("2017-11", "2017-11-27")
    assert "Sheikh Aqil" in corridor_as_of(corridor, "2017-10-31").posts_not_yet
    assert "Sheikh Aqil" not in corridor_as_of(corridor, "2017-10-31").posts_uncertain
    on_26 = corridor_as_of(corridor, "2017-11-26")
    assert "Sheikh Aqil" in on_26.posts_not_yet
    assert "Sheikh Aqil" in on_26.posts_uncertain
    on_27 = corridor_as_of(corridor, "2017-11-27")
    assert "Sheikh Aqil" in on_27.posts_existing
    assert "Sheikh Aqil" not in on_27.posts_uncertain
    assert "post-3-established" in set(on_27.events["id"])
    assert "Sheikh Aqil" in corridor_as_of(corridor, "2018-02-14").posts_existing


def test_all_12_posts_stand_on_16_may_2018_when_the_last_was_set_up(corridor):
    # FACTS.md: "the 12th and last post was set up at Ishtabraq on 16 May 2018" (Anadolu Agency).
    s = corridor_as_of(corridor, "2018-05-16")
    assert len(s.posts_existing) == 12
    assert s.posts_uncertain == []
    before = corridor_as_of(corridor, "2018-05-15")
    # al-Zaytuna: April - 16 May 2018 (reports conflict); Ishtabraq on 16 May.
    assert set(before.posts_not_yet) == {"al-Zaytuna", "Ishtabraq"}
    assert set(before.posts_uncertain) == {"al-Zaytuna"}


def test_a_post_set_up_over_two_days_counts_from_the_second(corridor):
    # Surman "15-16 February 2018".
    assert "Surman" in corridor_as_of(corridor, "2018-02-15").posts_uncertain
    assert "Surman" in corridor_as_of(corridor, "2018-02-15").posts_not_yet
    assert "Surman" in corridor_as_of(corridor, "2018-02-16").posts_existing


def test_a_surrounded_post_is_besieged_until_it_is_evacuated(corridor):
    assert "Morek" not in corridor_as_of(corridor, "2019-08-15").posts_besieged
    assert "Morek" in corridor_as_of(corridor, "2019-08-15").posts_uncertain
    assert "Morek" in corridor_as_of(corridor, "2019-09-01").posts_besieged
    assert "Morek" not in corridor_as_of(corridor, "2020-10-20").posts_besieged  # evacuated 19-20 October


def _last_day(value: str) -> dt.date:
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    year, month = int(value[:4]), int(value[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _expected_status(post: dict, day: dt.date) -> tuple[bool, bool]:
    """(set up, evacuated) at the end of ``day``, worked out from the raw date strings."""

    def certain_by(key: str) -> bool:
        if post[key] is None:
            return False
        certain = _last_day(post[f"{key}_end"] or post[key])
        if post[f"{key}_by"] is not None:
            certain = min(certain, dt.date.fromisoformat(post[f"{key}_by"]))
        return certain <= day

    return certain_by("established"), certain_by("evacuated")


def test_as_of_agrees_with_the_posts_dates_around_every_change(corridor, events, raw_posts):
    days = set()
    for d in change_days(corridor, events):
        days.update({d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)})
    for day in sorted(days):
        past_the_data = pytest.warns(UserWarning, match="past the end of the data")
        with past_the_data if day > corridor.data_end else contextlib.nullcontext():
            s = corridor_as_of(corridor, day, events=events)
        for post in raw_posts:
            set_up, evacuated = _expected_status(post, day)
            name = post["name"]
            assert (name in s.posts_evacuated) is evacuated, (day, name)
            assert (name in s.posts_existing) is (set_up and not evacuated), (day, name)
            assert (name in s.posts_not_yet) is (not set_up), (day, name)


def test_events_so_far_include_a_day_event_on_its_day_and_a_month_event_at_month_end(corridor):
    on = set(corridor_as_of(corridor, "2020-03-15").events["id"])
    assert "first-joint-patrol" in on
    assert "patrol-reaches-mseibin" not in on
    assert "post-8-evacuated" not in set(corridor_as_of(corridor, "2020-12-30").events["id"])  # December 2020
    assert "post-8-evacuated" in set(corridor_as_of(corridor, "2020-12-31").events["id"])


def test_as_of_refuses_a_bad_day(corridor):
    with pytest.raises(ValueError, match="'2020-06-31'"):
        corridor_as_of(corridor, "2020-06-31")


def test_the_state_reads_as_text_and_as_json(corridor):
    s = corridor_as_of(corridor, "2020-12-31")
    assert "As of 2020-12-31" in str(s)
    assert "status uncertain     al-Eis (date known to a month or a range)" in str(s)
    d = json.loads(json.dumps(s.as_dict()))
    assert d["date"] == "2020-12-31"
    assert "Morek" in d["posts_evacuated"]
    assert d["posts_uncertain"] == ["al-Eis"]


# --- filtering ----------------------------------------------------------------------------------------


def test_an_end_month_keeps_the_whole_month(events):
    ids = set(filter_events(events, start="2020-08", end="2020-08")["id"])
    assert {"patrols-suspended", "last-joint-patrol"} <= ids
    assert "first-full-patrol" not in ids


def test_a_window_inside_a_month_keeps_the_events_dated_only_by_that_month(events):
    ids = set(filter_events(events, start="2020-12-10", end="2020-12-20")["id"])
    assert {"post-4-evacuated", "post-8-evacuated"} <= ids
    assert "post-7-evacuated" not in ids  # 2021-01-12


def test_a_reported_range_is_kept_by_a_window_on_its_end(events):
    assert "post-6-evacuated" in set(filter_events(events, start="2021-01-01", end="2021-01-05")["id"])


def test_type_filter_keeps_only_those_types(events):
    out = filter_events(events, types=["attack", "suspension"])
    assert set(out["type"]) == {"attack", "suspension"}
    assert len(out) == int(events["type"].isin(["attack", "suspension"]).sum())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2021", "end": "2020"}, "after end"),
        ({"start": "2020-14"}, "start='2020-14'"),
        ({"types": ["riot"]}, "unknown event type 'riot'"),
    ],
)
def test_bad_filters_are_refused(events, kwargs, message):
    with pytest.raises(ValueError, match=message):
        filter_events(events, **kwargs)


# --- command line -------------------------------------------------------------------------------------


def _raw_events() -> list[dict]:
    return [f["properties"] for f in json.loads(data_path("events.geojson").read_text(encoding="utf-8"))["features"]]


def test_events_command_filters_by_dates_and_type_as_json(capsys):
    assert main(["events", "--from", "2020-03", "--to", "2020-08", "--type", "patrol", "--json"]) == 0
    got = [r["id"] for r in json.loads(capsys.readouterr().out)]
    expected = [p["id"] for p in _raw_events() if p["type"] == "patrol" and "2020-03" <= p["date"][:7] <= "2020-08"]
    assert sorted(got) == sorted(expected)
    assert len(got) == 4


def test_events_command_takes_several_types(capsys):
    assert main(["events", "--type", "agreement", "--type", "ceasefire", "--json"]) == 0
    got = {r["type"] for r in json.loads(capsys.readouterr().out)}
    assert got == {"agreement", "ceasefire"}


def test_events_table_lists_every_event_and_keeps_month_only_dates(capsys):
    assert main(["events"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["date", "type", "event"]
    assert len(out) == 1 + len(_raw_events()) + 1
    evac_surman = next(line for line in out if "(Surman) evacuated" in line)
    assert evac_surman.startswith("2020-12 ")
    assert "2020-12-01" not in "\n".join(out)


def test_events_json_gives_geometry_or_null(capsys):
    assert main(["events", "--type", "ceasefire", "--type", "attack", "--json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["ceasefire"]["geometry"] is None
    assert records["ariha-bomb"]["geometry"]["type"] == "Point"


@pytest.mark.parametrize("bad", ["2020-13", "2020/03", "March"])
def test_events_command_refuses_a_bad_date_with_exit_2(capsys, bad):
    with pytest.raises(SystemExit) as exc:
        main(["events", "--from", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--from" in err
    assert repr(bad) in err
    assert "Traceback" not in err


def test_events_command_refuses_from_after_to(capsys):
    assert main(["events", "--from", "2021", "--to", "2020-06"]) == 2
    assert "after end" in capsys.readouterr().err


def test_events_command_refuses_an_unknown_type(capsys):
    assert main(["events", "--type", "parade"]) == 2
    assert "unknown event type 'parade'" in capsys.readouterr().err


def test_events_as_of_prints_the_state_on_that_day(capsys):
    assert main(["events", "--as-of", "2021-02-01", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    evacuated = {
        f["properties"]["name"]
        for f in json.loads(data_path("posts.geojson").read_text(encoding="utf-8"))["features"]
        if f["properties"]["fate"] == "evacuated"
    }
    assert set(state["posts_evacuated"]) == evacuated
    assert state["joint_patrols"] is False


def test_events_as_of_a_month_is_refused_with_exit_2(capsys):
    assert main(["events", "--as-of", "2020-06"]) == 2
    assert "--as-of='2020-06' is a month" in capsys.readouterr().err


def test_the_corridor_answers_as_of_a_day_itself(corridor):
    s = corridor.as_of("2020-12-31")
    assert s.as_dict() == corridor_as_of(corridor, "2020-12-31").as_dict()
    assert "Tell Touqan" in s.posts_besieged
