"""Events along the patrol route in space and time: the table, the chart, the profile command, the per-post counts."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely
from acled import write_acled_csv

from geo.cli import main
from geo.geodesy import GEOD
from geo.maps.assets import external_references
from geo.spacetime import plot_spacetime, post_summary, spacetime_table

matplotlib.use("Agg")


def _along(corridor, km: float) -> shapely.Point:
    """The point of the patrol segment ``km`` from Trumba, measured geodesically vertex to vertex."""
    coords = list(corridor.patrol_segment.coords)
    done = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        az, _, step = GEOD.inv(x0, y0, x1, y1)
        if done + step / 1000 >= km:
            x, y, _ = GEOD.fwd(x0, y0, az, (km - done) * 1000)
            return shapely.Point(x, y)
        done += step / 1000
    raise AssertionError("past the end")


@pytest.fixture
def events(corridor):
    rows = [
        (_along(corridor, 5.0), "2020-03-20", "attack"),
        (_along(corridor, 40.0), "2020-06-01", "patrol"),
        (shapely.Point(37.6, 36.6), "2020-06-02", "attack"),  # far from the road: left out
        (_along(corridor, 20.0), None, "attack"),  # no date: left out
        (None, "2020-06-03", "attack"),  # no place: left out
    ]
    return gpd.GeoDataFrame(
        {"date": [r[1] for r in rows], "kind": [r[2] for r in rows]}, geometry=[r[0] for r in rows], crs="EPSG:4326"
    )


def test_an_event_on_the_road_sits_at_its_chainage_on_its_day(corridor, events):
    table = spacetime_table(corridor, events)
    assert list(table["kind"]) == ["attack", "patrol"]
    np.testing.assert_allclose(table["chainage_km"], [5.0, 40.0], atol=0.01)  # 10 m
    assert [d.date().isoformat() for d in table["day"]] == ["2020-03-20", "2020-06-01"]
    assert table.attrs["left_out"] == 3


def test_a_line_event_spans_the_chainages_of_its_ends(corridor):
    line = shapely.LineString([_along(corridor, 10.0), _along(corridor, 30.0)])
    events = gpd.GeoDataFrame({"date": ["2020-07-01"]}, geometry=[line], crs="EPSG:4326")
    row = spacetime_table(corridor, events).iloc[0]
    assert sorted([round(row["chainage_km"]), round(row["chainage_end_km"])]) == [10, 30]


def test_the_projects_own_patrols_run_from_trumba(corridor):
    table = spacetime_table(corridor).set_index("id")
    full = table.loc["first-full-patrol"]
    assert {round(full["chainage_km"]), round(full["chainage_end_km"])} == {0, 69}


def test_the_chart_draws_every_event_kept_coloured_by_the_column_named(corridor, events):
    ax = plot_spacetime(corridor, events, color_by="kind")
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["attack", "patrol"]
    assert ax.yaxis_inverted()  # time runs down the page
    assert "Trumba" in " ".join(t.get_text() for t in ax.texts)


def test_a_colour_column_that_is_not_there_is_one_line(corridor, events):
    with pytest.raises(ValueError, match=r"^color_by='nope': not a column of the events"):
        plot_spacetime(corridor, events, color_by="nope")


def test_a_date_that_is_not_a_date_is_named_with_its_row(corridor, events):
    events.loc[1, "date"] = "soon"
    with pytest.raises(ValueError, match=r"^date column 'date': row 2 holds 'soon'; expected a date"):
        spacetime_table(corridor, events)


def test_posts_count_the_events_near_them_per_month(corridor):
    table = post_summary(corridor, within_km=1)
    assert len(table) == 12
    # Post 9 (Morek) was set up in April 2018 and besieged from August 2019: events at the post itself.
    morek = table.loc[(9, "Morek")]
    assert morek["2018-04"] == 1
    assert morek["2019-08"] == 1
    assert table.to_numpy().dtype.kind == "i"


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html"])
def test_cli_profile_draws_an_acled_export(tmp_path, suffix, capsys):
    acled = write_acled_csv(tmp_path / "acled.csv", rows=400, seed=5)
    out = tmp_path / f"chart{suffix}"
    assert main(["profile", str(acled), "-o", str(out), "--color-by", "event_type"]) == 0
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    elif suffix == ".svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"<!DOCTYPE html>")
        assert b"<svg" in data
        assert external_references(data.decode()) == []  # one file: nothing to fetch
    assert "events within 6 km of the patrol segment" in capsys.readouterr().out


def test_cli_profile_of_a_file_colours_by_in_corridor_by_default_classified_or_not(tmp_path, capsys):
    acled = write_acled_csv(tmp_path / "acled.csv", rows=400, seed=5)
    classified = tmp_path / "classified.csv"
    assert main(["classify", str(acled), "-o", str(classified), "-q"]) == 0
    for src in (acled, classified):
        out = tmp_path / f"{src.stem}.svg"
        assert main(["profile", str(src), "-o", str(out)]) == 0, capsys.readouterr().err
        assert b"<!-- in_corridor -->" in out.read_bytes()  # the legend's title (matplotlib notes each text)


def test_the_table_answers_each_event_afresh_with_every_query_column(corridor, events):
    table = spacetime_table(corridor, events.assign(in_corridor=False, side="made up"), within_km=200)
    assert table["in_corridor"].tolist() == (table["distance_m"] <= corridor.width_km * 1000).tolist()
    assert set(table["side"]) <= {"north", "south"}
    assert table["nearest_post"].notna().all()


def test_a_time_with_a_utc_offset_is_on_its_own_day_not_utcs(corridor, events):
    dated = events.iloc[:4].copy()
    dated["date"] = ["2020-03-05T01:00:00+03:00 ", "2020-03-05T23:30:00-0500", "2020-03-05 01:00 +3", "2020-03-05"]
    days = spacetime_table(corridor, dated, within_km=200)["day"]
    assert days.dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05"] * 4


def test_a_blank_date_is_no_date_whatever_form_the_others_take(corridor, events):
    dated = events.iloc[:4].copy()
    dated["date"] = pd.array(["05 March 2020", "", "  ", "2020-06-01"], dtype="string")
    days = spacetime_table(corridor, dated, within_km=200)["day"]
    assert days.dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05", "2020-06-01"]


def test_cli_profile_reads_a_file_with_empty_dates_and_names_the_file_and_row_of_a_bad_one(tmp_path, capsys):
    src = tmp_path / "mine.csv"
    src.write_text("id,event_date,lat,lon\n1,05 March 2020,35.80,36.61\n2,,35.80,36.62\n3,2020-06-01,35.80,36.63\n")
    assert main(["profile", str(src), "-o", str(tmp_path / "chart.svg")]) == 0, capsys.readouterr().err
    assert "wrote" in capsys.readouterr().out
    src.write_text(src.read_text() + "4,soon,35.80,36.64\n")
    assert main(["profile", str(src), "-o", str(tmp_path / "bad.svg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{src}: date column 'event_date': row 4 holds 'soon'" in err
    assert not (tmp_path / "bad.svg").exists()


def test_the_chart_says_how_many_events_it_leaves_out_and_why(tmp_path, capsys):
    src = tmp_path / "undated.csv"
    src.write_text("id,event_date,lat,lon\n1,,35.80,36.61\n2, ,35.80,36.62\n3,2020-03-05,35.80,36.63\n4,2020-03-05,,\n")
    assert main(["profile", str(src), "-o", str(tmp_path / "chart.svg")]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "1 event within 6 km of the patrol segment (left out: 1 with no location, 2 with no date)" in out
    far = tmp_path / "far.csv"
    far.write_text("id,event_date,lat,lon\n1,,35.80,36.61\n2,2020-03-05,36.5,37.5\n")
    assert main(["profile", str(far), "-o", str(tmp_path / "far.svg")]) == 0, capsys.readouterr().err
    assert "0 events within 6 km of the patrol segment (left out: 1 with no date, 1 farther away)" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize("rows", ["1,2020-03-05,,\n2,2020-03-06,,\n", ""], ids=["no-location", "header-only"])
def test_a_file_with_no_located_event_draws_an_empty_chart_saying_so(tmp_path, capsys, rows):
    # It said "not enough values to unpack (expected 2, got 0)".
    src = tmp_path / "none.csv"
    src.write_text("id,event_date,lat,lon\n" + rows, encoding="utf-8")
    assert main(["profile", str(src), "-o", str(tmp_path / "chart.svg")]) == 0, capsys.readouterr().err
    left = " (left out: 2 with no location)" if rows else ""
    assert f"0 events within 6 km of the patrol segment{left}\n" in capsys.readouterr().out


def test_an_unknown_colour_column_lists_the_events_columns_not_the_charts_own(corridor, events):
    with pytest.raises(ValueError, match="not a column of the events") as caught:
        plot_spacetime(corridor, events, color_by="nope")
    assert "'distance_m'" in str(caught.value)
    assert "'day'" not in str(caught.value)
    assert "chainage_end_km" not in str(caught.value)


@pytest.mark.parametrize("offset", ["+15:00", "+1500", "+23:59", "-20:00", "+14:01", "+03:60", "+25:00"])
def test_an_offset_of_no_time_zone_is_refused_not_taken_to_utcs_day(corridor, events, offset):
    # +15:00 was left to pandas, which moved the event to UTC's day (2020-03-04).
    dated = events.iloc[:2].copy()
    dated["date"] = ["2020-03-05T01:00+14:00", f"2020-03-05T01:00{offset}"]
    with pytest.raises(ValueError, match=rf"row 2 holds '2020-03-05T01:00\{offset}'; its UTC offset is no time zone"):
        spacetime_table(corridor, dated, within_km=200)


def test_a_time_of_hours_only_or_in_the_basic_format_is_on_its_own_day_too(corridor, events):
    dated = events.iloc[:3].copy()
    dated["date"] = ["2020-03-05T02+03:00", "20200305T020000+0300", "2020-03-05T23-05"]
    days = spacetime_table(corridor, dated, within_km=200)["day"]
    assert days.dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05"] * 3


def test_a_value_that_is_no_date_is_named_as_written_not_as_numpy_shows_it(corridor, events):
    dated = events.iloc[:2].copy()
    dated["lat"] = [35.8, 35.9]
    with pytest.raises(ValueError, match=r"date column 'lat': row 1 holds 35.8; expected a date"):
        spacetime_table(corridor, dated, date_col="lat", within_km=200)


def test_cli_profile_refuses_an_unknown_chart_format_in_one_line(tmp_path, capsys):
    assert main(["profile", "-o", str(tmp_path / "chart.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown extension '.pdf'" in err
    assert not list(tmp_path.iterdir())


def test_dates_are_read_the_one_way_they_can_be_and_day_and_month_in_either_order_refused(corridor, events):
    dated = events.iloc[:4].copy()
    dated["event_date"] = ["2020-03-05", "2020-03", "05 March 2020", "2020-03-05T23:59:00"]
    days = spacetime_table(corridor, dated, within_km=200)["day"]
    assert sorted(days.dt.strftime("%Y-%m-%d")) == ["2020-03-01", "2020-03-05", "2020-03-05", "2020-03-05"]
    for ambiguous in ("01/02/2020", "05.03.2020"):  # 1 February or 2 January? 5 March or 3 May?
        dated["event_date"] = ["2020-03-05", ambiguous, "2020-03-05", "2020-03-05"]
        with pytest.raises(ValueError, match=f"row 2 holds '{ambiguous}'; expected a date as YYYY-MM-DD"):
            spacetime_table(corridor, dated, within_km=200)
