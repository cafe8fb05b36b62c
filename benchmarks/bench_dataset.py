"""Benchmark: a 10-file dataset read -> query -> written, in memory and on a local dask cluster, in one run.

On the same dataset (``--files`` Parquet files of ACLED-like points, ``--rows`` in all):

* in memory, the whole dataset at once, in a child process (its peak memory its own), two ways:
  Arrow (``pq.read_table(folder)`` -> :meth:`geo.Corridor.query` -> the columns and WKB points
  appended -> ``pq.write_table``, GeoParquet: the reference, 1.00x) and pandas
  (``pd.read_parquet`` -> query -> ``GeoDataFrame.to_parquet``, what most users write);
* :func:`geo.classify_dataset` in this process (the default of ``idlib-corridor classify DIR``);
* :func:`geo.classify_dataset` on a ``LocalCluster`` of 1 and of 2 single-threaded worker
  processes, the cluster started first (its start-up timed apart), each worker's peak
  resident memory read from the worker itself (``ru_maxrss``);
* on each cluster, the lazy path too: ``dd.read_parquet`` of the lon/lat columns -> points ->
  ``c.query`` -> ``value_counts().compute()`` (nothing written);
* ``idlib-corridor classify DIR -o OUT/ --scheduler local``, end to end (the cluster started by it).

Each figure is given as a ratio to the Arrow in-memory one (the target: within 2x). The child
processes' times include starting Python and importing geo; the clusters' runs do not (their
workers are up and have imported it when the run starts).

    python benchmarks/bench_dataset.py                # 10,000,000 rows in 10 files
    python benchmarks/bench_dataset.py --rows 1e6     # a quicker run
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

_PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"

#: Read the folder, query, write one GeoParquet file: what a user does with one machine's memory.
IN_MEMORY = (
    "import sys, pandas as pd, geopandas as gpd, geo\n"
    "df = pd.read_parquet(sys.argv[1])\n"
    "lon, lat = df['longitude'].to_numpy(), df['latitude'].to_numpy()\n"
    "q = geo.load_corridor().query(lon, lat)\n"
    "gdf = gpd.GeoDataFrame(pd.concat([df, q], axis=1), geometry=gpd.points_from_xy(lon, lat), crs=4326)\n"
    "gdf.to_parquet(sys.argv[2])\n" + _PEAK
)

#: The same in Arrow, tuned: read_table -> query -> the query columns and WKB points appended -> write_table.
IN_MEMORY_ARROW = (
    "import sys, pyarrow as pa, pyarrow.parquet as pq, geo\n"
    "from geo._point_writers import _geo_metadata, _point_wkb\n"
    "t = pq.read_table(sys.argv[1])\n"
    "lon, lat = t['longitude'].to_numpy(), t['latitude'].to_numpy()\n"
    "q = geo.load_corridor().query(lon, lat)\n"
    "for name in q.columns:\n"
    "    t = t.append_column(name, pa.array(q[name]))\n"
    "t = t.append_column('geometry', _point_wkb(lon, lat, lon == lon))\n"
    "pq.write_table(t.replace_schema_metadata({b'geo': _geo_metadata('geometry')}), sys.argv[2])\n" + _PEAK
)

#: classify_dataset in the child process itself (no cluster).
IN_PROCESS = "import sys, geo\ngeo.classify_dataset(geo.load_corridor(), sys.argv[1], sys.argv[2])\n" + _PEAK

_CLI = "import sys\nfrom geo.cli import main\nrc = main(sys.argv[1:])\n" + _PEAK + "sys.exit(rc)\n"


def make_dataset(folder: Path, rows: int, files: int, seed: int = 1) -> None:
    """Write ``rows`` random points near the M4 as ``files`` Parquet files of equal size."""
    rng = np.random.default_rng(seed)
    per = -(-rows // files)
    for i in range(files):
        n = min(per, rows - i * per)
        table = pa.table(
            {
                "event_id": pa.array(np.arange(i * per, i * per + n)),
                "event_type": pa.array(np.where(rng.random(n) < 0.5, "Shelling", "Armed clash")),
                "longitude": pa.array(rng.uniform(35.5, 37.5, n).round(5)),
                "latitude": pa.array(rng.uniform(35.2, 36.6, n).round(5)),
            }
        )
        pq.write_table(table, folder / f"events_{i:02d}.parquet")


def run_child(code: str, *args: str) -> tuple[float, float]:
    """Run ``code`` in a child Python that prints its peak RSS (KiB) last; returns (seconds, peak MiB)."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, int(out.split()[-1]) / 1024


