"""classify reads the point files people really have (issue 12): big RFC 4180 CSVs with quoted line breaks,
Excel's ';' CSVs with a BOM and CRLF, Latin-1, gzip, Excel workbooks, GeoPackages with several layers; it
names the true line of a bad row and refuses, in one line, coordinate columns it cannot read right."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from acled import COLUMNS, write_acled_csv

from geo._point_files import format_of
from geo.classify import classify_file
from geo.cli import main
from geo.columns import QUERY_COLUMNS

QUERY_NAMES = [c.name for c in QUERY_COLUMNS]


def _text_rows(path: Path, **kwargs) -> list[dict[str, str]]:
    with open(path, encoding=kwargs.pop("encoding", "utf-8-sig"), newline="") as f:
        return list(csv.DictReader(f, **kwargs))


def _cli_error(capsys, *argv: str) -> str:
    """Run the CLI, expecting a usage error: exit 2, one line on stderr, no traceback."""
    assert main(["classify", *argv, "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def _assert_same_columns(src_rows: list[dict[str, str]], out: Path) -> None:
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(COLUMNS) + QUERY_NAMES
    assert len(got) == len(src_rows)
    expected = pd.DataFrame(src_rows, columns=list(COLUMNS))
    pd.testing.assert_frame_equal(got[list(COLUMNS)], expected)
    assert (got["distance_m"] != "").all()  # every row answered


def test_a_csv_over_4_mib_with_quoted_line_breaks_is_read_whole(tmp_path, corridor):
    src = write_acled_csv(tmp_path / "events.csv", rows=12_000, seed=3)
    assert src.stat().st_size > 4 << 20
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    assert (report.rows, report.bad_rows) == (12_000, 0)
    assert report.chunks > 1  # read in several blocks, none cut inside a quoted note
    _assert_same_columns(_text_rows(src), out)


def test_a_csv_over_4_mib_whose_line_breaks_are_mostly_quoted_is_read_whole(tmp_path, corridor):
    # Nine in ten line breaks inside quotes: a block cut at a line break, as a chunker blind to quotes cuts it,
    # would fall inside a field (pyarrow's "CSV parser got out of sync with chunker").
    note = '"' + "\n".join(f"part {i}, with a comma" for i in range(10)) + '"'
    src = tmp_path / "notes.csv"
    src.write_text("id,notes,lat,lon\n" + "".join(f"{i},{note},35.8,36.6\n" for i in range(20_000)), encoding="utf-8")
    assert src.stat().st_size > 4 << 20
    report = classify_file(corridor, src, tmp_path / "out.csv")
    assert (report.rows, report.bad_rows, report.chunks > 1) == (20_000, 0, True)
    got = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert (got["notes"] == note.strip('"')).all()


@pytest.mark.slow
def test_a_150000_row_acled_csv_keeps_every_row_and_all_31_columns_intact(tmp_path, corridor):
    src = write_acled_csv(tmp_path / "acled.csv", rows=150_000, seed=12)
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    assert (report.rows, report.bad_rows) == (150_000, 0)
    rows = _text_rows(src)
    assert any("\n" in r["notes"] for r in rows)
    assert any("إدلب" in r["notes"] for r in rows)
    _assert_same_columns(rows, out)


def test_an_excel_style_csv_with_semicolons_a_bom_and_crlf_is_sniffed(tmp_path, corridor):
    src = write_acled_csv(tmp_path / "excel.csv", rows=200, seed=5, delimiter=";", bom=True, crlf=True)
    assert src.read_bytes().startswith(b"\xef\xbb\xbfevent_id_cnty;")
    out = tmp_path / "out.csv"
    assert classify_file(corridor, src, out).rows == 200
    _assert_same_columns(_text_rows(src, delimiter=";"), out)


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_tab_and_pipe_separators_are_sniffed_and_can_be_given(tmp_path, corridor, sep):
    src = tmp_path / "in.csv"
    src.write_text(f"id{sep}note{sep}lat{sep}lon\n1{sep}a, b; c{sep}35.8{sep}36.6\n", encoding="utf-8")
    for given in (None, sep):
        out = tmp_path / "out.csv"
        classify_file(corridor, src, out, delimiter=given)
        assert pd.read_csv(out, dtype=str)["note"].tolist() == ["a, b; c"]


def test_latin1_needs_encoding_and_without_it_the_error_names_the_line_and_the_option(tmp_path, corridor, capsys):
    src = tmp_path / "latin.csv"
    src.write_bytes("id;lieu;lat;lon\n1;Alep;35.8;36.6\n\n2;Maarrat an-Nu\xe2m\xe9;35.6;36.7\n".encode("latin-1"))
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"))
    assert "latin.csv: line 4 is not valid utf-8 text" in err
    assert "--encoding latin-1" in err
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv"), "--encoding", "latin-1", "-q"]) == 0
    assert pd.read_csv(tmp_path / "out.csv", dtype=str)["lieu"].tolist() == ["Alep", "Maarrat an-Nu\xe2m\xe9"]


def test_a_wrong_separator_or_a_short_row_names_its_line(tmp_path, corridor, capsys):
    src = tmp_path / "short.csv"
    src.write_text('id,lat,lon\n1,35.8,36.6\n2,"a\nb",35.7,36.7\n', encoding="utf-8")
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"))
    assert "short.csv: line 3 has 4 fields, the header 3" in err
    assert "--delimiter" in err


def test_a_gzip_csv_is_read_and_its_longest_extension_names_its_format(tmp_path, corridor):
    plain = write_acled_csv(tmp_path / "events.csv", rows=300, seed=8)
    src = tmp_path / "events.CSV.GZ"
    with open(plain, "rb") as f, gzip.open(src, "wb") as g:
        shutil.copyfileobj(f, g)
    assert format_of(src, "input").name == "csv.gz"
    out = tmp_path / "out.csv"
    assert classify_file(corridor, src, out).rows == 300
    _assert_same_columns(_text_rows(plain), out)


def test_an_excel_workbook_is_read_from_its_first_sheet_or_the_one_named(tmp_path, corridor, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    first = book.active
    first.title = "events"
    first.append(["id", "lat", "lon", "fatalities"])
    first.append(["00042", 35.81, 36.61, 3])
    first.append(["00043", None, 36.5, 0])
    other = book.create_sheet("posts")
    other.append(["name", "latitude", "longitude"])
    other.append(["Tronba", 35.83, 36.72])
    src = tmp_path / "book.xlsx"
    book.save(src)
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    assert (report.rows, report.bad_rows) == (2, 1)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got[["id", "lat", "lon", "fatalities"]].values.tolist() == [["00042", "35.81", "36.61", "3"],
                                                                        ["00043", "", "36.5", "0"]]  # fmt: skip
    assert main(["classify", str(src), "-o", str(out), "--layer", "posts", "-q"]) == 0
    assert pd.read_csv(out)["name"].tolist() == ["Tronba"]
    assert "no sheet 'nope'; the sheets are ['events', 'posts']" in _cli_error(
        capsys, str(src), "-o", str(out), "--layer", "nope"
    )
    assert "Excel files are read, not written" in _cli_error(capsys, str(out), "-o", str(tmp_path / "x.xlsx"))


def test_an_excel_bad_row_is_named_by_its_row_number_in_the_sheet(tmp_path, corridor, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "id", "lat", "lon"  # a title area above: the table starts at B3
    sheet["B4"], sheet["C4"], sheet["D4"] = 1, 35.81, 36.61
    sheet["B6"], sheet["D6"] = 2, 36.5  # row 5 is blank; row 6 has no latitude
    src = tmp_path / "book.xlsx"
    book.save(src)
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    assert (report.rows, report.bad_rows) == (2, 1)  # the blank row is not a data row, as a blank CSV line is not
    assert str(report.first_bad) == "row 2 (sheet row 6): missing coordinate"
    assert pd.read_csv(out)["id"].tolist() == [1, 2]
    assert main(["classify", str(src), "-o", str(out), "--strict", "-q"]) == 2
    assert "row 2 (sheet row 6): missing coordinate (--strict" in capsys.readouterr().err


def test_a_geopackage_with_two_layers_needs_layer(tmp_path, corridor, capsys):
    src = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(36.6, 35.8)], crs=4326).to_file(src, layer="events")
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.Point(36.5, 35.7)] * 2, crs=4326).to_file(
        src, layer="posts"
    )
    out = tmp_path / "out.csv"
    err = _cli_error(capsys, str(src), "-o", str(out))
    assert "two.gpkg: 2 layers (events, posts); choose one with --layer" in err
    assert main(["classify", str(src), "-o", str(out), "--layer", "posts", "-q"]) == 0
    assert pd.read_csv(out)["name"].tolist() == ["a", "b"]
    assert "no layer 'nope'; the layers are events, posts" in _cli_error(
        capsys, str(src), "-o", str(out), "--layer", "nope"
    )
    assert "--layer applies to GeoPackage layers and Excel sheets" in _cli_error(
        capsys, str(tmp_path / "out.csv"), "-o", str(tmp_path / "o2.csv"), "--layer", "x"
    )


def test_bad_and_swapped_rows_are_named_by_their_true_line(tmp_path, corridor):
    src = tmp_path / "lines.csv"
    src.write_text(
        'id,note,lat,lon\n\n1,"two\nlines",35.8,36.6\n\n\n2,"three\r\nlines\nhere",35.75,36.4\n'
        '3,ok,,36.5\n4,"x",36.61,35.81\n',
        encoding="utf-8",
    )
    report = classify_file(corridor, src, tmp_path / "out.csv")
    assert report.rows == 4
    assert (report.first_bad.row, report.first_bad.line) == (3, 10)
    assert (report.first_swapped.row, report.first_swapped.line) == (4, 11)
    with pytest.raises(ValueError, match=r"row 3 \(line 10\): missing coordinate"):
        classify_file(corridor, src, tmp_path / "out.csv", strict=True)


def test_a_boolean_coordinate_column_is_refused_naming_it_and_its_type(tmp_path, corridor, capsys):
    src = tmp_path / "bool.parquet"
    pq.write_table(pa.table({"lon": [True, False], "lat": [35.8, 35.7]}), src)
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"))
    assert "bool.parquet: the longitude column 'lon' holds bool values, not numbers" in err
    assert not (tmp_path / "out.csv").exists()


def test_text_coordinates_that_are_not_numbers_are_bad_rows_with_a_reason(tmp_path, corridor):
    src = tmp_path / "text.parquet"
    pq.write_table(pa.table({"lon": ["36.6", "east", "true"], "lat": ["35.8", "35.7", "35.7"]}), src)
    report = classify_file(corridor, src, tmp_path / "out.parquet")
    assert report.bad_rows == 2
    assert report.first_bad.reason == "coordinate is not a number"
    assert np.isnan(pq.read_table(tmp_path / "out.parquet").column("distance_m").to_numpy(zero_copy_only=False)[1])


def test_the_same_column_twice_a_duplicated_column_and_two_candidates_are_refused(tmp_path, corridor, capsys):
    out = str(tmp_path / "out.csv")
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n36.6,35.8\n", encoding="utf-8")
    err = _cli_error(capsys, str(src), "-o", out, "--lon-col", "lat", "--lat-col", "lat")
    assert "the column 'lat' cannot be both the longitude and the latitude" in err
    dup = tmp_path / "dup.csv"
    dup.write_text("lon,lat,lat\n36.6,35.8,35.9\n", encoding="utf-8")
    assert "dup.csv: the column 'lat' appears 2 times" in _cli_error(capsys, str(dup), "-o", out)
    both = tmp_path / "both.csv"
    both.write_text("lon,lat,latitude\n36.6,35.8,35.9\n", encoding="utf-8")
    err = _cli_error(capsys, str(both), "-o", out)
    assert "the latitude could be any of the columns ['lat', 'latitude']; say which with --lat-col" in err
    assert main(["classify", str(both), "-o", out, "--lat-col", "latitude", "-q"]) == 0


def test_a_geoparquet_input_gives_its_points_from_the_geometry_in_its_crs(tmp_path, corridor):
    points = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]}, geometry=[shapely.Point(36.61, 35.81), None, shapely.Point(36.4, 35.75)], crs=4326
    )
    src = tmp_path / "points.parquet"
    points.to_crs(32637).to_parquet(src)  # projected: UTM 37N
    assert b"geo" in pq.read_schema(src).metadata
    out = tmp_path / "out.csv"
    report = classify_file(corridor, src, out)
    assert (report.rows, report.bad_rows, report.first_bad.reason) == (3, 1, "missing geometry")
    got = pd.read_csv(out)
    assert "geometry" not in got.columns
    np.testing.assert_allclose(got["longitude"].iloc[[0, 2]], [36.61, 36.4], atol=1e-9)
    np.testing.assert_allclose(got["latitude"].iloc[[0, 2]], [35.81, 35.75], atol=1e-9)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_dash_reads_the_standard_input_as_csv_or_the_format_given(tmp_path, corridor, monkeypatch, capsys):
    out = tmp_path / "out.csv"
    monkeypatch.setattr(sys, "stdin", _Stdin(b"id;lat;lon\n\n1;35.8;36.6\n2;;36.5\n"))
    assert main(["classify", "-", "-o", str(out), "-q"]) == 0
    assert "first: row 2 (line 4): missing coordinate" in capsys.readouterr().err
    assert pd.read_csv(out, dtype=str)["id"].tolist() == ["1", "2"]
    parquet = tmp_path / "in.parquet"
    pq.write_table(pa.table({"lon": [36.6], "lat": [35.8]}), parquet)
    monkeypatch.setattr(sys, "stdin", _Stdin(parquet.read_bytes()))
    assert main(["classify", "-", "--input-format", "parquet", "-o", str(out), "-q"]) == 0
    assert pd.read_csv(out)["lon"].tolist() == [36.6]
    monkeypatch.setattr(sys, "stdin", _Stdin("lat,lon\n35.8,caf\xe9\n".encode("latin-1")))
    assert "<stdin>: line 2 is not valid utf-8 text" in _cli_error(capsys, "-", "-o", str(out))
    assert not list(Path(tempfile.gettempdir()).glob("idlib-corridor-*/stdin.csv"))


def test_a_delimiter_can_be_named_and_a_bad_one_is_refused(tmp_path, corridor, capsys):
    src = tmp_path / "tab.csv"
    src.write_text("lat\tlon\n35.8\t36.6\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    for name in ("tab", "\\t", "\t"):
        assert main(["classify", str(src), "-o", str(out), "--delimiter", name, "-q"]) == 0
    assert "the delimiter must be one character" in _cli_error(capsys, str(src), "-o", str(out), "--delimiter", ";;")
    parquet = tmp_path / "x.parquet"
    pq.write_table(pa.table({"lon": [36.6], "lat": [35.8]}), parquet)
    assert "--delimiter applies to CSV" in _cli_error(capsys, str(parquet), "-o", str(out), "--delimiter", ";")


def test_an_encoding_is_refused_for_a_format_that_says_its_own(tmp_path, corridor, capsys):
    parquet = tmp_path / "x.parquet"
    pq.write_table(pa.table({"lon": [36.6], "lat": [35.8]}), parquet)
    out = tmp_path / "out.csv"
    assert "--encoding applies to CSV" in _cli_error(capsys, str(parquet), "-o", str(out), "--encoding", "latin-1")
    assert not out.exists()
    assert main(["classify", str(parquet), "-o", str(out), "--encoding", "UTF-8", "-q"]) == 0  # the default, said


# --- what a new user found past the first block, in the header and on the standard output ----------------------


def _notes_csv(rows: int) -> str:
    """A CSV over 4 MiB (one block) whose notes hold quoted line breaks and commas."""
    note = '"' + "\n".join(f"part {i}, with a comma" for i in range(10)) + '"'
    return "id,notes,lat,lon\n" + "".join(f"{i},{note},35.8,36.6\n" for i in range(rows))


def test_a_bad_byte_or_a_short_row_past_the_first_block_is_named_by_its_line(tmp_path, corridor, capsys):
    text = _notes_csv(20_000)
    assert len(text) > 4 << 20
    line = text.count("\n") + 1  # the row after them, counted by hand: the header, the notes' breaks, the rows
    bad = tmp_path / "late_byte.csv"
    bad.write_bytes(text.encode() + b'X,"caf\xe9",35.8,36.6\n')
    err = _cli_error(capsys, str(bad), "-o", str(tmp_path / "out.parquet"))
    assert f"late_byte.csv: line {line} is not valid utf-8 text (byte 0xe9)" in err
    assert "--encoding latin-1" in err
    short = tmp_path / "late_short.csv"
    short.write_text(text + "X,35.8\n", encoding="utf-8")
    err = _cli_error(capsys, str(short), "-o", str(tmp_path / "out.parquet"))
    assert f"late_short.csv: line {line} has 2 fields, the header 4" in err
    assert not list(tmp_path.glob("*.parquet"))
    assert not list(tmp_path.glob(".*"))  # no temporary file either


def test_a_field_longer_than_two_blocks_is_read_whole_first_or_past_the_first_block(tmp_path, corridor):
    huge = 'one, "two"\nthree ' * (9 << 16)  # 9 MiB+, quotes and line breaks in it: more than two 4 MiB blocks
    rows = [[str(i), f"note {i}", "35.8", "36.6"] for i in range(150_000)]  # 4 MiB+ before it
    for name, at in (("late.csv", len(rows)), ("first.csv", 0)):
        src = tmp_path / name
        with open(src, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "notes", "lat", "lon"])
            writer.writerows([*rows[:at], ["huge", huge, "35.7", "36.5"], *rows[at:]])
        out = tmp_path / f"{name}.parquet"
        report = classify_file(corridor, src, out)
        assert (report.rows, report.bad_rows) == (150_001, 0)
        got = pd.read_parquet(out, columns=["id", "notes"])
        assert got["id"].tolist() == [r[0] for r in rows[:at]] + ["huge"] + [r[0] for r in rows[at:]]
        assert got["notes"].iloc[at] == huge  # every byte, read once


@pytest.mark.parametrize("end", ["\n", ""], ids=["line-break", "no-line-break"])
@pytest.mark.parametrize("ext", [".csv", ".parquet", ".gpkg", ".fgb"])
def test_a_csv_of_a_header_only_keeps_its_columns_with_no_rows(tmp_path, corridor, ext, end):
    src = tmp_path / "header.csv"
    src.write_text(f"event_id,latitude,longitude{end}", encoding="utf-8")
    out = tmp_path / f"out{ext}"
    assert classify_file(corridor, src, out).rows == 0
    got = pd.read_csv(out) if ext == ".csv" else gpd.read_file(out) if ext != ".parquet" else gpd.read_parquet(out)
    assert len(got) == 0
    assert list(got.columns[:3]) == ["event_id", "latitude", "longitude"]
    assert set(QUERY_NAMES) <= set(got.columns)


def test_an_empty_csv_is_one_line_asking_for_a_header(tmp_path, capsys):
    for name, data in (("empty.csv", b""), ("blank.csv", b"\n\n"), ("empty.csv.gz", gzip.compress(b""))):
        src = tmp_path / name
        src.write_bytes(data)
        err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.parquet"))
        assert f"{name}: the file is empty; expected a header line naming the columns" in err
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize(
    "data", [b"   \n  \n", b"   \nid,lat,lon\n1,35.8,36.6\n", b" , \nid,lat,lon\n1,35.8,36.6\n"],
    ids=["spaces only", "spaces above the header", "separators and spaces above the header"],
)
def test_a_first_line_of_spaces_is_one_line_saying_so(tmp_path, capsys, data):
    # It said "no longitude column", or "line 2 has 3 fields, the header 1": a line of spaces is not blank to a CSV.
    spaces = tmp_path / "spaces.csv"
    spaces.write_bytes(data)
    err = _cli_error(capsys, str(spaces), "-o", str(tmp_path / "out.parquet"))
    assert "spaces.csv: the first line holds only spaces; expected a header line naming the columns" in err
    assert not (tmp_path / "out.parquet").exists()


def test_a_column_name_twice_or_two_columns_without_a_name_are_refused_up_front(tmp_path, corridor, capsys):
    out = tmp_path / "out.parquet"
    twice = tmp_path / "twice.csv"
    twice.write_text("id,lat,lon,id\n1,35.8,36.6,2\n", encoding="utf-8")
    assert "twice.csv: the column 'id' appears 2 times (columns 1, 4); rename one of them" in _cli_error(
        capsys, str(twice), "-o", str(out)
    )
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text("id,lat,lon,,\n1,35.8,36.6,,\n", encoding="utf-8")
    err = _cli_error(capsys, str(unnamed), "-o", str(out))
    assert "unnamed.csv: the columns 4, 5 have no name in the header" in err
    assert not out.exists()
    one = tmp_path / "one_unnamed.csv"  # one column without a name is still one column: kept
    one.write_text("id,lat,lon,\n1,35.8,36.6,x\n", encoding="utf-8")
    assert classify_file(corridor, one, out).rows == 1
    assert pd.read_parquet(out)[""].tolist() == ["x"]


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb"])
def test_names_differing_only_in_case_are_refused_up_front_for_gdal_outputs(tmp_path, capsys, ext):
    """GDAL takes 'id' and 'ID' for one field: GeoJSON and FlatGeobuf kept one value under one name."""
    src = tmp_path / "case.csv"
    src.write_text("id,ID,lat,lon\n1,2,35.8,36.6\n", encoding="utf-8")
    out = tmp_path / f"out{ext}"
    err = _cli_error(capsys, str(src), "-o", str(out))
    assert "case.csv: the columns 'id' and 'ID' differ only in case" in err
    assert not out.exists()


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb"])
def test_a_nul_character_in_a_value_or_a_name_is_refused_for_gdal_outputs_naming_its_row(tmp_path, capsys, ext):
    """GDAL ends a text value at a NUL: 'cut\\x00here' was written 'cut', exit 0."""
    rows = "".join(f"{i},note {i},35.8,36.6\n" for i in range(300_000))  # the NUL past the first chunk
    src = tmp_path / "nul.csv"
    src.write_bytes(f"id,notes,lat,lon\n{rows}x,\"two\nlines\",35.8,36.6\ny,cut\x00here,35.8,36.6\n".encode())
    out = tmp_path / f"out{ext}"
    err = _cli_error(capsys, str(src), "-o", str(out))
    assert "nul.csv: row 300002 (line 300004): column 'notes' holds a NUL character" in err
    assert "write Parquet or CSV" in err
    assert not out.exists()
    named = tmp_path / "named.csv"
    named.write_bytes(b"id,no\x00tes,lat,lon\n1,a,35.8,36.6\n")
    err = _cli_error(capsys, str(named), "-o", str(out))
    assert "named.csv: the column name 'no\\x00tes' holds a NUL character" in err
    assert not out.exists()


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb"])
def test_a_nul_character_inside_a_list_or_a_struct_is_refused_for_gdal_outputs_too(tmp_path, capsys, ext):
    """A Parquet list of strings ['b\\x00c'] was written ['b'], exit 0."""
    points = {"lat": [35.8, 35.8], "lon": [36.6, 36.6]}
    for name, values in (("list", [["a"], ["b\x00c"]]), ("struct", [{"x": "a", "n": 1}, {"x": "b\x00c", "n": 2}])):
        src = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({**points, "nested": values}), src)
        err = _cli_error(capsys, str(src), "-o", str(tmp_path / f"out{ext}"))
        assert f"{name}.parquet: row 2: column 'nested' holds a NUL character" in err
        assert not (tmp_path / f"out{ext}").exists()


def test_a_nul_character_is_kept_in_parquet_and_csv(tmp_path, corridor):
    src = tmp_path / "nul.csv"
    src.write_bytes(b"id,notes,lat,lon\n1,cut\x00here,35.8,36.6\n")
    for out in (tmp_path / "out.parquet", tmp_path / "out.csv"):
        classify_file(corridor, src, out)
        got = pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out)
        assert got["notes"].tolist() == ["cut\x00here"]


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb"])
def test_names_differing_in_the_case_of_other_letters_than_ascii_are_two_columns_to_gdal(tmp_path, corridor, ext):
    """GDAL folds only A-Z: 'é' and 'É' were refused as twins, though it keeps both."""
    src = tmp_path / "accents.csv"
    src.write_text("é,É,lat,lon\n1,2,35.8,36.6\n", encoding="utf-8")
    out = tmp_path / f"out{ext}"
    classify_file(corridor, src, out)
    assert gpd.read_file(out)[["é", "É"]].values.tolist() == [[1, 2]]


def test_names_differing_only_in_case_are_both_kept_in_parquet_and_csv(tmp_path, corridor):
    src = tmp_path / "case.csv"
    src.write_text("id,ID,lat,lon\n1,2,35.8,36.6\n", encoding="utf-8")
    for out in (tmp_path / "out.parquet", tmp_path / "out.csv"):
        classify_file(corridor, src, out)
        got = pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out)
        assert got[["id", "ID"]].values.tolist() == [[1, 2]]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_unicode_text_file_with_its_byte_order_mark_needs_no_encoding(tmp_path, corridor, codec):
    # Excel's "Unicode Text" is UTF-16 (little-endian) with a mark and tabs between the cells.
    text = "name\tlat\tlon\r\nسراقب\t35.81\t36.61\r\nAriha\t35.81\t36.6\r\n"
    mark = codecs.BOM_UTF16_BE if codec == "utf-16-be" else b""
    src = tmp_path / "unicode.csv"
    src.write_bytes(mark + text.encode(codec))
    out = tmp_path / "out.csv"
    assert classify_file(corridor, src, out).rows == 2
    got = pd.read_csv(out, dtype=str)
    assert got["name"].tolist() == ["سراقب", "Ariha"]
    assert got["distance_m"].notna().all()


@pytest.mark.parametrize("ext", [".txt", ".tsv", ".tab"])
def test_tab_separated_text_as_spreadsheets_save_it_is_read_but_not_written(tmp_path, corridor, capsys, ext):
    src = tmp_path / f"unicode{ext}"  # Excel's "Unicode Text" is a .txt: UTF-16 with its mark, tabs
    src.write_bytes("name\tlat\tlon\r\nسراقب\t35.81\t36.61\r\n".encode("utf-16"))
    out = tmp_path / "out.parquet"
    assert main(["classify", str(src), "-o", str(out), "-q"]) == 0
    assert pd.read_parquet(out)["name"].tolist() == ["سراقب"]
    err = _cli_error(capsys, str(out), "-o", str(tmp_path / f"back{ext}"))
    assert f"back{ext}: delimited text files are read, not written" in err


def _run_cli(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "classify", *argv], input=stdin, capture_output=True, check=False
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_or_32_without_its_mark_is_one_line_naming_the_byte_order_to_say(tmp_path, corridor, capsys, codec):
    src = tmp_path / "unmarked.csv"
    src.write_bytes("name\tlat\tlon\r\nسراقب 🙂 Ā\t35.81\t36.61\r\n".encode(codec))  # zero low bytes: 🙂 (in 16), Ā
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"))
    assert f"unmarked.csv: looks like {codec} text without a byte-order mark; say so with --encoding {codec}" in err
    family = codec[:-3]
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"), "--encoding", family)
    assert f"say its byte order, --encoding {family}-le or {family}-be" in err
    assert not (tmp_path / "out.csv").exists()
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv"), "--encoding", codec, "-q"]) == 0
    assert pd.read_csv(tmp_path / "out.csv")["name"].tolist() == ["سراقب 🙂 Ā"]
    assert classify_file(corridor, src, tmp_path / "out.csv", encoding=codec).rows == 1
    assert pd.read_csv(tmp_path / "out.csv")["name"].tolist() == ["سراقب 🙂 Ā"]


def test_dash_writes_the_standard_output_once_complete_in_the_format_asked(tmp_path):
    rows = b"id;lat;lon\n1;35.8;36.6\n2;;36.5\n"
    run = _run_cli("-", "-o", "-", "--json", stdin=rows)
    assert run.returncode == 0
    got = pd.read_csv(io.BytesIO(run.stdout), dtype=str, keep_default_na=False)
    assert got["id"].tolist() == ["1", "2"]
    assert got["distance_m"].tolist()[1] == ""
    assert json.loads(run.stderr.decode().splitlines()[-1])["rows"] == 2  # the figures on stderr, not in the rows
    src = tmp_path / "in.csv"
    src.write_bytes(rows)
    run = _run_cli(str(src), "-o", "-", "--output-format", "parquet", "-q")
    assert run.returncode == 0
    points = gpd.read_parquet(io.BytesIO(run.stdout))
    assert points.crs.to_epsg() == 4326
    assert points.geometry.notna().tolist() == [True, False]
    short = tmp_path / "short.csv"
    short.write_bytes(rows + b"3;35.8\n")
    run = _run_cli(str(short), "-o", "-")
    assert (run.returncode, run.stdout) == (2, b"")  # nothing written: not the rows before the bad one either
    assert run.stderr.decode().startswith("idlib-corridor: error: ")
    assert "short.csv: line 4 has 2 fields" in run.stderr.decode()
    run = _run_cli(str(src), "-o", str(tmp_path / "out.csv"), "--output-format", "csv")
    assert run.returncode == 2
    assert "for -o - only; a file's format is its extension" in run.stderr.decode()
    assert not list(Path(tempfile.gettempdir()).glob("idlib-corridor-*/stdout.*"))


def test_dash_with_the_standard_output_closed_is_one_line(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon\n1,35.8,36.6\n", encoding="utf-8")
    run = subprocess.run(  # as a shell's ">&-" starts it: file descriptor 1 closed
        [sys.executable, "-m", "geo.cli", "classify", str(src), "-o", "-"],
        capture_output=False, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), check=False,
    )
    assert run.returncode == 2
    assert run.stderr.decode() == (
        "idlib-corridor: error: output -: the standard output is closed; redirect it (> FILE) or name a file\n"
    )


def test_utf16_said_of_a_file_without_its_mark_and_an_unknown_extension_are_one_line_with_the_option(
    tmp_path, corridor, capsys
):
    src = tmp_path / "plain.csv"
    src.write_text("name,lat,lon\nx,35.8,36.6\n", encoding="utf-8")
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"), "--encoding", "utf-16")
    assert "plain.csv: not valid utf-16 text (UTF-16 stream does not start with BOM)" in err
    assert "--encoding utf-16-le or utf-16-be" in err
    tsv = tmp_path / "tabs.dat"
    tsv.write_text("name\tlat\tlon\nx\t35.8\t36.6\n", encoding="utf-8")
    err = _cli_error(capsys, str(tsv), "-o", str(tmp_path / "out.csv"))
    assert "unknown extension '.dat'" in err
    assert "--input-format" in err
    assert main(["classify", str(tsv), "-o", str(tmp_path / "out.csv"), "--input-format", "csv", "-q"]) == 0


def test_coordinates_with_a_decimal_comma_are_read_as_the_same_numbers_with_a_point(tmp_path, corridor):
    # A European spreadsheet's CSV: ';' between the cells, ',' before the decimals. No degree has thousands.
    src = tmp_path / "europe.csv"
    src.write_text("id;lat;lon\n1;35,81;36,61\n2;35.81;36.61\n3; -35,8 ;36,6\n4;35,8,1;36,6\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    report = classify_file(corridor, src, out)
    assert (report.bad_rows, report.first_bad.row) == (1, 4)  # two commas: no number
    got = pd.read_parquet(out)
    assert got["lat"].tolist() == ["35,81", "35.81", " -35,8 ", "35,8,1"]  # the input as it was
    expected = corridor.query([36.61, 36.6], [35.81, -35.8])["distance_m"].tolist()
    assert got["distance_m"].tolist()[:3] == [expected[0], expected[0], expected[1]]


def test_a_quote_never_closed_is_refused_naming_its_line_not_read_as_one_long_value(tmp_path, corridor, capsys):
    lines = ["longitude,latitude,name"] + [f"36.6,35.8,r{i}" for i in range(1, 50_001)]
    lines[3] = '36.6,35.8,"oops'  # line 4: the quote takes every later line into its value
    src = tmp_path / "open_quote.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    err = _cli_error(capsys, str(src), "-o", str(out))
    assert "open_quote.csv: line 4: a quoted value is never closed" in err
    assert not out.exists()
    last = tmp_path / "last.csv"  # the same in the last row
    last.write_text('id,lat,lon\n1,35.8,36.6\n2,35.8,"36.6\n', encoding="utf-8")
    assert "last.csv: line 3: a quoted value is never closed" in _cli_error(capsys, str(last), "-o", str(out))
    closed = tmp_path / "closed.csv"  # a closed quote with a line break in the last row is a value like any other
    closed.write_text('id,lat,lon\n1,35.8,36.6\n"2\nb",35.8,36.6\n', encoding="utf-8")
    assert classify_file(corridor, closed, out).rows == 2
    assert pd.read_parquet(out)["id"].tolist() == ["1", "2\nb"]


def test_a_gzip_csv_cut_short_is_one_line_not_a_traceback(tmp_path, corridor, capsys):
    plain = write_acled_csv(tmp_path / "events.csv", rows=2_000, seed=9)
    whole = gzip.compress(plain.read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    err = _cli_error(capsys, str(cut), "-o", str(tmp_path / "out.csv"))
    assert "cut.csv.gz: cannot read it to its end" in err
    assert "is the file cut short?" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("codec", ["rot13", "base64"])
def test_a_codec_that_is_no_text_encoding_is_one_line(tmp_path, capsys, codec):
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon\n1,35.8,36.6\n", encoding="utf-8")
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"), "--encoding", codec)
    assert f"in.csv: {codec!r} is not a text encoding" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("text", "codec", "hint"),
    [("سراقب، أريحا", "cp1256", "cp1256"), ("Müller et Hélène à Saraqib", "latin-1", "latin-1")],
    ids=["arabic-windows", "western"],
)
def test_a_file_not_utf8_is_told_the_encoding_its_text_looks_like(tmp_path, capsys, text, codec, hint):
    # An Arabic file saved by Excel on Arabic Windows (cp1256) was told --encoding latin-1, which reads it as
    # accented Latin letters without an error: a wrong answer.
    src = tmp_path / "events.csv"
    src.write_bytes(f"name,lat,lon\n{text},35.8,36.6\n".encode(codec))
    err = _cli_error(capsys, str(src), "-o", str(tmp_path / "out.csv"))
    assert err.endswith(f"say what the file is, e.g. --encoding {hint}\n")
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv"), "--encoding", hint, "-q"]) == 0
    assert pd.read_csv(tmp_path / "out.csv")["name"].tolist() == [text]
