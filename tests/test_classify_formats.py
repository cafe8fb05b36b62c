"""classify's registry of file formats (geo._point_files.FILE_FORMATS): every format read and written the same way,
and FlatGeobuf, the format added as one entry of it, read back by GDAL."""

from __future__ import annotations

import gzip
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
from shapely.geometry import Point
from support import require_tool

from geo._point_files import format_of
from geo.classify import FILE_FORMATS, FORMATS, classify_file
from geo.columns import COLUMNS

FIRST_EXTENSION = {name: f.extensions[0] for name, f in FILE_FORMATS.items()}


def _points_csv(tmp_path: Path) -> Path:
    """Five points near the M4 (ids with leading zeros) and one row with no longitude."""
    src = tmp_path / "points.csv"
    src.write_text(
        "id,lon,lat\n00001,36.61,35.81\n00002,36.40,35.75\n00003,36.90,35.70\n00004,,35.80\n"
        "00005,37.05,35.85\n00006,36.20,35.70\n",
        encoding="utf-8",
    )
    return src


def _points_as(tmp_path: Path, fmt: str) -> Path:
    """The points of :func:`_points_csv` (no query columns) in the format ``fmt``."""
    src = _points_csv(tmp_path)
    if fmt == "csv":
        return src
    df = pd.read_csv(src, dtype={"id": str})
    path = tmp_path / f"in{FIRST_EXTENSION[fmt]}"
    if fmt == "csv.gz":
        path.write_bytes(gzip.compress(src.read_bytes()))
        return path
    if not FILE_FORMATS[fmt].geometry:
        df.to_parquet(path, index=False)
        return path
    geometry = [None if np.isnan(x) else Point(x, y) for x, y in zip(df["lon"], df["lat"], strict=True)]
    driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "flatgeobuf": "FlatGeobuf"}[fmt]
    options = {"SPATIAL_INDEX": "NO"} if fmt == "flatgeobuf" else {}
    gpd.GeoDataFrame(df[["id"]], geometry=geometry, crs=4326).to_file(path, driver=driver, **options)
    return path


def _read(path: Path) -> pd.DataFrame:
    if not format_of(path, "input").geometry:
        text = format_of(path, "input").lines
        return pd.read_csv(path, dtype={"id": str}) if text else pq.read_table(path).to_pandas()
    return gpd.read_file(path)


def test_every_extension_names_one_format_and_formats_is_derived_from_the_registry():
    extensions = [ext for f in FILE_FORMATS.values() for ext in f.extensions]
    assert len(extensions) == len(set(extensions))
    assert all(ext.startswith(".") and ext == ext.lower() for ext in extensions)
    assert {ext: f.name for f in FILE_FORMATS.values() for ext in f.extensions} == FORMATS
    assert FORMATS[".fgb"] == "flatgeobuf"


def test_an_extension_is_recognised_in_any_case(tmp_path, corridor):
    out = tmp_path / "OUT.FGB"
    classify_file(corridor, _points_csv(tmp_path), out)
    assert pyogrio.read_info(out)["driver"] == "FlatGeobuf"


WRITTEN = [name for name, f in FILE_FORMATS.items() if f.output]  # the others are inputs only (Excel)


@pytest.mark.parametrize("out_fmt", WRITTEN)
@pytest.mark.parametrize("in_fmt", WRITTEN)
def test_every_format_reads_and_writes_every_other_keeping_every_row(tmp_path, corridor, in_fmt, out_fmt):
    middle = _points_as(tmp_path, in_fmt)
    out = tmp_path / f"out{FIRST_EXTENSION[out_fmt]}"
    report = classify_file(corridor, middle, out)
    got = _read(out)
    assert report.rows == len(got) == 6
    assert report.bad_rows == 1
    assert list(got.columns[[c in COLUMNS for c in got.columns]]) == list(COLUMNS)
    assert got["distance_m"].isna().sum() == 1
    expected = corridor.query([36.61, 36.40, 36.90, 37.05, 36.20], [35.81, 35.75, 35.70, 35.85, 35.70])
    np.testing.assert_allclose(got["distance_m"].dropna(), expected["distance_m"], atol=1e-6)
    assert [str(v) for v in got["id"]] in (["1", "2", "3", "4", "5", "6"], [f"0000{i}" for i in range(1, 7)])


