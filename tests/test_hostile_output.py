"""Hostile outputs for every writer (map, export, fetch-osm, classify): refused in one line, or written whole.

Each table row is one case: the command, what is put where its output goes, and the one-line error expected.
Whatever is refused is left exactly as it was (same kind, same inode, same bytes), and nothing else is left
behind. Never a real device: FIFOs, sockets, folders, symlinks, an immutable folder and monkeypatched write
errors stand in for them.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo
import geo._io as io_mod
import geo.maps
import geo.maps.render as render_mod
import geo.osm as osm_mod
from geo._io import OutputError, atomic_folder, atomic_path, folder_mode
from geo.cli import main
from geo.export import export_layers

ROOT = Path(__file__).resolve().parents[1]

#: The files a GeoJSON export writes.
GEOJSON_LAYERS = sorted(
    f"{n}.geojson"
    for n in ("m4", "patrol_segment", "security_corridor", "posts", "places", "m4_waypoints", "context", "events")
)


# --------------------------------------------------------------------------------------------- helpers


def _overpass_answer() -> dict[str, object]:
    """One M4 way from Latakia to Saraqib: enough for fetch-osm to merge and write."""
    (w_lon, w_lat), (e_lon, e_lat) = osm_mod.WEST_END, osm_mod.EAST_END
    geometry = [{"lon": w_lon, "lat": w_lat}, {"lon": 36.3, "lat": 35.8}, {"lon": e_lon, "lat": e_lat}]
    return {"elements": [{"type": "way", "id": 7, "nodes": [1, 2, 3], "geometry": geometry}]}


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the work cheap and recorded: the map page, the Overpass answer. Returns what ran, in order."""
    ran: list[str] = []

    def build_map(corridor: object, **kwargs: object) -> str:
        ran.append("build_map")
        return "a map"

    def fetch_m4(url: str = "", **kwargs: object) -> dict[str, object]:
        ran.append("fetch_m4")
        return _overpass_answer()

    monkeypatch.setattr(geo.maps, "build_map", build_map)
    monkeypatch.setattr(render_mod, "map_html", lambda m: "<!doctype html><title>map</title>")
    monkeypatch.setattr(osm_mod, "fetch_m4", fetch_m4)
    return ran


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes | None]]:
    """Every entry under ``folder`` (not following symlinks): its mode, inode and, for a regular file, bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st_ = path.lstat()
            data = path.read_bytes() if stat.S_ISREG(st_.st_mode) else None
            out[str(path.relative_to(folder))] = (st_.st_mode, st_.st_ino, data)
    return out


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], match: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("idlib-corridor: error: "), err
    assert match in err, err
    return err


def _make(kind: str, path: Path, keep: list[socket.socket]) -> None:
    """Put a ``kind`` of file at ``path``: fifo, socket, dir, file, link-to-fifo, link-to-socket, link-to-dir."""
    if kind.startswith("link-to-"):
        real = path.with_name(path.name + ".real")
        _make(kind.removeprefix("link-to-"), real, keep)
        path.symlink_to(real.name)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        cwd = Path.cwd()
        os.chdir(path.parent)  # a socket's path must fit 108 bytes: bind the bare name
        try:
            sock.bind(path.name)
        finally:
            os.chdir(cwd)
        keep.append(sock)
    elif kind == "dir":
        path.mkdir()
    elif kind == "file":
        path.write_text("the user's own file\n")
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.fixture
def keep() -> Iterator[list[socket.socket]]:
    """Sockets made by :func:`_make`, closed after the test."""
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def _points(folder: Path) -> Path:
    src = folder / "points.csv"
    src.write_text("lon,lat\n36.61,35.81\n", encoding="utf-8")
    return src


#: The commands that write a file, with ``{out}`` for the ``-o`` argument and ``{points}`` for classify's input.
COMMANDS = {
    "map": ["map", "-o", "{out}"],
    "export": ["export", "-o", "{out}"],
    "export-gpkg": ["export", "-o", "{out}", "--format", "gpkg"],
    "export-kml": ["export", "-o", "{out}", "--format", "kml"],
    "fetch-osm": ["fetch-osm", "-o", "{out}"],
    "classify": ["classify", "{points}", "-o", "{out}", "-q"],
}


def _argv(command: str, tmp_path: Path, out: str) -> list[str]:
    points = _points(tmp_path / "in")
    return [a.format(out=tmp_path / "work" / out, points=points) for a in COMMANDS[command]]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """``tmp_path/work``: the folder the outputs go to (the inputs are in ``tmp_path/in``)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


