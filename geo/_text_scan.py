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

from ._jit import jit

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


@jit
def _digit(c: int) -> bool:
    return _ZERO <= c <= _NINE


@jit
def _digits(data: Any, i: int, end: int) -> int:
    """How many digits run from byte ``i`` (not past ``end``)."""
    k = i
    while k < end and _ZERO <= data[k] <= _NINE:
        k += 1
    return k - i


#: Exact powers of ten as doubles (10**22 is the largest).
_POW10 = np.array([10.0**k for k in range(23)])


@jit
def _int_value(data: Any, s: int, e: int) -> int:
    """Return the integer an ``int`` match spells."""
    negative = data[s] == _MINUS
    value = 0
    for k in range(s + 1 if negative else s, e):
        value = value * 10 + (data[k] - _ZERO)
    return -value if negative else value


@jit
def _is_int(data: Any, s: int, e: int) -> bool:
    i = s + 1 if s < e and data[s] == _MINUS else s
    n = _digits(data, i, e)
    return bool(i + n == e and 1 <= n <= _INT_DIGITS and (n == 1 or data[i] != _ZERO))


@jit
def _float_value(data: Any, s: int, e: int) -> float:
    """Return the double a ``float`` match spells, or NaN when it needs more than one step (see the module)."""
    negative = data[s] == _MINUS
    m = 0
    shift = 0  # decimal places read
    k = s + 1 if negative else s
    after_point = False
    while k < e and data[k] != 101 and data[k] != 69:  # e, E
        if data[k] == _DOT:
            after_point = True
        else:
            m = m * 10 + (data[k] - _ZERO)
            shift += 1 if after_point else 0
        k += 1
    exponent = 0
    if k < e:
        k += 1
        exp_negative = data[k] == _MINUS
        k += 1 if data[k] == _MINUS or data[k] == _PLUS else 0
        while k < e:
            exponent = min(exponent * 10 + (data[k] - _ZERO), 1000)
            k += 1
        exponent = -exponent if exp_negative else exponent
    power = exponent - shift
    if m == 0:
        value = 0.0
    elif 0 <= power <= 22:
        value = float(m) * _POW10[power]
    elif -22 <= power < 0:
        value = float(m) / _POW10[-power]
    else:
        return np.nan
    return -value if negative else value


@jit
def _is_float(data: Any, s: int, e: int) -> bool:
    i = s + 1 if s < e and data[s] == _MINUS else s
    n = _digits(data, i, e)
    if n == 0 or (n > 1 and data[i] == _ZERO):
        return False
    i += n
    if i < e and data[i] == _DOT:
        n = _digits(data, i + 1, e)
        if n == 0:
            return False
        i += 1 + n
    mantissa_end = i
    if i < e and (data[i] == 101 or data[i] == 69):  # e, E
        i += 1
        if i < e and (data[i] == _PLUS or data[i] == _MINUS):
            i += 1
        n = _digits(data, i, e)
        if n == 0:
            return False
        i += n
    if i != e:
        return False
    k = s  # significant digits: from the first that is not a leading zero (nor the sign or the point)
    while k < mantissa_end and (data[k] == _MINUS or data[k] == _ZERO or data[k] == _DOT):
        k += 1
    significant = 0
    while k < mantissa_end:
        significant += 1 if data[k] != _DOT else 0
        k += 1
    return significant <= FLOAT_DIGITS


@jit
def _is_date(data: Any, s: int, e: int) -> bool:
    return (
        e - s >= 10
        and _digits(data, s, s + 4) == 4
        and data[s + 4] == _DASH_DATE
        and _digits(data, s + 5, s + 7) == 2
        and data[s + 7] == _DASH_DATE
        and _digits(data, s + 8, s + 10) == 2
    )


@jit
def _is_time(data: Any, i: int, e: int) -> bool:
    """Whether bytes ``i`` to ``e`` are ``HH:MM[:SS[.f{1,6}]]``."""
    n = e - i
    hh_mm = n >= 5 and _digits(data, i, i + 2) == 2 and data[i + 2] == _COLON and _digits(data, i + 3, i + 5) == 2
    seconds = n >= 8 and data[i + 5] == _COLON and _digits(data, i + 6, i + 8) == 2
    fraction = n >= 10 and data[i + 8] == _DOT and _digits(data, i + 9, e) == n - 9 and n - 9 <= 6
    return hh_mm and (n == 5 or (seconds and (n == 8 or fraction)))


@jit
def _is_datetime(data: Any, s: int, e: int) -> bool:
    return (
        e - s >= 16
        and _is_date(data, s, e)
        and (data[s + 10] == _T or data[s + 10] == _SPACE)
        and _is_time(data, s + 11, e)
    )


@jit
def _matches(kind: int, data: Any, s: int, e: int) -> bool:
    if kind == 0:
        return bool(_is_int(data, s, e))
    if kind == 1:
        return bool(_is_float(data, s, e))
    if kind == 2:
        return bool(_is_date(data, s, e) and e - s == 10)
    return bool(_is_datetime(data, s, e))


@jit
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
        elif not _matches(kind, data, s, e):
            if not _space_at_an_end(data, s, e):
                return NO_MATCH
            outcome = TRIM_MIGHT_MATCH
        elif kind == 0:
            ints[i] = _int_value(data, s, e)
        elif kind == 1:
            floats[i] = _float_value(data, s, e)
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
