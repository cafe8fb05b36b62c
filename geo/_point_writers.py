"""The writers of :mod:`geo._point_files`' formats, and how a run names the columns it adds.

A writer is opened, once the first chunk is known, with a :class:`Layout`: what the
run's added and reserved names are written as (:func:`output_names`) and the type of
the geometry of a vector layer. It then takes each chunk: the rows with their query
columns, the coordinates, which rows are answered and, for a vector input, the rows'
own geometry in WGS84.

* CSV (and gzip CSV): the rows as they are, no geometry.
* Parquet: GeoParquet 1.1.0, a ``geometry`` column of WKB points (lon/lat, null for a row
  without usable coordinates) and the ``geo`` metadata (CRS EPSG:4326 as PROJJSON), so
  GeoPandas, dask-geopandas and DuckDB read it as a spatial table (GDAL too, where built with Parquet).
* GeoJSON, GeoPackage, FlatGeobuf: written by GDAL from Arrow (:func:`pyogrio.write_arrow`),
  so integers, floats, booleans, dates and timestamps keep their types; each row's geometry is
  its own (a vector input's, whatever its type) or its point (a tabular input's), in WGS84.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "DEFAULT_PREFIX",
    "GEOMETRY_KEY",
    "LAYER",
    "REPRESENTATIVE_KEY",
    "ChunkWriter",
    "Layout",
    "csv_gz_writer",
    "csv_writer",
    "dictionary_columns",
    "first_nul",
    "gdal_columns",
    "no_writer",
    "output_names",
    "parquet_writer",
    "vector_writer",
]

#: What to do when an added column and its prefixed name are both taken (:func:`output_names`).
_OTHER_PREFIX = "choose another prefix (--prefix)"
#: The layer name of vector outputs.
LAYER = "classified"
#: What an added column whose name the input already has is prefixed with, by default.
DEFAULT_PREFIX = "corridor_"
#: The schema metadata key under which a vector reader names the column of its rows' own geometry (WKB).
GEOMETRY_KEY = b"classify:geometry"
#: The schema metadata key under which a vector reader gives its layer's geometry type (GDAL's name).
GEOMETRY_TYPE_KEY = b"classify:geometry_type"
#: The schema metadata key under which a vector reader gives the CRS of that geometry (what pyproj reads).
GEOMETRY_CRS_KEY = b"classify:crs"
#: The schema metadata key under which a vector reader marks which of a chunk's rows are lines or areas, to be
#: answered at a point on them (see :mod:`geo._point_files`): a bit per row, as ``numpy.packbits`` packs them.
REPRESENTATIVE_KEY = b"classify:representative_rows"
#: The GeoParquet version written.
GEOPARQUET_VERSION = "1.1.0"


@dataclass(frozen=True)
class Layout:
    """What a writer needs besides the rows: the written name of every added or reserved name, the geometry type."""

    names: Mapping[str, str] = field(default_factory=dict)
    geometry_type: str = "Point"
    source_crs: str | None = None  # the CRS of a vector input's own geometry, passed to the writer with each chunk

    def name(self, wanted: str) -> str:
        """Return the name ``wanted`` (an added or reserved name) is written as."""
        return self.names.get(wanted, wanted)


class ChunkWriter(Protocol):
    """Writes one output, a chunk at a time."""

    def write(
        self, table: pa.Table, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray, geometry: pa.Array | None = None
    ) -> None:
        """Write one chunk; ``geometry`` is a vector input's own WKB (in :attr:`Layout.source_crs`), else None."""

    def close(self) -> None:
        """Finish the file."""