# ------------------------------------------------------------------ a target that is not a regular file

# (command, -o, where the hostile thing is, what it is, the message expected)
NOT_REGULAR = [
    ("map", "out.html", "out.html", "fifo", "is a FIFO (named pipe), not a regular file"),
    ("map", "out.html", "out.html", "socket", "is a socket, not a regular file"),
    ("map", "out.html", "out.html", "dir", "is a directory"),
    ("map", "out.html", "out.html", "link-to-fifo", "is a FIFO (named pipe)"),
    ("map", "out.html", "out.html", "link-to-socket", "is a socket"),
    ("map", "out.html", "out.html", "link-to-dir", "is a directory"),
    ("export", "layers", "layers", "fifo", "expected a folder to write the files into, found a FIFO (named pipe)"),
    ("export", "layers", "layers", "socket", "found a socket"),
    ("export", "layers", "layers", "file", "found a regular file"),
    ("export", "layers", "layers/posts.geojson", "fifo", "posts.geojson: is a FIFO (named pipe)"),
    ("export", "layers", "layers/m4.geojson", "dir", "m4.geojson: is a directory"),
    ("export-kml", "layers", "layers/idlib_corridor.kml", "link-to-socket", "idlib_corridor.kml: is a socket"),
    ("export-gpkg", "layers", "layers/idlib_corridor.gpkg", "fifo", "idlib_corridor.gpkg: is a FIFO"),
    ("export-gpkg", "layers", "layers/idlib_corridor.gpkg", "socket", "idlib_corridor.gpkg: is a socket"),
    ("fetch-osm", "m4.geojson", "m4.geojson", "fifo", "m4.geojson: is a FIFO (named pipe)"),
    ("fetch-osm", "osm", "osm/m4_osm.geojson", "socket", "m4_osm.geojson: is a socket"),
    ("fetch-osm", "osm", "osm", "file", "expected a folder to write the files into, found a regular file"),
    ("fetch-osm", "osm", "osm", "fifo", "found a FIFO (named pipe)"),
    ("classify", "out.csv", "out.csv", "socket", "is a socket"),
    ("classify", "out.parquet", "out.parquet", "link-to-fifo", "is a FIFO (named pipe)"),
]


@pytest.mark.parametrize(
    ("command", "out", "where", "kind", "message"),
    NOT_REGULAR,
    ids=[f"{c[0]}-onto-{c[3]}-at-{c[2]}" for c in NOT_REGULAR],
)
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_as_it_was(
    work, capsys, quick, keep, command, out, where, kind, message
):
    if "/" in where:
        (work / where).parent.mkdir()
    _make(kind, work / where, keep)
    before = _snapshot(work)
    _refused(capsys, _argv(command, work.parent, out), message)
    assert _snapshot(work) == before
    assert "fetch_m4" not in quick  # fetch-osm: refused before the network is asked


@pytest.mark.parametrize("kind", ["fifo", "socket", "dir", "link-to-fifo"])
def test_the_library_writers_refuse_a_target_that_is_not_a_regular_file(tmp_path, keep, kind):
    target = tmp_path / "out.html"
    _make(kind, target, keep)
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"not a regular file|is a directory"):
        io_mod.write_bytes_atomic(target, b"data")
    with pytest.raises(ValueError, match=r"not a regular file|is a directory"), atomic_path(target) as tmp:
        tmp.write_text("data")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("mode", "kind"), [(stat.S_IFCHR, "a character device"), (stat.S_IFBLK, "a block device")], ids=["chr", "blk"]
)
def test_a_device_in_place_of_the_output_is_named_and_never_opened(tmp_path, monkeypatch, capsys, mode, kind):
    target = tmp_path / "full"  # what /dev/full is, without touching a real device
    real = os.stat

    def fake_stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(path, (str, os.PathLike)) and Path(path) == target:
            return os.stat_result((mode | 0o666, 1, 5, 1, 0, 0, 0, 0, 0, 0))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(io_mod.os, "stat", fake_stat)
    monkeypatch.setattr(render_mod, "map_html", lambda m: pytest.fail("the map was rendered"))
    with pytest.raises(ValueError, match=f"output {target}: is {kind}, not a regular file; refusing to write to it"):
        geo.save_map("a map", target)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_made_while_the_map_is_rendered_is_still_not_replaced(tmp_path, monkeypatch):
    target = tmp_path / "map.html"

    def render(m: object) -> str:
        os.mkfifo(target)  # appears after the up-front check
        return "<html></html>"

    monkeypatch.setattr(render_mod, "map_html", render)
    with pytest.raises(ValueError, match="is a FIFO"):
        geo.save_map("a map", target)  # type: ignore[arg-type]
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_fetch_osm_into_a_folder_named_like_a_file_writes_inside_it(work, capsys, quick):
    (work / "m4.geojson").mkdir()
    assert main(["fetch-osm", "-o", str(work / "m4.geojson")]) == 0
    assert (work / "m4.geojson" / "m4_osm.geojson").is_file()


