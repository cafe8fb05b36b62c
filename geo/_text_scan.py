r"""The rules of :mod:`geo._column_types` as a compiled scan over an Arrow text column's bytes.

Which text values convert to a type without loss is decided here, once: each kind of
:data:`KINDS` is a pattern matched byte by byte over the column's UTF-8 buffer (no
Python objects, no regex engine), so a column of ten million values is checked in
a few tens of milliseconds. The patterns:

``int``
    ``-?(0|[1-9][0-9]{0,17})``: an optional ``-``, no ``+``, no leading zero, at most 18 digits.
``float``
    ``-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`` with at most :data:`FLOAT_DIGITS`
    significant digits (counted from the first digit that is not a leading zero, up to
    the exponent).
``date``
    ``[0-9]{4}-[0-9]{2}-[0-9]{2}``.
``datetime``
    ``[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?``.

A value matches only as a whole. An empty value is no value (a null once converted).

The same pass reads the numbers. An integer is read exactly. A float whose digits,
as an integer ``m`` (below 10**15, so exact in a double), and decimal exponent ``k``
give ``m * 10**k`` with ``|k| <= 22`` is one multiplication or division of two exact
doubles, so correctly rounded (Clinger's fast path): the float the text names. The
others (rare: ``1e-30``) are left to Arrow's cast, as is whether a matching date is a
real day.

Importing this module imports numba (see :mod:`geo._jit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ._jit import inlined, jit

__all__ = ["FLOAT_DIGITS", "KINDS", "MATCH", "NO_MATCH", "TRIM_MIGHT_MATCH", "scan"]

#: The kinds of value a text column may hold, in the order :mod:`geo._column_types` tries them.
KINDS = ("int", "float", "date", "datetime")
#: Significant digits a float64 keeps for any decimal text.
FLOAT_DIGITS = 15
#: Outcomes of :func:`scan`: every value matches (or is empty); some value does not, but one that does not
#: has a space (or a byte of a non-ASCII character, which may be a space) at an end, so it might once
#: trimmed; some value cannot match, trimmed or not.
MATCH, TRIM_MIGHT_MATCH, NO_MATCH = 0, 1, 2

_INT_DIGITS = 18
_MINUS, _PLUS, _DOT, _ZERO, _NINE, _COLON, _DASH_DATE, _SPACE, _T = 45, 43, 46, 48, 57, 58, 45, 32, 84


@inlined
def _digits(data: Any, i: int, end: int) -> int:
    """How many digits run from byte ``i`` (not past ``end``)."""
    k = i
    while k < end and _ZERO <= data[k] <= _NINE:
        k += 1
    return k - i


#: The largest power of ten a double holds exactly, and the exact powers up to it.
_MAX_EXACT_POWER = 22
_POW10 = np.array([10.0**k for k in range(_MAX_EXACT_POWER + 1)])


@inlined
def _read_int(data: Any, s: int, e: int) -> tuple[bool, int]:
    """Whether bytes ``s`` to ``e`` are an ``int``, and the integer (exact), in one pass."""
    i = s + 1 if data[s] == _MINUS else s
    start = i
    value = 0
    while i < e and _ZERO <= data[i] <= _NINE:
        if i - start == _INT_DIGITS:
            return False, 0
        value = value * 10 + (data[i] - _ZERO)
        i += 1
    n = i - start
    ok = i == e and n >= 1 and (n == 1 or data[start] != _ZERO)
    return ok, (-value if start > s else value)


@inlined
def _read_float(data: Any, s: int, e: int) -> tuple[bool, float]:
    """Whether bytes ``s`` to ``e`` are a ``float``, and the double (NaN when it needs more than one step)."""
    i = s + 1 if data[s] == _MINUS else s
    start = i
    m = 0  # the significant digits as an integer (below 10**FLOAT_DIGITS)
    significant = 0
    places = 0  # digits after the point
    point = -1
    while i < e:
        c = data[i]
        if _ZERO <= c <= _NINE:
            if significant or c != _ZERO:
                significant += 1
                if significant > FLOAT_DIGITS:
                    return False, 0.0
                m = m * 10 + (c - _ZERO)
            places += 1 if point >= 0 else 0
        elif c == _DOT and point < 0:
            point = i
        else:
            break
        i += 1
    whole = (point if point >= 0 else i) - start  # digits before the point
    if whole == 0 or (whole > 1 and data[start] == _ZERO) or (point >= 0 and places == 0):
        return False, 0.0
    ok, exponent = _exponent(data, i, e)
    if not ok:
        return False, 0.0
    value = _scaled(m, exponent - places)
    return True, (-value if start > s else value)


@inlined
def _exponent(data: Any, i: int, e: int) -> tuple[bool, int]:
    """Whether bytes ``i`` to ``e`` are nothing or a float's exponent ``[eE][+-]?[0-9]+``, and its value."""
    if i == e:
        return True, 0
    if data[i] != 101 and data[i] != 69:  # e, E
        return False, 0
    i += 1
    negative = i < e and data[i] == _MINUS
    i += 1 if i < e and (data[i] == _MINUS or data[i] == _PLUS) else 0
    digits = i
    exponent = 0
    while i < e and _ZERO <= data[i] <= _NINE:
        exponent = min(exponent * 10 + (data[i] - _ZERO), 100_000)
        i += 1
    return i == e and i > digits, (-exponent if negative else exponent)


