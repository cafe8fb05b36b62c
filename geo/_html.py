"""Small HTML tables for notebooks (``_repr_html_``): every text escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = ["table_html"]


def table_html(caption: str, rows: Iterable[tuple[str, Any]]) -> str:
    r"""Return a two-column HTML table, ``caption`` above it; labels and values are escaped text.

    Parameters
    ----------
    caption
        The table's title.
    rows
        ``(label, value)`` pairs; a value is shown as ``str(value)``.

    Examples
    --------
    >>> print(table_html("A <b>", [("x", "<i>")]).replace("><", ">\n<"))
    <table>
    <caption>A &lt;b&gt;</caption>
    <tr>
    <th style="text-align:left">x</th>
    <td style="text-align:left">&lt;i&gt;</td>
    </tr>
    </table>
    """
    left = 'style="text-align:left"'
    body = "".join(
        f"<tr><th {left}>{html.escape(str(k))}</th><td {left}>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"