# ------------------------------------------------------------------ the folder, checked before the work


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody, root included, can create a file in (``chattr +i``); os.access still says yes to root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "old.html").write_text("old")
    if subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


# (command, -o relative to the work folder, the message expected): each refused before the work starts
FOLDER = [
    ("map", "no/map.html", "the folder {work}/no does not exist"),
    ("map", "points.csv/map.html", "{work}/points.csv is not a folder"),
    ("map", "x" * 252 + ".html", "the name is too long (257 bytes; the folder allows 255)"),
    ("export", "no/layers", "the folder {work}/no does not exist"),
    ("export", "x" * 256, "the name is too long (256 bytes"),
    ("fetch-osm", "no/m4.geojson", "the folder {work}/no does not exist"),
    ("fetch-osm", "no/osm", "the folder {work}/no does not exist"),
    ("fetch-osm", "y" * 248 + ".geojson", "the name is too long (256 bytes"),
    ("classify", "no/out.csv", "the folder {work}/no does not exist"),
]


@pytest.mark.parametrize(("command", "out", "message"), FOLDER, ids=[f"{c[0]}-{c[1][:20]}" for c in FOLDER])
def test_an_output_folder_that_cannot_take_the_output_is_refused_before_the_work(
    work, capsys, quick, monkeypatch, command, out, message
):
    (work / "points.csv").write_text("not a folder")
    monkeypatch.setattr(geo.cli, "load_corridor", lambda **kw: quick.append("load_corridor"))
    before = _snapshot(work)
    _refused(capsys, _argv(command, work.parent, out), message.format(work=work))
    assert _snapshot(work) == before
    assert quick == []  # no corridor built, no map built, no network asked


@pytest.mark.parametrize(
    ("command", "out"),
    [("map", "map.html"), ("export", "layers"), ("export-gpkg", "."), ("fetch-osm", "osm"), ("classify", "out.csv")],
)
@pytest.mark.parametrize("access", ["os.access says no", "os.access says yes (root on a read-only disk)"])
def test_a_folder_root_cannot_write_is_refused_before_the_work(
    immutable, capsys, quick, monkeypatch, command, out, access
):
    if "yes" in access:
        monkeypatch.setattr(io_mod.os, "access", lambda path, mode: True)  # only creating a file tells
    points = _points(immutable.parent)
    argv = [a.format(out=immutable / out, points=points) for a in COMMANDS[command]]
    before = _snapshot(immutable)
    err = _refused(capsys, argv, "not writable (")
    assert ("(operation not permitted)" in err) == ("yes" in access)
    assert _snapshot(immutable) == before
    assert quick == []


# ------------------------------------------------------------------ names up to NAME_MAX work


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("map", "m" * 240 + ".html"),  # 245 bytes: its old temporary name had 263
        ("map", "m" * 250 + ".html"),  # 255 bytes, NAME_MAX itself
        ("map", "é" * 125 + ".html"),  # 255 bytes in UTF-8, cut inside no character
        ("classify", "c" * 251 + ".csv"),
        ("fetch-osm", "f" * 247 + ".geojson"),
        ("fetch-osm", "d" * 255),  # a folder of 255 bytes, made with the file in it
        ("export", "e" * 255),
    ],
    ids=["map-245", "map-255", "map-255-utf8", "classify-255", "fetch-osm-255", "fetch-osm-dir-255", "export-255"],
)
def test_an_output_name_up_to_name_max_is_written(work, capsys, quick, command, name):
    assert main(_argv(command, work.parent, name)) == 0, capsys.readouterr().err
    assert [p.name for p in work.iterdir()] == [name]
    assert not list(work.rglob(".*"))


