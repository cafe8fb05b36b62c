"""Hostile inputs at the edges: a dask frame or series, an Overpass answer, the numba cache.

Each class is a table of cases (input -> the one-line error, or the answer) run by ``parametrize``.
"""

from __future__ import annotations

import copy
import http.client
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo._query_input import PointError
from geo.cli import main
from geo.osm import EAST_END, WEST_END, OverpassError, fetch_m4, m4_from_overpass

REPO = Path(__file__).resolve().parent.parent

# --- numba's on-disk cache -----------------------------------------------------------------------------------------

#: A large query (the compiled path) checked against the same points answered in two halves (the numpy path).
LARGE_QUERY = textwrap.dedent(
    """
    import numpy as np, pandas as pd, geo
    {prelude}
    c = geo.load_corridor()
    rng = np.random.default_rng(7)
    n = 20_000
    lon, lat = rng.uniform(35.5, 37.5, n), rng.uniform(35.2, 36.6, n)
    compiled = c.query(lon, lat, workers=1)
    numpy_path = pd.concat([c.query(lon[: n // 2], lat[: n // 2]), c.query(lon[n // 2 :], lat[n // 2 :])])
    pd.testing.assert_frame_equal(compiled, numpy_path.reset_index(drop=True), check_exact=False, atol=1e-6)
    print("answered", len(compiled))
    """
)


def run_large_query(cache_dir: Path, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run :data:`LARGE_QUERY` in a fresh Python whose numba caches in ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    script = LARGE_QUERY.format(prelude=prelude)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)


def cache_files(cache_dir: Path, suffix: str) -> list[Path]:
    return sorted(cache_dir.rglob(f"*{suffix}"))


def cut_short(suffix: str, size: int) -> Callable[[Path], None]:
    """Cut every cache file ending in ``suffix`` to ``size`` bytes, as a full disk leaves it."""

    def corrupt(cache_dir: Path) -> None:
        for f in cache_files(cache_dir, suffix):
            with f.open("r+b") as fh:
                fh.truncate(size)

    return corrupt


def garble(suffix: str) -> Callable[[Path], None]:
    """Overwrite every cache file ending in ``suffix`` with bytes that are no pickle."""

    def corrupt(cache_dir: Path) -> None:
        for f in cache_files(cache_dir, suffix):
            f.write_bytes(b"\x80\x05not a pickle at all" * 10)

    return corrupt


def readable_entries(cache_dir: Path) -> int:
    """Count the cached compilations every index names, unpickling each (raises if one cannot be read)."""
    count = 0
    for index in cache_files(cache_dir, ".nbi"):
        with index.open("rb") as fh:
            pickle.load(fh)  # numba's version
            _, overloads = pickle.loads(fh.read())
        for data_name in overloads.values():
            pickle.loads((index.parent / data_name).read_bytes())
            count += 1
    return count


#: Writing a cache file fails as on a full disk, the index's temporary file included.
DISK_FULL = textwrap.dedent(
    """
    import errno, numba.core.caching as caching
    def full(self, *args):
        raise OSError(errno.ENOSPC, "No space left on device")
    caching.IndexDataCacheFile._save_data = full
    caching.IndexDataCacheFile._save_index = full
    """
)


def unreadable(cache_dir: Path) -> bool:
    """Whether some cached compilation named by an index cannot be read (or an index itself)."""
    try:
        readable_entries(cache_dir)
    except Exception:  # whatever unpickling garbage raises
        return True
    return False


CACHE_CASES = [
    pytest.param(cut_short(".nbc", 100), "", True, id="every-data-file-cut-to-100-bytes"),
    pytest.param(cut_short(".nbc", 0), "", True, id="every-data-file-empty"),
    pytest.param(cut_short(".nbi", 10), "", True, id="every-index-file-cut-to-10-bytes"),
    pytest.param(garble(".nbi"), "", True, id="every-index-file-garbled"),
    pytest.param(garble(".nbc"), "", True, id="every-data-file-garbled"),
    pytest.param(cut_short(".nbc", 100), DISK_FULL, False, id="data-cut-short-and-the-disk-still-full"),
]


