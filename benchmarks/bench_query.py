"""Benchmark: ``Corridor.query`` against the usual GeoPandas idiom for the same answers.

On the same random points (lon 35.5-37.5, lat 35.2-36.6), times

* ``c.query(lons, lats)``, and
* the idiom: ``to_crs`` to UTM 37N, ``.distance(m4)``, ``.within(corridor)``,
  ``shapely.line_locate_point`` along the patrol segment and ``sjoin_nearest`` to
  the posts (it does not work out the side of the road, which ``c.query`` does);

on the shipped M4 (29 vertices), on the same line with about 400 vertices, and with a
vertex every 50 m, as a surveyed road would have. Each run is a separate process, so
each peak memory is its own: the peak resident set size (``ru_maxrss``) of that process,
and how far it rose above the resident size just before the timed call. The answers of
the two are compared at the end (the idiom's distances carry UTM's scale error).

    python benchmarks/bench_query.py              # 1,000,000 points
    python benchmarks/bench_query.py --n 100000   # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LINES = ("shipped", "400 vtx", "50 m")
#: Longest edge (metres, in the local frame) of each line: the shipped one as it is.
_SPACING = {"shipped": None, "400 vtx": 285.0, "50 m": 50.0}
METHODS = ("c.query", "GeoPandas idiom")


def _points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(35.5, 37.5, n), rng.uniform(35.2, 36.6, n)


def _corridor(line: str):
    import shapely

    import geo

    c = geo.load_corridor()
    if _SPACING[line]:
        dense = shapely.segmentize(c.frame.to_metric(c.m4), _SPACING[line])
        c = geo.load_corridor(m4=c.frame.to_lonlat(dense))
    return c


def _rss_mb() -> float:
    """Return the current resident set size of this process, MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _run_query(c, lon: np.ndarray, lat: np.ndarray, workers: int | None):
    return c.query(lon, lat, workers=workers)


def _query_answers(r) -> dict[str, np.ndarray]:
    return {
        "distance_m": r["distance_m"].to_numpy(),
        "in_corridor": r["in_corridor"].to_numpy(),
        "chainage_km": r["chainage_km"].to_numpy(),
        "nearest_post": np.asarray(r["nearest_post"].cat.codes),
        "nearest_post_m": r["nearest_post_m"].to_numpy(),
    }


def _run_idiom(c, lon: np.ndarray, lat: np.ndarray):
    import geopandas as gpd
    import shapely

    utm = "EPSG:32637"
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(utm)
    m4 = gpd.GeoSeries([c.m4], crs="EPSG:4326").to_crs(utm).iloc[0]
    patrol = gpd.GeoSeries([c.patrol_segment], crs="EPSG:4326").to_crs(utm).iloc[0]  # starts at Trumba
    corridor = gpd.GeoSeries([c.security_corridor], crs="EPSG:4326").to_crs(utm).iloc[0]
    posts = c.posts[["name", "geometry"]].to_crs(utm)
    distance = pts.distance(m4)
    inside = pts.within(corridor)
    chainage = shapely.line_locate_point(patrol, pts.geometry.values)
    nearest = gpd.sjoin_nearest(pts, posts, distance_col="post_m")
    return distance, inside, chainage, nearest


def _idiom_answers(r, n: int) -> dict[str, np.ndarray]:
    distance, inside, chainage, nearest = r
    nearest = nearest[~nearest.index.duplicated()].reindex(range(n))  # ties give one row per tied post
    return {
        "distance_m": distance.to_numpy(),
        "in_corridor": inside.to_numpy(),
        "chainage_km": chainage / 1000,
        "nearest_post": nearest["index_right"].to_numpy(),
        "nearest_post_m": nearest["post_m"].to_numpy(),
    }