#: Any character a file name can hold (no lone surrogate: no str of one is a name on Linux).
_NAME_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")


@settings(max_examples=60, deadline=None)
@given(name=st.text(_NAME_CHARACTERS, min_size=1, max_size=255))
def test_a_temporary_name_is_short_beside_its_target_and_keeps_a_short_suffix(name):
    if name in (".", "..") or len(os.fsencode(name)) > 255:
        return
    folder = Path(tempfile.mkdtemp())
    try:
        with atomic_path(folder / name) as tmp:
            assert tmp.parent == folder
            assert len(os.fsencode(tmp.name)) <= 58
            suffix = Path(name).suffix
            if len(os.fsencode(suffix)) <= 16:
                assert tmp.name.endswith(suffix)
            tmp.write_bytes(b"x")
        assert sorted(p.name for p in folder.iterdir()) == [name]
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


# ------------------------------------------------------------------ a full disk: one line, nothing left


def _enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_the_map_is_written_is_one_line_and_keeps_the_old_map(work, capsys, quick, monkeypatch):
    def half(path: Path, data: bytes) -> None:
        path.write_bytes(data[: len(data) // 2])
        _enospc()

    monkeypatch.setattr(io_mod, "_write_new_file", half)
    (work / "map.html").write_text("the old map")
    before = _snapshot(work)
    err = _refused(capsys, ["map", "-o", str(work / "map.html")], "No space left on device")
    assert f"output {work / 'map.html'}: cannot write" in err
    assert _snapshot(work) == before


def _old_export(folder: Path) -> None:
    """An earlier export's files (other bytes than a new one) and a file of the user's own."""
    folder.mkdir()
    for name in GEOJSON_LAYERS:
        (folder / name).write_text(f"old {name}")
    (folder / "notes.txt").write_text("mine")


def _fail_at(n: int, error: Callable[[], None]) -> Callable[..., None]:
    """GDAL's write (``GeoDataFrame.to_file``) that writes the first ``n`` layers, then fails with ``error``."""
    real = gpd.GeoDataFrame.to_file
    calls = []

    def to_file(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs.get("layer"))
        if len(calls) > n:
            error()
        real(self, *args, **kwargs)

    return to_file


def _gdal_error() -> None:
    from pyogrio.errors import DataLayerError

    raise DataLayerError("Error while writing batch to OGR layer: disk I/O error")


# (what fails, after how many layers, the message expected)
EXPORT_FAILURES = [
    ("enospc-first-layer", 0, _enospc, "No space left on device"),
    ("enospc-half-way", 4, _enospc, "No space left on device"),
    ("gdal-error-last-layer", 7, _gdal_error, "GDAL could not write the layer events: Error while writing"),
]


@pytest.mark.parametrize(
    ("n", "error", "message"), [c[1:] for c in EXPORT_FAILURES], ids=[c[0] for c in EXPORT_FAILURES]
)
@pytest.mark.parametrize("existing", [True, False], ids=["into-an-old-export", "into-a-new-folder"])
def test_an_export_that_fails_half_way_leaves_the_folder_exactly_as_it_was(
    work, capsys, monkeypatch, n, error, message, existing
):
    if existing:
        _old_export(work / "layers")
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", _fail_at(n, error))
    before = _snapshot(work)
    err = _refused(capsys, ["export", "-o", str(work / "layers")], message)
    assert f"output {work / 'layers'}: cannot write" in err
    assert _snapshot(work) == before


def _replace_failing_at(n: int) -> Callable[[str, str], None]:
    """``os.replace`` whose ``n``-th call (from 1) fails with EIO; the others move as usual."""
    real, moves = os.replace, []

    def replace(src, dst):  # type: ignore[no-untyped-def]
        moves.append(dst)
        if len(moves) == n:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    return replace


@pytest.mark.parametrize("failing_move", [1, 5, 9, 12])
def test_a_move_that_fails_while_the_set_is_swapped_in_is_undone(tmp_path, corridor, monkeypatch, failing_move):
    _old_export(tmp_path / "layers")
    before = _snapshot(tmp_path)
    replace = _replace_failing_at(failing_move)

    monkeypatch.setattr(io_mod.os, "replace", replace)
    with pytest.raises(OutputError, match="cannot write: Input/output error"):
        export_layers(corridor, tmp_path / "layers")
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before


def test_an_export_replaces_its_own_files_and_leaves_the_users_other_files(tmp_path, corridor):
    _old_export(tmp_path / "layers")
    (tmp_path / "layers" / "old_layer.geojson").write_text("from an older version")
    export_layers(corridor, tmp_path / "layers")
    names = sorted(p.name for p in (tmp_path / "layers").iterdir())
    assert names == sorted([*GEOJSON_LAYERS, "notes.txt", "old_layer.geojson"])
    assert (tmp_path / "layers" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "layers" / "posts.geojson").read_text().startswith("{")


def test_a_signal_while_the_set_is_swapped_in_waits_until_the_swap_is_done(tmp_path, corridor, monkeypatch):
    _old_export(tmp_path / "layers")
    real = os.replace

    def replace(src, dst):  # type: ignore[no-untyped-def]
        if Path(dst).name == "m4.geojson" and Path(dst).parent == tmp_path / "layers":
            os.kill(os.getpid(), signal.SIGTERM)
        real(src, dst)

    monkeypatch.setattr(io_mod.os, "replace", replace)
    with pytest.raises(io_mod.Interrupted):
        export_layers(corridor, tmp_path / "layers")
    monkeypatch.undo()
    folder = tmp_path / "layers"
    assert all((folder / name).read_text().startswith("{") for name in GEOJSON_LAYERS)  # all new, none old
    assert sorted(p.name for p in folder.iterdir()) == sorted([*GEOJSON_LAYERS, "notes.txt"])


# ------------------------------------------------------------------ one file mode


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_a_new_export_folder_and_its_files_get_the_users_modes(tmp_path, corridor, umask_027):
    export_layers(corridor, tmp_path / "layers", "kml")
    assert stat.S_IMODE((tmp_path / "layers").stat().st_mode) == folder_mode() == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "layers").iterdir()} == {0o640}