@pytest.fixture(scope="module")
def good_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A numba cache written by one large query."""
    cache_dir = tmp_path_factory.mktemp("numba-cache")
    run = run_large_query(cache_dir)
    assert run.returncode == 0, run.stderr
    assert readable_entries(cache_dir) > 0
    return cache_dir


@pytest.mark.slow
@pytest.mark.parametrize(("corrupt", "prelude", "rewritten"), CACHE_CASES)
def test_a_damaged_numba_cache_is_compiled_afresh_the_large_query_answers_and_the_cache_is_rewritten(
    good_cache, tmp_path, corrupt, prelude, rewritten
):
    cache_dir = tmp_path / "cache"
    shutil.copytree(good_cache, cache_dir)
    corrupt(cache_dir)
    assert unreadable(cache_dir)
    run = run_large_query(cache_dir, prelude)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["answered", "20000"]
    assert "Error" not in run.stderr
    if rewritten:  # every compilation the good cache held is back, readable
        assert readable_entries(cache_dir) == readable_entries(good_cache)


# --- a malformed Overpass answer -----------------------------------------------------------------------------------


def overpass_way(way_id: Any, nodes: list[Any], coords: list[Any]) -> dict[str, Any]:
    """An Overpass way as ``out body geom`` gives it: node ids and their lon/lat points."""
    return {
        "type": "way",
        "id": way_id,
        "nodes": nodes,
        "geometry": [{"lat": lat, "lon": lon} for lon, lat in coords],
        "tags": {"highway": "motorway", "ref": "M4"},
    }


def good_answer() -> dict[str, Any]:
    """Two ways from Latakia to Saraqib, meeting at node 3."""
    west = [WEST_END, (36.0, 35.65), (36.3, 35.8)]
    east = [(36.3, 35.8), (36.6, 35.81), EAST_END]
    return {"version": 0.6, "elements": [overpass_way(101, [1, 2, 3], west), overpass_way(102, [3, 4, 5], east)]}


def changed(change: Callable[[dict[str, Any]], object]) -> bytes:
    """The good answer with ``change`` applied to it, as the bytes the service would send."""
    answer = good_answer()
    change(answer)
    return json.dumps(answer).encode()


def first_way(answer: dict[str, Any]) -> dict[str, Any]:
    way: dict[str, Any] = answer["elements"][0]
    return way


def way_without(key: str) -> bytes:
    return changed(lambda a: first_way(a).pop(key))


def second_point(key: str, value: object) -> bytes:
    """The good answer with ``key`` ("lon" or "lat") of the first way's second point (node 2) set to ``value``."""
    return changed(lambda a: first_way(a)["geometry"][1].__setitem__(key, value))


def first_way_item(key: str, position: int | None, value: object) -> bytes:
    """The good answer with the first way's ``key`` (or that list's item at ``position``) set to ``value``."""
    if position is None:
        return changed(lambda a: first_way(a).__setitem__(key, value))
    return changed(lambda a: first_way(a)[key].__setitem__(position, value))


def case(case_id: str, body: bytes, message: str) -> Any:
    return pytest.param(body, message, id=case_id)


ONE_NODE_WAY = changed(lambda a: a["elements"].append(overpass_way(103, [9], [WEST_END])))
NODE_2 = r"way 101 point 1 \(node 2\)"
NOT_A_POINT = NODE_2 + r" is .*; expected an object with numbers lon and lat"
TIMEOUT = b'{"elements": [], "remark": "runtime error: Query timed out\\nafter 91 seconds."}'
ESCAPES = b'{"elements": [], "remark": "\\u001b[2J\\u001b]0;pwned\\u0007' + b"x" * 500 + b'"}'

