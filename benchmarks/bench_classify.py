"""Benchmark: classify 10 million rows of CSV and of Parquet with the CLI, against peers, and the dask path.

Prints rows per second and the peak resident memory of each run. Each run is a separate
process, so its peak memory (``ru_maxrss`` of the child) is its own. On the same CSV file,
in the same run, classify CSV -> Parquet is compared with three peers that do no geometry
(or only the query):

* DuckDB's plain ``COPY (SELECT * FROM read_csv_auto(...)) TO ... (FORMAT PARQUET)``, the
  I/O floor (``pip install duckdb``, or the ``bench`` extra);
* pyarrow's ``read_csv`` + ``write_table``;
* pandas ``read_csv`` + :meth:`geo.Corridor.query` + ``to_parquet``.

Then the floor (:data:`FLOOR`: classify's reader, the query and classify's writer, each alone) and
classify's start-up (the program on the file's first MiB), which bound what any overlap of them can reach.

    python benchmarks/bench_classify.py              # 10,000,000 rows
    python benchmarks/bench_classify.py --rows 1e6   # a quicker run
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def make_input(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path]:
    """Write the same random ACLED-like points as CSV and Parquet, in 1M-row pieces."""
    rng = np.random.default_rng(seed)
    csv_path, pq_path = folder / "events.csv", folder / "events.parquet"
    csv_writer = pq_writer = None
    done = 0
    while done < rows:
        n = min(1_000_000, rows - done)
        table = pa.table(
            {
                "event_id": pa.array(np.arange(done, done + n)),
                "event_type": pa.array(np.where(rng.random(n) < 0.5, "Shelling", "Armed clash")),
                "longitude": pa.array(rng.uniform(35.5, 37.5, n).round(5)),
                "latitude": pa.array(rng.uniform(35.2, 36.6, n).round(5)),
            }
        )
        csv_writer = csv_writer or pacsv.CSVWriter(csv_path, table.schema)
        pq_writer = pq_writer or pq.ParquetWriter(pq_path, table.schema)
        csv_writer.write_table(table)
        pq_writer.write_table(table)
        done += n
    csv_writer.close()
    pq_writer.close()
    return csv_path, pq_path


#: The program as installed (its console entry, which reads the arguments), then its peak RSS.
_CHILD = (
    "import resource, sys\n"
    "from geo.cli import console\n"
    "rc = console()\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(rc)\n"
)


def run_cli(args: list[str]) -> tuple[float, float, float]:
    """Run the classify command in a child process; returns (seconds, CPU seconds, the child's own peak RSS in MiB)."""
    return run_child(_CHILD, "classify", *args, "--quiet")


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_child(code: str, *args: str) -> tuple[float, float, float]:
    """Run ``code`` in a child Python; it prints its peak RSS (KiB) last. Returns (seconds, CPU seconds, peak MiB).

    The CPU seconds are the child's user and system time, over all its threads.
    """
    cpu0, t0 = _children_cpu(), time.perf_counter()
    out = _child_output(code, *args)
    seconds = time.perf_counter() - t0
    return seconds, _children_cpu() - cpu0, int(out[-1]) / 1024


def _child_output(code: str, *args: str) -> list[str]:
    """Run ``code`` in a child Python with ``args``; return the words it printed."""
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return done.stdout.split()


_PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"

#: The peers, each a child program taking (input CSV, output Parquet).
PEERS = {
    "duckdb COPY read_csv_auto -> parquet": (
        "import sys, duckdb\n"
        "src, dst = sys.argv[1:3]\n"
        "duckdb.sql(f\"COPY (SELECT * FROM read_csv_auto('{src}')) TO '{dst}' (FORMAT PARQUET)\")\n" + _PEAK
    ),
    "pyarrow read_csv + write_table": (
        "import sys, pyarrow.csv as c, pyarrow.parquet as pq\n"
        "pq.write_table(c.read_csv(sys.argv[1]), sys.argv[2])\n" + _PEAK
    ),
    "pandas read_csv + query + to_parquet": (
        "import sys, pandas as pd, geo\n"
        "df = pd.read_csv(sys.argv[1])\n"
        "q = geo.load_corridor().query(df['longitude'].to_numpy(), df['latitude'].to_numpy())\n"
        "pd.concat([df, q.set_index(df.index)], axis=1).to_parquet(sys.argv[2])\n" + _PEAK
    ),
}


#: DuckDB copying classify's own output (its columns and WKB points, from Parquet: no CSV to parse, no query to
#: answer): what merely writing that much data costs the peer, beside its plain copy of the input's 4 columns.
SAME_OUTPUT = (
    "duckdb COPY classify's output -> parquet",
    "import sys, duckdb\n"
    "src, dst = sys.argv[1:3]\n"
    "duckdb.sql(f\"COPY (SELECT * FROM read_parquet('{src}')) TO '{dst}' (FORMAT PARQUET)\")\n" + _PEAK,
)


#: What classify cannot skip, each timed alone inside its child (no start-up, the input already in memory for the
#: last two): classify's own CSV reader (Arrow's parse in its blocks, every column as text, the coordinates read
#: as numbers), the query of the points, and classify's own Parquet writer (its options, its row groups) writing
#: classify's output.
FLOOR = {
    "floor: classify's CSV reader alone": (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from geo._point_readers import ReadOptions, read_csv\n"
        "from geo.classify import _CSV_BLOCK_BYTES, DEFAULT_CHUNK_ROWS\n"
        "t0, c0 = time.perf_counter(), time.process_time()\n"
        "chunks, _ = read_csv(Path(sys.argv[1]), ReadOptions(None, None, DEFAULT_CHUNK_ROWS, _CSV_BLOCK_BYTES))\n"
        "for chunk in chunks:\n"
        "    pass\n"
        "print(time.perf_counter() - t0, time.process_time() - c0)\n" + _PEAK
    ),
    "floor: the query alone": (
        "import sys, time, pyarrow.parquet as pq, geo\n"
        "from geo.query import prepare_kernel\n"
        "t = pq.read_table(sys.argv[1], columns=['longitude', 'latitude'])\n"
        "lon, lat = t['longitude'].to_numpy(), t['latitude'].to_numpy()\n"
        "c = geo.load_corridor(); prepare_kernel(c)\n"
        "t0, c0 = time.perf_counter(), time.process_time()\n"
        "c.query(lon, lat)\n"
        "print(time.perf_counter() - t0, time.process_time() - c0)\n" + _PEAK
    ),
    "floor: classify's Parquet writer alone": (
        "import sys, time, pyarrow.parquet as pq\n"
        "from pathlib import Path\n"
        "from geo._point_writers import _open_parquet\n"
        "f = pq.ParquetFile(sys.argv[1])\n"
        "groups = [f.read_row_group(i) for i in range(f.num_row_groups)]\n"
        "t0, c0 = time.perf_counter(), time.process_time()\n"
        "w = _open_parquet(Path(sys.argv[2]), f.schema_arrow)\n"
        "for g in groups:\n"
        "    w.write_table(g)\n"
        "w.close()\n"
        "print(time.perf_counter() - t0, time.process_time() - c0)\n" + _PEAK
    ),
}


def head(src: Path, dst: Path, size: int) -> Path:
    """Copy the first whole lines of ``src`` that make at least ``size`` bytes to ``dst``; return ``dst``."""
    with src.open("rb") as f, dst.open("wb") as out:
        while out.tell() < size:
            line = f.readline()
            if not line:
                break
            out.write(line)
    return dst


def run_timed_child(code: str, *args: str) -> tuple[float, float, float]:
    """Run ``code``, which prints its own seconds and CPU seconds, then its peak RSS (KiB); returns all three (MiB)."""
    seconds, cpu, peak = _child_output(code, *args)[-3:]
    return float(seconds), float(cpu), int(peak) / 1024


def compare_with_peers(csv_path: Path, pq_path: Path, folder: Path, rows: int) -> None:
    """Time classify CSV -> Parquet and each peer on the same file; print each one's ratio to DuckDB's.

    Then the floor: the reading, the query and the writing classify cannot skip, each alone
    (:data:`FLOOR`; the query on the same points, read from the Parquet copy). Their CPU seconds shared perfectly
    over the cores are the least time any pipeline of them could take.
    """
    times: dict[str, tuple[float, float, float]] = {}
    for name, code in PEERS.items():
        if name.startswith("duckdb"):
            try:
                import duckdb  # noqa: F401
            except ImportError:
                print("duckdb is not installed (pip install duckdb): no I/O floor to compare with")
                return
        times[name] = run_child(code, str(csv_path), str(folder / f"peer{len(times)}.parquet"))
    out = folder / "classified.parquet"  # every run writes a new file (replacing one costs 0.1-0.2 s for 500 MB)
    times["idlib-corridor classify csv -> parquet"] = run_cli([str(csv_path), "-o", str(out)])
    name, code = SAME_OUTPUT
    times[name] = run_child(code, str(out), str(folder / "copied.parquet"))
    floor_args = {  # each floor's input (and output)
        "floor: classify's CSV reader alone": [str(csv_path)],
        "floor: the query alone": [str(pq_path)],
        "floor: classify's Parquet writer alone": [str(out), str(folder / "rewritten.parquet")],
    }
    for name, code in FLOOR.items():
        times[name] = run_timed_child(code, *floor_args[name])
    # The program's fixed cost: the smallest file that loads the compiled kernel (what a large one does first).
    from geo.classify import _KERNEL_FROM_BYTES

    first = head(csv_path, folder / "first.csv", _KERNEL_FROM_BYTES)
    start_s, start_cpu, _ = run_cli([str(first), "-o", str(folder / "first.parquet")])
    duckdb_s = times["duckdb COPY read_csv_auto -> parquet"][0]
    for name, (seconds, cpu, peak) in times.items():
        print(
            f"{name:41s} {seconds:6.1f} s (CPU {cpu:5.1f} s), {rows / seconds:12,.0f} rows/s, "
            f"peak {peak:6,.0f} MiB, {seconds / duckdb_s:4.2f}x DuckDB"
        )
    floor_cpu = sum(cpu for name, (_, cpu, _) in times.items() if name.startswith("floor"))
    cores = os.cpu_count() or 1
    print(
        f"the floor's CPU, {floor_cpu:.1f} s, shared perfectly over {cores} cores: {floor_cpu / cores:.1f} s, "
        f"{floor_cpu / cores / duckdb_s:4.2f}x DuckDB (no start-up, no typing, no swap check)"
    )
    print(
        f"classify's start-up (the program on the file's first {first.stat().st_size / 2**20:.1f} MiB: imports, "
        f"compiled kernel, exit): {start_s:.1f} s (CPU {start_cpu:.1f} s); with the floor's perfect share: "
        f"{start_s + floor_cpu / cores:.1f} s, {(start_s + floor_cpu / cores) / duckdb_s:4.2f}x DuckDB"
    )


def run_dask(pq_path: Path, rows: int) -> tuple[float, int]:
    """Classify the Parquet file on a local 2-worker cluster; returns (seconds, rows)."""
    import dask_geopandas
    import distributed
    import pandas as pd

    import geo

    c = geo.load_corridor()
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        distributed.Client(cluster),
    ):
        t0 = time.perf_counter()
        import dask.dataframe as dd

        df = dd.read_parquet(pq_path, blocksize=None)
        gdf = dask_geopandas.from_dask_dataframe(
            df, geometry=dask_geopandas.points_from_xy(df, "longitude", "latitude")
        ).set_crs("EPSG:4326")
        result = c.query(gdf)
        counts = result["in_corridor"].value_counts().compute()
        seconds = time.perf_counter() - t0
    return seconds, int(pd.Series(counts).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=float, default=10_000_000)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-peers", action="store_true", help="skip the comparison with DuckDB, pyarrow and pandas")
    args = ap.parse_args()
    rows = int(args.rows)
    print(f"machine: {os.cpu_count()} cores; {rows:,} rows")
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        csv_path, pq_path = make_input(folder, rows)
        print(
            f"input written in {time.perf_counter() - t0:.1f} s: CSV {csv_path.stat().st_size / 2**20:,.0f} MiB, "
            f"Parquet {pq_path.stat().st_size / 2**20:,.0f} MiB"
        )
        for src, dst in [(csv_path, "out.csv"), (pq_path, "out.parquet")]:
            seconds, cpu, peak = run_cli([str(src), "-o", str(folder / dst)])
            print(
                f"classify {src.suffix[1:]:8s} -> {Path(dst).suffix[1:]:8s}: {seconds:6.1f} s (CPU {cpu:5.1f} s), "
                f"{rows / seconds:12,.0f} rows/s, peak memory {peak:,.0f} MiB"
            )
        if not args.no_peers:
            compare_with_peers(csv_path, pq_path, folder, rows)
        if not args.no_dask:
            seconds, n = run_dask(pq_path, rows)
            print(f"dask, local cluster of 2 workers: {seconds:6.1f} s, {n / seconds:12,.0f} rows/s ({n:,} rows)")


if __name__ == "__main__":
    main()
