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
(see :func:`points_of`). A writer (:mod:`geo._point_writers`) takes the chunks with
the query columns added, the coordinates, which rows have them and that geometry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from ._point_readers import (
    LAT_NAMES,
    LON_NAMES,
    Chunk,
    ReadOptions,
    at_least_one,
    csv_line_of,
    guard,
    read_csv,
    read_xlsx,
    tabular_chunks,
    xlsx_row_of,
)
from ._point_writers import (
    GEOMETRY_CRS_KEY,
    GEOMETRY_KEY,
    GEOMETRY_TYPE_KEY,
    LAYER,
    REPRESENTATIVE_KEY,
    ChunkWriter,
    Layout,
    csv_gz_writer,
    csv_writer,
    no_writer,
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
    "reading_format",
    "wkb_chunk",
]

#: Shapely's type ids of lines (LineString, LinearRing, MultiLineString): answered at their midpoint.
LINE_TYPES = (1, 2, 5)
#: Rows per chunk, for the formats read by rows.
DEFAULT_CHUNK_ROWS = 250_000



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
        A bad row is named by its line too: a text file's physical line, a sheet's row number.
    output
        False for a format read only (its ``writer`` is never called).
    line_of
        ``line_of(path, options, row)``: the physical line data row ``row`` (from 1) starts on,
        found again in the file when a row is reported (None: the row plus the header line);
        for a sheet, its row number.
    line_word
        What that line is called in a message (``"line"``, ``"sheet row"``).
    reserved
        The names of the columns the output itself has besides the rows' (its geometry, its
        FID), which an input column of the same name would clash with.
    typed
        Its values have types (False for CSV and Excel, read as text: the types of a typed
        output are then inferred; a CSV output keeps the input's text as it is).
    case_blind
        Its writer takes two column names that differ only in case for the same column
        (GDAL's formats), so an input with such a pair cannot be written to it.
    nul_ends_text
        Its writer ends a text value at a NUL character (GDAL's formats take C strings), so a
        value holding one cannot be written to it whole.
    flat
        A value of it is one cell of text (CSV): a column of lists, structs or maps (a Parquet
        input's) is written as JSON text, and one of bytes as text.
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    geometry: bool
    read: Callable[[Path, ReadOptions], tuple[Iterator[Chunk], int | None]] = field(repr=False)
    writer: Callable[[Path, Layout], ChunkWriter] = field(repr=False)
    by_rows: bool = True
    lines: bool = False
    output: bool = True
    line_of: Callable[[Path, ReadOptions, int], int | None] | None = field(default=None, repr=False)
    line_word: str = "line"
    reserved: tuple[str, ...] = ()
    typed: bool = True
    case_blind: bool = False
    nul_ends_text: bool = False
    flat: bool = False


# --- readers ------------------------------------------------------------------------------------------------


def _read_parquet(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """Parquet in chunks of ``opts.chunk_rows`` rows, with its own column types."""
    try:
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)  # pre-buffering keeps every row group
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read as Parquet ({exc})") from None
    schema, batches = _plain_batches(pf, opts.chunk_rows)
    return tabular_chunks(path, schema, batches, opts), pf.metadata.num_rows


#: Arrow's view types, and the plain types of the same values that every writer takes.
_PLAIN_TYPES = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}


def _plain_batches(pf: pq.ParquetFile, rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Return a Parquet file's schema and batches of ``rows`` rows, its view columns read as plain text and bytes.

    A file written from Arrow's ``string_view`` (polars writes them) comes back as views, which
    GDAL and Arrow's CSV writer do not take ("Unsupported Type:string_view"); the values are the same.
    """
    own = pf.schema_arrow
    schema = pa.schema([f.with_type(_PLAIN_TYPES.get(f.type, f.type)) for f in own], metadata=own.metadata)
    batches = pf.iter_batches(batch_size=rows)
    if schema.equals(own):
        return own, batches
    return schema, (batch.cast(schema) for batch in batches)


def _geo_metadata(path: Path) -> dict[str, Any] | None:
    """Return the GeoParquet ``geo`` metadata of a Parquet file, or None for plain Parquet (or an unreadable file)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (pa.ArrowInvalid, OSError):
        return None
    if b"geo" not in meta:
        return None
    try:
        geo = json.loads(meta[b"geo"])
    except ValueError:
        raise ValueError(f"{path}: its GeoParquet 'geo' metadata is not JSON") from None
    return geo if isinstance(geo, dict) else None


def _read_geoparquet(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """GeoParquet in chunks of ``opts.chunk_rows`` rows, points from its primary WKB geometry, in any CRS."""
    import pyproj

    geo = _geo_metadata(path) or {}
    name = geo.get("primary_column")
    column = geo.get("columns", {}).get(name) if isinstance(name, str) else None
    encoding = str(column.get("encoding", "WKB")).lower() if isinstance(column, dict) else None
    if not isinstance(column, dict) or encoding not in ("wkb", *_GEOARROW_DEPTH):
        raise ValueError(
            f"{path}: GeoParquet without a primary geometry column of WKB or GeoArrow (point, linestring...); "
            f"expected one (its 'geo' metadata names {name!r}, encoding {encoding!r})"
        )
    crs = column.get("crs", "OGC:CRS84")  # the GeoParquet default; null means unknown
    if crs is None:
        raise ValueError(f"{path}: the geometry has no CRS (crs: null); set one so coordinates can be read")
    source_crs = pyproj.CRS.from_user_input(crs)
    to_lonlat = pyproj.Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
    pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    types = column.get("geometry_types") or []
    own = {  # the rows' own geometry goes along, as in _read_vector
        GEOMETRY_KEY: str(name).encode(),
        GEOMETRY_TYPE_KEY: _plain_type(str(types[0]) if len(types) == 1 else "Unknown").encode(),
        GEOMETRY_CRS_KEY: source_crs.to_wkt().encode(),
    }

    schema, batches = _plain_batches(pf, opts.chunk_rows)
    columns = {c: str(m.get("encoding", "WKB")).lower() for c, m in geo.get("columns", {}).items() if c in schema.names}
    others = {c: e for c, e in columns.items() if c != name}
    if encoding != "wkb":  # GeoArrow's nested coordinates, as WKB (a chunk's rows' own geometry is WKB)
        schema = schema.set(schema.get_field_index(str(name)), pa.field(str(name), pa.binary()))

    def gen() -> Iterator[Chunk]:
        for batch in at_least_one(batches, schema):
            table = _as_wkt(pa.Table.from_batches([batch]), others)
            i = table.schema.get_field_index(str(name))
            if encoding != "wkb" and not pa.types.is_binary(table.schema.field(i).type):  # (not the empty stand-in)
                wkb = shapely.to_wkb(_shapes(table.column(i), str(encoding)))
                table = table.set_column(i, str(name), pa.array(wkb, pa.binary()))
            yield wkb_chunk(table, str(name), to_lonlat, own)

    return guard(gen(), path), pf.metadata.num_rows


def _as_wkt(table: pa.Table, columns: dict[str, str]) -> pa.Table:
    """Return ``table`` with a GeoParquet's other geometry ``columns`` (name: encoding) as WKT text, in their CRS.

    An output has one geometry, the primary column's: another one would be bytes that GeoPackage and
    GeoJSON drop and CSV cannot hold. As text every output keeps it, and GIS tools read it back.
    """
    for column, encoding in columns.items():
        i = table.schema.get_field_index(column)
        geoms = _shapes(table.column(i), encoding)
        table = table.set_column(i, column, pa.array(shapely.to_wkt(geoms, rounding_precision=-1), pa.string()))
    return table


#: GeoParquet's GeoArrow encodings, each with the depth of its lists above the coordinates.
_GEOARROW_DEPTH = {
    "point": 0, "linestring": 1, "multipoint": 1, "polygon": 2, "multilinestring": 2, "multipolygon": 3,
}  # fmt: skip
#: Shapely's geometry type of each GeoArrow encoding.
_GEOARROW_TYPES = {
    "point": shapely.GeometryType.POINT, "linestring": shapely.GeometryType.LINESTRING,
    "multipoint": shapely.GeometryType.MULTIPOINT, "polygon": shapely.GeometryType.POLYGON,
    "multilinestring": shapely.GeometryType.MULTILINESTRING, "multipolygon": shapely.GeometryType.MULTIPOLYGON,
}  # fmt: skip


def _shapes(column: pa.ChunkedArray | pa.Array, encoding: str) -> np.ndarray:
    """Return a geometry column of GeoParquet (WKB, or GeoArrow's separated coordinates) as shapely geometries (2D).

    A null row is None. GeoArrow's interleaved coordinates (a fixed-size list) are read as well.
    """
    if encoding == "wkb":
        return np.asarray(shapely.from_wkb(column.to_numpy(zero_copy_only=False)))
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    offsets = []
    level = arr
    for _ in range(_GEOARROW_DEPTH[encoding]):
        start = level.offsets[0].as_py() if len(level) else 0
        offsets.append(np.asarray(level.offsets.to_numpy(), dtype=np.int64) - start)
        level = level.flatten()
    if pa.types.is_struct(level.type):
        x, y = (np.asarray(level.field(k).to_numpy(zero_copy_only=False), dtype=float) for k in ("x", "y"))
    else:  # interleaved: [x, y(, z...)] per coordinate
        size = level.type.list_size
        flat = np.asarray(level.flatten().to_numpy(zero_copy_only=False), dtype=float).reshape(-1, size)
        x, y = flat[:, 0], flat[:, 1]
    coords = np.column_stack([x, y])
    if not len(coords):  # rows of no coordinates (null, or empty): shapely's ragged reader wants at least one
        return np.full(len(arr), None, dtype=object)
    if encoding == "point":
        geoms = shapely.points(coords)
    else:
        geoms = shapely.from_ragged_array(_GEOARROW_TYPES[encoding], coords, tuple(reversed(offsets)))
    geoms = np.asarray(geoms, dtype=object)
    geoms[~valid] = None
    return geoms


def reading_format(path: Path, fmt: FileFormat) -> FileFormat:
    """Return the format to read ``path`` as: :data:`GEOPARQUET_INPUT` for a Parquet file with GeoParquet metadata.

    Parameters
    ----------
    path
        The input.
    fmt
        Its format by extension (:func:`format_of`).

    Returns
    -------
    FileFormat
        ``fmt``, or the GeoParquet reading of it, whose points come from the geometry.
    """
    if fmt.name == "parquet" and _geo_metadata(path) is not None:
        return GEOPARQUET_INPUT
    return fmt


def wkb_chunk(table: pa.Table, column: str, to_lonlat: Any, own: dict[bytes, bytes]) -> Chunk:
    """Return a chunk of a file with WKB geometry: its points in lon/lat, and its rows' own geometry along.

    The geometry column stays in the table, named in the metadata ``own`` with its type and
    CRS, for a vector output to keep (:mod:`geo._point_writers`).
    """
    geoms = shapely.from_wkb(table.column(column).to_numpy(zero_copy_only=False))
    x, y, known = points_of(geoms)
    lon, lat = to_lonlat.transform(x, y)
    stand_ins = ~known.astype(bool) & (shapely.get_type_id(geoms) != 0)  # a line or an area, answered at a point
    meta = {**own, REPRESENTATIVE_KEY: np.packbits(stand_ins).tobytes()}
    return table.replace_schema_metadata(meta), np.asarray(lon), np.asarray(lat), known


def points_of(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _layer(path: Path, wanted: str | None) -> str | int:
    """Return the layer to read: ``wanted``, else the only one (ValueError for several, listing them)."""
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise ValueError(f"{path}: cannot read as a vector file ({exc})") from None
    if wanted is not None:
        if wanted not in names:
            raise ValueError(f"{path}: no layer {wanted!r}; the layers are {', '.join(names)}")
        return wanted
    if len(names) > 1:
        raise ValueError(f"{path}: {len(names)} layers ({', '.join(names)}); choose one with --layer")
    return 0


def _read_vector(path: Path, opts: ReadOptions, *, through_sql: bool = False) -> tuple[Iterator[Chunk], int | None]:
    """Any GDAL vector file of points, in chunks of ``opts.chunk_rows`` rows, its CRS turned into lon/lat.

    ``through_sql`` reads the layer through GDAL's SQLite SQL dialect (``SELECT *``),
    for drivers whose own Arrow stream cannot be trusted.
    """
    import pyogrio
    import pyproj

    layer = _layer(path, opts.layer)
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise ValueError(f"{path}: cannot read as a vector file ({exc})") from None
    total = int(info["features"]) if info.get("features", -1) >= 0 else None
    crs = info.get("crs")
    if crs is None:
        raise ValueError(f"{path}: the layer has no CRS; set one (e.g. in QGIS) so coordinates can be read")
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    quoted = str(info.get("layer_name") or "").replace('"', '""')
    layer_type = _plain_type(str(info.get("geometry_type") or "Unknown")).encode()
    sql = {"sql": f'SELECT * FROM "{quoted}"', "sql_dialect": "SQLITE"} if through_sql else {"layer": layer}

    def gen() -> Iterator[Chunk]:
        rows = 0
        with pyogrio.open_arrow(path, batch_size=opts.chunk_rows, use_pyarrow=True, **sql) as (meta, reader):
            gcol = meta["geometry_name"] or "wkb_geometry"
            own = {GEOMETRY_KEY: gcol.encode(), GEOMETRY_TYPE_KEY: layer_type, GEOMETRY_CRS_KEY: str(crs).encode()}
            for batch in at_least_one(reader, reader.schema):
                rows += batch.num_rows
                yield wkb_chunk(pa.Table.from_batches([batch]), gcol, to_lonlat, own)
        if total is not None and rows != total:  # GDAL stops at a feature it cannot read, and says so only on stderr
            raise ValueError(f"{path}: the layer has {total:,} features but only {rows:,} could be read (cut short?)")

    return guard(gen(), path), total


def _plain_type(name: str) -> str:
    """GDAL's geometry type name without Z or M (the geometries are passed on in 2D): ``"Point Z"`` -> ``"Point"``."""
    return name.removeprefix("2.5D ").removesuffix(" ZM").removesuffix(" Z").removesuffix(" M")


# --- the registry -------------------------------------------------------------------------------------------

#: Every format classify reads and writes, by name.
FILE_FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat("csv", "CSV", (".csv",), geometry=False, read=read_csv, writer=csv_writer,
                   by_rows=False, lines=True, line_of=csv_line_of, typed=False, flat=True),
        FileFormat("csv.gz", "gzip CSV", (".csv.gz",), geometry=False, read=read_csv, writer=csv_gz_writer,
                   by_rows=False, lines=True, line_of=csv_line_of, typed=False, flat=True),
        # Tab-separated text as spreadsheets save it (Excel's "Unicode Text" is a .txt), read as CSV is.
        FileFormat("text", "delimited text", (".tsv", ".tab", ".txt"), geometry=False, read=read_csv,
                   writer=no_writer, output=False, by_rows=False, lines=True, line_of=csv_line_of, typed=False),
        FileFormat("parquet", "Parquet", (".parquet", ".pq"), geometry=False, read=_read_parquet,
                   writer=parquet_writer, reserved=("geometry",)),
        FileFormat("geojson", "GeoJSON", (".geojson", ".json"), geometry=True, read=_read_vector,
                   writer=vector_writer("GeoJSON"), case_blind=True, nul_ends_text=True),
        FileFormat("xlsx", "Excel", (".xlsx",), geometry=False, read=read_xlsx, writer=no_writer, output=False,
                   typed=False, lines=True, line_of=xlsx_row_of, line_word="sheet row"),
        FileFormat("gpkg", "GeoPackage", (".gpkg",), geometry=True, read=_read_vector,
                   writer=vector_writer("GPKG"), reserved=("fid", "geom"), case_blind=True, nul_ends_text=True),
        # Written with no spatial index: GDAL cannot index a file holding rows without geometry (the bad rows).
        # Read through SQL: GDAL's own FlatGeobuf Arrow stream (3.12) breaks on a row without geometry.
        FileFormat("flatgeobuf", "FlatGeobuf", (".fgb",), geometry=True,
                   read=partial(_read_vector, through_sql=True),
                   writer=vector_writer("FlatGeobuf", SPATIAL_INDEX="NO"), case_blind=True, nul_ends_text=True),
    )
}  # fmt: skip


#: A Parquet input with GeoParquet metadata: points from its geometry, as in vector formats (:func:`reading_format`).
GEOPARQUET_INPUT = replace(FILE_FORMATS["parquet"], name="geoparquet", label="GeoParquet", geometry=True,
                           read=_read_geoparquet)  # fmt: skip


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
    writable = sorted(ext for ext, f in by_extension.items() if f.output)
    expected = writable if what == "output" else sorted(by_extension)
    name = path.name.lower()
    matches = [ext for ext in by_extension if name.endswith(ext)]
    if not matches:
        raise ValueError(f"{what} {path}: unknown extension {path.suffix!r}, expected one of {expected}")
    fmt = by_extension[max(matches, key=len)]
    if what == "output" and not fmt.output:
        raise ValueError(f"output {path}: {fmt.label} files are read, not written; write one of {writable}")
    return fmt
