"""Streaming classification of point files: every row kept, bad rows counted or refused, atomic output."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import geo.classify as classify_mod
from geo.classify import classify_file
from geo.cli import main

COLUMNS = ["distance_m", "in_corridor", "side", "chainage_km", "nearest_post", "nearest_post_m"]


@pytest.fixture
def events_csv(tmp_path):
    """An ACLED-style CSV: ids with leading zeros, text with commas and quotes, three bad rows."""
    rng = np.random.default_rng(7)
    n = 40
    lon = rng.uniform(36.0, 37.0, n).round(5)
    lat = rng.uniform(35.6, 36.1, n).round(5)
    df = pd.DataFrame(
        {
            "event_id": [f"{i:05d}" for i in range(n)],
            "notes": [f'shelling, "heavy" #{i}' for i in range(n)],
            "latitude": lat.astype(str),
            "longitude": lon.astype(str),
        }
    )
    df.loc[5, "latitude"] = ""  # missing
    df.loc[11, "longitude"] = "abc"  # not a number
    df.loc[30, "latitude"] = "95.5"  # out of range
    path = tmp_path / "events.csv"
    df.to_csv(path, index=False)
    return path, df


def _expected(corridor, df):
    lon = pd.to_numeric(df["longitude"], errors="coerce")
    lat = pd.to_numeric(df["latitude"], errors="coerce")
    ok = lon.notna() & lat.notna() & (lat.abs() <= 90)
    return ok.to_numpy(), corridor.query(lon[ok].to_numpy(), lat[ok].to_numpy())


def test_csv_rows_keep_their_text_and_gain_the_query_columns(tmp_path, corridor, events_csv):
    src, df = events_csv
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    got = pd.read_csv(out, dtype={"event_id": str})
    assert list(got.columns) == [*df.columns, *COLUMNS]
    assert len(got) == len(df) == report.rows
    assert list(got["event_id"]) == list(df["event_id"])  # "00007" stays "00007"
    assert list(got["notes"]) == list(df["notes"])
    ok, expected = _expected(corridor, df)
    np.testing.assert_allclose(got.loc[ok, "distance_m"], expected["distance_m"], rtol=0, atol=1e-6)
    assert list(got.loc[ok, "nearest_post"]) == list(expected["nearest_post"])
    assert list(got.loc[ok, "side"]) == list(expected["side"])


def test_bad_rows_are_kept_with_empty_results_and_counted(tmp_path, corridor, events_csv):
    src, _ = events_csv
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    got = pd.read_csv(out)
    assert report.bad_rows == 3
    assert got.loc[[5, 11, 30], "distance_m"].isna().all()
    assert got.loc[[5, 11, 30], "nearest_post"].isna().all()
    assert got["distance_m"].notna().sum() == len(got) - 3
    assert (report.first_bad.row, report.first_bad.line) == (6, 7)
    assert report.first_bad.reason == "missing coordinate"


def test_strict_names_the_first_bad_row_and_line_and_writes_nothing(tmp_path, corridor, events_csv):
    src, df = events_csv
    df.loc[5, "latitude"] = "35.8"  # now the first bad row is row 12, "abc"
    df.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    with pytest.raises(ValueError, match=r"events\.csv: row 12 \(line 13\): coordinate is not a number"):
        classify_file(corridor, src, out, strict=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]


def test_out_of_range_latitude_is_named(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n36.5,35.8\n36.5,95.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 2 \(line 3\): latitude 95\.5 out of range, expected \[-90, 90\]"):
        classify_file(corridor, src, tmp_path / "out.csv", strict=True)


def test_csv_read_in_many_small_blocks_gives_the_same_answer(tmp_path, corridor, events_csv, monkeypatch):
    src, _ = events_csv
    one = classify_file(corridor, src, tmp_path / "one.csv")
    monkeypatch.setattr(classify_mod, "_CSV_BLOCK_BYTES", 256)
    many = classify_file(corridor, src, tmp_path / "many.csv")
    assert many.chunks > 5
    assert one.chunks == 1
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "many.csv").read_bytes()
    assert (many.first_bad.row, many.first_bad.line) == (6, 7)


def test_parquet_in_small_chunks_to_parquet(tmp_path, corridor, events_csv):
    _src, df = events_csv
    pq_in = tmp_path / "in.parquet"
    num = df.assign(
        longitude=pd.to_numeric(df["longitude"], errors="coerce"),
        latitude=pd.to_numeric(df["latitude"], errors="coerce"),
    )
    num.to_parquet(pq_in, index=False)
    out = tmp_path / "out.parquet"
    report = classify_file(corridor, pq_in, out, chunk_rows=7)
    assert report.chunks == 6
    got = pq.read_table(out).to_pandas()
    assert list(got.columns) == [*df.columns, *COLUMNS, "geometry"]
    ok, expected = _expected(corridor, df)
    np.testing.assert_allclose(got.loc[ok, "chainage_km"], expected["chainage_km"], atol=1e-9)
    assert report.bad_rows == 3
    assert report.first_bad.line is None


def test_projected_geojson_to_geopackage(tmp_path, corridor):
    pts = gpd.GeoDataFrame(
        {"name": ["Ariha", "far"]}, geometry=gpd.points_from_xy([36.610078, 38.5], [35.812637, 35.0]), crs=4326
    )
    src = tmp_path / "in.geojson"
    pts.to_crs(32637).to_file(src)
    out = tmp_path / "out.gpkg"
    report = classify_file(corridor, src, out)
    got = gpd.read_file(out)
    assert report.rows == 2
    assert got.crs.to_epsg() == 4326
    expected = corridor.query(pts)
    np.testing.assert_allclose(got["distance_m"], expected["distance_m"], atol=1e-3)
    assert list(got["in_corridor"]) == list(expected["in_corridor"])


def test_geojson_lines_are_answered_at_their_midpoint(tmp_path, corridor):
    from shapely.geometry import LineString, Point

    src = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[Point(36.6, 35.8), LineString([(36.6, 35.8), (36.7, 35.8)])], crs=4326
    ).to_file(src)
    report = classify_file(corridor, src, tmp_path / "out.csv")
    got = pd.read_csv(tmp_path / "out.csv")
    assert report.bad_rows == 0
    assert len(got) == 2
    assert list(got.loc[1, ["longitude", "latitude"]]) == pytest.approx([36.65, 35.8])


def test_csv_to_geojson_has_point_geometry(tmp_path, corridor, events_csv):
    src, df = events_csv
    out = tmp_path / "out.geojson"
    classify_file(corridor, src, out)
    got = gpd.read_file(out)
    assert len(got) == len(df)
    assert got.geometry.isna().sum() == 3


def test_a_header_only_csv_gives_an_empty_output(tmp_path, corridor):
    src = tmp_path / "empty.csv"
    src.write_text("longitude,latitude\n", encoding="utf-8")
    report = classify_file(corridor, src, tmp_path / "out.csv")
    assert report.rows == 0
    assert (tmp_path / "out.csv").exists()


def test_coordinate_columns_are_found_by_common_names(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("Lat,Lng\n35.8,36.6\n", encoding="utf-8")
    classify_file(corridor, src, tmp_path / "out.csv")
    assert pd.read_csv(tmp_path / "out.csv")["distance_m"].notna().all()


def test_a_missing_coordinate_column_is_named(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"no column 'lon' for the longitude; columns are \['a', 'b'\]"):
        classify_file(corridor, src, tmp_path / "out.csv", lon_col="lon")
    with pytest.raises(ValueError, match="no longitude column"):
        classify_file(corridor, src, tmp_path / "out.csv")


def test_unknown_extension_and_same_file_are_refused(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n36.6,35.8\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"output .*out\.docx: unknown extension '\.docx'") as refused:
        classify_file(corridor, src, tmp_path / "out.docx")
    assert ".parquet" in str(refused.value)
    assert ".xlsx" not in str(refused.value)  # read, not written: not offered as an output
    with pytest.raises(ValueError, match="the same file as the input"):
        classify_file(corridor, src, src)
    with pytest.raises(ValueError, match="no such file"):
        classify_file(corridor, tmp_path / "nope.csv", tmp_path / "out.csv")


def test_cli_warns_about_bad_rows_and_counts_them(tmp_path, events_csv, capsys):
    src, _ = events_csv
    assert main(["classify", str(src), "-o", str(tmp_path / "out.parquet")]) == 0
    captured = capsys.readouterr()
    assert "warning: 3 of 40 rows had missing or invalid coordinates" in captured.err
    assert "first: row 6 (line 7): missing coordinate" in captured.err
    assert "wrote" in captured.out
    assert "rows/s" in captured.out


def test_cli_strict_exits_2_with_the_row(tmp_path, events_csv, capsys):
    src, _ = events_csv
    assert main(["classify", str(src), "-o", str(tmp_path / "o.csv"), "--strict", "--quiet"]) == 2
    assert "row 6 (line 7): missing coordinate" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_cli_shows_a_progress_bar_with_rows_per_second_on_a_terminal(tmp_path, events_csv, capsys, monkeypatch):
    import sys

    src, _ = events_csv
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["classify", str(src), "-o", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "classifying" in err
    assert "40 rows" in err
    assert "rows/s" in err


def test_cli_quiet_shows_no_progress_bar_even_on_a_terminal(tmp_path, events_csv, capsys, monkeypatch):
    import sys

    src, _ = events_csv
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["classify", str(src), "-o", str(tmp_path / "o.csv"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "classifying" not in captured.err
    assert captured.out == ""


def test_geojson_output_has_json_booleans_for_in_corridor(tmp_path, corridor, events_csv):
    import json

    src, _ = events_csv
    out = tmp_path / "out.geojson"
    classify_file(corridor, src, out)
    values = [f["properties"]["in_corridor"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]
    assert {type(v) for v in values} <= {bool, type(None)}
    assert values.count(None) == 3


def test_an_output_in_a_missing_folder_is_refused_like_the_map(tmp_path, corridor, events_csv):
    src, _ = events_csv
    with pytest.raises(ValueError, match=r"the folder .*nowhere does not exist"):
        classify_file(corridor, src, tmp_path / "nowhere" / "out.csv")
    assert not (tmp_path / "nowhere").exists()


def test_rows_that_look_like_swapped_lat_lon_are_counted_and_named(tmp_path, corridor, capsys):
    src = tmp_path / "in.csv"
    # row 1 Ariha as given; row 2 Ariha swapped (95 km off, 0.2 km when read the other way); row 3 Aleppo (far
    # both ways round)
    src.write_text("lon,lat\n36.61,35.81\n35.81,36.61\n37.16,36.20\n", encoding="utf-8")
    report = classify_file(corridor, src, tmp_path / "out.csv")
    assert report.swapped_rows == 1
    assert (report.first_swapped.row, report.first_swapped.line) == (2, 3)
    assert main(["classify", str(src), "-o", str(tmp_path / "out2.csv"), "--quiet"]) == 0
    assert "warning: 1 row looks like swapped lat/lon" in capsys.readouterr().err


def test_a_clean_file_has_no_swapped_rows(tmp_path, corridor, events_csv):
    src, _ = events_csv
    assert classify_file(corridor, src, tmp_path / "out.csv").swapped_rows == 0