def test_flatgeobuf_output_reads_back_with_pyogrio_and_geopandas(tmp_path, corridor):
    out = tmp_path / "out.fgb"
    report = classify_file(corridor, _points_csv(tmp_path), out)
    info = pyogrio.read_info(out)
    assert info["driver"] == "FlatGeobuf"
    assert info["features"] == report.rows == 6
    assert info["geometry_type"] == "Point"
    got = gpd.read_file(out)
    assert got.crs.to_epsg() == 4326
    assert list(got["id"]) == [f"0000{i}" for i in range(1, 7)]  # CSV text stays text
    assert got.geometry.isna().tolist() == [False, False, False, True, False, False]  # the bad row: no point
    expected = corridor.query(got.geometry.x.dropna().to_numpy(), got.geometry.y.dropna().to_numpy())
    answered = got[got.geometry.notna()]
    np.testing.assert_allclose(answered["distance_m"], expected["distance_m"], atol=1e-6)
    assert list(answered["in_corridor"]) == list(expected["in_corridor"])
    assert list(answered["nearest_post"]) == list(expected["nearest_post"])
    assert got.loc[3, list(COLUMNS)].isna().all()


def test_flatgeobuf_output_reads_back_with_gdal_ogrinfo(tmp_path, corridor):
    ogrinfo = require_tool("ogrinfo", "gdal-bin")
    out = tmp_path / "out.fgb"
    classify_file(corridor, _points_csv(tmp_path), out)
    run = subprocess.run([ogrinfo, "-ro", "-al", "-so", str(out)], capture_output=True, text=True, check=True)
    assert "using driver `FlatGeobuf' successful" in run.stdout
    assert "Feature Count: 6" in run.stdout
    assert "Geometry: Point" in run.stdout
    for name in COLUMNS:
        assert f"\n{name}: " in run.stdout, name
    full = subprocess.run([ogrinfo, "-ro", "-al", str(out)], capture_output=True, text=True, check=True).stdout
    assert full.count("POINT (") == 5


