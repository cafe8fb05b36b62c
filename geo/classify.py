"""Classify point files of any size against the corridor, in constant memory.

:func:`classify_file` streams a CSV, Parquet, GeoJSON or GeoPackage file in chunks,
appends the query columns of :meth:`geo.Corridor.query` to every row and writes CSV,
Parquet, GeoJSON or GeoPackage (chosen by the output's extension). Memory depends on
the chunk, not on the file: the libraries (~250 MB) plus a few hundred bytes for each
row of one chunk (a 4 MiB block of CSV text, or ``chunk_rows`` rows of the other
formats) — see README.md for peaks measured on 1 and 10 million rows.

Rows whose coordinates are missing or invalid are never dropped: they are kept with
empty results and counted (``ClassifyReport.bad_rows``), or, with ``strict=True``,
the first one stops the run with an error naming its row and line number.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from ._io import atomic_path
from .columns import QUERY_COLUMNS, Column
from .query import swapped_check

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["FORMATS", "QUERY_SCHEMA", "BadRow", "ClassifyReport", "classify_file"]

#: File formats by extension.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".geojson": "geojson", ".json": "geojson",
           ".gpkg": "gpkg"}  # fmt: skip

#: The columns appended to every row, with their types: :data:`geo.columns.QUERY_COLUMNS` in Arrow's terms.
QUERY_SCHEMA = pa.schema([(c.name, c.arrow_type()) for c in QUERY_COLUMNS])

_LON_NAMES = ("longitude", "lon", "lng", "long", "x")
_LAT_NAMES = ("latitude", "lat", "y")
_CSV_BLOCK_BYTES = 4 << 20


@dataclass(frozen=True)
class BadRow:
    """A row whose coordinates could not be used: 1-based data row, file line (CSV), reason."""

    row: int
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (line {self.line})" if self.line is not None else "")
        return f"{where}: {self.reason}"


@dataclass
class ClassifyReport:
    """What :func:`classify_file` did."""

    output: Path
    rows: int = 0
    bad_rows: int = 0
    first_bad: BadRow | None = None
    seconds: float = 0.0
    chunks: int = 0
    swapped_rows: int = 0
    first_swapped: BadRow | None = None

    @property
    def rows_per_second(self) -> float:
        """Throughput over the whole run, rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


def _format_of(path: Path, what: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{what} {path}: unknown extension {path.suffix!r}, expected one of {sorted(FORMATS)}")
    return fmt


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


def _bad_reason(lon: np.ndarray, lat: np.ndarray, known: np.ndarray, i: int) -> str:
    """Why row ``i`` of a chunk cannot be answered (``known`` holds reasons found while reading)."""
    if known[i]:
        return str(known[i])
    if np.isnan(lon[i]) or np.isnan(lat[i]):
        return "missing coordinate"
    if not np.isfinite(lon[i]) or not np.isfinite(lat[i]):
        return f"coordinate is not finite (lon {lon[i]}, lat {lat[i]})"
    if not -180 <= lon[i] <= 180:
        return f"longitude {lon[i]} out of range, expected [-180, 180]"
    return f"latitude {lat[i]} out of range, expected [-90, 90]"


# --- readers: each yields (table without geometry, lon, lat, reasons found while reading: "" or a message) --------

Chunk = tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]


def _read_tabular(
    path: Path, fmt: str, lon_col: str | None, lat_col: str | None, chunk_rows: int
) -> tuple[Iterator[Chunk], int | None]:
    if fmt == "csv":
        try:
            header = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
        except (pa.ArrowInvalid, OSError) as exc:
            raise ValueError(f"{path}: cannot read as CSV ({exc})") from None
        opts = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=_CSV_BLOCK_BYTES), convert_options=opts)
        names, total = header, None
        batches: Iterator[pa.RecordBatch] = iter(reader)
    else:
        try:
            pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)  # pre-buffering keeps every row group
        except (pa.ArrowInvalid, OSError) as exc:
            raise ValueError(f"{path}: cannot read as Parquet ({exc})") from None
        names, total = pf.schema_arrow.names, pf.metadata.num_rows
        batches = pf.iter_batches(batch_size=chunk_rows)
    lon_name = _pick(names, lon_col, _LON_NAMES, "longitude", path)
    lat_name = _pick(names, lat_col, _LAT_NAMES, "latitude", path)

    def gen() -> Iterator[Chunk]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            lon, lon_text = _to_float(table.column(lon_name))
            lat, lat_text = _to_float(table.column(lat_name))
            known = np.where(lon_text | lat_text, "coordinate is not a number", "")
            yield table, lon, lat, known

    return _guard(gen(), path), total