def output_names(columns: list[str], adds: tuple[str, ...], prefix: str | None, where: Path) -> dict[str, str]:
    """Name the columns a run adds so that none overwrites an input column.

    A name the input already has (compared in any case: GeoPackage and SQLite fold
    case) is written with ``prefix`` before it; the others keep theirs.

    Parameters
    ----------
    columns
        The input's columns.
    adds
        The names the run adds (the query's columns, ``longitude``/``latitude``, the output's
        geometry and FID columns).
    prefix
        What a clashing name gets before it; None refuses the run instead.
    where
        The input, for the message.

    Returns
    -------
    dict
        Each added name and the name it is written as.

    Raises
    ------
    ValueError
        A clash with ``prefix`` None, an empty prefix, or a prefixed name the input has too.

    Examples
    --------
    >>> output_names(["id", "Side"], ("side", "distance_m"), "corridor_", Path("in.csv"))
    {'side': 'corridor_side', 'distance_m': 'distance_m'}
    """
    taken = {c.lower(): c for c in reversed(columns)}  # each name as the input first spells it
    clashes = [n for n in adds if n.lower() in taken]
    if clashes and prefix is None:
        raise ValueError(
            f"{where}: the input already has the column(s) {', '.join(taken[n.lower()] for n in clashes)}, which the "
            "output adds; rename them, or give a prefix for the added ones (--prefix)"
        )
    if clashes and not prefix:
        raise ValueError(f"prefix {prefix!r}: expected some text to put before {', '.join(clashes)}")
    names = {n: f"{prefix}{n}" if n in clashes else n for n in adds}
    both = [(taken[n.lower()], taken[names[n].lower()]) for n in clashes if names[n].lower() in taken]
    if both:
        pairs = "; ".join(f"{a!r} and {b!r}, the name an added column has and the one prefixed" for a, b in both)
        raise ValueError(f"{where}: the input has both {pairs}; {_OTHER_PREFIX}")
    return names


#: GDAL's case folding of field names: ASCII letters only ('É' and 'é' are two fields to it).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def refuse_case_twins(columns: list[str], label: str, where: Path) -> None:
    """Refuse columns whose names differ only in case, for an output that takes them for one column.

    Parameters
    ----------
    columns
        The input's columns.
    label
        The output's format, for the message (``"GeoJSON"``).
    where
        The input, for the message.

    Raises
    ------
    ValueError
        Naming the first such pair.

    Examples
    --------
    >>> refuse_case_twins(["é", "É", "ß", "SS"], "GeoJSON", Path("in.csv"))  # GDAL folds ASCII letters only
    >>> refuse_case_twins(["id", "ID"], "GeoJSON", Path("in.csv"))
    Traceback (most recent call last):
    ...
    ValueError: in.csv: the columns 'id' and 'ID' differ only in case, which GeoJSON takes for one column; rename one
    """
    seen: dict[str, str] = {}
    for name in columns:
        first = seen.setdefault(name.translate(_ASCII_LOWER), name)
        if first != name:
            raise ValueError(
                f"{where}: the columns {first!r} and {name!r} differ only in case, which {label} takes for one column; "
                "rename one"
            )


def first_nul(table: pa.Table) -> tuple[str, int] | None:
    r"""Return the first text column holding a NUL character and its first such row (from 0), or None.

    GDAL's formats end a text value at a NUL (``"a\x00b"`` is written ``"a"``), so a table
    holding one cannot be written to them whole. Text inside lists and structs counts too.

    Examples
    --------
    >>> first_nul(pa.table({"id": [1, 2], "note": ["fine", "cut\x00here"]}))
    ('note', 1)
    >>> first_nul(pa.table({"tags": [["a"], [], ["b", "c\x00d"]]}))
    ('tags', 2)
    >>> first_nul(pa.table({"note": ["fine"]})) is None
    True
    """
    for name, column in zip(table.column_names, table.columns, strict=True):
        found = _nul_rows(column.combine_chunks()) if _holds_text(column.type) else None
        if found is not None and found.any():
            return name, int(np.argmax(found))
    return None


