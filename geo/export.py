"""Write every layer of the corridor model to files for QGIS, Google Earth and other GIS.

An export is all or nothing (:func:`geo._io.atomic_folder`): the layers are written to a
temporary folder, then the whole set is put in place at once. A failure half-way (a full
disk, a signal) leaves the output folder's files exactly as they were; files in it that
the export does not write are never touched.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from ._io import atomic_folder, check_output_folder, output_errors, raise_on_signals

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["DEFAULT_EXPORT_FORMAT", "EXPORT_FORMATS", "export_layers"]

#: Output formats: name -> (GDAL driver, file suffix).
EXPORT_FORMATS = {"geojson": ("GeoJSON", ".geojson"), "gpkg": ("GPKG", ".gpkg"), "kml": ("KML", ".kml")}
#: The format :func:`export_layers` writes unless told otherwise.
DEFAULT_EXPORT_FORMAT = "geojson"
#: The one file of a GeoPackage export (a table per layer).
GPKG_NAME = "idlib_corridor.gpkg"


def _flatten(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn list-valued properties (e.g. alternative names) into '; '-joined text: GDAL has no list type."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].map(lambda v: isinstance(v, (list, tuple))).any():
            out[col] = out[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        elif out[col].map(lambda v: isinstance(v, dt.date)).any():  # derived days of the events: ISO text
            out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
        elif isinstance(out[col].dtype, pd.Int64Dtype):
            out[col] = out[col].astype("float64")
    return out


def export_layers(corridor: Corridor, out_dir: str | os.PathLike[str], fmt: str = DEFAULT_EXPORT_FORMAT) -> list[Path]:
    """Write every layer of ``corridor`` into ``out_dir``, all or nothing.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    out_dir
        Output folder, created if missing (the folder above it must exist). Files in it
        with the names this export writes are replaced; other files are left alone.
    fmt
        ``"geojson"`` (one file per layer), ``"gpkg"`` (one GeoPackage, one table per
        layer) or ``"kml"`` (one file per layer, for Google Earth).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        An unknown format; an output folder that cannot be written (checked before any
        layer is computed: a file, missing folder above, read-only, under ``/dev``); a
        file to replace that is a directory, a device, a FIFO or a socket.
    geo._io.OutputError
        A write failed (a full disk...): ``out_dir`` keeps exactly its old files and a
        missing ``out_dir`` stays missing.
    geo._io.Interrupted
        SIGTERM or SIGINT during the write, with the same guarantee.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {sorted(EXPORT_FORMATS)}")
    driver, suffix = EXPORT_FORMATS[fmt]
    out = Path(out_dir)
    check_output_folder(out, (GPKG_NAME,) if fmt == "gpkg" else ())
    layers = {name: _flatten(gdf) for name, gdf in corridor.layers().items()}
    opts: dict[str, Any] = {"dataset_options": {"NameField": "name"}} if fmt == "kml" else {}
    names = [GPKG_NAME] if fmt == "gpkg" else [f"{name}{suffix}" for name in layers]
    with raise_on_signals(), output_errors(out), atomic_folder(out) as stage:
        for name, gdf in layers.items():
            _write_layer(gdf, stage / (GPKG_NAME if fmt == "gpkg" else f"{name}{suffix}"), name, driver, opts)
    return [out / name for name in names]


def _write_layer(gdf: gpd.GeoDataFrame, file: Path, layer: str, driver: str, opts: dict[str, Any]) -> None:
    """Write one layer with GDAL; its errors (a full disk...) become one ``OSError``."""
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        gdf.to_file(file, layer=layer, driver=driver, **opts)
    except (DataLayerError, DataSourceError) as exc:
        raise OSError(f"GDAL could not write the layer {layer}: {exc}") from None
