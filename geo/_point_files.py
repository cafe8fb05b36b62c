"""The point files :func:`geo.classify_file` reads and writes: one registry of formats, their readers and writers.

:data:`FILE_FORMATS` holds, for each format, its name, its extensions, whether its
rows carry point geometry (a vector format, read and written through GDAL) or
lon/lat columns (a tabular one, through Arrow), its reader and its writer. Every
decision :mod:`geo.classify` takes about a format reads it here; a new format is a
new entry (and a reader or writer, when none of those below fits).

A reader yields chunks ``(table, lon, lat, known)``: the rows, their coordinates in
degrees (NaN where unusable) and, per row, a reason found while reading why it cannot
be answered ("" where none). A vector reader's rows keep their own geometry, as WKB in
the file's CRS, in the column the schema metadata names under
:data:`geo._point_writers.GEOMETRY_KEY` (with the CRS and the layer's geometry type under
the keys beside it); their coordinates are those of a point of it
(see :func:`_points_of`). A writer (:mod:`geo._point_writers`) takes the chunks with
the query columns added, the coordinates, which rows have them and that geometry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from ._point_writers import (
    GEOMETRY_CRS_KEY,
    GEOMETRY_KEY,
    GEOMETRY_TYPE_KEY,
    LAYER,
    ChunkWriter,
    Layout,
    csv_writer,
    parquet_writer,
    vector_writer,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "FILE_FORMATS",
    "LAT_NAMES",
    "LAYER",
    "LON_NAMES",
    "Chunk",
    "ChunkWriter",
    "FileFormat",
    "Layout",
    "ReadOptions",
    "format_of",
]

#: Names a coordinate column is found by, in this order and in any case, when none is given.
LON_NAMES = ("longitude", "lon", "lng", "long", "x")
LAT_NAMES = ("latitude", "lat", "y")
#: Shapely's type ids of lines (LineString, LinearRing, MultiLineString): answered at their midpoint.
LINE_TYPES = (1, 2, 5)
#: Rows per chunk, for the formats read by rows.
DEFAULT_CHUNK_ROWS = 250_000

Chunk = tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input: its coordinate columns (tabular formats) and the size of a chunk."""

    lon_col: str | None
    lat_col: str | None
    chunk_rows: int  # rows per chunk, for formats that read by rows
    block_bytes: int  # bytes per chunk, for formats that read text in blocks


