"""Reading the tabular point files people really have: CSV in any dialect and encoding, Excel sheets.

Every reader here yields the chunks of :mod:`geo._point_files` (``(table, lon, lat,
known)``) and shares its rules for the coordinate columns (:func:`tabular_chunks`):
found by name unless given, each named once, holding numbers or text.

A CSV is read by Arrow in blocks with quoted line breaks allowed
(``newlines_in_values``), its separator sniffed from its start unless given, its
encoding UTF-8 unless given. Arrow does not say where in the file it stopped, so on an
error, and for the line of a reported row, the file is read again by the standard
:mod:`csv` module, which counts physical lines (blank ones, and the line breaks inside
quotes): that costs one pass over the file, and only when a line is asked for.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = [
    "DELIMITERS",
    "LAT_NAMES",
    "LON_NAMES",
    "Chunk",
    "ReadOptions",
    "at_least_one",
    "csv_columns",
    "csv_encoding",
    "csv_line_of",
    "encoding_of",
    "guard",
    "read_csv",
    "read_xlsx",
    "tabular_chunks",
    "xlsx_row_of",
]

#: Names a coordinate column is found by, in any case, when none is given.
LON_NAMES = ("longitude", "lon", "lng", "long", "x")
LAT_NAMES = ("latitude", "lat", "y")
#: The CSV separators sniffed, and accepted by ``delimiter``.
DELIMITERS = (",", ";", "\t", "|")
#: Names of separators that are awkward to type.
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
#: Bytes of a CSV's start the separator is sniffed from.
_SNIFF_BYTES = 1 << 16

Chunk = tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input.

    Parameters
    ----------
    lon_col, lat_col
        Coordinate columns of a tabular format (None: found by name).
    chunk_rows
        Rows per chunk, for formats that read by rows.
    block_bytes
        Bytes per chunk, for formats that read text in blocks.
    delimiter
        A CSV's separator (None: sniffed).
    encoding
        A text file's encoding.
    layer
        The layer (GeoPackage) or sheet (Excel) to read (None: the only one, or the first sheet).
    """

    lon_col: str | None
    lat_col: str | None
    chunk_rows: int
    block_bytes: int
    delimiter: str | None = None
    encoding: str = "utf-8"
    layer: str | None = None


# --- the coordinate columns ---------------------------------------------------------------------------------


def _pick(names: list[str], wanted: str | None, defaults: tuple[str, ...], what: str, path: Path) -> str:
    """Return the column of the ``what`` coordinate: ``wanted``, or the one column named like it."""
    option = f"--{what[:3]}-col"
    if wanted is None:
        found = [n for n in names if n.lower() in defaults]
        if not found:
            raise ValueError(f"{path}: no {what} column (looked for {list(defaults)}, any case); name it with {option}")
        if len(set(found)) > 1:
            raise ValueError(f"{path}: the {what} could be any of the columns {found}; say which with {option}")
        wanted = found[0]
    elif wanted not in names:
        raise ValueError(f"{path}: no column {wanted!r} for the {what}; columns are {names}")
    return wanted


def _refuse_repeated(names: list[str], path: Path) -> None:
    """Refuse a table with a column name twice: no output format could tell them apart (nor could a reader of it)."""
    for name in dict.fromkeys(names):
        at = [i + 1 for i, n in enumerate(names) if n == name]
        if len(at) > 1:
            where = ", ".join(map(str, at))
            if not name.strip():
                raise ValueError(f"{path}: the columns {where} have no name in the header; name them")
            raise ValueError(
                f"{path}: the column {name!r} appears {len(at)} times (columns {where}); rename one of them"
            )


def _check_type(schema: pa.Schema, name: str, what: str, path: Path) -> None:
    """Refuse a coordinate column that holds neither numbers nor text (a bool read as 1.0 would be a wrong answer)."""
    t = schema.field(name).type
    if not (
        pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t)
        or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)
    ):  # fmt: skip
        raise ValueError(
            f"{path}: the {what} column {name!r} holds {t} values, not numbers; name another with --{what[:3]}-col"
        )


