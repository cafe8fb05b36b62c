"""classify on datasets: a folder or glob of CSV/Parquet files into a GeoParquet dataset, here or on a dask cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from geo._shipped import Shipped
from geo.classify import classify_file
from geo.cli import main
from geo.dataset import classify_dataset, dataset_files

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

pytestmark = [
    pytest.mark.slow,
    # dask's own read_parquet (2026.8) calls reset_index(inplace=True), which pandas 3.1 deprecates
    pytest.mark.filterwarnings(r"ignore:The inplace keyword in \w+\.reset_index is deprecated"),
]

ROWS = 1_500  # per file


def _table(first: int, n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "event_id": np.arange(first, first + n),
            "event_type": np.where(rng.random(n) < 0.5, "Shelling", "Armed clash"),
            "fatalities": rng.integers(0, 5, n),
            "longitude": rng.uniform(36.0, 37.2, n).round(5),
            "latitude": rng.uniform(35.5, 36.1, n).round(5),
        }
    )


@pytest.fixture(scope="module")
def events_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four files, two CSV and two Parquet, of the same columns: 6,000 rows."""
    folder = tmp_path_factory.mktemp("events")
    for i in range(4):
        table = _table(i * ROWS, ROWS, seed=i)
        if i % 2 == 0:
            pacsv.write_csv(table, folder / f"events_{i}.csv")
        else:
            pq.write_table(table, folder / f"events_{i}.parquet")
    (folder / "README.txt").write_text("not data")  # other files of a folder are not the dataset's
    return folder


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", silence_logs=50
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        yield c