def _worker_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def lazy_query_counts(src: Path) -> int:
    """``dd.read_parquet`` (lon/lat only) -> points -> ``c.query`` -> ``value_counts().compute()``: the lazy path."""
    import dask.dataframe as dd
    import dask_geopandas

    import geo

    df = dd.read_parquet(str(src), columns=["longitude", "latitude"])
    points = dask_geopandas.from_dask_dataframe(
        df, geometry=dask_geopandas.points_from_xy(df, "longitude", "latitude")
    ).set_crs("EPSG:4326")
    counts = geo.load_corridor().query(points)["in_corridor"].value_counts().compute()
    return int(counts.sum())


def run_cluster(src: Path, out: Path, workers: int) -> tuple[float, float, list[float], float]:
    """classify_dataset on a fresh LocalCluster of ``workers`` processes.

    Returns (start-up s, run s, peak MiB per worker, seconds of the lazy query's counts).
    """
    import distributed

    import geo

    c = geo.load_corridor()
    t0 = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        started = time.perf_counter() - t0
        t1 = time.perf_counter()
        geo.classify_dataset(c, src, out, client=client)
        seconds = time.perf_counter() - t1
        peaks = [kib / 1024 for kib in client.run(_worker_peak).values()]
        t2 = time.perf_counter()
        lazy_query_counts(src)
        lazy = time.perf_counter() - t2
    return started, seconds, peaks, lazy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=float, default=10_000_000)
    ap.add_argument("--files", type=int, default=10)
    args = ap.parse_args()
    rows = int(args.rows)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at the start; {rows:,} rows in {args.files} files")
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        folder = Path(tmp)
        src = folder / "events"
        src.mkdir()
        make_dataset(src, rows, args.files)
        size = sum(p.stat().st_size for p in src.iterdir()) / 2**20
        print(f"input: {size:,.0f} MiB of Parquet")

        def fresh(name: str) -> Path:
            out = folder / name
            shutil.rmtree(out, ignore_errors=True)
            return out

        naive, naive_peak = run_child(IN_MEMORY, str(src), str(folder / "in_memory.parquet"))
        base, base_peak = run_child(IN_MEMORY_ARROW, str(src), str(folder / "in_memory_arrow.parquet"))
        print(
            f"{'in memory, Arrow: read_table -> query -> write_table':58s} {base:6.1f} s  1.00x  "
            f"peak {base_peak:6,.0f} MiB"
        )
        print(
            f"{'in memory, pandas: read_parquet -> query -> to_parquet':58s} {naive:6.1f} s  {naive / base:4.2f}x  "
            f"peak {naive_peak:6,.0f} MiB"
        )
        seconds, peak = run_child(IN_PROCESS, str(src), str(fresh("in_process")))
        print(
            f"{'classify_dataset, in this process':58s} {seconds:6.1f} s  {seconds / base:4.2f}x  peak {peak:6,.0f} MiB"
        )
        for workers in (1, 2):
            started, seconds, peaks, lazy = run_cluster(src, fresh(f"dask_{workers}"), workers)
            each = ", ".join(f"{p:,.0f}" for p in peaks)
            print(
                f"{f'classify_dataset, LocalCluster of {workers} worker(s)':58s} {seconds:6.1f} s  "
                f"{seconds / base:4.2f}x  worker peaks {each} MiB (cluster start {started:.1f} s)"
            )
            print(f"{f'  c.query(dask read_parquet) value_counts, {workers} worker(s)':58s} {lazy:6.1f} s")
        seconds, peak = run_child(_CLI, "classify", str(src), "-o", str(fresh("cli")), "--scheduler", "local", "-q")
        print(
            f"{'idlib-corridor classify DIR --scheduler local (end to end)':58s} {seconds:6.1f} s  "
            f"{seconds / base:4.2f}x"
        )
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