OVERPASS_CASES = [
    case("html-not-json", b"<html><body>429 Too Many Requests</body></html>", "did not answer with JSON"),
    case("empty-body", b"", r"did not answer with JSON \(Expecting value\)"),
    case("not-utf8", b"\xff\xfe{", r"did not answer with JSON \(not UTF-8 text\)"),
    case("json-nested-100000-deep", b"[" * 100_000, "answered JSON nested too deep to read"),
    case("json-array", b"[]", "expected a JSON object with an 'elements' list"),
    case("json-without-elements", b'{"version": 0.6}', "expected a JSON object with an 'elements' list"),
    case("elements-not-a-list", b'{"elements": {}}', "expected a JSON object with an 'elements' list"),
    case("no-ways-timeout-remark", TIMEOUT, r"no M4 way .*\(the answer remarks: .* timed out after 91 seconds\.\)$"),
    case("remark-with-terminal-escapes", ESCAPES, r"\(the answer remarks: \[2J ]0;pwned x+…\)$"),
    case("way-without-geometry", way_without("geometry"), r"way 101 lacks .* \(query with 'out body geom'\)"),
    case("way-without-nodes", way_without("nodes"), r"way 101 lacks its 'nodes' or 'geometry' list"),
    case("way-of-one-node", ONE_NODE_WAY, "way 103 has 1 node; a way needs 2"),
    case("fewer-nodes-than-points", first_way_item("nodes", None, [1, 2]), "way 101 has 2 node ids but 3 points"),
    case("nan-lon", second_point("lon", math.nan), NODE_2 + r": coordinate is not finite \(lon nan, lat 35.65\)"),
    case("infinite-lat", second_point("lat", math.inf), NODE_2 + r": coordinate is not finite \(lon 36.0, lat inf\)"),
    case("lat-95", second_point("lat", 95.5), NODE_2 + r": latitude 95.5 out of range, expected \[-90, 90\]"),
    case("lat-as-text", second_point("lat", "35.65"), NOT_A_POINT),
    case("lat-boolean", second_point("lat", True), NODE_2 + r" is .*'lat': True"),
    case("point-null", first_way_item("geometry", 1, None), NODE_2 + " is None"),
    case("point-a-list", first_way_item("geometry", 1, [36.0, 35.65]), NOT_A_POINT),
    case("node-id-null", first_way_item("nodes", 1, None), "way 101 has node id None; expected an integer"),
    case("node-id-a-list", first_way_item("nodes", 1, [2]), r"way 101 has node id \[2\]; expected an integer"),
    case("way-id-text", first_way_item("id", None, "101"), "element 0 is a way with id '101'; expected an integer"),
    case("way-id-boolean", first_way_item("id", None, True), "element 0 is a way with id True; expected an integer"),
    case("one-node-two-places", first_way_item("nodes", 2, 4), r"node 4 is at lon/lat \(36.3, 35.8\) in way 101 but"),
    case("road-stops-short", changed(lambda a: a["elements"].pop()), r"km from Saraqib \(east end\): .* is incomplete"),
    case("gap-in-the-road", first_way_item("nodes", 2, 6), "do not connect Latakia to Saraqib"),
]


class FakeResponse:
    """What ``urllib.request.urlopen`` hands back: a context manager whose ``read`` gives ``body`` (or raises it)."""

    def __init__(self, body: bytes | Exception) -> None:
        self.body = body

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self) -> bytes:
        if isinstance(self.body, Exception):
            raise self.body
        return self.body


@pytest.fixture
def overpass_answers(monkeypatch):
    """Make the Overpass API answer with the bytes handed to the returned function (there is no internet here)."""

    def answer_with(body: bytes | Exception) -> None:
        monkeypatch.setattr("urllib.request.urlopen", lambda *args, **kwargs: FakeResponse(body))

    return answer_with


def test_the_good_answer_of_this_table_gives_a_line_from_latakia_to_saraqib(overpass_answers):
    overpass_answers(json.dumps(good_answer()).encode())
    line, way_ids = m4_from_overpass(fetch_m4())
    assert way_ids == [101, 102]
    assert line.coords[0] == WEST_END
    assert line.coords[-1] == EAST_END


