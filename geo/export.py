"""Write every layer of the corridor model to files for QGIS, Google Earth and other GIS.

An export is all or nothing (:func:`geo._io.atomic_folder`): the layers are written to a
temporary folder, then the whole set is put in place at once. A failure half-way (a full
disk, a signal) leaves the output folder's files exactly as they were; files in it that
the export does not write are never touched.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from ._gdal import write_layer
from ._io import atomic_folder, check_output_folder, output_errors, raise_on_signals, refuse_inputs

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


def _geojson_names(layers: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    return [f"{name}.geojson" for name in layers]


def _write_geojson(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> None:
    """One RFC 7946 GeoJSON file per layer: WGS84, counter-clockwise exterior rings, 6 decimals (0.1 m)."""
    from .maps.style import NDIGITS

    for (name, gdf), file in zip(layers.items(), _geojson_names(layers), strict=True):
        write_layer(_flatten(gdf), folder / file, name, driver="GeoJSON", RFC7946="YES", COORDINATE_PRECISION=NDIGITS)


def _write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> None:
    from .gpkg import write_gpkg

    write_gpkg(layers, folder / f"{EXPORT_NAME}.gpkg")


def _write_kml(layers: Mapping[str, gpd.GeoDataFrame], folder: Path, *, zipped: bool) -> None:
    from .kml import kml_document, kmz_bytes

    document = kml_document(layers)
    (folder / f"{EXPORT_NAME}{'.kmz' if zipped else '.kml'}").write_bytes(kmz_bytes(document) if zipped else document)


#: Each format: (the names of the files it writes for some layers, its writer of them into a folder).
_FORMATS: dict[
    str,
    tuple[
        Callable[[Mapping[str, gpd.GeoDataFrame]], list[str]], Callable[[Mapping[str, gpd.GeoDataFrame], Path], None]
    ],
] = {
    "geojson": (_geojson_names, _write_geojson),
    "gpkg": (lambda _: [f"{EXPORT_NAME}.gpkg"], _write_gpkg),
    "kml": (lambda _: [f"{EXPORT_NAME}.kml"], partial(_write_kml, zipped=False)),
    "kmz": (lambda _: [f"{EXPORT_NAME}.kmz"], partial(_write_kml, zipped=True)),
}
#: The output formats, by name.
EXPORT_FORMATS: tuple[str, ...] = tuple(_FORMATS)


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
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Write every layer of ``corridor`` into ``out_dir``, and the user's own layers with them.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    out_dir
        Output folder, created if missing (the folder above it must exist). Files in it
        with the names this export writes are replaced; other files are left alone.
    fmt
        ``"geojson"`` (one RFC 7946 file per layer), ``"gpkg"`` (one GeoPackage that QGIS opens
        styled and dated: :mod:`geo.gpkg`), ``"kmz"`` (one zipped KML document for Google Earth, a
        folder per layer, styled and dated: :mod:`geo.kml`) or ``"kml"`` (the same document unzipped).
    points
        The user's own layers to write with the model's, by name: e.g. classified events from
        :func:`geo.read_points`. A name must differ from every layer of the model (in any case).
    inputs
        The files ``points`` were read from: a file of the export with the same path (however
        spelt) is refused before anything is written, so the export never replaces its input.

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
    out = Path(out_dir)
    check_output_folder(out)  # before any layer is computed
    layers = _with_points(corridor.layers(), points or {})
    file_names, write = _FORMATS[fmt]
    names = file_names(layers)
    check_output_folder(out, tuple(names))
    inputs = list(inputs)
    for name in names:
        refuse_inputs(out / name, inputs)
    with raise_on_signals(), output_errors(out), atomic_folder(out) as stage:
        write(layers, stage)
    return [out / name for name in names]
