"""Typed output for text inputs: the type of each text column, decided over the whole file, and the conversion.

A CSV is read as text (so an id ``00042`` stays ``00042``). For an output with types
(Parquet, GeoJSON, GeoPackage, FlatGeobuf), :func:`geo.classify_file` gives a text
column a type when *every* non-empty value of it, over the whole file, converts
without loss; the first matching of, in order:

``int64``
    Every value, stripped of surrounding spaces, is what ``str(int(value))`` gives back
    (an optional ``-``, no ``+``, no leading zero, at most 18 digits): ``00123``, ``+5``
    and ``1.0`` keep a column as text.
``float64``
    Every value is a plain decimal (``-12.5``, ``3``, ``1.50``, ``2e-3``: no leading zero
    before other digits, no ``nan``/``inf``, no ``.5``) with at most 15 significant digits,
    and finite: the number read is the one written, up to its formatting (``1.50`` is ``1.5``).
``date32``
    Every value is a valid ISO date ``YYYY-MM-DD`` (``2020-02-30`` keeps the column as text).
``timestamp[us]``
    Every value is a valid ISO date and time without a zone, ``YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]``.

Empty cells (and cells of spaces) become nulls; a column with nothing but empty cells
stays text. The patterns are matched by a compiled scan of the column's bytes (:mod:`geo._text_scan`).
Because classify streams, every chunk of the output must have the types the
whole file gives, so that no value is lost or changed mid-way. :class:`StreamTypes` does
that in one pass: it decides on the first chunk (:class:`TypeInference`) and holds every
later chunk to it, which is exact because a type that fits every chunk is the one the
whole file gives. When a later chunk does not fit (a decimal in a column of integers, a
first value in a column empty so far), it raises :class:`TypesChanged` and the run starts
again from a pass that decides over the whole file (:meth:`TypeInference.over`), then
applies it (:func:`convert`). ``keep_text=True`` keeps every column as text.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StreamTypes", "TypeInference", "TypesChanged", "convert"]

#: The types a text column may get, in the order they are tried.
TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


def _is_text(type_: pa.DataType) -> bool:
    return bool(pa.types.is_string(type_) or pa.types.is_large_string(type_))


def _present(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Return the column's values stripped of spaces, empty ones as nulls."""
    stripped = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(pc.utf8_length(stripped), 0), pa.scalar(None, stripped.type), stripped)


def _all(mask: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.all(mask).as_py() in (True, None))