def test_a_folder_fetch_osm_creates_gets_the_users_mode(work, quick, umask_027):
    assert main(["fetch-osm", "-o", str(work / "osm")]) == 0
    assert stat.S_IMODE((work / "osm").stat().st_mode) == 0o750
    assert stat.S_IMODE((work / "osm" / "m4_osm.geojson").stat().st_mode) == 0o640


def test_fetch_osm_into_a_missing_folder_creates_it_and_never_a_file_of_that_name(work, capsys, quick):
    assert main(["fetch-osm", "-o", str(work / "osm")]) == 0
    assert (work / "osm").is_dir()
    assert [p.name for p in (work / "osm").iterdir()] == ["m4_osm.geojson"]
    assert f"wrote {work / 'osm' / 'm4_osm.geojson'}" in capsys.readouterr().out


def test_a_failed_fetch_osm_write_leaves_no_folder(work, capsys, quick, monkeypatch):
    monkeypatch.setattr(Path, "write_bytes", _enospc)
    _refused(capsys, ["fetch-osm", "-o", str(work / "osm")], "No space left on device")
    assert list(work.iterdir()) == []


@settings(max_examples=50, deadline=None)
@given(
    old=st.sets(st.sampled_from("abcdef")),
    new=st.sets(st.sampled_from("abcdef"), min_size=1),
    failing_move=st.integers(0, 12),
)
def test_a_set_of_files_swapped_into_a_folder_is_all_new_or_all_old(old, new, failing_move):
    folder = Path(tempfile.mkdtemp()) / "out"
    folder.mkdir()
    for name in old:
        (folder / name).write_text(f"old {name}")
    (folder / "mine").write_text("mine")
    replace = _replace_failing_at(failing_move)

    try:
        with mock.patch.object(io_mod.os, "replace", replace), atomic_folder(folder) as stage:
            for name in new:
                (stage / name).write_text(f"new {name}")
        done = True
    except OSError:
        done = False
    try:
        expected = {"mine": "mine", **{n: f"old {n}" for n in old}, **({n: f"new {n}" for n in new} if done else {})}
        assert {p.name: p.read_text() for p in folder.iterdir()} == expected
        assert done == (not 0 < failing_move <= len(new) + len(old & new))
    finally:
        shutil.rmtree(folder.parent)


