"""Write every layer of the corridor model to files for QGIS, Google Earth and other GIS."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from ._io import atomic_path, write_bytes_atomic

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["DEFAULT_EXPORT_FORMAT", "EXPORT_FORMATS", "export_layers"]

#: Output formats: name -> (GDAL driver, or None for our own KML writer :mod:`geo.kml`; file suffix).
EXPORT_FORMATS: dict[str, tuple[str | None, str]] = {
    "geojson": ("GeoJSON", ".geojson"),
    "gpkg": ("GPKG", ".gpkg"),
    "kml": (None, ".kml"),
    "kmz": (None, ".kmz"),
}
#: The format :func:`export_layers` writes unless told otherwise.
DEFAULT_EXPORT_FORMAT = "geojson"


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
    """Write every layer of ``corridor`` into ``out_dir``.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    out_dir
        Output folder, created if missing.
    fmt
        ``"geojson"`` (one file per layer), ``"gpkg"`` (one GeoPackage, one table per
        layer), ``"kmz"`` (one zipped KML document for Google Earth, a folder per layer, styled
        and dated: :mod:`geo.kml`) or ``"kml"`` (the same document unzipped).

    Returns
    -------
    list of pathlib.Path
        The files written. Each is written atomically: a failure leaves no partial file.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {sorted(EXPORT_FORMATS)}")
    driver, suffix = EXPORT_FORMATS[fmt]
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: expected a folder to write the layers into, found a file")
    out.mkdir(parents=True, exist_ok=True)
    if driver is None:  # KML / KMZ: one document
        from .kml import kml_document, kmz_bytes

        path = out / f"idlib_corridor{suffix}"
        document = kml_document(corridor.layers())
        write_bytes_atomic(path, kmz_bytes(document) if fmt == "kmz" else document)
        return [path]
    layers = {name: _flatten(gdf) for name, gdf in corridor.layers().items()}
    if fmt == "gpkg":
        path = out / f"idlib_corridor{suffix}"
        with atomic_path(path) as tmp:
            for name, gdf in layers.items():
                gdf.to_file(tmp, layer=name, driver=driver)
        return [path]
    written = []
    for name, gdf in layers.items():
        path = out / f"{name}{suffix}"
        with atomic_path(path) as tmp:
            gdf.to_file(tmp, layer=name, driver=driver)
        written.append(path)
    return written