def _casts(values: pa.Array, type_: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(values, type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _emptied(array: pa.Array, empty: np.ndarray) -> pa.Array:
    """Return ``array`` with its ``empty`` values made nulls (the same buffers, a new validity bitmap)."""
    if not empty.any():
        return array
    keep = ~empty
    if array.null_count:
        keep &= np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    bits = np.packbits(np.concatenate([np.zeros(array.offset, dtype=bool), keep]), bitorder="little")
    buffers = [pa.py_buffer(bits), *array.buffers()[1:]]
    return pa.Array.from_buffers(array.type, len(array), buffers, offset=array.offset)


def _typed(kind: str, array: pa.Array) -> pa.Array | None:
    """Return the text ``array`` as ``kind`` if every value, stripped of spaces, matches it; empty ones as nulls."""
    from ._text_scan import MATCH, TRIM_MIGHT_MATCH, scan

    outcome, empty, values = scan(kind, array)
    if outcome == TRIM_MIGHT_MATCH:  # only values with spaces at an end are trimmed (in Arrow)
        array = _present(array)
        outcome, empty, values = scan(kind, array)
    if outcome != MATCH:
        return None
    missing = empty
    if array.null_count:
        missing = empty | np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if values is not None:  # the numbers, read in the scan (a float that needs more than one step is NaN)
        if kind == "float":
            values[missing] = 0.0
        if kind == "int" or not np.isnan(values).any():
            return pa.array(values, type=TYPES[kind], mask=missing if missing.any() else None)
    cast = _casts(_emptied(array, empty), TYPES[kind])
    if cast is None or (kind == "float" and not _all(pc.is_finite(cast))):
        return None
    return cast


def _converted(kind: str, values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | None:
    """Return the text ``values`` as ``kind`` if every non-empty one, stripped of spaces, converts without loss.

    Else None. The patterns are :mod:`geo._text_scan`'s, which also reads the numbers; Arrow's
    cast reads the rest, refusing a day that does not exist (and a float out of range is refused
    as not finite).
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    typed = []
    for array in chunks:
        found = _typed(kind, array)
        if found is None:
            return None
        typed.append(found)
    return pa.chunked_array(typed, type=TYPES[kind])


def _fits(kind: str, values: pa.ChunkedArray) -> bool:
    """Whether every (non-null, stripped) value converts to ``kind`` without loss."""
    return _converted(kind, values) is not None


#: Kinds no value of a kind can also be: a number is no date, a date no date-time.
_EXCLUDES = {"int": ("date", "datetime"), "float": ("date", "datetime"), "date": ("datetime",)}
#: Values tried first: most text columns are told apart from a type by their first values.
_SAMPLE = 1000


def _narrow(kinds: list[str], values: pa.ChunkedArray) -> list[str]:
    """Return the ``kinds`` every one of ``values`` fits, testing as little as the kinds' exclusions allow."""
    sample = values.slice(0, _SAMPLE)
    kept: list[str] = []
    excluded: set[str] = set()
    for kind in kinds:
        if kind in excluded or not _fits(kind, sample) or (len(values) > _SAMPLE and not _fits(kind, values)):
            continue
        kept.append(kind)
        excluded.update(_EXCLUDES.get(kind, ()))
    return kept


class TypeInference:
    """The types still possible for each text column, narrowed chunk by chunk (see the module's rules)."""

    def __init__(self) -> None:
        self._kinds: dict[str, list[str]] = {}
        self._seen: set[str] = set()  # columns with at least one non-empty value

    def update(self, table: pa.Table) -> None:
        """Narrow the types with one more chunk of the file.

        Parameters
        ----------
        table
            A chunk; its columns that are not text are left alone.
        """
        for name, col in zip(table.column_names, table.columns, strict=True):
            if not _is_text(col.type):
                continue
            kinds = self._kinds.setdefault(name, list(TYPES))
            if not kinds:
                continue
            values = pc.drop_null(_present(col))
            if len(values):
                self._seen.add(name)
                kinds[:] = _narrow(kinds, values)

    def undecided(self) -> set[str]:
        """Return the text columns seen with no value yet, which a later value could still type."""
        return {n for n, k in self._kinds.items() if k and n not in self._seen}

    def kinds(self) -> dict[str, str]:
        """Return the kind (a key of :data:`TYPES`) each convertible text column gets (the others are not named)."""
        return {n: k[0] for n, k in self._kinds.items() if k and n in self._seen}

    def types(self) -> dict[str, pa.DataType]:
        """Return the type each convertible text column gets (the others are not named).

        Returns
        -------
        dict
            Column name to its Arrow type.
        """
        return {n: TYPES[k] for n, k in self.kinds().items()}

    @classmethod
    def over(cls, tables: Iterable[pa.Table]) -> dict[str, pa.DataType]:
        """Return :meth:`types` after a pass over ``tables``.

        Examples
        --------
        >>> t = pa.table({"id": ["00123", "7"], "n": ["3", " 12 "], "x": ["1.50", ""]})
        >>> t = t.append_column("d", pa.array(["2020-03-05", "2020-02-29"]))
        >>> {k: str(v) for k, v in TypeInference.over([t]).items()}
        {'n': 'int64', 'x': 'double', 'd': 'date32[day]'}
        """
        inference = cls()
        for table in tables:
            inference.update(table)
        return inference.types()


def convert(table: pa.Table, types: dict[str, pa.DataType]) -> pa.Table:
    """Give the columns of ``table`` named in ``types`` their type (empty cells become nulls).

    Parameters
    ----------
    table
        A chunk of the file ``types`` was decided over.
    types
        From :meth:`TypeInference.types`.

    Returns
    -------
    pyarrow.Table
        The same rows and columns, typed.
    """
    kinds = {type_: kind for kind, type_ in TYPES.items()}
    columns = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        typed = _converted(kinds[types[name]], col) if name in types and _is_text(col.type) else col
        if typed is None:
            raise ValueError(f"column {name!r}: a value that is not {types[name]} (types decided on other rows)")
        columns.append(typed)
    return pa.table(columns, names=table.column_names)


class TypesChanged(Exception):
    """A later chunk does not fit the types :class:`StreamTypes` decided on the first: decide over the whole file."""


class StreamTypes:
    """Types for a stream of chunks in one pass: decided on the first chunk, every later chunk held to them.

    Examples
    --------
    >>> typing = StreamTypes()
    >>> typing.apply(pa.table({"n": ["1", "2"]})).schema.field("n").type
    DataType(int64)
    >>> typing.apply(pa.table({"n": ["3"]})).column("n").to_pylist()
    [3]
    >>> typing.apply(pa.table({"n": ["3.5"]}))
    Traceback (most recent call last):
    ...
    geo._column_types.TypesChanged: column 'n': a value that is not int64
    """

    def __init__(self) -> None:
        self._kinds: dict[str, str] | None = None  # decided on the first chunk
        self._undecided: set[str] = set()

    def apply(self, table: pa.Table) -> pa.Table:
        """Return ``table`` typed (the first call decides the types).

        Parameters
        ----------
        table
            The next chunk, with the same columns as the first.

        Returns
        -------
        pyarrow.Table
            The chunk with its convertible text columns typed.

        Raises
        ------
        TypesChanged
            When the chunk does not fit the types decided (the output so far would be wrong).
        """
        if self._kinds is None:
            inference = TypeInference()
            inference.update(table)
            self._kinds = inference.kinds()
            self._undecided = inference.undecided()
            return convert(table, inference.types())
        columns = []
        for name, col in zip(table.column_names, table.columns, strict=True):
            if name in self._kinds:
                typed = _converted(self._kinds[name], col)
                if typed is None:
                    raise TypesChanged(f"column {name!r}: a value that is not {TYPES[self._kinds[name]]}")
                columns.append(typed)
                continue
            if name in self._undecided:
                values = pc.drop_null(_present(col))
                if len(values):
                    if _narrow(list(TYPES), values):
                        raise TypesChanged(f"column {name!r}: its first values, which could give it a type")
                    self._undecided.discard(name)  # text for good
            columns.append(col)
        return pa.table(columns, names=table.column_names)
