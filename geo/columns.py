"""The columns a corridor query answers: one spec that every path and every output reads.

:data:`QUERY_COLUMNS` names each column of :func:`geo.query.query`, in order, with the
numpy dtype the query fills (for a categorical column, of its codes), its unit, what
it means, and the value a row gets where it cannot be answered. Both query paths
allocate their outputs from it (:class:`Answers` is what the compiled kernel writes
into), :mod:`geo.classify` derives its Arrow schema from it, the command line's
``query`` prints its record from it, and the README's column table is
:func:`markdown_table` (a test checks it). Adding a column is adding it here and
computing it in :func:`geo._query_numpy.answer_block` and
:func:`geo._query_jit.answer_block`.

Run ``python -m geo.columns`` to print the README's table.
"""

from __future__ import annotations

import collections
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import is_missing

__all__ = ["COLUMNS", "QUERY_COLUMNS", "SIDES", "Answers", "Column", "document_columns", "markdown_table"]

#: Values of the ``side`` column: left and right of the M4's west-to-east direction.
SIDES = ("north", "south")


@dataclass(frozen=True)
class Column:
    """One column of a query's answer.

    Parameters
    ----------
    name
        The column's name in every output.
    dtype
        The numpy dtype the query computes it in; for a categorical column, the dtype of its codes.
    unit
        Unit of the values (``"m"``, ``"km"``), or ``""`` for none.
    description
        What the value means (one sentence or two, Markdown; the README's table shows it).
    categories
        For a categorical column, its values when they are fixed (``None`` where the
        corridor gives them, such as the names of its posts).
    categorical
        True for a column of text values from a small vocabulary, stored as codes.
    missing
        The value of a row that cannot be answered (a bad row of :func:`geo.classify_file`):
        ``None`` is a null (an empty CSV cell, ``null`` in JSON).
    """

    name: str
    dtype: np.dtype[Any]
    unit: str
    description: str
    categories: tuple[str, ...] | None = None
    categorical: bool = False
    missing: object = None

    @property
    def kind(self) -> str:
        """``"text"``, ``"boolean"`` or ``"number"``: the type of the values as every output shows them."""
        if self.categorical:
            return "text"
        return "boolean" if self.dtype == np.bool_ else "number"

    def arrow_type(self) -> Any:
        """Return the :mod:`pyarrow` type of the column in files (a dictionary of text for a categorical one).

        A dictionary column is text to every reader of the file (CSV cells, GDAL string fields,
        Parquet strings that DuckDB reads as VARCHAR); pandas reads it back as a Categorical, as
        :func:`geo.query.query` gives it, and Parquet writes its codes without hashing each value.

        Returns
        -------
        pyarrow.DataType
            ``dictionary<int8, string>`` for a categorical column, else the type of :attr:`dtype`.
        """
        import pyarrow as pa

        return pa.dictionary(pa.int8(), pa.string()) if self.categorical else pa.from_numpy_dtype(self.dtype)

    def to_python(self, value: Any) -> Any:
        """One value as plain Python (for JSON): a float, a bool, a str, or :attr:`missing`.

        Parameters
        ----------
        value
            A value of the column, as a pandas row holds it.

        Returns
        -------
        object
            The same value as a Python scalar.
        """
        if is_missing(value):
            return self.missing
        if self.categorical:
            return str(value)
        return value.item() if isinstance(value, np.generic) else value


#: The columns :func:`geo.query.query` adds, in order.
QUERY_COLUMNS: tuple[Column, ...] = (
    Column(
        "distance_m",
        np.dtype(np.float64),
        "m",
        "shortest geodesic distance on the WGS84 ellipsoid to the M4 line (its vertices joined by geodesics)",
    ),
    Column(
        "in_corridor",
        np.dtype(np.bool_),
        "",
        "true where the point lies in the security corridor: within the corridor's width (`width_km`, 6 km by "
        "default) of its nearest point on the patrol segment, measured geodesically, on ground the segment's square "
        "cross-section sweeps (the corridor is closed square at its ends, like `c.security_corridor`)",
    ),
    Column(
        "side",
        np.dtype(np.int8),
        "",
        "`north` or `south`: left or right of the M4's west→east direction at the point's nearest point on it; "
        "at a bend's vertex, the side of the bend the point is on (the outer side of a left turn is its right); "
        "a point exactly on the line counts as north",
        categories=SIDES,
        categorical=True,
    ),
    Column(
        "chainage_km",
        np.dtype(np.float64),
        "km",
        "geodesic distance from Trumba along the patrol segment to the point's nearest point on it, "
        "from 0 to the segment's length",
    ),
    Column(
        "nearest_post",
        np.dtype(np.int16),
        "",
        "name of the nearest observation post",
        categorical=True,
    ),
    Column(
        "nearest_post_m",
        np.dtype(np.float64),
        "m",
        "geodesic distance to the nearest observation post",
    ),
)

#: The names of :data:`QUERY_COLUMNS`, in order.
COLUMNS: tuple[str, ...] = tuple(c.name for c in QUERY_COLUMNS)

#: One array per column of :data:`QUERY_COLUMNS`, in order: what both query paths write their answers into.
Answers = collections.namedtuple("Answers", COLUMNS, module=__name__)  # type: ignore[misc]


def markdown_table() -> str:
    """Return the README's table of the query columns, in Markdown.

    Returns
    -------
    str
        A header and one row per column: name, type, unit, meaning.

    Examples
    --------
    >>> print(markdown_table().splitlines()[0])
    | column | type | unit | meaning |
    >>> markdown_table().splitlines()[2].startswith("| `distance_m` | number | m | shortest geodesic distance")
    True
    """
    rows = ["| column | type | unit | meaning |", "|---|---|---|---|"]
    rows += [f"| `{c.name}` | {c.kind} | {c.unit or '–'} | {c.description} |" for c in QUERY_COLUMNS]
    return "\n".join(rows)


def document_columns(doc: str | None, indent: int) -> str | None:
    """Return a docstring with its ``{columns}`` line replaced by a numpydoc list of :data:`QUERY_COLUMNS`.

    Parameters
    ----------
    doc
        The docstring (None under ``python -OO``).
    indent
        Spaces before each column's name.

    Returns
    -------
    str or None
        The docstring with one entry per column: name, unit, and what it means.

    Examples
    --------
    >>> print(document_columns("  {columns}", indent=2).splitlines()[0])
      ``distance_m`` (number, m)
    """
    if doc is None:
        return None
    entries = []
    for c in QUERY_COLUMNS:
        kind = f"{c.kind}, categorical" if c.categorical else c.kind
        head = f"``{c.name}`` ({kind}" + (f", {c.unit})" if c.unit else ")")
        body = textwrap.fill(
            c.description.replace("`", "``"), width=80, initial_indent=" " * (indent + 4),
            subsequent_indent=" " * (indent + 4), break_on_hyphens=False, break_long_words=False,
        )  # fmt: skip
        entries.append(f"{' ' * indent}{head}\n{body}")
    return doc.replace(" " * indent + "{columns}", "\n".join(entries))


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table())
