"""Exporting every layer for QGIS (GeoJSON, GeoPackage) and Google Earth (KML)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.export import export_layers

LAYERS = {"m4", "patrol_segment", "security_corridor", "posts", "places", "m4_waypoints", "context", "events"}


def test_geojson_export_writes_one_file_per_layer_that_reads_back(tmp_path, corridor):
    paths = export_layers(corridor, tmp_path, fmt="geojson")
    assert {p.stem for p in paths} == LAYERS
    posts = gpd.read_file(tmp_path / "posts.geojson")
    assert len(posts) == 12
    assert "Salve" in posts.set_index("name").loc["Salwa", "alt_names"]
    patrol = gpd.read_file(tmp_path / "patrol_segment.geojson").geometry.iloc[0]
    assert patrol.equals_exact(corridor.patrol_segment, tolerance=5e-7)  # 6 decimals: RFC 7946's advice, 0.1 m


def test_gpkg_export_holds_every_layer_as_a_table_the_events_split_by_geometry(tmp_path, corridor):
    (path,) = export_layers(corridor, tmp_path, fmt="gpkg")
    names = {name for name, _ in pyogrio.list_layers(path)}
    assert names == LAYERS | {"event_routes", "events_unlocated", "layer_styles"}
    halves = gpd.read_file(path, layer="security_corridor")
    assert list(halves["side"]) == ["north", "south"]
    assert halves.crs.to_epsg() == 4326


def test_kml_export_is_one_document_naming_each_placemark(tmp_path, corridor):
    (path,) = export_layers(corridor, tmp_path, fmt="kml")
    assert path.name == "idlib_corridor.kml"
    text = path.read_text(encoding="utf-8")
    assert text.count("<Placemark>") == sum(len(g) for g in corridor.layers().values())
    assert "<name>11. Ishtabraq</name>" in text


def test_export_leaves_no_temporary_files(tmp_path, corridor):
    for fmt in ("geojson", "gpkg", "kml", "kmz"):
        export_layers(corridor, tmp_path, fmt=fmt)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_unknown_format_is_refused(tmp_path, corridor):
    with pytest.raises(ValueError, match="format 'shp': expected one of"):
        export_layers(corridor, tmp_path, fmt="shp")


def test_a_file_in_place_of_the_folder_is_refused(tmp_path, corridor):
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(ValueError, match="expected a folder"):
        export_layers(corridor, target)


def test_cli_export_prints_the_files_written(tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path), "--format", "gpkg"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "idlib_corridor.gpkg")


def test_events_export_keeps_month_only_dates_and_events_without_a_place(tmp_path, corridor):
    export_layers(corridor, tmp_path, fmt="gpkg")
    path = tmp_path / "idlib_corridor.gpkg"
    tables = [pyogrio.read_dataframe(path, layer=n) for n in ("events", "event_routes", "events_unlocated")]
    assert sum(len(t) for t in tables) == len(corridor.events)
    assert len(tables[2]) == corridor.events.geometry.isna().sum()
    assert "2020-12" in set(pd.concat(tables)["date"])
