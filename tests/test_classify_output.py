"""classify's output side: the output path checked up front, write errors and signals in one line, no file left."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import geo._point_files as point_files
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


def test_a_fifo_output_is_refused_without_being_opened(tmp_path, capsys):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)  # opening it for writing would block: the check must not open it
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(fifo)], "FIFO")


def test_a_name_too_long_for_the_folder_is_refused(tmp_path, capsys):
    _refused(capsys, ["classify", str(_points(tmp_path)), "-o", str(tmp_path / ("x" * 250 + ".csv"))], "too long")


def test_the_output_is_checked_before_the_input_is_read(tmp_path, monkeypatch, corridor):
    read = []
    monkeypatch.setattr(point_files, "_tabular_chunks", lambda *a: read.append(a))
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
    def full(self, *args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(point_files._ArrowWriter, "write", full)
    monkeypatch.setattr(point_files._VectorWriter, "write", full)
    src = _points(tmp_path)
    _refused(capsys, ["classify", str(src), "-o", str(tmp_path / f"out{ext}")], "No space left on device")
    _only(tmp_path, "points.csv")


def test_the_previous_signal_handlers_are_restored(tmp_path, corridor):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    classify_file(corridor, _points(tmp_path), tmp_path / "out.csv")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_half_way_removes_the_temporary_file(tmp_path, signum, status):
    n = 2_000_000
    rng = np.random.default_rng(1)
    src = tmp_path / "big.parquet"
    pq.write_table(pa.table({"lon": rng.uniform(36, 37, n), "lat": rng.uniform(35.6, 36.1, n)}), src)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cmd = [sys.executable, "-m", "geo.cli", "classify", str(src), "-o", str(out_dir / "out.parquet"), "-q"]
    proc = subprocess.Popen([*cmd, "--chunk-rows", "2000"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out_dir.iterdir()):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert err.count("\n") == 1
    assert signal.Signals(signum).name in err
    assert list(out_dir.iterdir()) == []