def test_a_geopackage_output_is_version_1_2_which_the_systems_ogrinfo_reads_without_a_warning(tmp_path, corridor):
    # GDAL 3.10+ writes GeoPackage 1.4 by default, which Debian's GDAL 3.6 reads "partially supported".
    ogrinfo = require_tool("ogrinfo", "gdal-bin")
    out = tmp_path / "out.gpkg"
    classify_file(corridor, _points_csv(tmp_path), out)
    with sqlite3.connect(f"file:{out}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (10200,)
    run = subprocess.run([ogrinfo, "-ro", "-so", str(out), "classified"], capture_output=True, text=True, check=True)
    assert "Feature Count: 6" in run.stdout
    assert "Warning" not in run.stdout + run.stderr


def test_a_projected_flatgeobuf_input_is_read_in_its_crs(tmp_path, corridor):
    pts = gpd.GeoDataFrame({"name": ["Ariha"]}, geometry=gpd.points_from_xy([36.610078], [35.812637]), crs=4326)
    src = tmp_path / "in.fgb"
    pts.to_crs(32637).to_file(src, driver="FlatGeobuf")
    classify_file(corridor, src, tmp_path / "out.csv")
    got = pd.read_csv(tmp_path / "out.csv")
    np.testing.assert_allclose(got["distance_m"], corridor.query(pts)["distance_m"], atol=1e-3)
    np.testing.assert_allclose(got[["longitude", "latitude"]].to_numpy()[0], [36.610078, 35.812637], atol=1e-9)


def test_a_strict_run_to_flatgeobuf_leaves_no_file(tmp_path, corridor):
    with pytest.raises(ValueError, match=r"row 4 \(line 5\): missing coordinate"):
        classify_file(corridor, _points_csv(tmp_path), tmp_path / "out.fgb", strict=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["points.csv"]


def test_every_output_format_gets_the_users_file_mode_and_leaves_no_temporary_file(tmp_path, corridor):
    old = os.umask(0o027)
    try:
        for name in WRITTEN:
            ext = FIRST_EXTENSION[name]
            out = tmp_path / f"out{ext}"
            classify_file(corridor, _points_csv(tmp_path), out)
            assert stat.S_IMODE(out.stat().st_mode) == 0o640, name
    finally:
        os.umask(old)
    assert list(tmp_path.rglob(".*")) == []


def test_an_empty_input_gives_an_empty_flatgeobuf_output(tmp_path, corridor):
    src = tmp_path / "empty.csv"
    src.write_text("longitude,latitude\n", encoding="utf-8")
    out = tmp_path / "out.fgb"
    assert classify_file(corridor, src, out).rows == 0
    assert pyogrio.read_info(out)["driver"] == "FlatGeobuf"
    assert len(gpd.read_file(out)) == 0
    assert classify_file(corridor, out, tmp_path / "again.csv").rows == 0  # and it reads back


@pytest.mark.parametrize("out", ["out.csv", "out.gpkg", "out.geojson", "out.parquet"])
def test_a_parquet_of_arrow_view_columns_is_classified_with_its_values(tmp_path, corridor, out):
    # polars writes text as string_view: it was "Unsupported Type:string_view" (CSV), a GDAL error (GPKG, GeoJSON).
    import pyarrow as pa

    src = tmp_path / "views.parquet"
    views = {
        "place": pa.array(["Saraqib", "Ariha"], pa.string_view()),
        "raw": pa.array([b"\x01", b"z"], pa.binary_view()),
    }
    pq.write_table(pa.table({**views, "lat": [35.86, 35.81], "lon": [36.80, 36.61]}), src)
    assert pq.read_schema(src).field("place").type == pa.string_view()  # the view comes back as a view
    classify_file(corridor, src, tmp_path / out)
    got = gpd.read_file(tmp_path / out) if out.endswith((".gpkg", ".geojson")) else None
    if out.endswith(".csv"):
        assert pd.read_csv(tmp_path / out)["place"].tolist() == ["Saraqib", "Ariha"]
    elif out.endswith(".parquet"):
        table = pq.read_table(tmp_path / out)
        assert table["place"].to_pylist() == ["Saraqib", "Ariha"]
        assert table["raw"].to_pylist() == [b"\x01", b"z"]
    else:
        assert got["place"].tolist() == ["Saraqib", "Ariha"]


@pytest.mark.parametrize("out", ["out.csv", "out.csv.gz"])
def test_lists_structs_and_json_objects_go_to_csv_as_json_text_and_parquet_keeps_them(tmp_path, corridor, out):
    # It was "Unsupported Type:struct<a: int64>" (or extension<arrow.json>), naming neither the file nor the column.
    import json

    import pyarrow as pa

    src = tmp_path / "nested.parquet"
    table = pa.table({
        "id": [1, 2], "tags": [[1, 2], None], "who": [{"name": "سراقب", "n": 3}, {"name": None, "n": 0}],
        "lat": [35.86, 35.8], "lon": [36.80, 36.6],
    })  # fmt: skip
    pq.write_table(table, src)
    classify_file(corridor, src, tmp_path / out)
    got = pd.read_csv(tmp_path / out, dtype=str, keep_default_na=False)
    assert [json.loads(v) if v else None for v in got["tags"]] == [[1, 2], None]
    assert [json.loads(v) for v in got["who"]] == [{"name": "سراقب", "n": 3}, {"name": None, "n": 0}]
    classify_file(corridor, src, tmp_path / "kept.parquet")
    assert pq.read_table(tmp_path / "kept.parquet")["tags"].to_pylist() == [[1, 2], None]
    geojson = tmp_path / "objects.geojson"
    geojson.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nested": {"k": "v"}}, '
        '"geometry": {"type": "Point", "coordinates": [36.61, 35.81]}}]}',
        encoding="utf-8",
    )
    classify_file(corridor, geojson, tmp_path / "objects.csv")
    assert json.loads(pd.read_csv(tmp_path / "objects.csv")["nested"][0]) == {"k": "v"}


@pytest.mark.parametrize("out", ["out.gpkg", "out.geojson", "out.fgb"])
def test_arrow_types_gdal_lacks_are_written_with_their_values(tmp_path, corridor, out):
    # An empty column (pandas and DuckDB write Arrow's null type) failed with "Type 'n' ... is not supported", as did
    # decimals ('d:38,2') and durations ('tDs'); a time in Asia/Damascus was written as its UTC clock, no zone.
    import datetime as dt
    import decimal

    import pyarrow as pa

    src = tmp_path / "types.parquet"
    noon_utc = dt.datetime(2020, 3, 5, 12, tzinfo=dt.UTC)
    pq.write_table(
        pa.table({
            "lon": [36.61], "lat": [35.81], "empty": pa.array([None]),
            "price": pa.array([decimal.Decimal("12.34")], pa.decimal128(10, 2)),
            "big": pa.array([decimal.Decimal("123456789012345678.91")], pa.decimal128(38, 2)),
            "took": pa.array([dt.timedelta(days=1, seconds=5)]),
            "at": pa.array([noon_utc], pa.timestamp("us", tz="Asia/Damascus")),
        }),
        src,
    )  # fmt: skip
    classify_file(corridor, src, tmp_path / out)
    got = pyogrio.read_dataframe(tmp_path / out, datetime_as_string=True)
    assert got["empty"].isna().all()
    assert (got["price"][0], got["big"][0], got["took"][0]) == (12.34, "123456789012345678.91", 86405.0)
    assert pd.Timestamp(got["at"][0]) == pd.Timestamp(noon_utc)  # the same instant, whatever offset it is shown in


def test_a_geoparquet_with_an_empty_column_as_geopandas_writes_it_goes_on_a_map(tmp_path):
    from geo.cli import main

    src = tmp_path / "events.parquet"
    gpd.GeoDataFrame({"notes": [None, None]}, geometry=[Point(36.61, 35.81), Point(36.5, 35.8)], crs=4326).to_parquet(
        src
    )
    assert main(["map", "--offline", "--points", str(src), "-o", str(tmp_path / "map.html")]) == 0


@pytest.mark.parametrize("out", ["out.csv", "out.gpkg", "out.geojson", "out.parquet"])
def test_a_geoparquets_second_geometry_column_is_kept_as_wkt(tmp_path, corridor, out):
    # GeoPackage and GeoJSON dropped it without a word; CSV said "Invalid UTF8 payload".
    from shapely.geometry import LineString

    src = tmp_path / "two.parquet"
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(36.61, 35.81)], crs=4326)
    gdf["route"] = gpd.GeoSeries([LineString([(36.5, 35.8), (36.6, 35.81)])], crs=4326)
    gdf.to_parquet(src)
    classify_file(corridor, src, tmp_path / out)
    if out.endswith(".csv"):
        got = pd.read_csv(tmp_path / out)["route"]
    elif out.endswith(".parquet"):
        got = pq.read_table(tmp_path / out)["route"].to_pandas()
    else:
        got = pyogrio.read_dataframe(tmp_path / out)["route"]
    assert got.tolist() == ["LINESTRING (36.5 35.8, 36.6 35.81)"]


