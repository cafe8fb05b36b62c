"""Hostile inputs at the edges: a dask frame or series, an Overpass answer, the numba cache.

Each class is a table of cases (input -> the one-line error, or the answer) run by ``parametrize``.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

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

CACHE_CASES = [
    pytest.param(cut_short(".nbc", 100), "", id="every-data-file-cut-to-100-bytes"),
    pytest.param(cut_short(".nbc", 0), "", id="every-data-file-empty"),
    pytest.param(cut_short(".nbi", 10), "", id="every-index-file-cut-to-10-bytes"),
    pytest.param(garble(".nbi"), "", id="every-index-file-garbled"),
    pytest.param(garble(".nbc"), "", id="every-data-file-garbled"),
    pytest.param(cut_short(".nbc", 100), DISK_FULL, id="data-cut-short-and-the-disk-still-full"),
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
@pytest.mark.parametrize(("corrupt", "prelude"), CACHE_CASES)
def test_a_damaged_numba_cache_is_compiled_afresh_and_the_large_query_answers(good_cache, tmp_path, corrupt, prelude):
    cache_dir = tmp_path / "cache"
    shutil.copytree(good_cache, cache_dir)
    corrupt(cache_dir)
    run = run_large_query(cache_dir, prelude)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["answered", "20000"]
    assert "Error" not in run.stderr


@pytest.mark.slow
def test_a_damaged_numba_cache_is_rewritten_with_readable_code(good_cache, tmp_path):
    cache_dir = tmp_path / "cache"
    shutil.copytree(good_cache, cache_dir)
    cut_short(".nbc", 100)(cache_dir)
    with pytest.raises(pickle.UnpicklingError):
        readable_entries(cache_dir)
    assert run_large_query(cache_dir).returncode == 0
    assert readable_entries(cache_dir) == readable_entries(good_cache)
