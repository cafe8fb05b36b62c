"""One spec for the query's columns (geo.columns): every path and every output gives exactly its columns, in order.

A column added to the spec and computed by both query paths reaches every output below without any other change;
one left out of a path or an output fails here instead of being silently dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import geo.query
from geo.cli import main
from geo.columns import COLUMNS, QUERY_COLUMNS, Answers, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
NAMES = [c.name for c in QUERY_COLUMNS]


def _points(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    return rng.uniform(35.5, 37.5, n), rng.uniform(35.2, 36.6, n)


def _kind(series: pd.Series) -> str:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "text"
    return "boolean" if series.dtype == bool else "number"


def test_the_names_are_the_spec():
    assert list(COLUMNS) == NAMES == list(geo.query.COLUMNS)
    assert list(Answers._fields) == NAMES
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize(("path", "n"), [("vectorized", 50), ("compiled", 25_000)])
def test_both_query_paths_answer_exactly_the_spec_columns_with_their_types(corridor, monkeypatch, path, n):
    monkeypatch.setattr(geo.query, "_COMPILED_FROM", 1 if path == "compiled" else 2**62)
    r = corridor.query(*_points(n))
    assert list(r.columns) == NAMES
    for c in QUERY_COLUMNS:
        assert _kind(r[c.name]) == c.kind, c.name
        if c.categorical:
            assert r[c.name].cat.codes.to_numpy().dtype.itemsize <= c.dtype.itemsize
            if c.categories is not None:
                assert tuple(r[c.name].cat.categories) == c.categories
        else:
            assert r[c.name].dtype == c.dtype, c.name


def test_the_compiled_kernel_answers_every_spec_column_as_the_numpy_path_does(corridor, monkeypatch):
    """A column the kernel did not write would hold whatever the memory held: it would differ from numpy's."""
    lon, lat = _points(25_000)
    monkeypatch.setattr(geo.query, "_COMPILED_FROM", 1)
    compiled = corridor.query(lon, lat)
    monkeypatch.setattr(geo.query, "_COMPILED_FROM", 2**62)
    vectorized = corridor.query(lon, lat)
    for c in QUERY_COLUMNS:
        a, b = compiled[c.name].to_numpy(), vectorized[c.name].to_numpy()
        if c.kind == "number":
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-6, err_msg=c.name)
        else:
            np.testing.assert_array_equal(a, b, err_msg=c.name)


def test_a_geodataframe_gains_exactly_the_spec_columns(corridor):
    lon, lat = _points(5)
    gdf = gpd.GeoDataFrame({"id": range(5)}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    assert list(corridor.query(gdf).columns) == ["id", "geometry", *NAMES]


def test_classify_schema_is_the_spec():
    from geo.classify import QUERY_SCHEMA

    assert QUERY_SCHEMA.names == NAMES
    assert list(QUERY_SCHEMA.types) == [c.arrow_type() for c in QUERY_COLUMNS]


def _classify_input(tmp_path: Path) -> Path:
    lon, lat = _points(6)
    src = tmp_path / "in.csv"
    rows = [f"{i},{x},{y}" for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    src.write_text("id,lon,lat\n" + "\n".join([*rows, "6,,35.8"]) + "\n", encoding="utf-8")
    return src


def _read_back(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv" or path.name.endswith(".csv.gz"):
        return pd.read_csv(path)
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return gpd.read_file(path)


def _output_suffixes() -> list[str]:
    from geo.classify import FILE_FORMATS, FORMATS

    first = {}
    for suffix, fmt in FORMATS.items():
        if FILE_FORMATS[fmt].output:  # not the formats only read (Excel)
            first.setdefault(fmt, suffix)
    return list(first.values())


@pytest.mark.parametrize("suffix", _output_suffixes())
def test_every_classify_output_format_gets_exactly_the_spec_columns_in_order(tmp_path, corridor, suffix):
    from geo.classify import classify_file

    out = tmp_path / f"out{suffix}"
    classify_file(corridor, _classify_input(tmp_path), out)
    got = _read_back(out)
    added = [c for c in got.columns if c not in ("id", "lon", "lat", "geometry")]
    assert added == NAMES
    assert got[NAMES].iloc[-1].isna().all()  # the bad row: every column missing
    assert got[NAMES].iloc[:-1].notna().all().all()


def test_cli_query_json_is_the_point_and_the_spec_columns_in_order(capsys):
    assert main(["query", "36.61", "35.81", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert list(record) == ["lon", "lat", *NAMES]
    for c in QUERY_COLUMNS:
        assert {"text": str, "boolean": bool, "number": float}[c.kind] is type(record[c.name]), c.name


def test_cli_query_prints_every_spec_column(capsys):
    from geo.cli import _QUERY_TEXT

    assert set(_QUERY_TEXT) <= set(NAMES)
    assert main(["query", "36.61", "35.81"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shown = [c for c in QUERY_COLUMNS if _QUERY_TEXT.get(c.name, ...) is not None]
    assert len(lines) == 1 + len(shown)  # the point, then one line per column (nearest_post_m goes with the post)


def test_a_column_the_cli_has_no_text_for_is_printed_by_name_and_unit(monkeypatch, capsys):
    import geo.cli

    monkeypatch.delitem(geo.cli._QUERY_TEXT, "distance_m")
    assert main(["query", "36.61", "35.81"]) == 0
    assert any(line.startswith("distance_m ") and line.endswith(" m") for line in capsys.readouterr().out.splitlines())


def test_readme_column_table_is_the_spec():
    assert markdown_table() in README.read_text(encoding="utf-8")


def test_query_docstring_documents_every_spec_column():
    doc = geo.query.query.__doc__
    assert all(f"``{name}``" in doc for name in NAMES)
