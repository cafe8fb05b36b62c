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
stays text. Because classify streams, every chunk of the output must have the types the
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

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StreamTypes", "TypeInference", "TypesChanged", "convert"]

_INT = r"^-?(0|[1-9][0-9]{0,17})$"
_FLOAT = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
#: Significant digits a float64 keeps for any decimal text.
_FLOAT_DIGITS = 15

#: The types a text column may get, in the order they are tried.
TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


def _is_text(type_: pa.DataType) -> bool:
    return bool(pa.types.is_string(type_) or pa.types.is_large_string(type_))


def _present(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return the column's values stripped of spaces, empty ones as nulls."""
    stripped = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(pc.utf8_length(stripped), 0), pa.scalar(None, stripped.type), stripped)


def _all(mask: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.all(mask).as_py() in (True, None))


def _casts(values: pa.ChunkedArray, type_: pa.DataType) -> pa.ChunkedArray | None:
    try:
        return pc.cast(values, type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _converted(kind: str, values: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """Return the (stripped, empty as null) ``values`` as ``kind`` if every one converts without loss, else None."""
    pattern = {"int": _INT, "float": _FLOAT, "date": _DATE, "datetime": _DATETIME}[kind]
    if not _all(pc.match_substring_regex(values, pattern)):
        return None
    cast = _casts(values, TYPES[kind])
    if cast is None or kind != "float":
        return cast
    if not _all(pc.is_finite(cast)):
        return None
    if (pc.max(pc.utf8_length(values)).as_py() or 0) <= _FLOAT_DIGITS:
        return cast  # no value has room for more digits than a float keeps (the common case, checked at once)
    significant = pc.utf8_ltrim(values, characters="-0.")  # from the first significant digit (the regex held)
    exponent = pc.find_substring(significant, "e", ignore_case=True)
    length = pc.if_else(pc.greater_equal(exponent, 0), exponent, pc.utf8_length(significant))
    digits = pc.subtract(length, pc.count_substring(significant, "."))
    return cast if _all(pc.less_equal(digits, _FLOAT_DIGITS)) else None


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
    columns = [
        pc.cast(_present(col), types[name]) if name in types and _is_text(col.type) else col
        for name, col in zip(table.column_names, table.columns, strict=True)
    ]
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
                typed = _converted(self._kinds[name], _present(col))
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
