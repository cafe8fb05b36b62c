"""The command line takes its defaults, choices and thresholds from the library's constants, never from copies."""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path

import pytest

import geo.cli
import geo.query
from geo._point_files import DEFAULT_CHUNK_ROWS, FILE_FORMATS, LAT_NAMES, LON_NAMES
from geo._point_writers import DEFAULT_PREFIX
from geo.classify import classify_file
from geo.cli import main
from geo.corridor import DEFAULT_WIDTH_KM, load_corridor
from geo.export import DEFAULT_EXPORT_FORMAT, EXPORT_FORMATS, export_layers
from geo.history import EVENT_TYPES

CLI_SOURCE = Path(geo.cli.__file__).read_text(encoding="utf-8")


def _subparsers() -> argparse._SubParsersAction:
    return next(a for a in geo.cli._parser()._actions if isinstance(a, argparse._SubParsersAction))


def _commands() -> dict[str, argparse.ArgumentParser]:
    return dict(_subparsers().choices)


def _option(command: str, dest: str) -> argparse.Action:
    return next(a for a in _commands()[command]._actions if a.dest == dest)


def _default_of(function, name: str):
    return inspect.signature(function).parameters[name].default


def _help_text(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", ["summary", "query", "map", "export", "classify"])
def test_the_corridor_width_defaults_to_the_librarys(command):
    width = _option(command, "width_km")
    assert width.default == DEFAULT_WIDTH_KM == _default_of(load_corridor, "width_km")
    assert f"default {DEFAULT_WIDTH_KM:g}" in width.help


def test_export_formats_and_default_are_the_librarys():
    fmt = _option("export", "format")
    assert list(fmt.choices) == list(EXPORT_FORMATS)
    assert fmt.default == DEFAULT_EXPORT_FORMAT == _default_of(export_layers, "fmt")


def test_classify_formats_chunk_rows_and_column_names_are_the_librarys():
    assert _option("classify", "chunk_rows").default == DEFAULT_CHUNK_ROWS == _default_of(classify_file, "chunk_rows")
    extensions = re.findall(r"(?:\.\w+)+", _option("classify", "input").help)
    assert extensions == [ext for f in FILE_FORMATS.values() for ext in f.extensions]
    by_rows = _option("classify", "chunk_rows").help
    assert all(f.label in by_rows for f in FILE_FORMATS.values() if f.by_rows)
    assert all(f.label not in by_rows for f in FILE_FORMATS.values() if not f.by_rows)
    for dest, names in (("lon_col", LON_NAMES), ("lat_col", LAT_NAMES)):
        listed = re.findall(r"\w+", _option("classify", dest).help.split("default:")[1])
        assert listed == [*names[:-1], "or", names[-1]]
    command_help = next(c.help for c in _subparsers()._choices_actions if c.dest == "classify")
    assert all(f.label in command_help for f in FILE_FORMATS.values())


def test_classify_prefix_defaults_to_the_librarys():
    prefix = _option("classify", "prefix")
    assert prefix.default == DEFAULT_PREFIX == _default_of(classify_file, "prefix")
    assert f"default {DEFAULT_PREFIX}" in prefix.help


def test_event_types_in_the_help_are_the_librarys_in_order():
    listed = _help_text(_option("events", "type").help).split(": ", 1)[1]
    assert listed.split(", ") == list(EVENT_TYPES)


def test_the_swap_warning_says_the_librarys_thresholds(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(geo.query, "SWAP_FAR_M", 31_000.0)
    monkeypatch.setattr(geo.query, "SWAP_NEAR_M", 9_000.0)
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n35.81,36.61\n", encoding="utf-8")  # Ariha, swapped
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "over 31 km from the M4 as given, within 9 km of it the other way round" in err


def test_the_far_point_warning_says_the_librarys_threshold(monkeypatch, capsys):
    monkeypatch.setattr(geo.query, "FAR_WARNING_M", 120_000.0)
    assert main(["query", "38.0", "35.0", "--json"]) == 0  # 145 km from the M4
    assert "(more than 120 km)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "copy",
    ["250_000", "250000", '"geojson", "gpkg"', "30 km", "10 km", "200 km", "FAR_WARNING_KM =", "default 6)",
     "agreement, ceasefire", "longitude, lon", ".parquet, .geojson", "GeoJSON, GPKG"],
)  # fmt: skip
def test_the_cli_copies_no_library_value_by_hand(copy):
    assert copy not in CLI_SOURCE


def test_classify_reading_options_default_like_the_library():
    # --encoding not given is None (so that a command reading no file can refuse it), read as the library's default.
    args = geo.cli._parser().parse_args(["classify", "in.csv", "-o", "out.csv"])
    assert args.encoding is None
    assert geo.cli._reading_options(args)["encoding"] == _default_of(classify_file, "encoding") == "utf-8"
    for dest in ("delimiter", "layer", "input_format"):
        assert _option("classify", dest).default is None
        assert _default_of(classify_file, dest) is None
    assert _option("classify", "input_format").choices == list(FILE_FORMATS)
