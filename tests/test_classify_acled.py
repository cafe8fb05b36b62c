"""An analyst's ACLED export, classified the way a new user would: the command line, then pandas and geopandas.

The export is generated (tests/acled.py): ACLED's terms forbid redistributing their data.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from acled import COLUMNS, write_acled_csv

from geo.cli import main
from geo.columns import COLUMNS as QUERY_COLUMNS


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A 150,000-row ACLED-layout export with multi-line Arabic notes, classified to GeoParquet by the CLI."""
    folder = tmp_path_factory.mktemp("acled")
    src = write_acled_csv(folder / "2020-acled-syria.csv", rows=150_000, seed=2020)
    out = folder / "classified.parquet"
    assert main(["classify", str(src), "-o", str(out), "-q"]) == 0
    return src, out


@pytest.mark.slow
def test_the_export_has_notes_with_line_breaks_and_arabic(export):
    src, _ = export
    with src.open(encoding="utf-8", newline="") as f:
        notes = [row["notes"] for row in csv.DictReader(f)]
    assert len(notes) == 150_000
    assert any("\n" in n for n in notes)
    assert any("\u0600" <= ch <= "\u06ff" for n in notes for ch in n)


@pytest.mark.slow
def test_pandas_reads_typed_columns_with_every_row_and_value_kept(export):
    src, out = export
    got = pd.read_parquet(out)
    given = pd.read_csv(src, dtype=str, keep_default_na=False)
    assert len(got) == len(given) == 150_000
    assert list(got.columns)[: len(COLUMNS)] == list(COLUMNS)
    assert pd.api.types.is_integer_dtype(got["fatalities"])
    assert got["fatalities"].sum() == given["fatalities"].astype(int).sum()
    assert isinstance(got["event_date"].iloc[0], dt.date)
    assert [d.isoformat() for d in got["event_date"]] == list(given["event_date"])
    assert pd.api.types.is_float_dtype(got["latitude"])
    assert pd.api.types.is_float_dtype(got["longitude"])
    np.testing.assert_array_equal(got["longitude"].to_numpy(), given["longitude"].astype(float).to_numpy())
    assert list(got["notes"]) == list(given["notes"])
    assert got["in_corridor"].notna().all()
    assert set(QUERY_COLUMNS) <= set(got.columns)


@pytest.mark.slow
def test_geopandas_reads_the_points_in_wgs84(export):
    src, out = export
    gdf = gpd.read_parquet(out)
    assert gdf.crs.to_epsg() == 4326
    assert (gdf.geom_type == "Point").all()
    given = pd.read_csv(src, usecols=["longitude", "latitude"])
    np.testing.assert_array_equal(gdf.geometry.x.to_numpy(), given["longitude"].to_numpy())
    np.testing.assert_array_equal(gdf.geometry.y.to_numpy(), given["latitude"].to_numpy())


def test_an_excel_style_csv_with_semicolons_and_a_bom_classifies_to_geoparquet(tmp_path, capsys):
    src = write_acled_csv(tmp_path / "export.csv", rows=500, seed=5, delimiter=";", bom=True, crlf=True)
    out = tmp_path / "export.parquet"
    assert main(["classify", str(src), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["bad_rows"]) == (500, 0)
    got = gpd.read_parquet(out)
    assert got.columns[0] == "event_id_cnty"  # the BOM is not part of the first name
    assert pd.api.types.is_integer_dtype(got["fatalities"])
    assert len(got) == 500
