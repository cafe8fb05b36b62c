"""How the program counts and lists things in its messages: one row, two rows; A, B or C."""

from __future__ import annotations

__all__ = ["counted", "listed"]


def counted(n: int, one: str, many: str | None = None) -> str:
    """Return ``n`` and the noun that fits it: ``one`` for 1, else ``many`` (``one`` + "s" by default).

    Examples
    --------
    >>> counted(1, "row"), counted(12_000, "row"), counted(1, "row looks", "rows look")
    ('1 row', '12,000 rows', '1 row looks')
    """
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def listed(words: list[str], last: str = "or") -> str:
    """Return ``words`` as a sentence lists them: commas, and ``last`` before the last one.

    Examples
    --------
    >>> listed(["Parquet"]), listed(["CSV", "Parquet"]), listed(["CSV", "Parquet", "GeoJSON"], "and")
    ('Parquet', 'CSV or Parquet', 'CSV, Parquet and GeoJSON')
    """
    return words[-1] if len(words) < 2 else f"{', '.join(words[:-1])} {last} {words[-1]}"
