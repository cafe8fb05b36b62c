"""Specification of the one atomic write every output goes through (geo._io)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import LineString

import geo
from geo._io import atomic_path, check_output_path, write_bytes_atomic
from geo.classify import classify_file
from geo.cli import main
from geo.osm import write_m4_geojson


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _outputs(corridor: geo.Corridor, tmp_path: Path) -> list[Path]:
    """One file from each writer the package has."""
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n36.4,35.8\n")
    written = [
        geo.save_map(geo.build_map(corridor, offline=True, timeline=False), tmp_path / "map.html"),
        *geo.export_layers(corridor, tmp_path / "gpkg", "gpkg"),
        *geo.export_layers(corridor, tmp_path / "kml", "kml")[:1],
        write_m4_geojson(LineString([(36.0, 35.8), (36.5, 35.8)]), [1], tmp_path / "m4.geojson"),
    ]
    for name in ("out.csv", "out.parquet", "out.geojson", "out.gpkg"):
        classify_file(corridor, points, tmp_path / name)
        written.append(tmp_path / name)
    return written


def test_every_writer_gives_its_file_the_mode_a_plain_open_would(corridor, tmp_path, umask_027):
    for path in _outputs(corridor, tmp_path):
        assert _mode(path) == umask_027, path


def test_writers_leave_no_temporary_file_behind(corridor, tmp_path):
    _outputs(corridor, tmp_path)
    assert list(tmp_path.rglob(".*")) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "out.gpkg"
    target.write_text("old")

    def half_write() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            (tmp.parent / (tmp.name + "-journal")).write_text("sidecar")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        half_write()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_the_temporary_file_keeps_the_target_suffix_and_does_not_exist_yet(tmp_path):
    with atomic_path(tmp_path / "layers.gpkg") as tmp:
        assert tmp.suffix == ".gpkg"
        assert tmp.parent == tmp_path
        assert not tmp.exists()
        tmp.write_text("x")


def test_a_block_that_writes_nothing_is_an_error_and_changes_nothing(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(FileNotFoundError), atomic_path(target):
        pass
    assert not target.exists()


def test_write_bytes_atomic_replaces_the_whole_file(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("a much longer old content")
    assert write_bytes_atomic(target, b"new") == target
    assert target.read_bytes() == b"new"


def test_an_output_named_by_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    # As a shell's "> link" writes through it: the link is the user's way to name the file.
    data = tmp_path / "data"
    data.mkdir()
    (data / "real.html").write_text("old")
    link = tmp_path / "latest.html"
    link.symlink_to(data / "real.html")
    write_bytes_atomic(link, b"new")
    assert link.is_symlink()
    assert (data / "real.html").read_bytes() == b"new"
    assert sorted(p.name for p in data.iterdir()) == ["real.html"]  # the temporary file was beside the target
    dangling = tmp_path / "next.html"
    dangling.symlink_to(data / "next.html")
    write_bytes_atomic(dangling, b"first")
    assert dangling.is_symlink()
    assert (data / "next.html").read_bytes() == b"first"


def test_an_output_symlinked_into_a_missing_folder_names_that_folder(tmp_path):
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "gone" / "out.csv")
    with pytest.raises(ValueError, match=f"the folder {tmp_path / 'gone'} does not exist"):
        check_output_path(link)


@pytest.mark.parametrize("command", ["profile", "map"])
def test_an_output_symlinked_to_a_file_the_command_reads_is_refused_and_the_file_kept(tmp_path, capsys, command):
    # Written through its link, the output would replace the events or the M4 line the command reads.
    events = tmp_path / "events.csv"
    events.write_text("id,event_date,lat,lon\n1,2020-03-05,35.80,36.61\n", encoding="utf-8")
    m4 = tmp_path / "m4.geojson"
    write_m4_geojson(geo.load_corridor().m4, [], m4)
    before = {p: p.read_bytes() for p in (events, m4)}
    reads = {"map": (["--offline", "--points", str(events)], ["--offline", "--m4", str(m4)]),
             "profile": ([str(events)], ["--m4", str(m4)])}[command]  # fmt: skip
    for target, argv in zip((events, m4), reads, strict=True):
        link = tmp_path / ("out.html" if command == "map" else "out.svg")
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        args = [command, "-o", str(link), *argv]
        assert main(args) == 2
        assert f"the same file as the input {target}" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (events, m4)} == before


@pytest.mark.parametrize("command", [["summary"], ["summary", "--json"], ["events"], ["query", "36.6", "35.8"]])
def test_a_command_whose_work_is_to_print_fails_in_one_line_when_started_with_its_standard_output_closed(command):
    # '>&-': Python drops what is printed to a missing standard output; summary ended 0 having said nothing.
    run = subprocess.run(
        [sys.executable, "-m", "geo.cli", *command], stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1),
        check=False, text=True,
    )  # fmt: skip
    assert (run.returncode, run.stderr) == (
        2, "idlib-corridor: error: output -: the standard output is closed; redirect it (> FILE)\n"
    )  # fmt: skip