def _csv_folder(tmp_path: Path, **texts: str) -> Path:
    """A folder ``in`` of CSV files, ``a="..."`` giving ``a.csv``."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def _expected(corridor, files: list[Path], tmp_path: Path) -> pd.DataFrame:
    """Every file classified on its own (the single-file output the dataset's parts must equal), concatenated."""
    parts = []
    for i, path in enumerate(files):
        out = tmp_path / f"single_{i}.parquet"
        classify_file(corridor, path, out)
        parts.append(gpd.read_parquet(out))
    return pd.concat(parts, ignore_index=True)


def _same_rows(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = got.reset_index(drop=True)
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(expected.drop(columns="geometry"))
    )
    assert got.geometry.geom_equals(expected.geometry).all()


def test_a_folder_becomes_one_geoparquet_part_per_file_read_back_row_for_row(corridor, events_dir, tmp_path):
    out = tmp_path / "out"
    report = classify_dataset(corridor, events_dir, out)
    files = dataset_files(events_dir)
    assert [p.name for p in files] == ["events_0.csv", "events_1.parquet", "events_2.csv", "events_3.parquet"]
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["_metadata"] + [f"part.0000{i}.events_{i}.parquet" for i in range(4)]
    expected = _expected(corridor, files, tmp_path)
    _same_rows(gpd.read_parquet(out), expected)
    _same_rows(dask_geopandas.read_parquet(out).compute(), expected)
    assert gpd.read_parquet(out).crs.to_epsg() == 4326
    assert (report.rows, report.files, report.bad_rows, report.scheduler) == (4 * ROWS, 4, 0, "in-process")
    # the query columns are the corridor's answers for the rows' own coordinates
    q = corridor.query(expected["longitude"].to_numpy(), expected["latitude"].to_numpy())
    np.testing.assert_allclose(expected["distance_m"], q["distance_m"])
    # the CSV's integers are typed as the Parquet files' are: one schema over the dataset
    schema = pq.read_schema(out / "_metadata")
    assert schema.field("fatalities").type == pa.int64()
    assert pq.read_metadata(out / "_metadata").num_rows == 4 * ROWS


def test_a_glob_on_an_existing_client_gives_the_in_process_answer(corridor, events_dir, client, tmp_path):
    here = tmp_path / "here"
    there = tmp_path / "there"
    classify_dataset(corridor, str(events_dir / "events_*"), here)
    report = classify_dataset(corridor, str(events_dir / "events_*"), there, client=client)
    assert (report.workers, report.rows) == (2, 4 * ROWS)
    _same_rows(gpd.read_parquet(there), gpd.read_parquet(here))
    assert sorted(os.listdir(there)) == sorted(os.listdir(here))


def test_bad_rows_are_kept_and_reported_with_their_file_and_line(corridor, tmp_path):
    text = "event_id,event_type,fatalities,longitude,latitude\n1,Shelling,0,36.6,35.8\n\n2,Shelling,1,36.6,\n"
    folder = _csv_folder(tmp_path, b=text)
    pacsv.write_csv(_table(0, 50, seed=1), folder / "a.csv")
    out = tmp_path / "out"
    report = classify_dataset(corridor, folder, out)
    assert report.bad_rows == 1
    assert report.first_bad is not None
    assert (report.first_bad.file, report.first_bad.row, report.first_bad.line) == (str(folder / "b.csv"), 2, 4)
    assert str(report.first_bad).startswith(f"{folder / 'b.csv'}: row 2 (line 4): missing coordinate")
    got = gpd.read_parquet(out)
    assert len(got) == 52
    assert got.geometry.isna().sum() == 1
    assert got["distance_m"].isna().sum() == 1


def test_a_file_failing_mid_run_on_a_cluster_names_it_in_one_line_and_leaves_nothing(
    corridor, events_dir, client, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    for p in dataset_files(events_dir):
        (folder / p.name).write_bytes(p.read_bytes())
    with open(folder / "events_2.csv", "a") as f:
        f.write("9,Shelling,1,36.6,35.8,extra\n")  # a row of six fields under a header of five
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"events_2\.csv: line 1502 has 6 fields, the header 5") as error:
        classify_dataset(corridor, folder, out, client=client)
    assert "\n" not in str(error.value)
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["in"]  # no temporary folder left beside it


def test_files_of_other_columns_are_refused_before_any_work(corridor, events_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    pacsv.write_csv(_table(0, 10, seed=1), folder / "a.csv")
    pacsv.write_csv(_table(10, 10, seed=2).drop_columns(["fatalities"]), folder / "b.csv")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"b\.csv: its columns are not those of .*a\.csv \(missing \['fatalities'\]"):
        classify_dataset(corridor, folder, out)
    assert not out.exists()


def test_files_of_the_same_columns_in_another_order_are_written_in_the_first_files_order(corridor, tmp_path):
    folder = _csv_folder(tmp_path, a="id,lon,lat\n1,36.6,35.8\n", b="lat,lon,id\n35.9,36.7,2\n")
    out = tmp_path / "out"
    classify_dataset(corridor, folder, out)
    got = gpd.read_parquet(out)
    assert list(got.columns[:3]) == ["id", "lon", "lat"]
    assert got[["id", "lon", "lat"]].to_numpy().tolist() == [[1, 36.6, 35.8], [2, 36.7, 35.9]]
    assert pq.read_schema(out / "part.00001.b.parquet").names == pq.read_schema(out / "part.00000.a.parquet").names


def test_a_column_of_integers_in_one_file_and_decimals_in_another_is_written_as_decimals(corridor, tmp_path):
    head = "id,score,note,lon,lat\n"
    folder = _csv_folder(tmp_path, a=head + "1,3,,36.6,35.8\n2,4,,36.7,35.8\n", b=head + "3,2.5,x,36.6,35.8\n")
    out = tmp_path / "out"
    classify_dataset(corridor, folder, out)
    got = gpd.read_parquet(out)
    assert got["score"].tolist() == [3.0, 4.0, 2.5]
    assert got["note"].tolist()[2] == "x"  # a column left empty in one file takes the other's type
    assert pq.read_schema(out / "part.00000.a.parquet").field("score").type == pa.float64()


def test_text_in_one_file_and_numbers_in_another_is_an_error_naming_both(corridor, tmp_path):
    folder = _csv_folder(tmp_path, a="id,lon,lat\n1,36.6,35.8\n", b="id,lon,lat\nA7,36.6,35.8\n")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"column 'id' is int64 in .*a\.csv but string in .*b\.csv"):
        classify_dataset(corridor, folder, out)
    assert not out.exists()
    classify_dataset(corridor, folder, out, keep_text=True)  # the way out the message gives
    assert gpd.read_parquet(out)["id"].tolist() == ["1", "A7"]


