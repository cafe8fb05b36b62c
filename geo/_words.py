"""How the program counts things in its messages: one row, two rows."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, one: str, many: str | None = None) -> str:
    """Return ``n`` and the noun that fits it: ``one`` for 1, else ``many`` (``one`` + "s" by default).

    Examples
    --------
    >>> counted(1, "row"), counted(12_000, "row"), counted(1, "row looks", "rows look")
    ('1 row', '12,000 rows', '1 row looks')
    """
    return f"{n:,} {one if n == 1 else many or one + 's'}"