@pytest.mark.parametrize(("body", "message"), OVERPASS_CASES)
def test_a_malformed_overpass_answer_is_one_line_naming_what_is_wrong(overpass_answers, body, message):
    overpass_answers(body)
    with pytest.raises(OverpassError, match=message) as caught:
        m4_from_overpass(fetch_m4())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("body", "message"), OVERPASS_CASES)
def test_fetch_osm_on_a_malformed_answer_exits_2_with_one_line_and_writes_nothing(
    overpass_answers, tmp_path, capsys, body, message
):
    overpass_answers(body)
    assert main(["fetch-osm", "-o", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("idlib-corridor: error: ")
    assert re.search(message, err)
    assert list(tmp_path.iterdir()) == []


def test_an_answer_broken_off_mid_way_is_one_line(overpass_answers):
    overpass_answers(http.client.IncompleteRead(b'{"elements": ['))
    with pytest.raises(OverpassError, match=r"broke off its answer \(IncompleteRead\)"):
        fetch_m4()


#: JSON values a hostile or broken server could put anywhere in its answer.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)

#: Where in the good answer a value can be replaced: (element, key, position in the key's list or None).
PLACES = st.tuples(
    st.integers(0, 1),
    st.sampled_from(["type", "id", "nodes", "geometry"]),
    st.one_of(st.none(), st.integers(0, 2)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=PLACES, value=JSON_VALUES)
def test_any_value_anywhere_in_an_answer_gives_a_line_of_valid_points_or_a_one_line_overpass_error(place, value):
    answer = copy.deepcopy(good_answer())
    element, key, position = place
    target = answer["elements"][element]
    if position is None or not isinstance(target.get(key), list):
        target[key] = value
    else:
        target[key][position] = value
    try:
        line, way_ids = m4_from_overpass(answer)
    except OverpassError as exc:
        line, way_ids, error = None, [], str(exc)
    if line is None:
        assert "\n" not in error
    else:
        assert len(line.coords) >= 2
        assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in line.coords)
        assert all(isinstance(w, int) for w in way_ids)


# --- dask ----------------------------------------------------------------------------------------------------------

#: Twelve points near the M4, labelled 100..111, in partitions of four: label 109 is row 1 of partition 2.
LABELS = list(range(100, 112))


@pytest.fixture
def synchronous_dask():
    """Run dask's tasks in the test's own thread: these tests are about messages, not about a cluster."""
    with dask.config.set(scheduler="synchronous"):
        yield


def points_frame(crs: str = "EPSG:4326", **rows: Any) -> gpd.GeoDataFrame:
    """The twelve points, with the geometries of ``rows`` ("at_<label>": geometry) replaced."""
    geoms = list(gpd.points_from_xy(np.linspace(35.9, 36.7, 12), np.full(12, 35.8), crs="EPSG:4326").to_crs(crs))
    for key, geom in rows.items():
        geoms[LABELS.index(int(key.removeprefix("at_")))] = geom
    return gpd.GeoDataFrame({"id": LABELS}, geometry=gpd.GeoSeries(geoms, index=LABELS, crs=crs), index=LABELS)


def dask_frame(frame: gpd.GeoDataFrame) -> Any:
    return dask_geopandas.from_geopandas(frame, chunksize=4, sort=False)


def lonlat_frame(**values: Any) -> pd.DataFrame:
    """The twelve points' lon and lat columns, with ``values`` ("<lon|lat>_<label>": value) replaced."""
    df = pd.DataFrame({"lon": np.linspace(35.9, 36.7, 12), "lat": np.full(12, 35.8)}, index=LABELS)
    for key, value in values.items():
        name, label = key.split("_")
        df.loc[int(label), name] = value
    return df


def dask_lonlat(df: pd.DataFrame) -> tuple[Any, Any]:
    d = dd.from_pandas(df, chunksize=4, sort=False)
    return d.lon, d.lat


def frame_with(geom: Any, crs: str = "EPSG:4326") -> tuple[Any]:
    """A dask GeoDataFrame of the twelve points in ``crs``, ``geom`` at label 109."""
    return (dask_frame(points_frame(crs, at_109=geom)),)


def geoseries_with(geom: Any) -> tuple[Any]:
    return (dask_frame(points_frame(at_109=geom)).geometry,)


def lonlat_with(name: str, value: float) -> tuple[Any, Any]:
    """Two dask Series of the twelve points' lon and lat, ``name`` ("lon" or "lat") of label 109 set to ``value``."""
    return dask_lonlat(lonlat_frame(**{f"{name}_109": value}))


def restarting_index(name: str, value: float) -> tuple[Any, Any]:
    """Lon and lat in three partitions each indexed 0..3 (as ``dd.read_csv`` gives), ``name`` of row 1 of the last
    set to ``value``: the index label alone does not say where the row is, its partition does."""
    parts = [pd.DataFrame({"lon": np.full(4, 36.5), "lat": np.full(4, 35.8)}) for _ in range(3)]
    parts[2].loc[1, name] = value
    d = dd.from_map(lambda part: part, parts)
    return d.lon, d.lat


ROW_109 = r"row with index 109 \(row 1 of partition 2\): "
A_LINE = shapely.LineString([(36, 35), (36, 36)])
UTM_INF = shapely.Point(np.inf, 0)

DASK_ERROR_CASES = [
    case("missing-geometry", partial(frame_with, None), "dask GeoDataFrame " + ROW_109 + r"missing geometry \(None\)"),
    case("empty-point", partial(frame_with, shapely.Point()), "dask GeoDataFrame " + ROW_109 + "empty Point"),
    case("a-line", partial(frame_with, A_LINE), ROW_109 + "expected a Point, got a LineString"),
    case("lat-95", partial(frame_with, shapely.Point(36, 95)), ROW_109 + r"lat = 95.0 is outside \[-90, 90\] degrees"),
    case("utm-inf", partial(frame_with, UTM_INF, "EPSG:32637"), ROW_109 + "the point has a non-finite coordinate"),
    case("geoseries-missing-geometry", partial(geoseries_with, None), "dask GeoSeries " + ROW_109 + "missing geometry"),
    case("series-lat-95", partial(lonlat_with, "lat", 95.0), "dask lon/lat " + ROW_109 + r"lat = 95.0 is outside"),
    case("series-lon-nan", partial(lonlat_with, "lon", np.nan), "dask lon/lat " + ROW_109 + r"lon is missing \(NaN\)"),
    case("index-restarting", partial(restarting_index, "lat", 95.0), r"index 1 \(row 1 of partition 2\): lat = 95.0"),
]


@pytest.mark.usefixtures("synchronous_dask")
@pytest.mark.parametrize(("make_args", "message"), DASK_ERROR_CASES)
def test_a_bad_row_of_a_dask_collection_is_named_by_the_frames_index_label(corridor, make_args, message):
    lazy = corridor.query(*make_args())
    with pytest.raises(ValueError, match=message) as caught:
        lazy.compute()
    assert "\n" not in str(caught.value)


def dask_lon() -> Any:
    return dask_lonlat(lonlat_frame())[0]


def dask_lat() -> Any:
    return dask_lonlat(lonlat_frame())[1]


def pandas_lat() -> pd.Series:
    return lonlat_frame().lat


def unmatched() -> tuple[Any, Any]:
    """Dask Series of lon in 3 partitions and lat in 2, neither with known divisions."""
    return tuple(
        dd.from_pandas(lonlat_frame(), npartitions=n).clear_divisions()[c] for c, n in (("lon", 3), ("lat", 2))
    )


NOT_BOTH = r"lon and lat must both be dask Series \(got "

DASK_REFUSED_CASES = [
    case("dask-lon-pandas-lat", lambda c: c.query(dask_lon(), pandas_lat()), NOT_BOTH + r"dask Series and pandas"),
    case("numpy-lon-dask-lat", lambda c: c.query(np.full(12, 36.0), dask_lat()), NOT_BOTH + r"numpy ndarray and dask"),
    case("dask-lon-number-lat", lambda c: c.query(dask_lon(), 35.8), NOT_BOTH + r"dask Series and float\)"),
    case("dask-dataframe", lambda c: c.query(dd.from_pandas(lonlat_frame())), "got a dask DataFrame; convert with"),
    case("one-dask-series", lambda c: c.query(dask_lon()), "got a dask Series; .*or pass lon and lat dask Series"),
    case("workers", lambda c: c.query(*frame_with(None), workers=2), "workers=2 does not apply to a dask collection"),
    case("unmatched-partitions", lambda c: c.query(*unmatched()), "3 and 2 partitions with unknown divisions"),
]


@pytest.mark.parametrize(("call", "message"), DASK_REFUSED_CASES)
def test_a_dask_call_that_cannot_work_is_refused_in_one_line_before_computing(corridor, call, message):
    with pytest.raises(ValueError, match=message) as caught:
        call(corridor)
    assert "\n" not in str(caught.value)


@pytest.mark.usefixtures("synchronous_dask")
def test_two_dask_series_are_answered_lazily_as_the_pandas_series_are(corridor):
    df = lonlat_frame()
    lon, lat = dask_lonlat(df)
    lazy = corridor.query(lon, lat)
    assert isinstance(lazy, dd.DataFrame)
    pd.testing.assert_frame_equal(lazy.compute(), corridor.query(df.lon, df.lat))


@pytest.mark.usefixtures("synchronous_dask")
@settings(max_examples=15, deadline=None)
@given(lon_chunk=st.integers(1, 12), lat_chunk=st.integers(1, 12))
def test_every_row_of_two_dask_series_comes_out_once_however_they_are_partitioned(corridor, lon_chunk, lat_chunk):
    df = lonlat_frame()
    lon = dd.from_pandas(df.lon, chunksize=lon_chunk, sort=True)
    lat = dd.from_pandas(df.lat, chunksize=lat_chunk, sort=True)
    pd.testing.assert_frame_equal(corridor.query(lon, lat).compute(), corridor.query(df.lon, df.lat))


@pytest.mark.slow
def test_classify_of_20000_rows_answers_every_row_with_a_numba_cache_cut_short(good_cache, tmp_path):
    cache_dir = tmp_path / "cache"
    shutil.copytree(good_cache, cache_dir)
    cut_short(".nbc", 100)(cache_dir)
    rng = np.random.default_rng(3)
    points = pd.DataFrame({"lon": rng.uniform(35.5, 37.5, 20_000), "lat": rng.uniform(35.2, 36.6, 20_000)})
    points.to_csv(tmp_path / "points.csv", index=False)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "geo.cli", "classify", "points.csv", "-o", "out.csv", "-q"]
    run = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert len(out) == 20_000
    assert out["distance_m"].notna().all()


@pytest.mark.parametrize("url", ["notaurl", "file:///etc/hostname", "ftp://overpass.example/api"])
def test_an_overpass_url_that_is_not_http_is_refused_in_one_line_and_nothing_read(url, tmp_path, capsys):
    assert main(["fetch-osm", "-o", str(tmp_path), "--url", url]) == 2
    err = capsys.readouterr().err
    assert err == f"idlib-corridor: error: the Overpass API URL {url!r} is not an http:// or https:// address\n"
    assert list(tmp_path.iterdir()) == []


def test_a_point_error_crosses_processes_whole():
    error = PointError("lat[1] (index 'b') lat = 95.0 is outside", 1, "b", "lat = 95.0 is outside")
    copy_ = pickle.loads(pickle.dumps(error))
    assert (str(copy_), copy_.row, copy_.label, copy_.problem) == (str(error), 1, "b", "lat = 95.0 is outside")