def test_a_dask_geodataframe_read_from_paths_is_classified_by_the_workers(corridor, tmp_path, client):
    src = tmp_path / "points"
    src.mkdir()
    for i in range(3):
        t = _table(i * 400, 400, seed=i).to_pandas()
        gdf = gpd.GeoDataFrame(t, geometry=gpd.points_from_xy(t.longitude, t.latitude), crs=4326).to_crs(32637)
        gdf.drop(columns=["longitude", "latitude"]).to_parquet(src / f"p{i}.parquet")
    ddf = dask_geopandas.read_parquet(str(src))  # "s3://bucket/points/" reads the same way
    out = tmp_path / "out"
    report = classify_dataset(corridor, ddf, out, client=client)
    assert (report.files, report.rows) == (3, 1200)
    got = gpd.read_parquet(out)
    whole = gpd.read_parquet(src)
    expected = corridor.query(whole.to_crs(4326))
    np.testing.assert_allclose(got["distance_m"], expected["distance_m"])
    assert got["event_id"].tolist() == whole["event_id"].tolist()
    np.testing.assert_allclose(got["longitude"], whole.to_crs(4326).geometry.x)


def test_query_on_a_cluster_ships_the_corridor_once_not_into_the_graph(corridor, client):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([36.6, 36.0] * 50, [35.8, 36.3] * 50), crs=4326)
    ddf = dask_geopandas.from_geopandas(pts, npartitions=4)
    with client.as_current():
        lazy = corridor.query(ddf)
        graph = dict(lazy.__dask_graph__())
        assert not any(v is corridor or getattr(v, "value", None) is corridor for v in graph.values())
        assert any(isinstance(a, Shipped) for v in graph.values() for a in getattr(v, "args", ()))
        got = client.compute(lazy).result()
    pd.testing.assert_series_equal(got["distance_m"], corridor.query(pts)["distance_m"])


def test_the_cli_classifies_a_folder_on_a_local_cluster_of_processes(events_dir, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    args = [str(events_dir), "-o", str(out), "--scheduler", "local", "--json"]
    run = subprocess.run(
        [sys.executable, "-m", "geo.cli", "classify", *args], capture_output=True, text=True, env=env, check=False
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert (figures["rows"], figures["files"], figures["scheduler"]) == (4 * ROWS, 4, "local")
    assert figures["workers"] >= 1
    assert len(dask_geopandas.read_parquet(out).compute()) == 4 * ROWS


def test_cli_exit_codes(events_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["classify", str(events_dir / "*.csv"), "-o", str(out), "-q"]) == 0
    assert len(gpd.read_parquet(out)) == 2 * ROWS
    capsys.readouterr()
    assert main(["classify", str(events_dir), "-o", str(out), "-q"]) == 2  # not empty
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not empty" in err
    assert main(["classify", str(tmp_path / "nothing-*.csv"), "-o", str(tmp_path / "o2"), "-q"]) == 2
    assert "no file to classify" in capsys.readouterr().err
    assert main(["classify", str(events_dir), "-o", str(tmp_path / "o3.csv"), "-q"]) == 2
    assert "folder of GeoParquet files" in capsys.readouterr().err
    assert main(["classify", str(events_dir), "-o", str(events_dir), "-q"]) == 2  # onto its own input
    assert "not empty" in capsys.readouterr().err


def test_a_partition_whose_worker_dies_is_run_again_on_another(corridor, tmp_path):
    marker = str(tmp_path / "died-once")

    def die_once(part):
        if not os.path.exists(marker):  # the first worker to run a partition dies (as a machine lost would)
            open(marker, "w").close()
            os._exit(1)
        return part

    frame = pd.DataFrame({"event_id": np.arange(600), "lon": np.full(600, 36.6), "lat": np.linspace(35.7, 35.9, 600)})
    ddf = dd.from_pandas(frame, npartitions=3).map_partitions(die_once, meta=frame.iloc[:0])
    out = tmp_path / "out"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        report = classify_dataset(corridor, ddf, out, client=c)
    assert os.path.exists(marker)
    assert (report.files, report.rows) == (3, 600)
    assert gpd.read_parquet(out)["event_id"].tolist() == list(range(600))