def test_bytes_to_csv_are_written_as_text_and_bytes_that_are_not_text_are_one_line(tmp_path, corridor, capsys):
    # Parquet whose strings are not marked as text (older Spark, Hive) is read as bytes; bytes that are not UTF-8
    # said "Invalid UTF8 payload", naming neither the file nor the column.
    import pyarrow as pa

    from geo.cli import main

    src = tmp_path / "bytes.parquet"
    pq.write_table(pa.table({"id": pa.array([b"Saraqib", b"\xff\xfe"]), "lat": [35.8, 35.8], "lon": [36.6, 36.6]}), src)
    out = tmp_path / "out.csv"
    assert main(["classify", str(src), "-o", str(out), "-q"]) == 2
    assert capsys.readouterr().err == (
        f"idlib-corridor: error: output {out}: {src}: row 2: column 'id' holds bytes that are not UTF-8 text, "
        "which CSV cannot hold; write Parquet, GeoJSON, GeoPackage or FlatGeobuf instead\n"
    )
    assert not out.exists()
    pq.write_table(pa.table({"id": pa.array([b"Saraqib"]), "lat": [35.8], "lon": [36.6]}), src)
    classify_file(corridor, src, out)
    assert pd.read_csv(out)["id"].tolist() == ["Saraqib"]


