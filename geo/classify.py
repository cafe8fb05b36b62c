"""Classify point files of any size against the corridor, in constant memory.

:func:`classify_file` streams a file of points in chunks, appends the query columns
of :meth:`geo.Corridor.query` (:data:`geo.columns.QUERY_COLUMNS`) to every row and
writes the rows out. Input and output may be any of :data:`FILE_FORMATS` (CSV,
Parquet, GeoJSON, GeoPackage, FlatGeobuf), each chosen by its extension. Memory
depends on the chunk, not on the file: the libraries (~250 MB) plus a few hundred
bytes for each row of at most three chunks (one read ahead, one answered, one being
written; a chunk is a 4 MiB block of CSV text, or ``chunk_rows`` rows of the other
formats) — see README.md for peaks measured on 1 and 10 million rows.

Rows whose coordinates are missing or invalid are never dropped: they are kept with
empty results and counted (``ClassifyReport.bad_rows``), or, with ``strict=True``,
the first one stops the run with an error naming its row and line number.

The output side:

* a CSV's text columns get their types in a typed output (:mod:`geo._column_types`:
  decided on the first chunk and held to by the others, in one pass, or decided over the
  whole file first when a later chunk does not fit; ``keep_text=True`` keeps the text);
* Parquet is written as GeoParquet (point geometry, null for a bad row), vector outputs
  keep a vector input's own geometry, whatever its type (lines are answered at their
  midpoint by length, other shapes at their ``point_on_surface``);
* an added column never overwrites an input column (``prefix``);
* the output is checked before the input is read (:func:`geo._io.check_output_path`),
  written atomically, and SIGTERM or SIGINT during the run removes the partial file
  (:func:`geo._io.raise_on_signals`) before :class:`geo._io.Interrupted` is raised.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._column_types import StreamTypes, TypeInference, TypesChanged, convert
from ._io import (
    STDOUT_CLOSED,
    Interrupted,
    atomic_path,
    check_output_path,
    raise_on_signals,
    refuse_inputs,
    stdout_errors,
)
from ._point_files import DEFAULT_CHUNK_ROWS, FILE_FORMATS, Chunk, FileFormat, ReadOptions, format_of, reading_format
from ._point_readers import encoding_of
from ._point_writers import (
    DEFAULT_PREFIX,
    GEOMETRY_CRS_KEY,
    GEOMETRY_KEY,
    GEOMETRY_TYPE_KEY,
    REPRESENTATIVE_KEY,
    ChunkWriter,
    Layout,
    first_nul,
    output_names,
    refuse_case_twins,
)
from ._validate import lonlat_ok, lonlat_problem, lonlat_problem_kinds
from ._words import listed
from .columns import QUERY_COLUMNS, Column
from .query import prepare_kernel, swapped_check

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = [
    "DEFAULT_CHUNK_ROWS", "FILE_FORMATS", "FORMATS", "QUERY_SCHEMA", "BadRow", "ClassifyReport", "classify_chunks",
    "classify_file",
]  # fmt: skip

#: File format names by extension, from :data:`FILE_FORMATS` (the registry of formats).
FORMATS = {ext: f.name for f in FILE_FORMATS.values() for ext in f.extensions}

#: The columns appended to every row, with their types: :data:`geo.columns.QUERY_COLUMNS` in Arrow's terms.
QUERY_SCHEMA = pa.schema([(c.name, c.arrow_type()) for c in QUERY_COLUMNS])

#: Bytes per chunk of the formats read as blocks of text (CSV).
_CSV_BLOCK_BYTES = 4 << 20
#: Input bytes from which the compiled query kernel is loaded while the first chunk is read (a smaller file
#: may not need it: queries of fewer than 20,000 points take the numpy path).
_KERNEL_FROM_BYTES = 1 << 20
#: The formats whose files hold several tables, chosen by ``layer``.
_LAYERED = ("gpkg", "xlsx")


@dataclass(frozen=True)
class BadRow:
    """A row whose coordinates could not be used: data row (from 1), its line in the file, reason; file in a dataset."""

    row: int
    line: int | None
    reason: str
    line_word: str = "line"
    file: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.line_word} {self.line})" if self.line is not None else "")
        return f"{self.file + ': ' if self.file else ''}{where}: {self.reason}"


@dataclass
class ClassifyReport:
    """What :func:`classify_file` did: rows read, bad (by reason) and swapped, the columns added, the time taken."""

    output: Path
    rows: int = 0
    bad_rows: int = 0
    first_bad: BadRow | None = None
    seconds: float = 0.0
    chunks: int = 0
    swapped_rows: int = 0
    first_swapped: BadRow | None = None
    bad_by_reason: dict[str, int] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    #: Rows whose geometry is a line or an area, answered at a point on it (a line's midpoint, else a point inside).
    representative_rows: int = 0

    @property
    def rows_per_second(self) -> float:
        """Throughput over the whole run, rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float("nan")

    @property
    def answered(self) -> int:
        """Rows answered: those with usable coordinates."""
        return self.rows - self.bad_rows

    def as_dict(self) -> dict[str, Any]:
        """Return the run's figures as plain JSON values (``classify --json`` prints them).

        Returns
        -------
        dict
            ``output``, ``rows``, ``answered``, ``bad_rows``, ``bad_by_reason``, ``first_bad``,
            ``swapped_rows``, ``first_swapped``, ``representative_rows``, ``columns_added``, ``chunks``,
            ``seconds``.
        """
        return {
            "output": str(self.output),
            "rows": self.rows,
            "answered": self.answered,
            "bad_rows": self.bad_rows,
            "bad_by_reason": dict(sorted(self.bad_by_reason.items())),
            "first_bad": None if self.first_bad is None else str(self.first_bad),
            "swapped_rows": self.swapped_rows,
            "first_swapped": None if self.first_swapped is None else str(self.first_swapped),
            "representative_rows": self.representative_rows,
            "columns_added": list(self.columns_added),
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


def _reason_kinds(lon: np.ndarray, lat: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Why each row cannot be answered, as a category (no values in it, so rows can be counted by it)."""
    kinds = lonlat_problem_kinds(lon, lat)
    kinds[np.isnan(lon) | np.isnan(lat)] = "missing coordinate"  # an empty cell, read as NaN
    given = known.astype(bool)
    kinds[given] = known[given]
    return kinds


def _bad_reason(lon: np.ndarray, lat: np.ndarray, known: np.ndarray, i: int) -> str:
    """Why row ``i`` of a chunk cannot be answered (``known`` holds reasons found while reading)."""
    if known[i]:
        return str(known[i])
    if np.isnan(lon[i]) or np.isnan(lat[i]):
        return "missing coordinate"  # an empty cell, read as NaN
    return lonlat_problem(float(lon[i]), float(lat[i])) or "valid coordinate"


def _results(
    corridor: Corridor, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray, threads: int | None = None
) -> tuple[list[pa.Array], np.ndarray]:
    """Return the query columns for one chunk, and the ok rows' distances.

    Rows not ``ok`` get each column's missing value.
    """
    if not ok.any():
        return [_spread(c, pa.nulls(0, type=c.arrow_type()), ok) for c in QUERY_COLUMNS], np.empty(0)
    res = corridor.query(lon[ok], lat[ok], workers=threads)
    cols = [_spread(c, _arrow(c, res[c.name]), ok) for c in QUERY_COLUMNS]
    return cols, res["distance_m"].to_numpy()


def _arrow(column: Column, values: pd.Series) -> pa.Array:
    """Return one answered column as Arrow; a categorical one goes by its codes, not as Python strings."""
    if column.categorical:
        cat = values.array
        codes = np.asarray(cat.codes)
        names = pa.array(np.asarray(cat.categories, dtype=object), type=pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), names).cast(column.arrow_type())
    return pa.array(values.to_numpy(), type=column.arrow_type())


def _spread(column: Column, values: pa.Array, ok: np.ndarray) -> pa.Array:
    """Return one query column over a chunk's rows: ``values`` at the ``ok`` rows, its missing value elsewhere."""
    if ok.all():
        return values
    full = values.take(pa.array(np.cumsum(ok) - 1, mask=~ok))
    if column.missing is None:
        return full
    return pc.fill_null(full, pa.scalar(column.missing, type=column.arrow_type()))


def _open_input(src: Path, fmt: FileFormat, opts: ReadOptions) -> Iterator[Chunk]:
    """Return the input's chunks (ValueError for options the format has no use for, or a bad file)."""
    if fmt.geometry and (opts.lon_col or opts.lat_col):
        tabular = " and ".join(f.label for f in FILE_FORMATS.values() if not f.geometry)
        raise ValueError(f"{src}: --lon-col/--lat-col apply to {tabular}; this file has point geometry")
    if opts.delimiter is not None and not fmt.lines:
        raise ValueError(f"{src}: --delimiter applies to CSV; this is a {fmt.label} file")
    if encoding_of(opts, src) != "utf-8" and not fmt.lines:  # a format of its own encoding
        raise ValueError(f"{src}: --encoding applies to CSV; a {fmt.label} file says its own encoding")
    if opts.layer is not None and fmt.name not in _LAYERED:
        raise ValueError(f"{src}: --layer applies to GeoPackage layers and Excel sheets; this is a {fmt.label} file")
    chunks, _ = fmt.read(src, opts)
    return chunks


#: What a NUL character in the input leaves a user who needs it: the formats that keep it.
_NUL_ELSE = ", or write Parquet or CSV"
#: Why a GDAL format refuses it.
_CANNOT_CARRY = "cannot carry (its text ends there)"


def _json_text(column: pa.ChunkedArray) -> pa.Array:
    """Return a column of lists, structs or maps as the JSON text of each value (null stays null)."""
    return pa.array(
        [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in column.to_pylist()],
        pa.string(),
    )


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _Run:
    """One classification: every chunk checked, answered and counted into the report."""

    def __init__(
        self, corridor: Corridor, src: Path, in_fmt: FileFormat, out_fmt: FileFormat, strict: bool,
        report: ClassifyReport, opts: ReadOptions, prefix: str | None,
    ) -> None:  # fmt: skip
        self.corridor, self.src, self.in_fmt, self.strict, self.report = corridor, src, in_fmt, strict, report
        self.threads: int | None = None  # of the query kernel (None: every core)
        self.opts = opts
        self.add_lonlat = in_fmt.geometry and not out_fmt.geometry  # points read from geometry, written as columns
        lonlat = ("longitude", "latitude") if self.add_lonlat else ()
        self.adds = (*lonlat, *QUERY_SCHEMA.names)  # the columns every row gains
        self.out_fmt = out_fmt
        self.reserved = out_fmt.reserved  # the names the output format itself takes (geometry, fid)
        self.prefix = prefix
        self.names: dict[str, str] | None = None  # what each added or reserved name is written as
        self.typed: Callable[[pa.Table], pa.Table] | None = None  # types the input's text columns (geo._column_types)
        self.geometry_type = "Point"  # of a vector output's layer: a vector input's own, else points
        self.source_crs: str | None = None  # of a vector input's own geometry

    def plan(self, columns: list[str]) -> dict[str, str]:
        """Name what the run adds so that no input column is overwritten (decided on the first chunk)."""
        if self.names is None:
            if self.out_fmt.case_blind:
                refuse_case_twins(columns, self.out_fmt.label, self.src)
            self.names = output_names(columns, (*self.adds, *self.reserved), self.prefix, self.src)
            self.report.columns_added = [self.names[n] for n in self.adds]
        return self.names

    def planned(self, table: pa.Table) -> pa.Table:
        """Return ``table`` once the names are planned from it (so a first pass refuses a clash at its start)."""
        self.plan(table.column_names)
        return table

    def layout(self) -> Layout:
        """Return what the writer needs: the names the output's own columns are written as (after :meth:`plan`)."""
        return Layout(names=self.names or {}, geometry_type=self.geometry_type, source_crs=self.source_crs)

    def row_ref(self, i: int, reason: str) -> BadRow:
        """Row ``i`` of the current chunk, counted from 1 over the file (with its physical line, for text)."""
        row = self.report.rows + i + 1
        line = None
        if self.in_fmt.lines:
            line = row + 1 if self.in_fmt.line_of is None else self.in_fmt.line_of(self.src, self.opts, row)
        return BadRow(row=row, line=line, reason=reason, line_word=self.in_fmt.line_word)

    def usable(self, lon: np.ndarray, lat: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Which rows have valid coordinates; the others counted (or, strict, the first one an error)."""
        ok: np.ndarray = lonlat_ok(lon, lat)
        bad = np.flatnonzero(~ok)
        if bad.size:
            if self.report.first_bad is None:
                self.report.first_bad = self.row_ref(int(bad[0]), _bad_reason(lon, lat, known, int(bad[0])))
            if self.strict:
                raise ValueError(f"{self.src}: {self.report.first_bad} (--strict stops at the first bad row)")
            self.report.bad_rows += int(bad.size)
            kinds, counts = np.unique(_reason_kinds(lon[bad], lat[bad], known[bad]).astype(str), return_counts=True)
            for kind, count in zip(kinds.tolist(), counts.tolist(), strict=True):
                self.report.bad_by_reason[kind] = self.report.bad_by_reason.get(kind, 0) + count
        return ok

    def answer(
        self, table: pa.Table, lon: np.ndarray, lat: np.ndarray, ok: np.ndarray
    ) -> tuple[pa.Table, pa.ChunkedArray | None]:
        """Return the chunk with the query columns appended (named by :meth:`plan`), and its rows' own geometry.

        Swapped rows are counted on the way.
        """
        table, geometry, stand_ins = self.own_geometry(table)
        if self.out_fmt.flat:
            table = self.cells_as_text(table)
        if self.out_fmt.nul_ends_text:
            self.refuse_nul(table)
        self.report.representative_rows += int(np.count_nonzero(stand_ins & ok))
        names = self.plan(table.column_names)
        if self.add_lonlat:
            table = table.append_column(names["longitude"], pa.array(lon, mask=~ok)).append_column(
                names["latitude"], pa.array(lat, mask=~ok)
            )
        results, distance = _results(self.corridor, lon, lat, ok, self.threads)
        for f, col in zip(QUERY_SCHEMA, results, strict=True):
            table = table.append_column(f.with_name(names[f.name]), col)
        rows_ok = np.flatnonzero(ok)
        swapped = rows_ok[swapped_check(self.corridor, lon[rows_ok], lat[rows_ok], distance, workers=self.threads)[0]]
        if swapped.size:
            if self.report.first_swapped is None:
                i = int(swapped[0])
                self.report.first_swapped = self.row_ref(
                    i, f"lon {lon[i]}, lat {lat[i]} read the other way round lies by the M4"
                )
            self.report.swapped_rows += int(swapped.size)
        return table, geometry

    def cells_as_text(self, table: pa.Table) -> pa.Table:
        """Return ``table`` with every column a CSV cell cannot hold as text; bytes not UTF-8 are refused.

        Lists, structs and maps (a Parquet's, a GeoJSON's arrays) become their JSON; a GeoJSON
        property holding an object is read as Arrow's JSON type, whose text is that JSON; bytes
        (Parquet written without its strings marked as text, as older Spark and Hive write it)
        become their text.
        """
        for i, f in enumerate(table.schema):
            if isinstance(f.type, pa.BaseExtensionType) and pa.types.is_string(f.type.storage_type):
                table = table.set_column(i, f.name, table.column(i).cast(f.type.storage_type))
                continue
            if pa.types.is_nested(f.type):
                table = table.set_column(i, f.name, _json_text(table.column(i)))
                continue
            if not (pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)):
                continue
            try:
                table = table.set_column(i, f.name, table.column(i).cast(pa.string()))
            except pa.ArrowInvalid:
                values = table.column(i).to_pylist()
                bad = next(j for j, v in enumerate(values) if v is not None and not _is_utf8(v))
                where = self.row_ref(bad, f"column {f.name!r} holds bytes that are not UTF-8 text")
                keep = listed([f.label for f in FILE_FORMATS.values() if f.output and not f.flat])
                raise ValueError(
                    f"output {self.report.output}: {self.src}: {where}, which {self.out_fmt.label} cannot hold; "
                    f"write {keep} instead"
                ) from None
        return table

    def refuse_nul(self, table: pa.Table) -> None:
        """Refuse a chunk with a NUL character in a text value or a column name, which the output would cut short."""
        cannot = f"which {self.out_fmt.label} {_CANNOT_CARRY}"
        named = next((n for n in table.column_names if "\x00" in n), None)
        if named is not None:
            raise ValueError(
                f"{self.src}: the column name {named!r} holds a NUL character, {cannot}; rename the column{_NUL_ELSE}"
            )
        found = first_nul(table)
        if found is not None:
            where = self.row_ref(found[1], f"column {found[0]!r} holds a NUL character (\\x00)")
            raise ValueError(f"{self.src}: {where}, {cannot}; remove it{_NUL_ELSE}")

    def typed_chunks(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        """Return ``chunks`` with their text columns typed (:attr:`typed`), when the output has types.

        The names are planned first (:meth:`plan`), so that a clash is refused before any typing.
        """
        for table, lon, lat, known in chunks:
            if self.typed is None:
                yield table, lon, lat, known
                continue
            yield self.typed(self.planned(table)), lon, lat, known

    def own_geometry(self, table: pa.Table) -> tuple[pa.Table, pa.ChunkedArray | None, np.ndarray]:
        """Split off a vector input's own geometry (WKB, see :mod:`geo._point_files`) and note its type and CRS.

        Also return which rows are lines or areas, answered at a point on them (none for a tabular chunk).
        """
        meta = dict(table.schema.metadata or {})
        column = meta.pop(GEOMETRY_KEY, None)
        if column is None:
            return table, None, np.zeros(table.num_rows, dtype=bool)
        self.geometry_type = meta.pop(GEOMETRY_TYPE_KEY, b"Unknown").decode()
        self.source_crs = meta.pop(GEOMETRY_CRS_KEY, b"EPSG:4326").decode()
        packed = meta.pop(REPRESENTATIVE_KEY, None)
        stand_ins = np.zeros(table.num_rows, dtype=bool)
        if packed is not None:
            stand_ins = np.unpackbits(np.frombuffer(packed, dtype=np.uint8), count=table.num_rows).astype(bool)
        geometry = table.column(column.decode())
        return table.drop_columns([column.decode()]).replace_schema_metadata(meta or None), geometry, stand_ins


def _to_stdout(run: Callable[[Path], ClassifyReport], fmt: FileFormat) -> ClassifyReport:
    """Run ``run(path)`` on a temporary file named with ``fmt``'s extension, then copy it to the standard output.

    Nothing reaches the standard output unless the whole run succeeds; the file is removed afterwards.
    """
    if not fmt.output:
        raise ValueError(f"output -: {fmt.label} is read, not written; choose another --output-format")
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # started with the standard output closed (>&-)
        raise ValueError(f"{STDOUT_CLOSED} or name a file")
    if fmt.name != "csv" and out.isatty():
        raise ValueError(f"output -: refusing to write {fmt.label} to a terminal; redirect it (> FILE) or name a file")
    with tempfile.TemporaryDirectory(prefix="idlib-corridor-") as folder:
        path = Path(folder) / f"stdout{fmt.extensions[0]}"
        try:
            report = run(path)
        except ValueError as exc:  # a full disk names the temporary file: the user named the standard output
            raise ValueError(str(exc).replace(f"output {path}", "output -").replace(str(path), "-")) from None
        try:
            with stdout_errors(), open(path, "rb") as f:  # a full disk behind a redirection (> /dev/full)
                shutil.copyfileobj(f, out, 1 << 20)
                out.flush()
        except Interrupted as exc:  # what went down the pipe cannot be taken back
            exc.written = "the standard output holds only the start of the output"
            raise
    report.output = Path("-")
    return report


@contextlib.contextmanager
def _stdin_copy(fmt: FileFormat) -> Iterator[Path]:
    """Copy the standard input to a temporary file named with ``fmt``'s extension; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="idlib-corridor-") as folder:
        path = Path(folder) / f"stdin{fmt.extensions[0]}"
        with open(path, "xb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
        yield path


def classify_file(  # noqa: PLR0913 - one public call; every option past the files is keyword-only
    corridor: Corridor,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    strict: bool = False,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    layer: str | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    progress: Callable[[int], Any] | None = None,
    prefix: str | None = DEFAULT_PREFIX,
    keep_text: bool = False,
    threads: int | None = None,
) -> ClassifyReport:
    """Append the corridor query columns to every row of a point file, streaming.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    source, output
        Input and output files; the format of each comes from its extension
        (see :data:`FILE_FORMATS`). ``"-"`` reads the standard input (copied to a
        temporary file first, so it can be read again for line numbers), or writes the
        standard output (written to a temporary file first, and copied once complete).
    lon_col, lat_col
        Coordinate columns of a tabular input such as CSV or Parquet (degrees,
        WGS84). By default the one column named like one of :data:`geo._point_files.LON_NAMES`
        / :data:`~geo._point_files.LAT_NAMES` (any case; two candidates are an error). Vector
        inputs (GeoJSON, GeoPackage, GeoParquet...) give their point geometry, in any CRS.
    chunk_rows
        Rows per chunk, for the formats read by rows (CSV is read in 4 MiB blocks).
    strict
        Stop at the first row with missing or invalid coordinates instead of keeping it
        with empty results.
    delimiter
        A CSV's separator (by default sniffed from its first lines among ``, ; tab |``).
    encoding
        A CSV's encoding (UTF-8, with or without a byte-order mark, by default).
    layer
        The GeoPackage layer or Excel sheet to read (by default the only layer, or the first sheet).
    input_format
        The input's format, a name of :data:`FILE_FORMATS` (by default from its extension; CSV for ``"-"``).
    output_format
        The format written to the standard output (``output="-"``), a name of :data:`FILE_FORMATS`
        (CSV by default); a file's format is its extension.
    progress
        Called with the number of rows of each chunk done (e.g. a progress bar's update).
    prefix
        What a column the run adds gets before its name when the input already has a
        column of that name (in any case): a query column, ``longitude``/``latitude``
        (a vector input written as a table), or a column the output format itself has
        (GeoParquet's ``geometry``, GeoPackage's ``fid`` and ``geom``). The input's
        columns are never overwritten or renamed. None refuses such a run instead,
        before anything is written, naming the clashing columns.
    keep_text
        Write a text input's columns (CSV's) as text. By default, for an output with
        types (all but CSV), a text column whose every non-empty value is an integer, a
        decimal, an ISO date or an ISO date and time is written as one (the rules, and
        what "without loss" means, are in :mod:`geo._column_types`); every chunk of
        the output has the types the whole file gives. They are decided on the first
        chunk and every later chunk is checked against them; when one does not fit, the
        run starts again with the types decided over the whole file (reading it twice more).
    threads
        Threads the query kernel may use (default: every core); a task of a dask cluster
        (:func:`geo.classify_dataset`) uses one, as the cluster runs a task per core.

    Returns
    -------
    ClassifyReport
        Rows, bad rows (and the first one), time taken.

    Raises
    ------
    ValueError
        Unknown format, missing coordinate column, unreadable file, or (``strict``) a bad row;
        an output that cannot be written (its folder missing or read-only, a directory,
        a device or FIFO, a name too long: all checked before the input is read; a full
        disk while writing). The output file is written atomically: on any error, none
        is left behind.
    geo._io.Interrupted
        On SIGTERM or SIGINT during the run (a ``KeyboardInterrupt``); the temporary
        output is removed first. The previous signal handlers are restored afterwards.
    """
    for given, what in ((input_format, "input"), (output_format, "output")):
        if given is not None and given not in FILE_FORMATS:
            raise ValueError(f"{what} format {given!r}: unknown, expected one of {sorted(FILE_FORMATS)}")
    if output_format is not None and str(output) != "-":
        raise ValueError(f"output format {output_format!r}: for -o - only; a file's format is its extension")
    options: dict[str, Any] = {
        "lon_col": lon_col, "lat_col": lat_col, "chunk_rows": chunk_rows, "strict": strict, "delimiter": delimiter,
        "encoding": encoding, "layer": layer, "input_format": input_format, "progress": progress, "prefix": prefix,
        "keep_text": keep_text, "threads": threads,
    }  # fmt: skip
    if str(output) == "-":
        fmt = FILE_FORMATS[output_format or "csv"]
        return _to_stdout(lambda path: classify_file(corridor, source, path, **options), fmt)
    check_output_path(Path(output))  # before a byte of the input is read (stdin included)
    if str(source) == "-":
        with _stdin_copy(FILE_FORMATS[input_format or "csv"]) as copy:
            try:
                return classify_file(corridor, copy, output, **{**options, "input_format": input_format or "csv"})
            except ValueError as exc:
                raise ValueError(str(exc).replace(str(copy), "<stdin>")) from None
    src, out = Path(source), Path(output)
    try:
        in_fmt = FILE_FORMATS[input_format] if input_format else format_of(src, "input")
    except ValueError as exc:
        raise ValueError(f"{exc}; or say the format with --input-format") from None
    format_of(out, "output")  # an unknown extension refused before the input is read
    if not src.is_file():
        raise ValueError(f"input {src}: no such file")
    refuse_inputs(out, [src])
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows!r}: expected a positive whole number of rows")
    in_fmt = reading_format(src, in_fmt)
    opts = ReadOptions(lon_col, lat_col, chunk_rows, _CSV_BLOCK_BYTES, delimiter, encoding, layer)
    with raise_on_signals():
        return classify_chunks(
            corridor, src, lambda: _open_input(src, in_fmt, opts), in_fmt, out, opts=opts, strict=strict,
            progress=progress, prefix=prefix, keep_text=keep_text, threads=threads,
        )  # fmt: skip


def classify_chunks(  # noqa: PLR0913 - the whole of one run, for classify_file and the dataset tasks
    corridor: Corridor,
    src: Path,
    reader: Callable[[], Iterator[Chunk]],
    in_fmt: FileFormat,
    out: Path,
    *,
    opts: ReadOptions,
    strict: bool = False,
    progress: Callable[[int], Any] | None = None,
    prefix: str | None = DEFAULT_PREFIX,
    keep_text: bool = False,
    threads: int | None = None,
) -> ClassifyReport:
    """Answer the chunks ``reader()`` gives (called again if the types must be decided over the whole input).

    What :func:`classify_file` runs once it has checked its arguments; :mod:`geo.dataset` runs it for each
    partition of a dask frame. ``src`` names the input in messages and reported rows; ``out``'s format is
    taken from its extension; ``threads`` is what the query kernel may use (None: every core).

    Returns
    -------
    ClassifyReport
        The run's figures.
    """
    out_fmt = format_of(out, "output")
    report = ClassifyReport(output=out)
    start = time.perf_counter()
    run = _Run(corridor, src, in_fmt, out_fmt, strict, report, opts, prefix)
    run.threads = threads
    typed = out_fmt.typed and not in_fmt.typed and not keep_text  # text in, types out
    if typed:
        run.typed = StreamTypes().apply
    try:
        _write(run, reader(), out, progress)
    except TypesChanged:
        done = report.rows  # a later chunk did not fit the first one's types: decide them over the whole file
        report = ClassifyReport(output=out)
        run = _Run(corridor, src, in_fmt, out_fmt, strict, report, opts, prefix)
        run.threads = threads
        types = TypeInference.over(run.planned(table) for table, *_ in reader())
        run.typed = lambda table: convert(table, types)
        _write(run, reader(), out, _past(progress, done))
    report.seconds = time.perf_counter() - start
    return report


def _read_ahead(chunks: Iterator[Chunk]) -> Generator[Chunk, None, None]:
    """Yield ``chunks``, the next one read on a second thread while this one is answered (Arrow releases the GIL).

    One chunk at most waits; the reader's error is raised where its chunk would have been, and
    leaving early (an error, a signal) stops the thread.
    """
    ahead: queue.Queue[tuple[Chunk | None, BaseException | None]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[Chunk | None, BaseException | None]) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ahead.put(item, timeout=0.1)
                return True
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, None)):
                    return
            put((None, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((None, exc))

    thread = threading.Thread(target=read, name="classify-reader", daemon=True)
    thread.start()
    try:
        while True:
            chunk, error = ahead.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()
        thread.join()


def _past(progress: Callable[[int], Any] | None, done: int) -> Callable[[int], Any] | None:
    """Return ``progress`` called only for rows past the first ``done`` (already counted by a run started again)."""
    if progress is None:
        return None
    seen = 0

    def update(rows: int) -> None:
        nonlocal seen
        new = max(0, seen + rows - max(done, seen))
        seen += rows
        if new:
            progress(new)

    return update


def _write(run: _Run, chunks: Iterator[Chunk], out: Path, progress: Callable[[int], Any] | None) -> None:
    """Write the answered ``chunks`` to ``out`` atomically (a full disk is a ValueError naming the output)."""
    try:
        with atomic_path(out) as tmp:
            _write_all(run, chunks, tmp, progress)
    except OSError as exc:  # a full disk, a folder gone: the reader's own errors are ValueErrors
        raise ValueError(f"output {out}: cannot write: {exc.strerror or exc}") from None


def _write_all(run: _Run, chunks: Iterator[Chunk], tmp: Path, progress: Callable[[int], Any] | None) -> None:
    """Answer every chunk and write it to ``tmp`` (an input with no rows still gives a valid, empty output).

    A chunk is written on a second thread while the next one is read and answered (the
    Arrow and GDAL writers release the GIL), and the one after is read meanwhile
    (:func:`_read_ahead`); so memory holds three chunks at most.
    """
    report = run.report
    writer: ChunkWriter | None = None
    pending: Future[None] | None = None
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify-writer") as pool,
        # Typed on the reader's thread, which is stopped on any way out (not when collected).
        contextlib.closing(_read_ahead(run.typed_chunks(chunks))) as ahead,
    ):
        done = False
        try:
            kernel = None  # loaded on the writer's thread while it has no work and the first chunk is read
            if run.src.is_file() and run.src.stat().st_size >= _KERNEL_FROM_BYTES:
                kernel = pool.submit(prepare_kernel, run.corridor)
            for table, lon, lat, known in ahead:
                ok = run.usable(lon, lat, known)
                if kernel is not None:
                    kernel.result()
                    kernel = None
                answered, geometry = run.answer(table, lon, lat, ok)
                if writer is None:
                    writer = run.out_fmt.writer(tmp, run.layout())
                if pending is not None:
                    pending.result()  # the previous chunk's error, if any, is raised here
                pending = pool.submit(writer.write, answered, lon, lat, ok, geometry)
                report.rows += table.num_rows
                report.chunks += 1
                if progress is not None:
                    progress(table.num_rows)
            if pending is not None:
                pending.result()
            if writer is None:
                run.plan([])
                writer = run.out_fmt.writer(tmp, run.layout())
                writer.write(_empty_table(), np.empty(0), np.empty(0), np.empty(0, dtype=bool))
            done = True
        finally:
            if pending is not None:
                wait([pending])  # never close the file under a write in flight
            if writer is not None and done:
                writer.close()
            elif writer is not None:  # the run's own error says what went wrong, not the closing's of a file cut short
                with contextlib.suppress(Exception):
                    writer.close()


def _empty_table() -> pa.Table:
    return pa.table({f.name: pa.array([], type=f.type) for f in QUERY_SCHEMA})