def child(method: str, line: str, n: int, seed: int, workers: int | None, repeat: int, out: Path) -> None:
    """Time one method on one line in this process (best of ``repeat``); print JSON, save the answers to ``out``."""
    c = _corridor(line)
    lon, lat = _points(n, seed)
    first = None
    if method == "c.query":
        c.query(lon[:10], lat[:10])  # builds the numpy path's search index (a few ms), as any first call would
        # The first large call also loads the compiled kernel (compiling it if numba's cache has none) and
        # builds its grid: timed apart, and then included in the peak memory.
        t = time.perf_counter()
        c.query(lon, lat, workers=workers)
        first = time.perf_counter() - t
    base = _rss_mb()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = _run_query(c, lon, lat, workers) if method == "c.query" else _run_idiom(c, lon, lat)
        times.append(time.perf_counter() - t)
    seconds = min(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.savez(out, **(_query_answers(result) if method == "c.query" else _idiom_answers(result, n)))
    print(
        json.dumps(
            {"seconds": seconds, "first": first, "peak_mb": peak, "base_mb": base, "m4_vertices": len(c.m4.coords)}
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=lambda s: int(float(s)), default=1_000_000, help="points (default 1,000,000)")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--workers", type=int, default=None, help="threads for c.query (default: all cores)")
    p.add_argument("--repeat", type=int, default=3, help="time c.query this many times, keep the best (default 3)")
    p.add_argument("--child", nargs=3, metavar=("METHOD", "LINE", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        method, line, out = args.child
        child(method, line, args.n, args.seed, args.workers, args.repeat if method == "c.query" else 1, Path(out))
        return

    print(f"{args.n:,} random points, lon 35.5-37.5, lat 35.2-36.6 (seed {args.seed}); {os.cpu_count()} CPU cores")
    print(f"c.query: best of {args.repeat} runs; the idiom: one run. Load average before: {os.getloadavg()[0]:.2f}")
    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for line in LINES:
            for method in METHODS:
                out = Path(tmp) / f"{line}-{method}.npz".replace(" ", "_")
                cmd = [
                    sys.executable,
                    __file__,
                    "--n",
                    str(args.n),
                    "--seed",
                    str(args.seed),
                    "--repeat",
                    str(args.repeat),
                ]
                if args.workers:
                    cmd += ["--workers", str(args.workers)]
                proc = subprocess.run(
                    [*cmd, "--child", method, line, str(out)], capture_output=True, text=True, check=False
                )
                if proc.returncode:
                    sys.exit(f"{method} on the {line} line failed:\n{proc.stderr}")
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                with np.load(out) as answers:
                    r["answers"] = {k: answers[k] for k in answers.files}
                results[line, method] = r
                print(
                    f"  {line:>7} M4 ({r['m4_vertices']:>5} vertices)  {method:<16} {r['seconds']:7.2f} s  "
                    f"{args.n / r['seconds']:>12,.0f} points/s  peak RSS {r['peak_mb']:6.0f} MB "
                    f"(+{r['peak_mb'] - r['base_mb']:.0f} MB over the {r['base_mb']:.0f} MB before the call)  "
                    f"load {os.getloadavg()[0]:.2f}"
                    + (f"  [first large call {r['first']:.2f} s]" if r["first"] is not None else "")
                )
    print(f"load average after:  {os.getloadavg()[0]:.2f}")
    print()
    for line in LINES:
        q, g = results[line, METHODS[0]], results[line, METHODS[1]]
        a, b = q["answers"], g["answers"]
        print(f"{line} M4: c.query is {g['seconds'] / q['seconds']:.1f}x faster than the idiom")
        far = a["distance_m"] > 1000
        rel = np.abs(a["distance_m"] - b["distance_m"])[far] / a["distance_m"][far]
        gap = np.abs(a["chainage_km"] - b["chainage_km"]) * 1000
        flips = gap > 1000
        print(
            f"    idiom vs c.query: distance differs by up to {np.abs(a['distance_m'] - b['distance_m']).max():.1f} m "
            f"({rel.max() * 100:.3f}% beyond 1 km: UTM's scale error); in_corridor disagrees on "
            f"{int((a['in_corridor'] != b['in_corridor']).sum())} points, the nearest post on "
            f"{int((a['nearest_post'] != b['nearest_post']).sum())}; chainage differs by up to "
            f"{gap[~flips].max():.1f} m (scale error), and by over 1 km on {int(flips.sum())} points "
            "nearly equidistant from two parts of the segment, which UTM's error tips the other way"
        )


if __name__ == "__main__":
    main()