def test_nan_and_infinity_go_to_geojson_as_null_not_as_a_property_left_out(tmp_path, corridor):
    # JSON has no NaN: GDAL left the property out of those features, with a RuntimeWarning on stderr.
    import json
    import warnings

    src = tmp_path / "scores.parquet"
    pd.DataFrame({"lon": [36.61, 36.5, 36.5], "lat": [35.81, 35.8, 35.8], "score": [np.nan, np.inf, 1.5]}).to_parquet(
        src
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classify_file(corridor, src, tmp_path / "out.geojson")
    features = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["score"] for f in features] == [None, None, 1.5]


@pytest.mark.parametrize("kind", ["points", "polygons", "multilinestrings"])
@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_geoparquet_in_geoarrow_encoding_reads_as_its_wkb_twin(tmp_path, corridor, kind, chunk_rows):
    # geopandas' to_parquet(geometry_encoding="geoarrow") is GeoParquet 1.1: it was refused ("expected WKB points").
    from shapely.geometry import MultiLineString, Polygon

    shapes = {
        "points": [Point(36.61, 35.81), None, Point(36.5, 35.8)],
        "polygons": [
            Polygon([(36.6, 35.8), (36.62, 35.8), (36.62, 35.82)]), None,
            Polygon(
                [(36.5, 35.8), (36.52, 35.8), (36.52, 35.82)], [[(36.505, 35.805), (36.51, 35.805), (36.51, 35.81)]]
            ),
        ],
        "multilinestrings": [
            MultiLineString([[(36.4, 35.75), (36.5, 35.75)], [(36.6, 35.8), (36.7, 35.9)]]), None,
            MultiLineString([[(36.3, 35.7), (36.35, 35.72)]]),
        ],
    }[kind]  # fmt: skip
    gdf = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=shapes, crs=4326).to_crs(32637)
    arrow, wkb = tmp_path / "geoarrow.parquet", tmp_path / "wkb.parquet"
    gdf.to_parquet(arrow, geometry_encoding="geoarrow")
    gdf.to_parquet(wkb)
    assert b'"encoding": "' + kind[:-1].encode() + b'"' in pq.read_schema(arrow).metadata[b"geo"]
    classify_file(corridor, arrow, tmp_path / "a.gpkg", chunk_rows=chunk_rows)
    classify_file(corridor, wkb, tmp_path / "w.gpkg")
    got, twin = gpd.read_file(tmp_path / "a.gpkg"), gpd.read_file(tmp_path / "w.gpkg")
    assert got.geometry.iloc[1] is None
    for mine, theirs in zip(got.geometry[[0, 2]], twin.geometry[[0, 2]], strict=True):
        assert mine.equals_exact(theirs, 1e-9)
    np.testing.assert_array_equal(got["distance_m"], twin["distance_m"])


def test_an_empty_geoparquet_in_geoarrow_encoding_gives_empty_outputs(tmp_path, corridor):
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(36.61, 35.81)], crs=4326)
    gdf.to_parquet(tmp_path / "one.parquet", geometry_encoding="geoarrow")
    pq.write_table(pq.read_table(tmp_path / "one.parquet").slice(0, 0), tmp_path / "none.parquet")
    for out in ("out.csv", "out.gpkg", "out.parquet"):
        assert classify_file(corridor, tmp_path / "none.parquet", tmp_path / out).rows == 0
    assert len(gpd.read_parquet(tmp_path / "out.parquet")) == 0