@dataclass(frozen=True)
class FileFormat:
    """One file format classify reads and writes.

    Parameters
    ----------
    name
        Its name (``"csv"``).
    label
        Its name for people (``"CSV"``).
    extensions
        The file extensions it goes by, lower case with the dot.
    geometry
        True for a vector format (each row has a point geometry, in any CRS); False
        for a tabular one (coordinates in lon/lat columns, WGS84 degrees).
    read
        Opens a file: ``read(path, options)`` returns the chunks and the number of
        rows when the file tells it (else None).
    writer
        ``writer(path, layout)`` opens an output of this format (see :mod:`geo._point_writers`).
    by_rows
        Reads ``chunk_rows`` rows at a time (False: blocks of ``block_bytes`` of text).
    lines
        Each row is one line of text after a header line, so a bad row is named by its line too.
    reserved
        The names of the columns the output itself has besides the rows' (its geometry, its
        FID), which an input column of the same name would clash with.
    typed
        Its values have types (False for CSV, whose output keeps the input's text as it is).
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    geometry: bool
    read: Callable[[Path, ReadOptions], tuple[Iterator[Chunk], int | None]] = field(repr=False)
    writer: Callable[[Path, Layout], ChunkWriter] = field(repr=False)
    by_rows: bool = True
    lines: bool = False
    reserved: tuple[str, ...] = ()
    typed: bool = True


# --- readers ------------------------------------------------------------------------------------------------


def _pick(names: list[str], wanted: str | None, defaults: tuple[str, ...], what: str, path: Path) -> str:
    if wanted is not None:
        if wanted not in names:
            raise ValueError(f"{path}: no column {wanted!r} for the {what}; columns are {names}")
        return wanted
    lower = {n.lower(): n for n in names}
    for cand in defaults:
        if cand in lower:
            return lower[cand]
    raise ValueError(f"{path}: no {what} column (looked for {list(defaults)}); name it with --{what[:3]}-col")


def _to_float(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Column -> (float values with NaN for unusable, mask of entries that were present but not numbers)."""
    if pa.types.is_floating(col.type) or pa.types.is_integer(col.type) or pa.types.is_decimal(col.type):
        values = _numeric_to_float(col)
        return values, np.zeros(len(values), dtype=bool)
    try:  # the common case, every entry a number: arrow parses it in C
        return _numeric_to_float(pc.cast(col, pa.float64())), np.zeros(len(col), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pd.Series(col.to_pandas(), dtype="object")
    present = text.notna() & (text.astype(str).str.strip() != "")
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    return values, (present.to_numpy() & np.isnan(values))


def _numeric_to_float(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Numeric arrow column -> float64 numpy array, NaN for nulls."""
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _tabular_chunks(
    path: Path, names: list[str], batches: Iterator[pa.RecordBatch], opts: ReadOptions
) -> Iterator[Chunk]:
    """Return the chunks of a tabular file, its coordinates from the columns ``opts`` names (or found by name)."""
    lon_name = _pick(names, opts.lon_col, LON_NAMES, "longitude", path)
    lat_name = _pick(names, opts.lat_col, LAT_NAMES, "latitude", path)

    def gen() -> Iterator[Chunk]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            lon, lon_text = _to_float(table.column(lon_name))
            lat, lat_text = _to_float(table.column(lat_name))
            known = np.where(lon_text | lat_text, "coordinate is not a number", "")
            yield table, lon, lat, known

    return _guard(gen(), path)


def _read_csv(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """CSV in blocks of ``opts.block_bytes``, every column as text (an id ``00042`` stays ``00042``)."""
    try:
        header = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read as CSV ({exc})") from None
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
    reader = pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=opts.block_bytes), convert_options=convert
    )
    return _tabular_chunks(path, header, iter(reader), opts), None


def _read_parquet(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """Parquet in chunks of ``opts.chunk_rows`` rows, with its own column types."""
    try:
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)  # pre-buffering keeps every row group
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read as Parquet ({exc})") from None
    batches = pf.iter_batches(batch_size=opts.chunk_rows)
    return _tabular_chunks(path, pf.schema_arrow.names, batches, opts), pf.metadata.num_rows


def _points_of(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X and y of each row's point (NaN where none), and why each row without one cannot be used.

    A point is itself; a line (or several) is answered at its midpoint by length, in the
    file's CRS (``line_interpolate_point(g, 0.5, normalized=True)``); any other geometry
    (polygon, multipoint, collection) at its ``point_on_surface``, a point inside it.
    """
    usable = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    kind = shapely.get_type_id(geoms)
    points = np.array(geoms, dtype=object)
    lines = usable & np.isin(kind, LINE_TYPES)
    areas = usable & (kind != 0) & ~lines
    points[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    points[areas] = shapely.point_on_surface(geoms[areas])
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[usable], y[usable] = shapely.get_x(points[usable]), shapely.get_y(points[usable])
    known = np.full(len(geoms), "", dtype=object)
    known[shapely.is_missing(geoms)] = "missing geometry"
    known[~shapely.is_missing(geoms) & shapely.is_empty(geoms)] = "empty geometry"
    return x, y, known


def _read_vector(path: Path, opts: ReadOptions, *, through_sql: bool = False) -> tuple[Iterator[Chunk], int | None]:
    """Any GDAL vector file of points, in chunks of ``opts.chunk_rows`` rows, its CRS turned into lon/lat.

    ``through_sql`` reads the layer through GDAL's SQLite SQL dialect (``SELECT *``),
    for drivers whose own Arrow stream cannot be trusted.
    """
    import pyogrio
    import pyproj

    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise ValueError(f"{path}: cannot read as a vector file ({exc})") from None
    total = int(info["features"]) if info.get("features", -1) >= 0 else None
    crs = info.get("crs")
    if crs is None:
        raise ValueError(f"{path}: the layer has no CRS; set one (e.g. in QGIS) so coordinates can be read")
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    layer = str(info.get("layer_name") or "").replace('"', '""')
    layer_type = _plain_type(str(info.get("geometry_type") or "Unknown")).encode()
    sql = {"sql": f'SELECT * FROM "{layer}"', "sql_dialect": "SQLITE"} if through_sql else {}

    def gen() -> Iterator[Chunk]:
        with pyogrio.open_arrow(path, batch_size=opts.chunk_rows, use_pyarrow=True, **sql) as (meta, reader):
            gcol = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                table = pa.Table.from_batches([batch])
                geoms = shapely.from_wkb(table.column(gcol).to_numpy(zero_copy_only=False))
                x, y, known = _points_of(geoms)
                lon, lat = to_lonlat.transform(x, y)
                # the rows' own geometry goes along (named in the metadata, with its CRS) for a vector output to keep
                table = table.replace_schema_metadata(
                    {GEOMETRY_KEY: gcol.encode(), GEOMETRY_TYPE_KEY: layer_type, GEOMETRY_CRS_KEY: str(crs).encode()}
                )
                yield table, np.asarray(lon), np.asarray(lat), known

    return _guard(gen(), path), total


def _plain_type(name: str) -> str:
    """GDAL's geometry type name without Z or M (the geometries are passed on in 2D): ``"Point Z"`` -> ``"Point"``."""
    return name.removeprefix("2.5D ").removesuffix(" ZM").removesuffix(" Z").removesuffix(" M")


def _guard(chunks: Iterator[Chunk], path: Path) -> Iterator[Chunk]:
    """Turn a reader's mid-file failure into a ValueError naming the file."""
    try:
        yield from chunks
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read the file past a malformed part ({exc})") from None


# --- the registry -------------------------------------------------------------------------------------------

#: Every format classify reads and writes, by name.
FILE_FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat("csv", "CSV", (".csv",), geometry=False, read=_read_csv, writer=csv_writer,
                   by_rows=False, lines=True, typed=False),
        FileFormat("parquet", "Parquet", (".parquet", ".pq"), geometry=False, read=_read_parquet,
                   writer=parquet_writer, reserved=("geometry",)),
        FileFormat("geojson", "GeoJSON", (".geojson", ".json"), geometry=True, read=_read_vector,
                   writer=vector_writer("GeoJSON")),
        FileFormat("gpkg", "GeoPackage", (".gpkg",), geometry=True, read=_read_vector,
                   writer=vector_writer("GPKG"), reserved=("fid", "geom")),
        # Written with no spatial index: GDAL cannot index a file holding rows without geometry (the bad rows).
        # Read through SQL: GDAL's own FlatGeobuf Arrow stream (3.12) breaks on a row without geometry.
        FileFormat("flatgeobuf", "FlatGeobuf", (".fgb",), geometry=True,
                   read=partial(_read_vector, through_sql=True),
                   writer=vector_writer("FlatGeobuf", SPATIAL_INDEX="NO")),
    )
}  # fmt: skip


def format_of(path: Path, what: str) -> FileFormat:
    """Return the format of a file, from its extension (any case).

    Parameters
    ----------
    path
        The file.
    what
        ``"input"`` or ``"output"``, for the message.

    Returns
    -------
    FileFormat
        Its entry in :data:`FILE_FORMATS`.

    Raises
    ------
    ValueError
        For an extension no format has.
    """
    by_extension = {ext: f for f in FILE_FORMATS.values() for ext in f.extensions}
    fmt = by_extension.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{what} {path}: unknown extension {path.suffix!r}, expected one of {sorted(by_extension)}")
    return fmt