def _holds_text(kind: pa.DataType) -> bool:
    """Whether values of this type are or hold text (in a dictionary, a list, a struct)."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return True
    if pa.types.is_dictionary(kind):
        return _holds_text(kind.value_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _holds_text(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_holds_text(kind.field(i).type) for i in range(kind.num_fields))
    return False


def _nul_rows(values: pa.Array) -> np.ndarray:
    """Return, per value, whether it is or holds text with a NUL character (see :func:`_holds_text`)."""
    import pyarrow.compute as pc

    kind = values.type
    found = np.zeros(len(values), dtype=bool)
    if pa.types.is_dictionary(kind):
        return _nul_rows(values.cast(kind.value_type))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return np.asarray(pc.match_substring(values, "\x00").fill_null(False).to_numpy(zero_copy_only=False))
    if pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            if _holds_text(kind.field(i).type):
                found |= _nul_rows(pc.struct_field(values, [i]))
        return found
    if _holds_text(kind):  # a list: its items' findings, back to the rows they belong to
        inner = _nul_rows(pc.list_flatten(values))
        parents = pc.list_parent_indices(values).to_numpy()
        found[parents[inner]] = True
    return found


# --- tabular outputs ----------------------------------------------------------------------------------------


#: A little-endian WKB point as a record: byte order (1: little), geometry type (1: point), x, y (21 bytes).
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _point_wkb(lon: np.ndarray, lat: np.ndarray, ok: np.ndarray) -> pa.Array:
    """Little-endian WKB points of the ``ok`` rows, null elsewhere (built in numpy: 21 bytes a point)."""
    n = len(lon)
    points = np.empty(n, dtype=_WKB_POINT)
    points["order"], points["type"], points["x"], points["y"] = 1, 1, lon, lat
    offsets = np.arange(0, _WKB_POINT.itemsize * (n + 1), _WKB_POINT.itemsize, dtype=np.int32)
    validity = pa.py_buffer(np.packbits(ok.astype(bool), bitorder="little"))
    return pa.Array.from_buffers(pa.binary(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(points)])


#: GeoParquet's names of geometry types (2D), as GDAL names a layer's too.
_GEOPARQUET_TYPES = (
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection",
)  # fmt: skip


def _geo_metadata(column: str, geometry_type: str = "Point") -> bytes:
    """Return GeoParquet's ``geo`` metadata for one primary column of WKB geometry in EPSG:4326.

    ``geometry_type`` is the column's one type, or any other word (GDAL's ``Unknown``) for several
    (GeoParquet's empty list). The CRS is written out (as PROJJSON) rather than left to the default
    OGC:CRS84, so readers such as GeoPandas report EPSG:4326; GeoParquet's coordinates are lon/lat either way.
    """
    types = [geometry_type] if geometry_type in _GEOPARQUET_TYPES else []
    meta = {
        "version": GEOPARQUET_VERSION,
        "primary_column": column,
        "columns": {column: {"encoding": "WKB", "geometry_types": types, "crs": _wgs84_projjson()}},
    }
    return json.dumps(meta).encode()


@cache
def _to_lonlat(crs: str) -> Any:
    import pyproj

    return pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _own_wkb(
    geometry: pa.ChunkedArray | pa.Array, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray, layout: Layout
) -> pa.Array:
    """Return the rows' own geometry in WGS84 (2D) as WKB, null where they have none.

    A layer of points is written from its rows' answered lon/lat, the same points already
    transformed (shapely's way takes 2 s per million rows, this one 5 ms); a row without a usable
    point there keeps its own geometry, transformed.
    """
    if layout.geometry_type != "Point":
        return _wgs84_wkb(geometry, layout.source_crs)
    wkb = _point_wkb(lon, lat, ok)
    rest = np.flatnonzero(~np.asarray(ok, dtype=bool))
    if not rest.size:
        return wkb
    theirs = _wgs84_wkb(geometry.take(pa.array(rest)), layout.source_crs)
    return pc.replace_with_mask(wkb, pa.array(~np.asarray(ok, dtype=bool)), theirs)


def _wgs84_wkb(wkb: pa.ChunkedArray | pa.Array, crs: str | None) -> pa.Array:
    """Return geometries of WKB in ``crs`` in WGS84 lon/lat (2D), as WKB (null where missing)."""
    import shapely

    to_lonlat = _to_lonlat(crs or "EPSG:4326")

    def transform(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))

    geoms = shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object))
    return pa.array(shapely.to_wkb(shapely.transform(geoms, transform)), type=pa.binary())


@cache
def _wgs84_projjson() -> dict[str, Any]:
    import pyproj

    projjson: dict[str, Any] = pyproj.CRS.from_epsg(4326).to_json_dict()
    return projjson


class _ArrowWriter:
    """A tabular output written by an Arrow writer (CSV, Parquet); every chunk cast to the first one's schema."""

    def __init__(
        self, path: Path, open_writer: Callable[[Path, pa.Schema], Any], geometry: str | None, layout: Layout
    ) -> None:
        self.path = path
        self._open = open_writer
        self._geometry = geometry  # the column of WKB to add (GeoParquet), or None
        self._layout = layout
        self._writer: Any = None
        self._schema: pa.Schema | None = None

    def write(
        self, table: pa.Table, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray, geometry: pa.Array | None = None
    ) -> None:
        """Write one chunk (for GeoParquet, with its rows' own geometry in WGS84, or else their points, as WKB)."""
        if self._geometry is not None:
            wkb = _point_wkb(lon, lat, ok) if geometry is None else _own_wkb(geometry, lon, lat, ok, self._layout)
            table = table.append_column(pa.field(self._geometry, pa.binary()), wkb)
        if self._writer is None:
            schema = table.schema
            if self._geometry is not None:
                kind = "Point" if geometry is None else self._layout.geometry_type
                meta = _geo_metadata(self._geometry, kind)
                schema = schema.with_metadata({**(schema.metadata or {}), b"geo": meta})
            self._schema = schema
            self._writer = self._open(self.path, schema)
        self._writer.write_table(table.cast(self._schema))

    def close(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def csv_writer(path: Path, layout: Layout) -> ChunkWriter:
    """Open a CSV output."""
    return _ArrowWriter(path, pacsv.CSVWriter, geometry=None, layout=layout)


class _GzipCSVWriter:
    """A CSV writer into a gzip stream, closing both."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._sink = pa.CompressedOutputStream(str(path), "gzip")
        self._csv = pacsv.CSVWriter(self._sink, schema)

    def write_table(self, table: pa.Table) -> None:
        """Write one chunk."""
        self._csv.write_table(table)

    def close(self) -> None:
        """Finish the CSV, then the gzip stream."""
        self._csv.close()
        self._sink.close()


def csv_gz_writer(path: Path, layout: Layout) -> ChunkWriter:
    """Open a gzip CSV output."""
    return _ArrowWriter(path, _GzipCSVWriter, geometry=None, layout=layout)


def no_writer(path: Path, layout: Layout) -> ChunkWriter:
    """Refuse to open an output of a format that is read only."""
    raise ValueError(f"output {path}: this format is read, not written")


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """Return the columns worth Parquet's dictionary encoding: text and categories (numbers rarely repeat)."""
    return [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_dictionary(f.type)]


def _open_parquet(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    geometry = json.loads((schema.metadata or {}).get(b"geo", b"{}")).get("columns", {})
    stats = [f.name for f in schema if f.name not in geometry]  # a WKB blob's minimum and maximum mean nothing
    return pq.ParquetWriter(path, schema, use_dictionary=dictionary_columns(schema), write_statistics=stats)


def parquet_writer(path: Path, layout: Layout) -> ChunkWriter:
    """Open a GeoParquet output."""
    return _ArrowWriter(path, _open_parquet, geometry=layout.name("geometry"), layout=layout)


# --- vector outputs -----------------------------------------------------------------------------------------


class _VectorWriter:
    """A vector output written by GDAL from Arrow, one chunk appended at a time, geometry in WGS84."""

    def __init__(self, path: Path, layout: Layout, driver: str, layer_options: dict[str, str] | None = None) -> None:
        self.path, self.driver, self.layout, self.first = path, driver, layout, True
        self.rows = 0
        self.layer_options = dict(layer_options or {})
        self.dataset_options: dict[str, str] | None = None
        if driver == "GPKG":  # GDAL's own columns, renamed when the input has them (see output_names)
            self.layer_options |= {"FID": layout.name("fid"), "GEOMETRY_NAME": layout.name("geom")}
            self.dataset_options = {"VERSION": "1.2"}  # as the export's (geo.gpkg): older GDAL and QGIS warn at 1.4

    def write(
        self, table: pa.Table, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray, geometry: pa.Array | None = None
    ) -> None:
        """Append one chunk: its rows' own geometry when given, else their points."""
        import pyogrio

        wkb = _point_wkb(lon, lat, ok) if geometry is None else _own_wkb(geometry, lon, lat, ok, self.layout)
        column = "_wkb"
        while column in table.column_names:
            column = "_" + column
        table = gdal_columns(table, dates=self.driver != "FlatGeobuf", finite=self.driver == "GeoJSON")
        from pyogrio.errors import DataLayerError, DataSourceError

        free = _free_bytes(self.path)
        try:
            pyogrio.write_arrow(
                table.append_column(column, wkb), self.path, driver=self.driver, layer=LAYER, geometry_name=column,
                geometry_type=self.layout.geometry_type, crs="EPSG:4326", append=not self.first,
                layer_options=self.layer_options or None, dataset_options=self.dataset_options if self.first else None,
            )  # fmt: skip
        except (DataLayerError, DataSourceError) as exc:  # a full disk, a column GDAL refuses: one OSError
            full = _if_full(self.path, free, table.nbytes)
            raise OSError(f"GDAL could not write the {self.driver} file{full}: {exc}") from None
        self.first = False
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file: check that a FlatGeobuf says it has every row.

        GDAL writes a FlatGeobuf's features again, behind its spatial index, when the layer
        closes, and a write that fails then (a full disk) is not reported: the file is cut
        short and its header wrong. Its header's count is read back (a few bytes).
        """
        if self.driver != "FlatGeobuf" or self.rows == 0:  # an empty layer's header has no count to check
            return
        import pyogrio

        try:
            count = pyogrio.read_info(self.path, layer=LAYER)["features"]
        except Exception as exc:  # pyogrio's errors for a file it cannot open
            raise OSError(f"GDAL wrote an unreadable FlatGeobuf file (is the disk full?): {exc}") from None
        if count != self.rows:
            raise OSError(f"GDAL could not finish the FlatGeobuf file of {self.rows:,} rows (is the disk full?)")


#: A time zone GDAL writes as such: UTC, or a fixed offset. Of a zone by name (Asia/Damascus) it kept the clock
#: time without the offset, a wrong time.
_GDAL_ZONE = re.compile(r"UTC|Z|[+-]\d{2}:\d{2}")
#: The most significant digits a double keeps exactly: a decimal of no more is written as a number.
_DOUBLE_DIGITS = 15


def gdal_columns(table: pa.Table, dates: bool = True, finite: bool = False) -> pa.Table:
    """Return ``table`` with each column of a type GDAL's vector formats do not take as one they do, values kept.

    - a column of nulls only (Arrow's ``null`` type, as pandas and DuckDB write an empty column): text;
    - a decimal: a number (a double) up to 15 digits, else its text (``"12345678901234567.89"``);
    - a duration: its seconds, a number;
    - a time with a zone by name: the same instants in UTC;
    - a date, where the format has no date type (``dates=False``: FlatGeobuf): the time of its midnight;
    - NaN or an infinity, where the format has only finite numbers (``finite=True``: GeoJSON, whose JSON
      has none, and where GDAL left the property out with a warning): null.

    The types are decided by the column's type alone, so that every chunk of a file gets the same.
    """
    return pa.table(
        [_gdal_column(col, dates, finite) for col in table.columns],
        names=table.column_names,
        metadata=table.schema.metadata,
    )


def _gdal_column(col: pa.ChunkedArray, dates: bool, finite: bool) -> pa.ChunkedArray:
    """Return one column as :func:`gdal_columns` writes it."""
    t = col.type
    if finite and pa.types.is_floating(t):
        return pc.if_else(pc.is_finite(col), col, pa.scalar(None, t))
    if pa.types.is_duration(t):
        per_second = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[t.unit]
        return pc.divide(col.cast(pa.int64()).cast(pa.float64()), per_second)
    target = _gdal_type(t, dates)
    return col if target is None else col.cast(target)


def _gdal_type(t: pa.DataType, dates: bool) -> pa.DataType | None:
    """Return the type :func:`gdal_columns` casts ``t`` to, or None to keep it."""
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_decimal(t):
        return pa.float64() if t.precision <= _DOUBLE_DIGITS else pa.string()
    if pa.types.is_timestamp(t) and t.tz is not None and not _GDAL_ZONE.fullmatch(t.tz):
        return pa.timestamp(t.unit, "UTC")
    if pa.types.is_date(t) and not dates:
        return pa.timestamp("ms")
    return None


def _free_bytes(path: Path) -> int | None:
    """Return the bytes free on the file system of the folder of ``path`` (None if it cannot be told)."""
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def _if_full(path: Path, free_before: int | None, chunk_bytes: int) -> str:
    """Return why a GDAL write failed when the disk is the likely cause, else ``""``.

    GDAL's error, as pyogrio gives it, is its last message, which may not say why
    (``Cannot write feature``, or a GeoPackage's failed rollback after "disk is full").
    The disk is taken for full when the chunk's Arrow size was more than the free space
    before the write, or under 1 MiB is free after it.
    """
    free_after = _free_bytes(path)
    if free_before is None or free_after is None:
        return ""
    if free_before >= chunk_bytes and free_after >= 1 << 20:
        return ""
    return f" (is the disk full? {free_before / 2**20:.1f} MiB were free for a chunk of {chunk_bytes / 2**20:.1f} MiB)"


def vector_writer(driver: str, **layer_options: str) -> Callable[[Path, Layout], ChunkWriter]:
    """Return the opener of a GDAL vector output of ``driver`` with these layer creation options."""

    def open_writer(path: Path, layout: Layout) -> ChunkWriter:
        return _VectorWriter(path, layout, driver, layer_options)

    return open_writer
