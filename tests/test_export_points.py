"""The analyst's own events travel with the corridor: ``export --points FILE`` and :func:`geo.read_points`.

The events are a made-up ACLED-layout export (``tests/acled.py``: multi-line Arabic notes, 31 columns), read
back from every export format by another program than the writer.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from acled import write_acled_csv

import geo
from geo.cli import main
from geo.export import export_layers

NS = {"k": "http://www.opengis.net/kml/2.2"}
ROWS = 300


@pytest.fixture(scope="module")
def acled(tmp_path_factory):
    return write_acled_csv(tmp_path_factory.mktemp("acled") / "acled_idlib.csv", rows=ROWS, seed=3)


@pytest.fixture(scope="module")
def points(corridor, acled):
    return geo.read_points(corridor, acled)


def test_read_points_keeps_every_row_typed_with_its_point_and_the_answers(points, corridor, acled):
    raw = gpd.pd.read_csv(acled, dtype=str, keep_default_na=False)
    assert len(points) == len(raw) == ROWS
    assert list(points["notes"]) == list(raw["notes"])  # multi-line Arabic notes intact
    assert points["fatalities"].dtype.kind == "i"
    assert points.crs.to_epsg() == 4326
    expected = corridor.query(raw["longitude"].astype(float).to_numpy(), raw["latitude"].astype(float).to_numpy())
    np.testing.assert_allclose(points["distance_m"], expected["distance_m"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(points.geometry.x, raw["longitude"].astype(float), rtol=0, atol=1e-9)


def test_read_points_can_be_saved_as_geoparquet_and_parquet_with_its_report(points, tmp_path):
    # It raised "Object of type ClassifyReport is not JSON serializable": pandas keeps attrs in Parquet as JSON.
    points.to_parquet(tmp_path / "events.parquet")
    plain = points.drop(columns="geometry")
    assert type(plain) is gpd.pd.DataFrame  # pandas' own writer, which wrote attrs as JSON and failed
    plain.to_parquet(tmp_path / "plain.parquet")
    again = gpd.read_parquet(tmp_path / "events.parquet")
    assert again["notes"].tolist() == points["notes"].tolist()
    assert again.attrs["classify_report"]["rows"] == ROWS
    assert gpd.pd.read_parquet(tmp_path / "plain.parquet").attrs["source"] == str(points.attrs["source"])


def test_a_classified_file_keeps_its_own_answers_and_gains_no_copies(corridor, acled, tmp_path):
    classified = tmp_path / "classified.parquet"
    geo.classify_file(corridor, acled, classified)
    again = geo.read_points(corridor, classified)
    assert len(again) == ROWS
    assert not [c for c in again.columns if c.startswith("corridor_")]
    assert again["in_corridor"].sum() > 0


def test_cli_exports_the_users_events_as_a_styled_gpkg_table(tmp_path, acled):
    assert main(["export", "-o", str(tmp_path), "--format", "gpkg", "--points", str(acled)]) == 0
    gpkg = tmp_path / "idlib_corridor.gpkg"
    table = pyogrio.read_dataframe(gpkg, layer="acled_idlib")
    assert len(table) == ROWS
    assert {"event_id_cnty", "notes", "in_corridor", "distance_m"} <= set(table.columns)
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
        (qml,) = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'acled_idlib'").fetchone()
        (kind,) = db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'acled_idlib'")
    assert kind == ("POINT",)
    assert 'attr="in_corridor"' in qml


def test_cli_exports_the_users_events_in_the_kmz_as_their_own_folder(tmp_path, acled):
    assert main(["export", "-o", str(tmp_path), "--format", "kmz", "--points", str(acled)]) == 0
    with zipfile.ZipFile(tmp_path / "idlib_corridor.kmz") as archive:
        root = ET.fromstring(archive.read("doc.kml"))
    (folder,) = [f for f in root.iterfind(".//k:Folder", NS) if f.findtext("k:name", namespaces=NS) == "acled_idlib"]
    placemarks = folder.findall("k:Placemark", NS)
    assert len(placemarks) == ROWS
    assert all(p.findtext("k:styleUrl", namespaces=NS).startswith("#user-") for p in placemarks)


def test_a_points_layer_named_like_a_model_layer_is_refused(corridor, points, tmp_path):
    with pytest.raises(ValueError, match=r"^points layer 'Posts': the export has a layer of that name already"):
        export_layers(corridor, tmp_path, fmt="geojson", points={"Posts": points})


def test_cli_points_file_that_does_not_exist_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path), "--points", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.csv" in err
    assert not list(tmp_path.iterdir())


def test_cli_warns_about_the_bad_rows_of_a_points_file_and_exports_them_without_geometry(tmp_path, capsys):
    src = tmp_path / "mine.csv"
    src.write_text("id,lat,lon\n1,35.80,36.61\n2,,36.5\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", "-o", str(out), "--format", "gpkg", "--points", str(src)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "mine.csv: 1 of 2 rows had missing or invalid coordinates" in err
    assert "row 2 (line 3): missing coordinate" in err
    table = pyogrio.read_dataframe(out / "idlib_corridor.gpkg", layer="mine")
    assert len(table) == 2
    assert table.geometry.isna().tolist() == [False, True]


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_cli_a_points_file_named_like_a_model_layer_is_numbered_not_refused(tmp_path, fmt):
    # events.csv is the name most users give their file; the export has a layer 'events' of its own.
    src = tmp_path / "events.csv"
    src.write_text("id,lat,lon\n1,35.80,36.61\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "-o", str(out), "--format", fmt, "--points", str(src), "--points", str(src)]) == 0
    if fmt == "geojson":
        model, mine, again = (gpd.read_file(out / f"{n}.geojson") for n in ("events", "events (2)", "events (3)"))
    else:
        model, mine, again = (
            gpd.read_file(out / "idlib_corridor.gpkg", layer=n) for n in ("events", "events (2)", "events (3)")
        )
    assert len(model) > 1  # the model's own events, untouched
    assert mine["id"].tolist() == again["id"].tolist() == [1]


def test_read_points_gives_in_corridor_as_booleans_with_gaps_and_a_geojson_export_true_and_false(tmp_path, corridor):
    # An object column of True/None: gdf[gdf.in_corridor] raised, and GeoJSON got the text "True".
    src = tmp_path / "mine.csv"
    src.write_text("id,lat,lon\n1,35.80,36.61\n2,,\n3,36.2,37.15\n", encoding="utf-8")
    gdf = geo.read_points(corridor, src)
    assert gdf["in_corridor"].dtype == "boolean"
    assert gdf[gdf["in_corridor"]]["id"].tolist() == [1]
    export_layers(corridor, tmp_path / "out", fmt="geojson", points={"mine": gdf})
    features = json.loads((tmp_path / "out" / "mine.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["in_corridor"] for f in features] == [True, None, False]


@pytest.mark.parametrize("column", ["geometry", "GEOMETRY"])
@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "kml"])
def test_cli_a_points_column_named_geometry_is_exported_as_a_column(tmp_path, column, fmt):
    # 'geometry' was replaced by the points' geometry (lost, exit 0); 'GEOMETRY' crashed GDAL (exit 139).
    src = tmp_path / "mine.csv"
    src.write_text(f"id,lat,lon,{column}\n1,35.80,36.61,POINT (1 2)\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "-o", str(out), "--format", fmt, "--points", str(src)]) == 0
    if fmt == "kml":
        placemark = ET.fromstring((out / "idlib_corridor.kml").read_bytes()).findall(".//k:Placemark", NS)[-1]
        assert placemark.findtext(f"k:ExtendedData/k:Data[@name='{column}']/k:value", namespaces=NS) == "POINT (1 2)"
        assert placemark.findtext("k:Point/k:coordinates", namespaces=NS).startswith("36.61,35.8")
        return
    table = pyogrio.read_dataframe(out / ("idlib_corridor.gpkg" if fmt == "gpkg" else "mine.geojson"),
                                   layer="mine", read_geometry=False)  # fmt: skip
    assert table[column].tolist() == ["POINT (1 2)"]
    points = gpd.read_file(out / ("idlib_corridor.gpkg" if fmt == "gpkg" else "mine.geojson"), layer="mine", columns=[])
    assert (points.geometry.x.iloc[0], points.geometry.y.iloc[0]) == pytest.approx((36.61, 35.8))
