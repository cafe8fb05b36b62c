"""A user's own points (an ACLED export, a spreadsheet, a classified file) as a GeoDataFrame beside the corridor.

:func:`read_points` reads any file :func:`geo.classify.classify_file` reads, with the same rules (formats,
separators, encodings, coordinate columns, types, bad rows kept), and returns its rows with their own geometry
and the query columns. It goes through classify itself, into a temporary GeoPackage, so there is one reader
and one set of rules. A file classified before keeps its own query columns, as written (the fresh answers,
which the run computes anyway, are dropped); any other file gains them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from .columns import QUERY_COLUMNS

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["layer_name", "read_points", "unique_names"]

#: What the temporary run puts before an added column whose name the file already has.
_FRESH = "corridor_"


def read_points(corridor: Corridor, path: str | os.PathLike[str], **options: Any) -> gpd.GeoDataFrame:
    r"""Read a file of points, classified or not, as a GeoDataFrame in EPSG:4326 with the query columns.

    Parameters
    ----------
    corridor
        The model the rows are answered against, from :func:`geo.load_corridor`.
    path
        Any file :func:`geo.classify.classify_file` reads (CSV, Excel, Parquet, GeoJSON, GeoPackage...).
    **options
        Reading options of :func:`~geo.classify.classify_file`: ``lon_col``, ``lat_col``, ``delimiter``,
        ``encoding``, ``layer``, ``input_format``, ``strict``, ``keep_text``.

    Returns
    -------
    geopandas.GeoDataFrame
        Every row of the file, in order, with its own geometry (a tabular file's point; none for a row
        whose coordinates are missing or invalid), the file's columns typed as classify types them, and
        the query columns (:data:`geo.columns.QUERY_COLUMNS`). ``attrs["classify_report"]`` holds the
        figures of the read as ``classify --json`` prints them (:meth:`~geo.classify.ClassifyReport.as_dict`:
        the bad rows and the rows that look swapped), plain JSON values so that the frame can still be
        saved to Parquet (pandas writes ``attrs`` there as JSON); ``attrs["source"]`` the file's path.
        The index is each row's data row in the file, from 0.

    Raises
    ------
    ValueError
        What :func:`~geo.classify.classify_file` raises for the file, in one line naming it.

    Examples
    --------
    >>> import geo, pathlib, tempfile
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = csv.write_text("id,lat,lon\n1,35.80,36.61\n")
    >>> read_points(geo.load_corridor(), csv)[["id", "in_corridor", "side"]]
       id  in_corridor   side
    0   1         True  south
    """
    from ._point_writers import _OTHER_PREFIX
    from .classify import _CANNOT_CARRY, _NUL_ELSE, classify_file

    with tempfile.TemporaryDirectory(prefix="idlib-corridor-points-") as folder:
        out = Path(folder) / "points.gpkg"
        try:
            report = classify_file(corridor, path, out, prefix=_FRESH, progress=None, **options)
        except ValueError as exc:  # the GeoPackage the points go through is nothing the user named
            through = f"{path}: cannot take its points through a GeoPackage"
            text = (
                str(exc)
                .replace(f"output {out}: cannot write", through)
                .replace("which GeoPackage takes", "which the map and the exports take")
                .replace(f"which GeoPackage {_CANNOT_CARRY}", "which the map and the exports cannot carry")
                .replace(_NUL_ELSE, "")
                .replace(_OTHER_PREFIX, "rename one of them")
            )
            raise ValueError(text.replace(str(out), "a temporary GeoPackage")) from None
        gdf = _read_back(out)
    names = [c.name for c in QUERY_COLUMNS]
    fresh = [_FRESH + n for n in names]
    if all(f in gdf.columns for f in fresh):  # the file was classified: keep its own answers
        gdf = gdf.drop(columns=fresh)
    gdf = _nullable_booleans(gdf.set_crs("EPSG:4326", allow_override=True))
    gdf.attrs["classify_report"] = report.as_dict()  # bad and swapped rows, for a caller to warn about
    gdf.attrs["source"] = str(path)  # the file, for a message about one of its rows (the index is its data row - 1)
    return gdf


def _read_back(path: Path) -> gpd.GeoDataFrame:
    """Read the GeoPackage the points went through, keeping a column of theirs named like ``geometry``.

    GeoPandas names the geometry ``geometry``: a column of that name was replaced by it, and
    one of another case (``GEOMETRY``) beside it crashed GDAL's writer in the export. The
    geometry then takes a name no column has (``_geometry``).
    """
    import pyogrio

    taken = {str(f).lower() for f in pyogrio.read_info(path)["fields"]}
    if "geometry" not in taken:
        return pyogrio.read_dataframe(path, use_arrow=True)
    name = "geometry"
    while name.lower() in taken:
        name = "_" + name
    rows = pyogrio.read_dataframe(path, use_arrow=True, read_geometry=False)
    points = pyogrio.read_dataframe(path, use_arrow=True, columns=[])
    return gpd.GeoDataFrame(rows.assign(**{name: points.geometry.to_numpy()}), geometry=name, crs=points.crs)


def _nullable_booleans(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give a column of booleans with gaps (``in_corridor`` of a bad row) pandas' nullable ``boolean`` type.

    Read from Arrow it is an object column: ``gdf[gdf.in_corridor]`` raises on its gaps, and a
    GeoJSON export writes its values as the text "True". As ``boolean``, a gap selects nothing.
    """
    import pandas as pd

    for column in gdf.columns:
        values = gdf[column]
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "boolean":
            gdf[column] = values.astype("boolean")
    return gdf


def layer_name(path: str | os.PathLike[str]) -> str:
    """Return the name a points file's layer gets in the exports and on the map: its file name's stem (``.gz`` off).

    Parameters
    ----------
    path
        The file.

    Examples
    --------
    >>> layer_name("data/acled_idlib.csv.gz"), layer_name("events.gpkg")
    ('acled_idlib', 'events')
    """
    file_name = Path(path).name
    return Path(file_name[:-3] if file_name.lower().endswith(".gz") else file_name).stem


def unique_names(names: list[str], taken: Iterable[str] = ()) -> list[str]:
    """Return ``names`` with a repeated one numbered from its second use on: ``a``, ``a (2)``, ``a (3)``.

    Names are told apart in any case (a GeoPackage's layers are, and some file systems' files).

    Parameters
    ----------
    names
        Layer names, in order.
    taken
        Names in use already (the model's own layers, in an export): a name among them is numbered too.

    Examples
    --------
    >>> unique_names(["events", "other", "Events", "events (2)"])
    ['events', 'other', 'Events (2)', 'events (2) (2)']
    >>> unique_names(["events", "acled"], taken=["m4", "events"])
    ['events (2)', 'acled']
    """
    seen = {name.lower() for name in taken}
    out = []
    for name in names:
        unique, n = name, 2
        while unique.lower() in seen:
            unique, n = f"{name} ({n})", n + 1
        seen.add(unique.lower())
        out.append(unique)
    return out
