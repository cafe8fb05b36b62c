"""Write every layer of the corridor model to files for QGIS, Google Earth and other GIS."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from ._io import atomic_path, write_bytes_atomic

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["DEFAULT_EXPORT_FORMAT", "EXPORT_FORMATS", "export_layers"]

#: The format :func:`export_layers` writes unless told otherwise.
DEFAULT_EXPORT_FORMAT = "geojson"
#: The name of the one file of the single-file formats.
EXPORT_NAME = "idlib_corridor"


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
    return out


def _write_geojson(layers: Mapping[str, gpd.GeoDataFrame], out: Path) -> list[Path]:
    """One RFC 7946 GeoJSON file per layer: WGS84, counter-clockwise exterior rings, 6 decimals (0.1 m)."""
    from .maps.style import NDIGITS

    written = []
    for name, gdf in layers.items():
        path = out / f"{name}.geojson"
        with atomic_path(path) as tmp:
            _flatten(gdf).to_file(tmp, layer=name, driver="GeoJSON", RFC7946="YES", COORDINATE_PRECISION=NDIGITS)
        written.append(path)
    return written


def _write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], out: Path) -> list[Path]:
    from .gpkg import write_gpkg

    path = out / f"{EXPORT_NAME}.gpkg"
    with atomic_path(path) as tmp:
        write_gpkg(layers, tmp)
    return [path]


def _write_kml(layers: Mapping[str, gpd.GeoDataFrame], out: Path, *, zipped: bool) -> list[Path]:
    from .kml import kml_document, kmz_bytes

    document = kml_document(layers)
    path = out / f"{EXPORT_NAME}{'.kmz' if zipped else '.kml'}"
    write_bytes_atomic(path, kmz_bytes(document) if zipped else document)
    return [path]


#: Each format's writer: (layers, folder) -> the files written.
_WRITERS: dict[str, Callable[[Mapping[str, gpd.GeoDataFrame], Path], list[Path]]] = {
    "geojson": _write_geojson,
    "gpkg": _write_gpkg,
    "kml": partial(_write_kml, zipped=False),
    "kmz": partial(_write_kml, zipped=True),
}
#: The output formats, by name.
EXPORT_FORMATS: tuple[str, ...] = tuple(_WRITERS)


def _with_points(
    layers: dict[str, gpd.GeoDataFrame], points: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, gpd.GeoDataFrame]:
    """Add the user's layers after the model's: each in EPSG:4326, named apart from every other."""
    for name, gdf in points.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"points layer name {name!r}: expected some text")
        if name.lower() in {n.lower() for n in layers}:
            raise ValueError(f"points layer {name!r}: the export has a layer of that name already; name it otherwise")
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None:
            raise ValueError(f"points layer {name!r}: expected a GeoDataFrame with a CRS (geo.read_points gives one)")
        layers[name] = gdf.to_crs("EPSG:4326")
    return layers


def export_layers(
    corridor: Corridor,
    out_dir: str | os.PathLike[str],
    fmt: str = DEFAULT_EXPORT_FORMAT,
    *,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> list[Path]:
    """Write every layer of ``corridor`` into ``out_dir``, and the user's own layers with them.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    out_dir
        Output folder, created if missing.
    fmt
        ``"geojson"`` (one RFC 7946 file per layer), ``"gpkg"`` (one GeoPackage that QGIS opens
        styled and dated: :mod:`geo.gpkg`), ``"kmz"`` (one zipped KML document for Google Earth, a
        folder per layer, styled and dated: :mod:`geo.kml`) or ``"kml"`` (the same document unzipped).
    points
        The user's own layers to write with the model's, by name: e.g. classified events from
        :func:`geo.read_points`. A name must differ from every layer of the model (in any case).

    Returns
    -------
    list of pathlib.Path
        The files written. Each is written atomically: a failure leaves no partial file.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {sorted(EXPORT_FORMATS)}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: expected a folder to write the layers into, found a file")
    out.mkdir(parents=True, exist_ok=True)
    layers = _with_points(corridor.layers(), points or {})
    return _WRITERS[fmt](layers, out)