def _read_vector(path: Path, chunk_rows: int) -> tuple[Iterator[Chunk], int | None]:
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

    def gen() -> Iterator[Chunk]:
        with pyogrio.open_arrow(path, batch_size=chunk_rows, use_pyarrow=True) as (meta, reader):
            gcol = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                table = pa.Table.from_batches([batch])
                geoms = shapely.from_wkb(table.column(gcol).to_numpy(zero_copy_only=False))
                table = table.drop_columns([gcol])
                is_point = shapely.get_type_id(geoms) == 0
                usable = is_point & ~shapely.is_empty(geoms)
                x = np.full(len(geoms), np.nan)
                y = np.full(len(geoms), np.nan)
                x[usable], y[usable] = shapely.get_x(geoms[usable]), shapely.get_y(geoms[usable])
                lon, lat = to_lonlat.transform(x, y)
                known = np.full(len(geoms), "", dtype=object)
                known[shapely.is_missing(geoms)] = "missing geometry"
                known[~shapely.is_missing(geoms) & shapely.is_empty(geoms)] = "empty geometry"
                for i in np.flatnonzero(~is_point & ~shapely.is_missing(geoms)):
                    known[i] = f"geometry is a {geoms[i].geom_type}, expected a Point"
                yield table, np.asarray(lon), np.asarray(lat), known

    return _guard(gen(), path), total


def _guard(chunks: Iterator[Chunk], path: Path) -> Iterator[Chunk]:
    """Turn a reader's mid-file failure into a ValueError naming the file."""
    try:
        yield from chunks
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read the file past a malformed part ({exc})") from None


# --- writers --------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt, self.first = path, fmt, True
        self._csv: pacsv.CSVWriter | None = None
        self._pq: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray) -> None:
        if self.fmt == "csv":
            if self._csv is None:
                self._schema = table.schema
                self._csv = pacsv.CSVWriter(self.path, table.schema)
            self._csv.write_table(table.cast(self._schema))
        elif self.fmt == "parquet":
            if self._pq is None:
                self._schema = table.schema
                self._pq = pq.ParquetWriter(self.path, table.schema)
            self._pq.write_table(table.cast(self._schema))
        else:
            import geopandas as gpd

            geom = np.full(len(lon), None, dtype=object)
            geom[ok] = shapely.points(lon[ok], lat[ok])
            # nullable booleans, so GeoJSON gets true/false/null rather than the text "True"
            frame = table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
            gdf = gpd.GeoDataFrame(frame, geometry=list(geom), crs="EPSG:4326")
            driver = "GeoJSON" if self.fmt == "geojson" else "GPKG"
            gdf.to_file(self.path, driver=driver, layer="classified", append=not self.first)
        self.first = False

    def close(self) -> None:
        if self._csv is not None:
            self._csv.close()
            self._csv = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None


def _results(
    corridor: Corridor, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray
) -> tuple[list[pa.Array], np.ndarray]:
    """The query columns for one chunk (rows not ``ok`` get each column's missing value), and the ok rows' distances."""
    if not ok.any():
        return [_column(c, np.empty(0, dtype=object), ok) for c in QUERY_COLUMNS], np.empty(0)
    res = corridor.query(lon[ok], lat[ok])
    cols = [_column(c, res[c.name].to_numpy(dtype=object if c.categorical else None), ok) for c in QUERY_COLUMNS]
    return cols, res["distance_m"].to_numpy()


def _column(column: Column, values: np.ndarray, ok: np.ndarray) -> pa.Array:
    """One query column over a chunk's rows: ``values`` for the ``ok`` rows, the column's missing value elsewhere."""
    if ok.all():
        return pa.array(values, type=column.arrow_type())
    full = np.empty(len(ok), dtype=values.dtype)
    full[ok] = values
    if column.missing is None:
        return pa.array(full, type=column.arrow_type(), mask=~ok)
    full[~ok] = column.missing
    return pa.array(full, type=column.arrow_type())


