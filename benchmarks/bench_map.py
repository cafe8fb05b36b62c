"""Benchmark: the offline map with your points: build time, HTML size, and time to first render in Chromium.

For 20,000 and 100,000 made-up events in ACLED's layout (``tests/acled.py``), and for the map with no points
as the baseline, times

* reading the CSV (:func:`geo.read_points`: classify's reader and the query, into a GeoDataFrame),
* ``build_map(c, offline=True, points=gdf)`` and rendering + writing it (:func:`geo.maps.save_map`),

prints the file's size, and opens the page in headless Chromium (network off) to time the first render: from
the start of navigation to the moment the page has placed every point in its clusters and shows cluster
icons (``window.idlibUserLayers[...].ready()``), as the page's own clock (``performance.now()``) reads it,
polled every 50 ms. Then, as a measure of smoothness, the time the page takes (its own clock) to zoom in one
level with the points clustered again, and to move the time slider to 2020-03-05 (taking out the later points,
about four in five) and back to its last day. Each size is timed ``--repeat`` times; the best is printed.

    python benchmarks/bench_map.py                 # 20,000 and 100,000 points
    python benchmarks/bench_map.py --sizes 20000   # a quicker run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

#: The page is ready when its layer has placed all its points and cluster icons are drawn (no layer: the map is).
_READY = """
var layers = window.idlibUserLayers || {}, names = Object.keys(layers);
var ready = document.readyState === 'complete' && names.every(function (k) { return layers[k].ready(); });
if (names.length) { ready = ready && document.querySelectorAll('.idlib-cluster').length > 0; }
return ready ? performance.now() : null;
"""


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--no-first-run"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def _first_render_s(driver, path: Path) -> float:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    driver.get("about:blank")
    driver.get(path.as_uri())
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        at = driver.execute_script(_READY)
        if at is not None:
            return float(at) / 1000
        time.sleep(0.05)
    raise TimeoutError(f"{path}: not rendered in 600 s")


#: Zoom in one level, and move the slider to a day and back; the page's milliseconds for each.
_STEPS = """
var map = window[document.querySelector('.folium-map').id], t0 = performance.now();
map.setZoom(map.getZoom() + 1, {animate: false});
var t1 = performance.now(), slider = window.idlibTimelines[Object.keys(window.idlibTimelines)[0]];
var last = slider.date();
slider.setDate('2020-03-05');
slider.setDate(last);
return [t1 - t0, performance.now() - t1];
"""


def _steps_s(driver) -> tuple[float, float]:
    """Seconds to zoom in a level, and to move the slider to a day and back (once the points are all placed)."""
    zoom, slide = driver.execute_script(_STEPS)
    ready = "var u = window.idlibUserLayers; return Object.keys(u).every(function (k) { return u[k].ready(); });"
    start = time.monotonic()
    while not driver.execute_script(ready):  # adding the points back is chunked: wait for the last chunk
        time.sleep(0.02)
    return zoom / 1000, slide / 1000 + (time.monotonic() - start)


def main() -> None:
    """Run the benchmark and print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000], help="points per map")
    parser.add_argument("--repeat", type=int, default=2, help="timings per size (the best is printed)")
    args = parser.parse_args()

    from acled import write_acled_csv

    import geo
    from geo.maps import build_map, save_map

    c = geo.load_corridor()
    driver = _browser()
    folder = Path(tempfile.mkdtemp(prefix="bench-map-"))
    print(
        f"{'points':>8} {'read':>7} {'build':>7} {'write':>7} {'HTML':>9} {'first render':>15} {'zoom in':>8}"
        f" {'slider step':>11}"
    )
    base_render = None
    try:
        for n in [0, *args.sizes]:
            best: dict[str, float] = {}
            for _ in range(args.repeat):
                t: dict[str, float] = {}
                gdf = None
                if n:
                    csv = write_acled_csv(folder / f"acled_{n}.csv", rows=n, seed=1)
                    start = time.perf_counter()
                    gdf = geo.read_points(c, csv)
                    t["read"] = time.perf_counter() - start
                start = time.perf_counter()
                m = build_map(c, offline=True, points={"acled": gdf} if n else None)
                t["build"] = time.perf_counter() - start
                start = time.perf_counter()
                path = save_map(m, folder / f"map_{n}.html")
                t["write"] = time.perf_counter() - start
                t["render"] = _first_render_s(driver, path)
                if n:
                    t["zoom"], t["slide"] = _steps_s(driver)
                best = {k: min(v, best.get(k, v)) for k, v in t.items()}
            size = path.stat().st_size / 2**20
            base_render = base_render or best["render"]
            read = f"{best['read']:6.2f}s" if n else f"{'-':>7}"
            ratio = f" ({best['render'] / base_render:4.1f}x)" if n else " " * 8
            steps = f" {best['zoom']:7.2f}s {best['slide']:10.2f}s" if n else ""
            print(
                f"{n:>8,} {read} {best['build']:6.2f}s {best['write']:6.2f}s {size:7.1f}MiB "
                f"{best['render']:6.2f}s{ratio}{steps}"
            )
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
