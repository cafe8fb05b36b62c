"""Partial dates and the date maths of the "as of" rule (see :mod:`geo.history` for the rule itself).

Dates keep the precision their source gives: ISO 8601 ``YYYY-MM-DD``, ``YYYY-MM`` or
``YYYY``. :func:`date_bounds` places one on the calendar (its first and last day);
:func:`change_window` adds a reported range's end and a "by" day; :func:`parse_day`
reads the one day an "as of" question needs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from ._validate import DataError

__all__ = ["DATE_PRECISIONS", "DateLike", "change_window", "date_bounds", "parse_day", "validate_partial_date"]

#: Date precisions an event may have, and the length of an ISO 8601 date of that precision.
DATE_PRECISIONS: dict[str, int] = {"day": 10, "month": 7}

#: A day, as ``datetime.date`` or ``"YYYY-MM-DD"``.
DateLike = str | dt.date

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def validate_partial_date(value: Any, *, where: str) -> str | None:
    """Check an ISO 8601 calendar date of year, month or day precision.

    Returns the string unchanged (a month-only date stays month-only) or None
    for a missing value; raises :class:`DataError` naming ``where`` otherwise.

    Examples
    --------
    >>> validate_partial_date("2018-05", where="x")
    '2018-05'
    """
    if value is None:
        return None
    if not isinstance(value, str) or not (m := _DATE_RE.match(value)):
        raise DataError(f"{where}: date {value!r} is not ISO 8601 YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in m.groups())
    if month is not None and not 1 <= month <= 12:
        raise DataError(f"{where}: date {value!r} has month {month}, expected 01-12")
    if day is not None:
        try:
            dt.date(year, month, day)  # type: ignore[arg-type]
        except ValueError as exc:
            raise DataError(f"{where}: date {value!r} is not a calendar date ({exc})") from None
    return value


def date_bounds(value: str, *, where: str = "date") -> tuple[dt.date, dt.date]:
    """Return the first and the last day an ISO 8601 partial date can denote.

    Parameters
    ----------
    value
        ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.
    where
        What the value is, for the error message (a file and feature, an option).

    Returns
    -------
    tuple of datetime.date
        ``(first, last)``; equal for a day-precision date.

    Raises
    ------
    DataError
        The value is not such a date (the message names ``where`` and the value).

    Examples
    --------
    >>> date_bounds("2020-02")
    (datetime.date(2020, 2, 1), datetime.date(2020, 2, 29))
    >>> date_bounds("2020-03-06")
    (datetime.date(2020, 3, 6), datetime.date(2020, 3, 6))
    """
    if validate_partial_date(value, where=where) is None:
        raise DataError(f"{where}: missing date, expected YYYY-MM-DD or YYYY-MM")
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        year, month = parts
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def change_window(
    value: str,
    *,
    end: Any = None,
    by: Any = None,
    where: str = "date",
    end_name: str = "end",
    by_name: str = "by",
) -> tuple[dt.date, dt.date]:
    """Return the first day a dated change may have happened and the day from which it is certain.

    Parameters
    ----------
    value
        The change's date, ``YYYY-MM-DD`` or ``YYYY-MM`` (or ``YYYY``).
    end
        The end of a reported range (a partial date after ``value``), or None.
    by
        The latest day the change can have happened, ``YYYY-MM-DD``, or None. It must
        fall inside the date (or the range) and before its last day.
    where
        What the value is, for the error messages.
    end_name, by_name
        What the file calls ``end`` and ``by`` (e.g. ``"evacuated_end"``), for the error messages.

    Returns
    -------
    tuple of datetime.date
        ``(first, certain)``: the first day ``value`` can denote, and the earlier of
        the last day of ``end`` (else of ``value``) and ``by``. Before ``first`` the
        change has not happened; from ``certain`` on it has; in between it is
        uncertain.

    Raises
    ------
    DataError
        A bad date, an ``end`` not after ``value``, or a ``by`` that is not a day, falls
        before ``value`` or is not before the range's last day (it would add nothing).

    Examples
    --------
    >>> change_window("2018-05", by="2018-05-14")
    (datetime.date(2018, 5, 1), datetime.date(2018, 5, 14))
    >>> change_window("2020-12", end="2021-01")
    (datetime.date(2020, 12, 1), datetime.date(2021, 1, 31))
    >>> change_window("2020-10-19", end="2020-10-20")
    (datetime.date(2020, 10, 19), datetime.date(2020, 10, 20))
    """
    first, last = date_bounds(value, where=where)
    if end is not None:
        if not isinstance(end, str):
            raise DataError(f"{where}: {end_name} {end!r} is not a date string 'YYYY-MM-DD' or 'YYYY-MM'")
        end_last = date_bounds(end, where=f"{where}: {end_name}")[1]
        if end_last <= last:
            raise DataError(f"{where}: {end_name} {end!r} is not after date {value!r}")
        last = end_last
    if by is None:
        return first, last
    if not isinstance(by, str) or len(by) != DATE_PRECISIONS["day"]:
        raise DataError(f"{where}: {by_name} {by!r} is not a day 'YYYY-MM-DD'")
    by_day = date_bounds(by, where=f"{where}: {by_name}")[0]
    if by_day < first:
        raise DataError(f"{where}: {by_name} {by!r} is before date {value!r}")
    if by_day >= last:
        raise DataError(
            f"{where}: {by_name} {by!r} is not before {last.isoformat()}, the last day the date can denote"
            " (it adds nothing)"
        )
    return first, by_day


def parse_day(value: Any, *, what: str = "date") -> dt.date:
    """Turn a day (``datetime.date`` or an ISO 8601 ``YYYY-MM-DD`` string) into a ``datetime.date``.

    A month-only or year-only string is refused: the corridor's state can change
    within a month, so "as of" needs a day.

    Raises
    ------
    ValueError
        ``value`` is not a day; the message names ``what`` and the value.

    Examples
    --------
    >>> parse_day("2020-06-01")
    datetime.date(2020, 6, 1)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{what}={value!r}: expected a day as 'YYYY-MM-DD' or a datetime.date")
    first, last = date_bounds(value.strip(), where=f"{what}={value!r}")
    if first != last:
        raise ValueError(
            f"{what}={value!r} is a month or a year; give a day 'YYYY-MM-DD' (the state can change within a month)"
        )
    return first