def classify_file(
    corridor: Corridor,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    chunk_rows: int = 250_000,
    strict: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> ClassifyReport:
    """Append the corridor query columns to every row of a point file, streaming.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    source, output
        Input and output files; the format of each comes from its extension
        (``.csv``, ``.parquet``, ``.geojson``, ``.gpkg``).
    lon_col, lat_col
        Coordinate columns of a CSV or Parquet input (degrees, WGS84). By default the
        first of ``longitude, lon, lng, long, x`` / ``latitude, lat, y`` (any case).
        GeoJSON and GeoPackage inputs give their point geometry, in any CRS.
    chunk_rows
        Rows per chunk for Parquet, GeoJSON and GeoPackage (CSV is read in 4 MiB blocks).
    strict
        Stop at the first row with missing or invalid coordinates instead of keeping it
        with empty results.
    progress
        Called with the number of rows of each chunk done (e.g. a progress bar's update).

    Returns
    -------
    ClassifyReport
        Rows, bad rows (and the first one), time taken.

    Raises
    ------
    ValueError
        Unknown format, missing coordinate column, unreadable file, or (``strict``) a bad row.
        The output file is written atomically: on any error, none is left behind.
    """
    src, out = Path(source), Path(output)
    in_fmt, out_fmt = _format_of(src, "input"), _format_of(out, "output")
    if not src.is_file():
        raise ValueError(f"input {src}: no such file")
    if src.resolve() == out.resolve():
        raise ValueError(f"output {out}: the same file as the input")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows!r}: expected a positive whole number of rows")
    if in_fmt in ("csv", "parquet"):
        chunks, _ = _read_tabular(src, in_fmt, lon_col, lat_col, chunk_rows)
    else:
        if lon_col or lat_col:
            raise ValueError(f"{src}: --lon-col/--lat-col apply to CSV and Parquet; this file has point geometry")
        chunks, _ = _read_vector(src, chunk_rows)
    if not out.parent.is_dir():
        raise ValueError(f"output {out}: the folder {out.parent} does not exist")
    report = ClassifyReport(output=out)

    def row_ref(i: int, reason: str) -> BadRow:
        """Row ``i`` of the current chunk, counted from 1 over the file (CSV: with its line, after the header)."""
        row = report.rows + i + 1
        return BadRow(row=row, line=row + 1 if in_fmt == "csv" else None, reason=reason)

    start = time.perf_counter()
    with atomic_path(out) as tmp:
        writer = _Writer(tmp, out_fmt)
        try:
            for table, lon, lat, known in chunks:
                ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
                bad = np.flatnonzero(~ok)
                if bad.size:
                    if report.first_bad is None:
                        report.first_bad = row_ref(int(bad[0]), _bad_reason(lon, lat, known, int(bad[0])))
                    if strict:
                        raise ValueError(f"{src}: {report.first_bad} (--strict stops at the first bad row)")
                    report.bad_rows += int(bad.size)
                if in_fmt in ("geojson", "gpkg") and out_fmt in ("csv", "parquet"):
                    table = table.append_column("longitude", pa.array(lon, mask=~ok)).append_column(
                        "latitude", pa.array(lat, mask=~ok)
                    )
                results, distance = _results(corridor, lon, lat, ok)
                for f, col in zip(QUERY_SCHEMA, results, strict=True):
                    if f.name in table.column_names:
                        table = table.drop_columns([f.name])
                    table = table.append_column(f, col)
                rows_ok = np.flatnonzero(ok)
                swapped = rows_ok[swapped_check(corridor, lon[rows_ok], lat[rows_ok], distance)[0]]
                if swapped.size:
                    if report.first_swapped is None:
                        i = int(swapped[0])
                        report.first_swapped = row_ref(
                            i, f"lon {lon[i]}, lat {lat[i]} read the other way round lies by the M4"
                        )
                    report.swapped_rows += int(swapped.size)
                writer.write(table, lon, lat, ok)
                report.rows += table.num_rows
                report.chunks += 1
                if progress is not None:
                    progress(table.num_rows)
            if writer.first:  # an input with no rows: still write a valid, empty output
                writer.write(_empty_table(), np.empty(0), np.empty(0), np.empty(0, dtype=bool))
        finally:
            writer.close()
    report.seconds = time.perf_counter() - start
    return report


def _empty_table() -> pa.Table:
    return pa.table({f.name: pa.array([], type=f.type) for f in QUERY_SCHEMA})