#: A number with a decimal comma, which a coordinate column may hold: digits, one comma, digits.
_DECIMAL_COMMA = r"\s*[-+]?\d+,\d+\s*"


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
    values = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)  # a copy of its own, written below
    # A decimal comma (35,81: a European spreadsheet's CSV, separated by ';'): no degree has a thousands separator.
    comma = (np.isnan(values) & text.astype(str).str.fullmatch(_DECIMAL_COMMA).to_numpy(dtype=bool)).nonzero()[0]
    values[comma] = pd.to_numeric(text.iloc[comma].str.replace(",", ".", regex=False)).to_numpy(dtype=float)
    return values, (present.to_numpy() & np.isnan(values))


def _numeric_to_float(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Numeric arrow column -> float64 numpy array, NaN for nulls."""
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def tabular_chunks(
    path: Path, schema: pa.Schema, batches: Iterator[pa.RecordBatch], opts: ReadOptions,
    explain: Callable[[Exception], str] | None = None,
) -> Iterator[Chunk]:  # fmt: skip
    """Return the chunks of a tabular file, its coordinates from the columns ``opts`` names (or found by name).

    A file with no rows gives one chunk of none, so that its columns are still written.

    Parameters
    ----------
    path
        The file, for messages.
    schema
        Its columns.
    batches
        Its rows.
    opts
        The coordinate columns, if given.
    explain
        What a mid-file failure says (see :func:`guard`).

    Returns
    -------
    Iterator[Chunk]
        The chunks; a mid-file failure is a ValueError naming the file.

    Raises
    ------
    ValueError
        Up front, for a column name given twice, or a coordinate column missing, ambiguous, given as both
        coordinates or of the wrong type.
    """
    names = list(schema.names)
    if _blank(names):
        raise ValueError(_BLANK_HEADER.format(path=path))
    _refuse_repeated(names, path)
    lon_name = _pick(names, opts.lon_col, LON_NAMES, "longitude", path)
    lat_name = _pick(names, opts.lat_col, LAT_NAMES, "latitude", path)
    if lon_name == lat_name:
        raise ValueError(f"{path}: the column {lon_name!r} cannot be both the longitude and the latitude")
    _check_type(schema, lon_name, "longitude", path)
    _check_type(schema, lat_name, "latitude", path)

    def gen() -> Iterator[Chunk]:
        for batch in at_least_one(batches, schema):
            table = pa.Table.from_batches([batch])
            lon, lon_text = _to_float(table.column(lon_name))
            lat, lat_text = _to_float(table.column(lat_name))
            text = lon_text | lat_text
            known = np.where(text, "coordinate is not a number", "") if text.any() else np.zeros(len(lon), "<U1")
            yield table, lon, lat, known

    return guard(gen(), path, explain)


#: What a file whose header line holds nothing but spaces (or separators) says.
_BLANK_HEADER = "{path}: the first line holds only spaces; expected a header line naming the columns"


def _blank(names: list[str]) -> bool:
    """Return True for a header line of spaces: no names, where an empty file has no header at all."""
    return bool(names) and not any(n.strip() for n in names)


def at_least_one(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Yield ``batches``, or one batch of no rows with ``schema`` when there are none (a file of a header only)."""
    empty = True
    for batch in batches:
        empty = False
        yield batch
    if empty:
        yield pa.RecordBatch.from_pylist([], schema=schema)


def guard(chunks: Iterator[Chunk], path: Path, explain: Callable[[Exception], str] | None = None) -> Iterator[Chunk]:
    """Turn a reader's mid-file failure into a ValueError naming the file (and, with ``explain``, where)."""
    try:
        yield from chunks
    except (pa.ArrowInvalid, OSError, UnicodeError) as exc:
        if explain is not None:
            raise ValueError(explain(exc)) from None
        raise ValueError(f"{path}: cannot read the file past a malformed part ({exc})") from None


# --- CSV ----------------------------------------------------------------------------------------------------


def _open_text(path: Path, encoding: str, errors: str = "replace") -> io.TextIOBase:
    """Open the file as text in ``encoding`` (a mark dropped), decompressed when it is gzip, line ends as they are."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    text: io.TextIOBase = opener(path, "rt", encoding=codec, errors=errors, newline="")
    return text


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """Open the file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def encoding_of(opts: ReadOptions, path: Path) -> str:
    """Return the codec name of ``opts.encoding`` (ValueError for an unknown one)."""
    try:
        info = codecs.lookup(opts.encoding)
    except LookupError:
        raise ValueError(f"{path}: unknown encoding {opts.encoding!r} (e.g. utf-8, latin-1, cp1252)") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64...: codecs of bytes to bytes or str to str
        raise ValueError(f"{path}: {opts.encoding!r} is not a text encoding (e.g. utf-8, latin-1, cp1252)")
    return info.name


#: Byte-order marks that say a text file is not UTF-8 (Excel's "Unicode Text" is UTF-16), longest first.
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def csv_encoding(opts: ReadOptions, path: Path) -> str:
    """Return the codec of a CSV: ``opts.encoding``, unless that is UTF-8 and the file starts with a UTF-16/32 mark.

    No UTF-8 text starts with those bytes, so the mark decides; the codec reads it and drops it.
    """
    encoding = encoding_of(opts, path)
    if encoding != "utf-8":
        return encoding
    try:
        with _open_bytes(path) as f:
            start = f.read(256)
    except OSError:  # not gzip after all, unreadable: the reader says so
        return encoding
    marked = next((codec for bom, codec in _OTHER_BOMS if start.startswith(bom)), encoding)
    unmarked = _unmarked_unicode(start) if marked == encoding else None
    if unmarked is not None:
        raise ValueError(
            f"{path}: looks like {unmarked} text without a byte-order mark; say so with --encoding {unmarked}"
        )
    return marked


def _unmarked_unicode(start: bytes) -> str | None:
    r"""Return the UTF-16 or UTF-32 codec (with its byte order) the file starts as with no mark, else None.

    The sign is ASCII in 16 or 32 bits: a NUL in most bytes but one of each unit of 2 or 4, and
    seldom in that one (a character whose low byte is zero, as an emoji's second half).

    Examples
    --------
    >>> _unmarked_unicode("id,lat\n".encode("utf-16-be")), _unmarked_unicode("id,lat\n".encode("utf-32-le"))
    ('utf-16-be', 'utf-32-le')
    >>> _unmarked_unicode(b"id,lat\n") is None
    True
    """
    for width in (4, 2):
        n = len(start) // width * width
        lanes = [start[k:n:width] for k in range(width)]
        zero = [lane.count(0) > len(lane) // 2 for lane in lanes]
        for order, text in (("le", 0), ("be", width - 1)):
            few = lanes[text].count(0) <= len(lanes[text]) // 16  # a character of a zero low byte (U+0100, emoji)
            if few and all(zero[k] for k in range(width) if k != text):
                return f"utf-{8 * width}-{order}"
    return None


def sniff_delimiter(sample: str) -> str:
    r"""Return the separator of a CSV from its first lines: the one of :data:`DELIMITERS` giving most columns evenly.

    Parameters
    ----------
    sample
        The start of the file, decoded.

    Returns
    -------
    str
        The separator; ``","`` when no other fits.

    Examples
    --------
    >>> sniff_delimiter('id;note;lat\\n1;"a, b";35.8\\n')
    ';'
    >>> sniff_delimiter("id,lat\\n1,35.8\\n")
    ','
    """
    best, best_key = ",", (False, 1)
    for d in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        except csv.Error:  # a NUL, a lone carriage return: not a CSV this separator reads; the reader names it
            continue
        if len(rows) > 1:
            rows = rows[:-1]  # the last may be cut short by the end of the sample
        if not rows:
            continue
        width = len(rows[0])
        key = (all(len(r) == width for r in rows), width)
        if width > 1 and key > best_key:
            best, best_key = d, key
    return best


def _delimiter(path: Path, opts: ReadOptions, encoding: str) -> str:
    if opts.delimiter is not None:
        given = _DELIMITER_NAMES.get(opts.delimiter.lower(), opts.delimiter)
        if len(given) != 1 or given in "\"\r\n":
            raise ValueError(f"{path}: the delimiter must be one character (e.g. ';' or tab), not {opts.delimiter!r}")
        return given
    with _open_bytes(path) as f:
        sample = f.read(_SNIFF_BYTES).decode(encoding, errors="replace").lstrip("\ufeff")
    return sniff_delimiter(sample)


def _records(path: Path, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank record of a CSV (the header first) with the physical line it starts on."""
    csv.field_size_limit(1 << 30)
    with _open_text(path, encoding) as text:
        reader = csv.reader(text, delimiter=delimiter)
        start = 1
        for record in reader:
            if record:
                yield start, record
            start = reader.line_num + 1


def csv_line_of(path: Path, opts: ReadOptions, row: int) -> int | None:
    """Return the physical line (from 1) data row ``row`` (from 1) of a CSV starts on, counting blank lines.

    Parameters
    ----------
    path
        The CSV.
    opts
        Its separator and encoding.
    row
        The row, counted from 1 after the header.

    Returns
    -------
    int or None
        The line; None if the file has fewer rows (or cannot be read again).
    """
    encoding = csv_encoding(opts, path)
    delimiter = _delimiter(path, opts, encoding)
    for i, (line, _) in enumerate(_records(path, delimiter, encoding)):
        if i == row:
            return line
    return None


def csv_columns(path: Path, opts: ReadOptions) -> list[str]:
    """Return a CSV's column names, from its header (one short read, the separator sniffed unless given).

    Parameters
    ----------
    path
        The CSV.
    opts
        Its separator and encoding.

    Returns
    -------
    list of str
        The header's names; empty for an empty file.
    """
    encoding = csv_encoding(opts, path)
    _, header = next(_records(path, _delimiter(path, opts, encoding), encoding), (0, []))
    return header


def _decode_problem(path: Path, encoding: str) -> str | None:
    """Return where the file is not valid ``encoding`` text, as a message, or None."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    if encoding in ("utf-16", "utf-32"):  # a line break is not one byte: no line to name
        try:
            with _open_text(path, encoding, errors="strict") as text:
                for _ in iter(lambda: text.read(1 << 20), ""):
                    pass
        except UnicodeError as exc:  # a bad code unit, or (no mark) no byte order
            with _open_bytes(path) as f:
                marked = any(f.read(4).startswith(bom) for bom, codec in _OTHER_BOMS if codec == encoding)
            if isinstance(exc, UnicodeDecodeError) and marked:
                return f"{path}: not valid {encoding} text ({exc.reason}); say what the file is with --encoding"
            return (  # no mark: its byte order must be said
                f"{path}: not valid {encoding} text ({exc}); say its byte order, --encoding {encoding}-le or "
                f"{encoding}-be"
            )
        return None
    with _open_bytes(path) as f:
        for n, raw in enumerate(f, 1):
            try:
                raw.decode(codec)
            except UnicodeDecodeError as exc:
                other = _likely_encoding(raw) if encoding == "utf-8" else "utf-8"
                return (
                    f"{path}: line {n} is not valid {encoding} text (byte 0x{raw[exc.start]:02x}); "
                    f"say what the file is, e.g. --encoding {other}"
                )
    return None


def _likely_encoding(raw: bytes) -> str:
    """Return the encoding to suggest for a line that is not UTF-8: ``cp1256`` for Arabic, else ``latin-1``.

    Windows' Arabic code page (cp1256, what Excel saves in Arabic Windows) writes every letter of a word
    as a byte over 0x7F, so its bytes come in runs that cp1256 reads as Arabic letters; a Latin-1 line's
    accented letters stand alone between ASCII ones (``Müller``). Latin-1 would read Arabic as accented
    Latin letters without an error, so the hint matters.

    Examples
    --------
    >>> _likely_encoding("سراقب 2020".encode("cp1256")), _likely_encoding("Müller, Hélène".encode("latin-1"))
    ('cp1256', 'latin-1')
    """
    high = [i for i, b in enumerate(raw) if b > 0x7F]
    at = set(high)
    paired = sum(1 for i in high if i - 1 in at or i + 1 in at)
    arabic = sum(1 for ch in bytes(raw[i] for i in high).decode("cp1256", "replace") if "\u0600" <= ch <= "\u06ff")
    return "cp1256" if high and paired * 2 > len(high) and arabic * 5 > len(high) * 4 else "latin-1"


def _shape_problem(path: Path, delimiter: str, encoding: str) -> str | None:
    """Return the first record whose field count differs from the header's, as a message, or None."""
    records = _records(path, delimiter, encoding)
    _, header = next(records, (0, []))
    if _blank(header):  # else its one field of spaces is a header of one column, and line 2 does not match it
        return _BLANK_HEADER.format(path=path)
    for line, record in records:
        if len(record) != len(header):
            return (
                f"{path}: line {line} has {len(record)} fields, the header {len(header)} "
                f"(separator {delimiter!r}; say another with --delimiter)"
            )
    return None


def _refuse_unclosed_quote(last: pa.RecordBatch | None, path: Path, delimiter: str, encoding: str) -> None:
    """Refuse a CSV whose last record opens a quote never closed (``last``: its last batch; None for no rows).

    Arrow takes such a quote to the end of the file as one value, every line after it
    included, so the last row then holds a line break; only then is the file read again
    (:func:`_unclosed_quote`).
    """
    if last is None:
        return
    row = last.slice(last.num_rows - 1)
    texts = [column for column in row.columns if pa.types.is_string(column.type)]
    if any(pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in texts):
        problem = _unclosed_quote(path, delimiter, encoding)
        if problem:
            raise ValueError(problem)


def _unclosed_quote(path: Path, delimiter: str, encoding: str) -> str | None:
    """Return, as a message, the line of a quote opened in the last record and never closed, or None.

    Python's :mod:`csv`, strict, says "unexpected end of data" where the file ends inside quotes.
    """
    (start, _), *_ = deque(_records(path, delimiter, encoding), maxlen=1) or [(1, [])]
    with _open_text(path, encoding) as text:
        for _ in range(start - 1):
            next(text, None)
        try:
            for _ in csv.reader(text, delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return (
                    f"{path}: line {start}: a quoted value is never closed, so every line after it would be part of "
                    "it; close the quote (or is the file cut short?)"
                )
    return None


def _csv_failure(path: Path, delimiter: str, encoding: str) -> Callable[[Exception], str]:
    def explain(exc: Exception) -> str:
        try:
            problem = _decode_problem(path, encoding) or _shape_problem(path, delimiter, encoding)
        except (EOFError, OSError) as again:  # a compressed file cut short fails the second reading too
            return f"{path}: cannot read it to its end ({again}); is the file cut short?"
        return problem or f"{path}: cannot read as CSV ({exc})"

    return explain


def read_csv(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """Read a CSV (or gzip-compressed CSV) in blocks of ``opts.block_bytes``, every column as text.

    Parameters
    ----------
    path
        The file.
    opts
        Its separator, encoding and coordinate columns.

    Returns
    -------
    tuple
        The chunks, and None (the row count is not known before the end).

    Raises
    ------
    ValueError
        A file that cannot be read, in one line naming the file and, when known, the line.
    """
    encoding = csv_encoding(opts, path)
    delimiter = _delimiter(path, opts, encoding)
    explain = _csv_failure(path, delimiter, encoding)
    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)

    def open_reader(block: int, convert: pacsv.ConvertOptions | None = None) -> tuple[int, pacsv.CSVStreamingReader]:
        """Open the file in blocks of ``block`` bytes, or larger ones if its first record needs them.

        A reader and its file are never closed here, only let go: Arrow reads blocks ahead on
        a thread of its own, which may still be reading when the reader has failed or is left.
        Closing the file then freed its descriptor while that read was under way, and the next
        file opened (this one again, in larger blocks) took the same number: the stray read
        took a block from it, and the new reader started in the middle of a record (2 runs in
        100). Let go, the file is closed by the last of its users, that read included.
        """
        read = pacsv.ReadOptions(block_size=block, encoding=arrow_encoding)
        gz = path.name.lower().endswith(".gz")
        source = pa.input_stream(str(path), compression="gzip" if gz else None)
        try:
            return block, pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid as exc:
            if not _record_too_long(exc, block):
                raise
        return open_reader(block * 4, convert)

    try:
        _, first = open_reader(1 << 16)
        header = first.schema.names
        del first  # let go, not closed: see open_reader
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
        block, reader = open_reader(opts.block_bytes, convert)
    except (pa.ArrowInvalid, OSError, UnicodeError) as exc:
        if "Empty CSV file" not in str(exc):
            raise ValueError(explain(exc)) from None
        return tabular_chunks(path, _lone_header(path, delimiter, encoding), iter(()), opts, explain), None

    def batches() -> Iterator[pa.RecordBatch]:
        """Yield the batches; a record longer than two blocks reads the file again in larger ones, from its row."""
        nonlocal block, reader
        done = 0
        while True:
            skip = done
            try:
                batch = None
                for read in reader:
                    if skip >= read.num_rows:
                        skip -= read.num_rows
                        continue
                    batch, skip = read.slice(skip), 0
                    done += batch.num_rows
                    yield batch
                _refuse_unclosed_quote(batch, path, delimiter, encoding)
                return
            except pa.ArrowInvalid as exc:
                if not _record_too_long(exc, block):
                    raise
            block, reader = open_reader(block * 4, convert)  # the old one let go, not closed: see open_reader

    return tabular_chunks(path, reader.schema, batches(), opts, explain), None


def _lone_header(path: Path, delimiter: str, encoding: str) -> pa.Schema:
    """Return the text columns of a CSV Arrow finds empty: a header with no line break after it, or nothing.

    Raises
    ------
    ValueError
        For a file with no header either.
    """
    header = next(_records(path, delimiter, encoding), (0, []))[1]
    if not header:
        raise ValueError(f"{path}: the file is empty; expected a header line naming the columns")
    return pa.schema([(n, pa.string()) for n in header])


#: The largest block a CSV is read in (Arrow's blocks are at most 2 GiB): a record must fit in two.
_MAX_BLOCK_BYTES = 1 << 30


def _record_too_long(exc: pa.ArrowInvalid, block: int) -> bool:
    """Whether Arrow failed for a record longer than its blocks, and larger ones may still be tried."""
    return "straddl" in str(exc) and block * 4 <= _MAX_BLOCK_BYTES


# --- Excel --------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """Return a cell as text: whole numbers without ``.0`` (as Excel shows them), dates in ISO 8601."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _sheet(path: Path, opts: ReadOptions) -> tuple[str, list[list[Any]], list[int]]:
    """Return the sheet to read, its non-blank rows (the header first) and each one's row number in the sheet (from 1).

    Rows above and columns left of the sheet's used area are not read; a blank row inside it is
    skipped, as a blank line of a CSV is, so a data row is named by its true row number.
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors
        raise ValueError(f"{path}: cannot read as an Excel workbook ({exc})") from None
    sheets = list(book.sheet_names)
    if opts.layer is not None and opts.layer not in sheets:
        raise ValueError(f"{path}: no sheet {opts.layer!r}; the sheets are {sheets} (choose one with --layer)")
    name = opts.layer or sheets[0]
    sheet = book.get_sheet_by_name(name)
    top = (sheet.start or (0, 0))[0] + 1
    numbered = [(top + i, row) for i, row in enumerate(sheet.to_python()) if any(v != "" for v in row)]
    return name, [row for _, row in numbered], [n for n, _ in numbered]


def xlsx_row_of(path: Path, opts: ReadOptions, row: int) -> int | None:
    """Return the sheet row number (from 1, as Excel shows it) of data row ``row`` (from 1) of a workbook.

    Parameters
    ----------
    path
        The workbook.
    opts
        The sheet (``opts.layer``, else the first).
    row
        The data row, from 1, blank rows not counted.

    Returns
    -------
    int or None
        The row number; None if the sheet has fewer data rows.
    """
    numbers = _sheet(path, opts)[2]
    return numbers[row] if 0 < row < len(numbers) else None


def read_xlsx(path: Path, opts: ReadOptions) -> tuple[Iterator[Chunk], int | None]:
    """Read a sheet of an Excel workbook (``opts.layer``, else the first), its first row the header, cells as text.

    Parameters
    ----------
    path
        The workbook.
    opts
        The sheet, the rows per chunk and the coordinate columns.

    Returns
    -------
    tuple
        The chunks, and the number of data rows.

    Raises
    ------
    ValueError
        An unreadable workbook, an unknown sheet, or an empty one.
    """
    name, rows, _ = _sheet(path, opts)
    if not rows:
        raise ValueError(f"{path}: the sheet {name!r} is empty; expected a header row")
    header = [_cell_text(v) for v in rows[0]]
    schema = pa.schema([(n, pa.string()) for n in header])

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(1, len(rows), opts.chunk_rows):
            part = [[_cell_text(v) for v in r[: len(header)]] for r in rows[start : start + opts.chunk_rows]]
            part = [r + [""] * (len(header) - len(r)) for r in part]
            columns = [pa.array([r[j] for r in part], type=pa.string()) for j in range(len(header))]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    return tabular_chunks(path, schema, batches(), opts), len(rows) - 1
