"""classify's output side: the output path checked up front, write errors and signals in one line, no file left."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from shapely.geometry import LineString, Point, Polygon

import geo._point_writers as point_writers
from geo.classify import classify_file
from geo.cli import main


def _points(tmp_path: Path) -> Path:
    src = tmp_path / "points.csv"
    src.write_text("id,lon,lat\n00001,36.61,35.81\n00002,36.40,35.75\n", encoding="utf-8")
    return src


def _only(tmp_path: Path, *names: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def _refused(capsys, argv: list[str], match: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("idlib-corridor: error: ")
    assert match in err, err
    return err


def test_an_output_that_is_a_directory_is_refused_up_front(tmp_path, capsys):
    (tmp_path / "out.csv").mkdir()
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / "out.csv")], "is a directory")


def test_an_output_in_a_missing_folder_is_refused(tmp_path, capsys):
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / "no" / "out.csv")], "does not exist")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_output_in_a_read_only_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(folder / "out.csv")], "not writable")
    finally:
        folder.chmod(0o755)


def test_a_folder_the_user_cannot_write_is_refused_even_as_root(tmp_path, capsys, monkeypatch):
    import geo._io as io_mod

    monkeypatch.setattr(io_mod.os, "access", lambda path, mode: False)  # what a read-only folder answers
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / "out.csv")], "not writable")
    _only(tmp_path, "points.csv")


def test_a_fifo_output_is_refused_without_being_opened(tmp_path, capsys):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)  # opening it for writing would block: the check must not open it
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(fifo)], "FIFO")


def test_a_name_too_long_for_the_folder_is_refused(tmp_path, capsys):
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / ("x" * 252 + ".csv"))], "too long")


def test_the_output_is_checked_before_the_input_is_read(tmp_path, monkeypatch, corridor):
    import geo.classify as classify_mod

    read = []
    monkeypatch.setattr(classify_mod, "_open_input", lambda *a: read.append(a))
    monkeypatch.setattr(classify_mod, "reading_format", lambda *a: read.append(a))
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        classify_file(corridor, _points(tmp_path), tmp_path / "out.csv")
    assert read == []


def test_the_input_named_as_output_is_refused_and_untouched(tmp_path, capsys):
    src = _points(tmp_path)
    before = src.read_bytes()
    _refused(capsys, ["classify", str(src), "-o", str(src)], "the same file as the input")
    os.link(src, tmp_path / "link.csv")
    _refused(capsys, ["classify", str(src), "-o", str(tmp_path / "link.csv")], "the same file as the input")
    assert src.read_bytes() == before


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".gpkg", ".geojson"])
def test_a_full_disk_is_one_line_and_leaves_no_file(tmp_path, capsys, monkeypatch, ext):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(point_writers._ArrowWriter, "write", full)
    monkeypatch.setattr(point_writers._VectorWriter, "write", full)
    src = _points(tmp_path)
    _refused(capsys, ["classify", str(src), "-o", str(tmp_path / f"out{ext}")], "No space left on device")
    _only(tmp_path, "points.csv")


def test_a_failed_write_is_reported_as_itself_not_as_the_closing_of_the_file(tmp_path, capsys, monkeypatch):
    # A FlatGeobuf's close checks its header's count, which a failed write leaves wrong: that said "could not
    # finish the FlatGeobuf file of N rows" in place of the write's own error.
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "the write's own error")

    def unfinished(self):
        raise OSError("the closing's error")

    monkeypatch.setattr(point_writers._VectorWriter, "write", full)
    monkeypatch.setattr(point_writers._VectorWriter, "close", unfinished)
    argv = ["classify", str(_points(tmp_path)), "-o", str(tmp_path / "out.fgb")]
    err = _refused(capsys, argv, "the write's own error")
    assert "closing" not in err
    _only(tmp_path, "points.csv")


def test_the_previous_signal_handlers_are_restored(tmp_path, corridor):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    classify_file(corridor, _points(tmp_path), tmp_path / "out.csv")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def _classify_started(tmp_path: Path, **popen: Any) -> tuple[subprocess.Popen[str], Path]:
    """Start classifying 2,000,000 rows in a child process; return it once its temporary output exists."""
    n = 2_000_000
    rng = np.random.default_rng(1)
    src = tmp_path / "big.parquet"
    pq.write_table(pa.table({"lon": rng.uniform(36, 37, n), "lat": rng.uniform(35.6, 36.1, n)}), src)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cmd = [sys.executable, "-m", "geo.cli", "classify", str(src), "-o", str(out_dir / "out.parquet"), "-q"]
    proc = subprocess.Popen([*cmd, "--chunk-rows", "2000"], env=env, stderr=subprocess.PIPE, text=True, **popen)
    deadline = time.monotonic() + 60
    while not list(out_dir.iterdir()):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return proc, out_dir


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_signal_half_way_removes_the_temporary_file(tmp_path, signum, status):
    proc, out_dir = _classify_started(tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert err.count("\n") == 1
    assert signal.Signals(signum).name in err
    assert list(out_dir.iterdir()) == []


@pytest.mark.slow
def test_a_signal_the_run_was_started_ignoring_stays_ignored(tmp_path):
    # nohup starts a command with SIGHUP ignored, so that closing the terminal does not stop it.
    proc, out_dir = _classify_started(tmp_path, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [p.name for p in out_dir.iterdir()] == ["out.parquet"]
    assert pq.read_metadata(out_dir / "out.parquet").num_rows == 2_000_000


# --- never overwrite the user's columns -------------------------------------------------------------------


def test_input_columns_named_like_results_are_kept_and_the_results_prefixed(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat,distance_m,Side,geometry\n36.61,35.81,mine,left,POINT (1 2)\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    report = classify_file(corridor, src, out)
    got = pq.read_table(out).to_pandas()
    assert list(got[["distance_m", "Side", "geometry"]].iloc[0]) == ["mine", "left", "POINT (1 2)"]
    assert got["corridor_distance_m"].iloc[0] == pytest.approx(corridor.query(36.61, 35.81)["distance_m"].iloc[0])
    assert got["corridor_side"].iloc[0] in ("north", "south")
    assert "corridor_distance_m" in report.columns_added
    assert "in_corridor" in report.columns_added
    assert b'"primary_column": "corridor_geometry"' in pq.read_schema(out).metadata[b"geo"]


def test_a_clash_can_be_refused_up_front_in_one_line(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat,side\n36.61,35.81,x\n", encoding="utf-8")
    argv = ["classify", str(src), "-o", str(tmp_path / "out.csv"), "--refuse-clashes"]
    _refused(capsys, argv, "already has the column(s) side")
    _only(tmp_path, "in.csv")


def test_a_geojson_longitude_property_is_not_doubled_in_a_table(tmp_path, corridor):
    src = tmp_path / "in.geojson"
    gpd.GeoDataFrame({"longitude": ["east"]}, geometry=[Point(36.61, 35.81)], crs=4326).to_file(src)
    classify_file(corridor, src, tmp_path / "out.csv")
    got = pd.read_csv(tmp_path / "out.csv")
    assert list(got.columns[:3]) == ["longitude", "corridor_longitude", "latitude"]
    assert got["longitude"].iloc[0] == "east"
    assert got["corridor_longitude"].iloc[0] == pytest.approx(36.61)


def test_a_fid_column_goes_to_a_geopackage_as_an_ordinary_column(tmp_path, corridor):
    src = tmp_path / "in.csv"
    src.write_text("fid,geom,lon,lat\nA-1,x,36.61,35.81\nA-1,y,36.40,35.75\n", encoding="utf-8")
    out = tmp_path / "out.gpkg"
    classify_file(corridor, src, out)
    got = gpd.read_file(out)
    assert list(got["fid"]) == ["A-1", "A-1"]
    assert list(got["geom"]) == ["x", "y"]
    assert got.geometry.notna().all()


# --- the report ---------------------------------------------------------------------------------------------


def test_json_prints_the_runs_figures(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat,side\n36.61,35.81,x\n,35.8,y\n36.5,95.5,z\nabc,35.8,w\n36.4,35.75,v\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["classify", str(src), "-o", str(out), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["output"] == str(out)
    assert (got["rows"], got["answered"], got["bad_rows"], got["swapped_rows"]) == (5, 2, 3, 0)
    assert got["bad_by_reason"] == {
        "coordinate is not a number": 1, "latitude out of range": 1, "missing coordinate": 1,
    }  # fmt: skip
    assert got["columns_added"][0] == "distance_m"
    assert "corridor_side" in got["columns_added"]
    assert got["seconds"] >= 0


# --- GeoParquet ---------------------------------------------------------------------------------------------


@pytest.fixture
def events_parquet(tmp_path, corridor):
    src = tmp_path / "events.csv"
    src.write_text(
        "event_id,event_date,fatalities,longitude,latitude\n"
        "00001,2020-03-05,3,36.61,35.81\n00002,2020-03-06,0,36.40,35.75\n00003,2020-03-07,7,,35.70\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.parquet"
    classify_file(corridor, src, out)
    return out


def test_parquet_output_is_geoparquet(events_parquet):
    meta = json.loads(pq.read_schema(events_parquet).metadata[b"geo"])
    assert meta["version"] in ("1.0.0", "1.1.0")
    assert meta["primary_column"] == "geometry"
    column = meta["columns"]["geometry"]
    assert (column["encoding"], column["geometry_types"]) == ("WKB", ["Point"])
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    got = gpd.read_parquet(events_parquet)
    assert got.crs.to_epsg() == 4326
    assert got.geometry.isna().tolist() == [False, False, True]  # the row without a longitude
    assert (got.geometry.x.iloc[0], got.geometry.y.iloc[0]) == (36.61, 35.81)


def test_geoparquet_keeps_statistics_for_filters_but_none_for_the_wkb_blobs(events_parquet):
    group = pq.ParquetFile(events_parquet).metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(group.num_columns)}
    assert stats["geometry"] is None  # a blob's byte order says nothing about where the points are
    assert stats["distance_m"].has_min_max
    assert stats["fatalities"].max == 7
    assert str(stats["event_date"].min) == "2020-03-05"


@pytest.mark.filterwarnings("ignore:The inplace keyword in GeoDataFrame.reset_index")  # dask-geopandas 0.5 itself
def test_geoparquet_output_reads_in_dask_geopandas(events_parquet):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    got = dask_geopandas.read_parquet(events_parquet).compute()
    assert len(got) == 3
    assert got.geometry.notna().sum() == 2


def test_geoparquet_output_reads_in_duckdb(events_parquet):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rows, answered = con.execute(f"SELECT count(*), count(distance_m) FROM read_parquet('{events_parquet}')").fetchone()
    assert (rows, answered) == (3, 2)


def test_side_and_post_are_text_to_duckdb_and_categories_to_pandas(events_parquet, corridor):
    duckdb = pytest.importorskip("duckdb")
    types = duckdb.connect().execute(
        f"SELECT typeof(side), typeof(nearest_post) FROM read_parquet('{events_parquet}') LIMIT 1"
    ).fetchone()
    assert types == ("VARCHAR", "VARCHAR")
    got = gpd.read_parquet(events_parquet)
    assert isinstance(got["side"].dtype, pd.CategoricalDtype)  # as Corridor.query gives it
    assert got["side"].tolist()[:2] == corridor.query([36.61, 36.40], [35.81, 35.75])["side"].tolist()
    assert pd.isna(got["nearest_post"].iloc[2])  # the row without a longitude


# --- typed output ------------------------------------------------------------------------------------------


def _typed_csv(tmp_path: Path) -> Path:
    src = tmp_path / "typed.csv"
    src.write_text(
        "event_id,event_date,timestamp,fatalities,score,admin,longitude,latitude\n"
        "00123,2020-03-05,2020-03-05T10:00:00,3,1.50,Ariha,36.61,35.81\n"
        "00124,2020-03-06,2020-03-06 11:30,0,2,Saraqib,36.40,35.75\n"
        "00125,,,12,,Idlib,,35.70\n",
        encoding="utf-8",
    )
    return src


@pytest.mark.parametrize("ext", [".parquet", ".gpkg", ".geojson", ".fgb"])
def test_text_columns_get_their_types_in_a_typed_output(tmp_path, corridor, ext):
    out = tmp_path / f"out{ext}"
    classify_file(corridor, _typed_csv(tmp_path), out)
    got = gpd.read_parquet(out) if ext == ".parquet" else gpd.read_file(out)
    assert got["fatalities"].sum() == 15  # numbers, not text joined
    assert list(got["event_id"]) == ["00123", "00124", "00125"]  # an id with leading zeros stays text
    assert got["score"].iloc[0] == 1.5
    assert pd.isna(got["score"].iloc[2])  # an empty cell is a null
    dates = pd.to_datetime(got["event_date"])
    assert dates.iloc[0].day == 5
    assert pd.isna(dates.iloc[2])
    assert got["admin"].iloc[1] == "Saraqib"


def test_parquet_types_are_arrow_types(tmp_path, corridor):
    out = tmp_path / "out.parquet"
    classify_file(corridor, _typed_csv(tmp_path), out)
    schema = pq.read_schema(out)
    assert schema.field("fatalities").type == pa.int64()
    assert schema.field("score").type == pa.float64()
    assert schema.field("event_date").type == pa.date32()
    assert schema.field("timestamp").type == pa.timestamp("us")
    assert schema.field("event_id").type == pa.string()
    assert schema.field("longitude").type == pa.float64()


def test_keep_text_writes_every_input_column_as_text(tmp_path, capsys):
    out = tmp_path / "out.parquet"
    assert main(["classify", str(_typed_csv(tmp_path)), "-o", str(out), "--keep-text", "-q"]) == 0
    schema = pq.read_schema(out)
    assert {schema.field(n).type for n in ("fatalities", "score", "event_date", "longitude")} == {pa.string()}


def test_a_csv_output_keeps_the_text_as_it_was(tmp_path, corridor):
    out = tmp_path / "out.csv"
    classify_file(corridor, _typed_csv(tmp_path), out)
    assert out.read_text().splitlines()[1].startswith('"00123","2020-03-05","2020-03-05T10:00:00","3","1.50"')


def test_a_type_is_given_only_when_every_chunk_agrees(tmp_path, corridor, monkeypatch):
    import geo.classify as classify_mod

    rows = [f"{i},{i}.5,2020-01-{i % 28 + 1:02d},36.5,35.8" for i in range(1, 400)]  # columns n, f, d, lon, lat
    rows.append("007,late,2020-02-30,36.5,35.8")  # the last block: an int with a leading zero, text, no such day
    src = tmp_path / "in.csv"
    src.write_text("n,f,d,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(classify_mod, "_CSV_BLOCK_BYTES", 1024)
    out = tmp_path / "out.parquet"
    report = classify_file(corridor, src, out)
    assert report.chunks > 5
    table = pq.read_table(out)
    assert {table.schema.field(n).type for n in ("n", "f", "d")} == {pa.string()}
    assert table.column("n").to_pylist()[-1] == "007"
    assert table.schema.field("lon").type == pa.float64()


def _blocks_csv(tmp_path: Path, late: str, first: str = "") -> Path:
    """A CSV of many 1 KiB blocks whose column ``c`` holds ``first`` in every row but the last, which holds ``late``."""
    rows = [f"{i},{first},36.5,35.8" for i in range(1, 400)] + [f"400,{late},36.5,35.8"]
    src = tmp_path / "in.csv"
    src.write_text("n,c,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return src


@pytest.mark.parametrize(
    ("first", "late", "kind", "value"),
    [
        ("", "12", pa.int64(), 12),  # empty until the last block, then a whole number: int
        ("", "late", pa.string(), "late"),  # empty, then text: text
        ("1", "2.25", pa.float64(), 2.25),  # whole numbers, then a decimal: float, every value exact
    ],
)
def test_a_late_value_gives_the_type_the_whole_file_gives(tmp_path, corridor, monkeypatch, first, late, kind, value):
    import geo.classify as classify_mod

    monkeypatch.setattr(classify_mod, "_CSV_BLOCK_BYTES", 1024)
    out = tmp_path / "out.parquet"
    counted = []
    report = classify_file(corridor, _blocks_csv(tmp_path, late, first), out, progress=counted.append)
    table = pq.read_table(out)
    assert table.schema.field("c").type == kind
    assert table.column("c").to_pylist()[-1] == value
    assert table.schema.field("n").type == pa.int64()
    assert report.rows == table.num_rows == 400
    assert sum(counted) == 400  # a run started again does not count its rows twice
    _only(tmp_path, "in.csv", "out.parquet")


def test_a_file_whose_chunks_agree_is_read_once(tmp_path, corridor, monkeypatch):
    import geo._column_types as column_types
    import geo.classify as classify_mod

    monkeypatch.setattr(classify_mod, "_CSV_BLOCK_BYTES", 1024)
    passes = []
    over = column_types.TypeInference.over.__func__
    counted = classmethod(lambda cls, tables: passes.append(1) or over(cls, tables))
    monkeypatch.setattr(classify_mod.TypeInference, "over", counted)
    classify_file(corridor, _blocks_csv(tmp_path, "5", "4"), tmp_path / "out.parquet")
    assert passes == []
    classify_file(corridor, _blocks_csv(tmp_path, "5.5", "4"), tmp_path / "out2.parquet")
    assert passes == [1]


def test_geoparquet_output_sums_in_duckdb(tmp_path, corridor):
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "out.parquet"
    classify_file(corridor, _typed_csv(tmp_path), out)
    got = duckdb.connect().execute(f"SELECT count(*), sum(fatalities) FROM read_parquet('{out}')").fetchone()
    assert got == (3, 15)


# --- a vector input's own geometry -------------------------------------------------------------------------


def _mixed_gpkg(tmp_path: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """A point, a polygon, a line and a row without geometry, in a projected CRS (UTM 37N)."""
    shapes = [
        Point(36.61, 35.81),
        Polygon([(36.60, 35.80), (36.62, 35.80), (36.62, 35.82), (36.60, 35.82)]),
        LineString([(36.40, 35.75), (36.50, 35.75)]),
        None,
    ]
    gdf = gpd.GeoDataFrame({"name": ["p", "area", "road", "none"]}, geometry=shapes, crs=4326)
    src = tmp_path / "mixed.gpkg"
    gdf.to_crs(32637).to_file(src, driver="GPKG")
    return src, gdf


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".fgb", ".parquet"])
def test_a_vector_or_geoparquet_output_keeps_each_rows_own_geometry(tmp_path, corridor, ext):
    # GeoParquet held the answered points: a line's or an area's own geometry was lost.
    src, gdf = _mixed_gpkg(tmp_path)
    out = tmp_path / f"out{ext}"
    report = classify_file(corridor, src, out)
    got = gpd.read_parquet(out) if ext == ".parquet" else gpd.read_file(out)
    assert report.bad_rows == 1  # only the row without geometry
    assert got.crs.to_epsg() == 4326
    assert list(got.geom_type[:3]) == ["Point", "Polygon", "LineString"]
    assert got.geometry.iloc[3] is None
    for mine, theirs in zip(got.geometry[:3], gdf.geometry[:3], strict=True):
        assert mine.equals_exact(theirs, 1e-7)
    assert got["distance_m"].iloc[3] != got["distance_m"].iloc[3]  # NaN: not answered


def test_non_point_rows_are_answered_at_a_representative_point(tmp_path, corridor):
    src, gdf = _mixed_gpkg(tmp_path)
    out = tmp_path / "out.parquet"
    classify_file(corridor, src, out)
    got = gpd.read_parquet(out)
    area = gdf.to_crs(32637).geometry.iloc[1].point_on_surface()
    road = gdf.to_crs(32637).geometry.iloc[2].interpolate(0.5, normalized=True)
    expected = gpd.GeoSeries([area, road], crs=32637).to_crs(4326)
    np.testing.assert_allclose(got["longitude"].iloc[1:3], expected.x, atol=1e-9)
    np.testing.assert_allclose(got["latitude"].iloc[1:3], expected.y, atol=1e-9)
    assert got.geometry.iloc[1].geom_type == "Polygon"  # GeoParquet keeps the area; its point is in the columns
    answer = corridor.query(expected.x.to_numpy(), expected.y.to_numpy())
    np.testing.assert_allclose(got["distance_m"].iloc[1:3], answer["distance_m"], atol=1e-6)


def test_the_report_counts_the_rows_answered_at_a_point_on_a_line_or_area(tmp_path, corridor, capsys):
    src, _ = _mixed_gpkg(tmp_path)  # a point, an area, a line, no geometry
    report = classify_file(corridor, src, tmp_path / "out.gpkg", chunk_rows=2)  # the two in different chunks
    assert (report.representative_rows, report.bad_rows) == (2, 1)
    assert main(["classify", str(src), "-o", str(tmp_path / "again.gpkg"), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["representative_rows"] == 2
    assert "note: 2 rows are lines or areas, answered at a point on each" in err


def test_a_points_file_has_no_rows_answered_at_a_stand_in_point(tmp_path, corridor):
    src = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(36.6, 35.8), Point(36.7, 35.85)], crs=4326).to_file(src)
    assert classify_file(corridor, src, tmp_path / "out.parquet").representative_rows == 0


def test_a_gdal_write_error_is_one_line_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    import pyogrio
    from pyogrio.errors import DataLayerError

    def refuse(*args, **kwargs):
        raise DataLayerError("Error while writing batch to OGR layer: disk I/O error")

    monkeypatch.setattr(pyogrio, "write_arrow", refuse)
    src = _points(tmp_path)
    _refused(capsys, ["classify", str(src), "-o", str(tmp_path / "out.gpkg")], "GDAL could not write")
    _only(tmp_path, "points.csv")


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb"])
def test_a_csv_geometry_column_is_kept_in_a_vector_output(tmp_path, corridor, ext):
    import pyogrio

    src = tmp_path / "in.csv"
    src.write_text("lon,lat,geometry,geom\n36.61,35.81,POINT (1 2),g\n", encoding="utf-8")
    out = tmp_path / f"out{ext}"
    classify_file(corridor, src, out)
    fields = pyogrio.read_dataframe(out, read_geometry=False).iloc[0]
    assert (fields["geometry"], fields["geom"]) == ("POINT (1 2)", "g")
    assert pyogrio.read_info(out)["geometry_type"] == "Point"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "-20", "0", ""], "int64"),
        (["00123", "7"], None),  # a leading zero: an id
        (["+5"], None),
        (["1.0", "2"], "double"),
        (["1.50", "2e-3", " 3 "], "double"),
        (["1234567890123456789"], None),  # too many digits for int64 and for a float's precision
        (["nan"], None),
        (["1e400"], None),
        (["2020-03-05", "2020-02-29"], "date32[day]"),
        (["2020-02-30"], None),
        (["2020-03-05T10:00", "2020-03-05 10:00:30.5"], "timestamp[us]"),
        (["2020-03-05", "2020-03-05T10:00"], None),
        (["", "  "], None),  # nothing to go by: text
    ],
)
def test_a_text_column_gets_a_type_only_when_every_value_converts(values, kind):
    from geo._column_types import TypeInference

    got = TypeInference.over([pa.table({"c": values})]).get("c")
    assert (None if got is None else str(got)) == kind


def test_a_clash_is_refused_before_the_first_pass_reads_the_file(tmp_path, corridor, monkeypatch):
    import geo._column_types as column_types

    src = tmp_path / "in.csv"
    src.write_text("lon,lat,side\n36.61,35.81,x\n", encoding="utf-8")
    updates = []
    monkeypatch.setattr(column_types.TypeInference, "update", lambda self, table: updates.append(table))
    with pytest.raises(ValueError, match="already has the column"):
        classify_file(corridor, src, tmp_path / "out.parquet", prefix=None)
    assert updates == []


def test_classify_runs_outside_the_main_thread_with_the_handlers_untouched(tmp_path, corridor):
    import threading

    before = signal.getsignal(signal.SIGTERM)
    errors = []

    def run():
        try:
            classify_file(corridor, _points(tmp_path), tmp_path / "out.parquet")
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []
    assert (tmp_path / "out.parquet").is_file()
    assert signal.getsignal(signal.SIGTERM) == before


def test_an_output_symlinked_to_a_fifo_is_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "out.csv").symlink_to(fifo)
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / "out.csv")], "FIFO")


def test_a_prefix_that_clashes_too_or_is_empty_is_refused(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("lon,lat,side,corridor_side\n36.61,35.81,x,y\n", encoding="utf-8")
    out = str(tmp_path / "out.csv")
    _refused(capsys, ["classify", str(src), "-o", out], "choose another prefix")
    _refused(capsys, ["classify", str(src), "-o", out, "--prefix", ""], "expected some text")
    src.write_text("lon,lat,Side,corridor_side\n36.61,35.81,x,y\n", encoding="utf-8")  # named as the file has them
    _refused(capsys, ["classify", str(src), "-o", out], "the input has both 'Side' and 'corridor_side'")
    _refused(capsys, ["classify", str(src), "-o", out, "--refuse-clashes"], "already has the column(s) Side,")
    assert main(["classify", str(src), "-o", out, "--prefix", "m4_", "-q"]) == 0
    assert pd.read_csv(out).columns[-3:].tolist() == ["chainage_km", "nearest_post", "nearest_post_m"]
    assert "m4_side" in pd.read_csv(out).columns


def test_a_geoparquet_inputs_own_geometry_is_kept_in_a_vector_output(tmp_path, corridor):
    _src, gdf = _mixed_gpkg(tmp_path)
    middle = tmp_path / "mixed.parquet"
    gdf.to_crs(32637).to_parquet(middle)
    out = tmp_path / "out.gpkg"
    report = classify_file(corridor, middle, out)
    got = gpd.read_file(out)
    assert report.bad_rows == 1
    assert list(got.geom_type[:3]) == ["Point", "Polygon", "LineString"]
    for mine, theirs in zip(got.geometry[:3], gdf.geometry[:3], strict=True):
        assert mine.equals_exact(theirs, 1e-7)
    again = tmp_path / "again.parquet"
    classify_file(corridor, middle, again)
    kept = gpd.read_parquet(again)
    assert list(kept.geom_type[:3]) == ["Point", "Polygon", "LineString"]  # GeoParquet output: its own geometry too
    assert kept.crs.to_epsg() == 4326


def test_a_directory_output_without_an_extension_is_named_a_directory(tmp_path, capsys):
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path)], "is a directory")


def test_nothing_is_written_under_dev(tmp_path, corridor):
    with pytest.raises(ValueError, match="refusing to write under /dev"):
        classify_file(corridor, _points(tmp_path), "/dev/idlib-corridor-never-written.csv")
    assert not Path("/dev/idlib-corridor-never-written.csv").exists()


def test_a_run_stopped_early_leaves_no_reader_or_writer_thread(tmp_path, corridor, monkeypatch):
    import threading

    import geo.classify as classify_mod

    monkeypatch.setattr(classify_mod, "_CSV_BLOCK_BYTES", 1024)
    rows = [f"{i},36.5,35.8" for i in range(1, 300)] + ["300,,35.8"] + [f"{i},36.5,35.8" for i in range(301, 600)]
    src = tmp_path / "in.csv"
    src.write_text("n,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 300 \(line 301\): missing coordinate"):
        classify_file(corridor, src, tmp_path / "out.parquet", strict=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("classify-")]
    _only(tmp_path, "in.csv")


@pytest.mark.parametrize("ext", [".gpkg", ".parquet"])
def test_a_point_layer_keeps_each_rows_own_point_even_one_that_cannot_be_answered(tmp_path, corridor, ext):
    # A layer of points is written from its answered points (fast); a point out of range is not answered, and
    # its own geometry is still kept as it was.
    src = tmp_path / "points.gpkg"
    shapes = [Point(36.61, 35.81), Point(200.0, 95.0), None, Point(36.5, 35.8)]
    gpd.GeoDataFrame({"n": [1, 2, 3, 4]}, geometry=shapes, crs=4326).to_file(src)
    report = classify_file(corridor, src, tmp_path / f"out{ext}")
    got = gpd.read_parquet(tmp_path / f"out{ext}") if ext == ".parquet" else gpd.read_file(tmp_path / f"out{ext}")
    assert report.bad_rows == 2
    points = [None if g is None else (g.x, g.y) for g in got.geometry]
    assert points == [(36.61, 35.81), (200.0, 95.0), None, (36.5, 35.8)]
    assert got["distance_m"].isna().tolist() == [False, True, True, False]