def test_the_atomic_folder_writes_a_new_folder_in_one_step(tmp_path):
    with atomic_folder(tmp_path / "new") as stage:
        assert stage.parent == tmp_path
        (stage / "a.txt").write_text("a")
        assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


# ------------------------------------------------------------------ SIGTERM / SIGINT while writing (real processes)

#: Run the CLI in a child that stops, saying "ready", once its output is written to the temporary name.
CHILD = """
import sys, time
import geo._io
def waiting():
    print("ready", flush=True)
    time.sleep(120)
geo._io.file_mode = waiting
from geo.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)],
    ids=["TERM", "INT", "HUP"],
)
@pytest.mark.parametrize(
    "argv", [["map", "--offline"], ["export"], ["export", "--format", "gpkg"]], ids=["map", "export", "export-gpkg"]
)
def test_a_signal_while_writing_removes_the_temporary_output_and_keeps_the_old(tmp_path, argv, signum, status):
    if argv[0] == "map":
        out = tmp_path / "map.html"
        out.write_text("the old map")
    else:
        out = tmp_path / "layers"
        _old_export(out)
    before = _snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *argv, "-o", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the output sits at its temporary name
    assert line == "ready\n", proc.communicate()
    assert _snapshot(tmp_path) != before  # the temporary output is there
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    assert err == f"idlib-corridor: stopped by {signal.Signals(signum).name}; nothing written\n"
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ a reader that has gone (closed pipe)

# (the command, its exit status when nobody reads its output)
PIPES = [
    (["events"], 141),
    (["events", "--json"], 141),
    (["events", "--as-of", "2020-03-06"], 141),
    (["summary", "--json"], 141),
    (["summary"], 141),
    (["query", "36.6", "35.8", "--json"], 141),
    (["--help"], 0),  # argparse ignores a closed pipe itself, and exits 0
]


@pytest.mark.parametrize(("argv", "status"), PIPES, ids=[" ".join(a) for a, _ in PIPES])
def test_output_into_a_closed_pipe_ends_quietly(argv, status):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before a byte is written: every write fails with EPIPE
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "geo.cli", *argv],
            check=False,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == b""
    assert proc.returncode == status


# --- the points a map or an export reads are never what it writes ------------------------------------------------


def test_a_map_refuses_to_write_over_its_points_or_under_a_name_that_is_not_html(tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("longitude,latitude,name\n36.6,35.8,a\n", encoding="utf-8")
    before = src.read_bytes()
    assert main(["map", "-o", str(src), "--offline", "--points", str(src)]) == 2
    assert "a map is an HTML file; name it .html" in capsys.readouterr().err
    page = tmp_path / "page.html"
    page.write_text("<p>the user's page</p>", encoding="utf-8")
    (tmp_path / "same.html").symlink_to(page)
    assert main(["map", "-o", str(tmp_path / "same.html"), "--offline", "--points", str(page)]) == 2
    assert f"the same file as the input {page}" in capsys.readouterr().err
    assert src.read_bytes() == before
    assert page.read_text(encoding="utf-8") == "<p>the user's page</p>"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_an_export_refuses_to_replace_a_points_file_it_reads(tmp_path, capsys, fmt):
    folder = tmp_path / "layers"
    folder.mkdir()
    if fmt == "geojson":  # the user's layer, written where the export writes its file of that layer
        src = folder / "ev.geojson"
        src.write_text(
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "00042"}, '
            '"geometry": {"type": "Point", "coordinates": [36.612345678901, 35.812345678901]}}]}',
            encoding="utf-8",
        )
    else:  # the user's GeoPackage, named as the export's own
        src = folder / "idlib_corridor.gpkg"
        assert main(["classify", str(_points(tmp_path)), "-o", str(src), "-q"]) == 0
    before = src.read_bytes()
    assert main(["export", "-o", str(folder), "--format", fmt, "--points", f"{folder}/../layers/{src.name}"]) == 2
    err = capsys.readouterr().err
    assert f"output {folder / src.name}: the same file as the input" in err
    assert src.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [src.name]  # nothing else written either


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system of 2 MiB (tmpfs), to fill; skipped where mounting one is not allowed."""
    folder = tmp_path / "small_disk"
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    command = ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)]
    mounted = subprocess.run(command, check=False, capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _many_points(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(3)
    kind = np.where(rng.random(rows) < 0.5, "Shelling", "Armed clash")
    lon, lat = rng.uniform(35.5, 37.5, rows).round(5), rng.uniform(35.2, 36.6, rows).round(5)
    pd.DataFrame({"id": np.arange(rows), "event_type": kind, "lon": lon, "lat": lat}).to_csv(path, index=False)
    return path


def test_a_flatgeobuf_that_fills_the_disk_is_one_line_and_no_file_not_a_short_one(tmp_path, small_disk, capsys):
    # About 8 MB of FlatGeobuf, four times the disk: GDAL's own writes fit (in memory), the file's do not.
    src = _many_points(tmp_path / "points.csv", 100_000)
    err = _refused(capsys, ["classify", str(src), "-o", str(small_disk / "out.fgb"), "-q"], "is the disk full?")
    assert f"output {small_disk / 'out.fgb'}: cannot write" in err
    assert list(small_disk.iterdir()) == []


@pytest.mark.parametrize("ext", [".gpkg", ".geojson"])
def test_a_gdal_output_that_fills_the_disk_says_the_disk_is_the_likely_cause(tmp_path, small_disk, capsys, ext):
    # GDAL's last message, which pyogrio gives, is "Cannot write feature" or a failed rollback: not why.
    src = _many_points(tmp_path / "points.csv", 100_000)
    err = _refused(capsys, ["classify", str(src), "-o", str(small_disk / f"out{ext}"), "-q"], "is the disk full?")
    assert "MiB were free for a chunk of" in err
    assert list(small_disk.iterdir()) == []


def test_a_vector_file_cut_short_is_refused_not_read_as_a_shorter_one(tmp_path, capsys):
    whole = tmp_path / "whole.fgb"
    assert main(["classify", str(_many_points(tmp_path / "points.csv", 20_000)), "-o", str(whole), "-q"]) == 0
    cut = tmp_path / "cut.fgb"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    out = tmp_path / "out.csv"
    assert main(["classify", str(cut), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "cut.fgb: the layer has 20,000 features but only" in err
    assert not out.exists()
    # The program itself: GDAL's own "ERROR 1: ..." lines (its default handler writes them) are not shown.
    program = "import sys; from geo.cli import console; sys.argv[0] = 'idlib-corridor'; sys.exit(console())"
    env = {k: v for k, v in os.environ.items() if k != "CPL_LOG"}
    run = subprocess.run(
        [sys.executable, "-c", program, "classify", str(cut), "-o", str(out), "-q"],
        check=False, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"idlib-corridor: error: {err.split('error: ', 1)[1].strip()}"]


def test_sigterm_while_a_map_reads_its_classified_points_back_leaves_no_temporary_file(tmp_path):
    # The points are classified into a temporary GeoPackage, then read back: SIGTERM arrives during that reading.
    probe = (
        "import os, signal, sys, pyogrio\n"
        "real = pyogrio.read_dataframe\n"
        "def read_dataframe(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return real(*args, **kwargs)\n"
        "pyogrio.read_dataframe = read_dataframe\n"
        "from geo.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    argv = ["map", "-o", str(tmp_path / "map.html"), "--offline", "--points", str(_points(tmp_path))]
    env = {**os.environ, "TMPDIR": str(temp)}
    run = subprocess.run([sys.executable, "-c", probe, *argv], check=False, capture_output=True, text=True, env=env)
    assert run.returncode == 128 + signal.SIGTERM
    assert run.stderr.strip().splitlines()[-1] == "idlib-corridor: stopped by SIGTERM; nothing written"
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "map.html").exists()


def test_sigterm_while_the_output_goes_down_a_pipe_says_the_pipe_has_only_its_start(tmp_path):
    # The run is complete and its copy to the standard output has begun: what went out cannot be taken back.
    temp = tmp_path / "temp"
    temp.mkdir()
    src = _many_points(tmp_path / "points.csv", 100_000)  # about 15 MB of CSV out, far more than a pipe holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "classify", str(src), "-o", "-", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.read(1000).startswith(b'"id","event_type","lon","lat",')
    proc.send_signal(signal.SIGTERM)  # the copy is blocked writing: the pipe is full
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.decode().strip().splitlines()[-1] == (
        "idlib-corridor: stopped by SIGTERM; the standard output holds only the start of the output"
    )
    assert list(temp.iterdir()) == []