@inlined
def _scaled(m: int, power: int) -> float:
    """Return ``m * 10**power`` correctly rounded when one exact step gives it, else NaN."""
    if m == 0:
        return 0.0
    if 0 <= power <= _MAX_EXACT_POWER:
        return float(m * _POW10[power])
    if -_MAX_EXACT_POWER <= power < 0:
        return float(m / _POW10[-power])
    return float(np.nan)


@inlined
def _is_date(data: Any, s: int, e: int) -> bool:
    return (
        e - s >= 10
        and _digits(data, s, s + 4) == 4
        and data[s + 4] == _DASH_DATE
        and _digits(data, s + 5, s + 7) == 2
        and data[s + 7] == _DASH_DATE
        and _digits(data, s + 8, s + 10) == 2
    )


@inlined
def _is_time(data: Any, i: int, e: int) -> bool:
    """Whether bytes ``i`` to ``e`` are ``HH:MM[:SS[.f{1,6}]]``."""
    n = e - i
    hh_mm = n >= 5 and _digits(data, i, i + 2) == 2 and data[i + 2] == _COLON and _digits(data, i + 3, i + 5) == 2
    seconds = n >= 8 and data[i + 5] == _COLON and _digits(data, i + 6, i + 8) == 2
    fraction = n >= 10 and data[i + 8] == _DOT and _digits(data, i + 9, e) == n - 9 and n - 9 <= 6
    return hh_mm and (n == 5 or (seconds and (n == 8 or fraction)))


@inlined
def _is_datetime(data: Any, s: int, e: int) -> bool:
    return (
        e - s >= 16
        and _is_date(data, s, e)
        and (data[s + 10] == _T or data[s + 10] == _SPACE)
        and _is_time(data, s + 11, e)
    )


@inlined
def _is_day(data: Any, s: int, e: int) -> bool:
    return bool(e - s == 10 and _is_date(data, s, e))


@inlined
def _space_at_an_end(data: Any, s: int, e: int) -> bool:
    """Whether the value starts or ends with an ASCII space or control byte, or a byte of a non-ASCII character."""
    return bool(data[s] <= _SPACE or data[s] >= 128 or data[e - 1] <= _SPACE or data[e - 1] >= 128)


@jit
def _scan(kind: int, offsets: Any, data: Any, valid: Any, empty: Any, ints: Any, floats: Any) -> int:
    outcome = MATCH
    for i in range(empty.shape[0]):
        if valid.shape[0] and not valid[i]:
            continue
        s, e = offsets[i], offsets[i + 1]
        if s == e:
            empty[i] = True
            continue
        if kind == 0:
            ok, whole = _read_int(data, s, e)
            ints[i] = whole
        elif kind == 1:
            ok, number = _read_float(data, s, e)
            floats[i] = number
        else:
            ok = _is_day(data, s, e) if kind == 2 else _is_datetime(data, s, e)
        if not ok:
            if not _space_at_an_end(data, s, e):
                return NO_MATCH
            outcome = TRIM_MIGHT_MATCH
    return outcome


def scan(kind: str, array: pa.Array) -> tuple[int, np.ndarray, np.ndarray | None]:
    """Match every value of a text array against ``kind``'s pattern, and read the numbers.

    Parameters
    ----------
    kind
        One of :data:`KINDS`.
    array
        A ``string`` or ``large_string`` array (nulls are skipped).

    Returns
    -------
    outcome : int
        :data:`MATCH`, :data:`TRIM_MIGHT_MATCH` or :data:`NO_MATCH`.
    empty : numpy.ndarray of bool
        Which values are empty (complete only when the outcome is :data:`MATCH`).
    values : numpy.ndarray or None
        For ``int`` and ``float`` matches, the numbers (int64 or float64; a float that needs
        more than one step is NaN); undefined at empty and null values. None for the others.
    """
    n = len(array)
    empty = np.zeros(n, dtype=bool)
    ints = np.empty(n if kind == "int" else 0, dtype=np.int64)
    floats = np.empty(n if kind == "float" else 0, dtype=np.float64)
    values = ints if kind == "int" else floats if kind == "float" else None
    if n == 0:
        return MATCH, empty, values
    _, offsets_buf, data_buf = array.buffers()
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=offset_type, count=array.offset + n + 1)[array.offset :]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    valid = np.zeros(0, dtype=bool)
    if array.null_count:
        valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    outcome = int(_scan(KINDS.index(kind), offsets, data, valid, empty, ints, floats))
    return outcome, empty, values
