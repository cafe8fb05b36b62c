"""Popup and tooltip HTML from the data: every data text escaped, empty rows left out."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._validate import is_missing
from ..data import CONFIDENCE_CODES

__all__ = ["SOURCE_ROWS", "confidence", "linked", "plain", "popup_html", "post_popup", "settlement", "text"]

#: The popup rows whose text names sources: an http(s) URL in them is shown as a link (:func:`linked`).
SOURCE_ROWS = frozenset({"Source", "History"})
#: An http or https URL in a text: the scheme (any case) not glued to a word before it, then everything up to a
#: space, a quote or an angle bracket; punctuation that ends a sentence is left out of it (see :func:`linked`).
_URL = re.compile(r"(?<![\w.+-])https?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}"


def plain(value: Any) -> str:
    """Render a data value as plain text: '' for a missing value, lists joined with commas, 12.0 as 12.

    Parameters
    ----------
    value
        A value of a data column: text, number, list, or missing.

    Examples
    --------
    >>> plain(12.0), plain(None), plain(["a", None, "b"])
    ('12', '', 'a, b')
    """
    if value is None:
        return ""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return ", ".join(t for t in (plain(v) for v in value) if t)
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def text(value: Any) -> str:
    """Render a value as escaped HTML text (see :func:`plain`): the one escaping of text for the map's HTML.

    Every text that reaches the page as HTML (popups, tooltips and labels, the legend, layer names,
    marker contents) goes through here once, and is then put into a script as a JSON string
    (:func:`geo.maps.elements.script_json`). Text a script sets as ``textContent`` or a DOM property
    (the time slider's, a marker's title) is not escaped: it never becomes markup.

    A brace is written as its character reference (``&#123;``), so that no text holds Jinja's
    ``{{``, ``{%`` or ``{#``: branca compiles what an element renders as a template once more.

    Parameters
    ----------
    value
        A value of a data column, or any text.

    Examples
    --------
    >>> print(text('<b>AT&T</b> "Saraqib"'))
    &lt;b&gt;AT&amp;T&lt;/b&gt; &quot;Saraqib&quot;
    >>> print(text("{{ 7*7 }}"))
    &#123;&#123; 7*7 }}
    """
    return _escaped(plain(value))


def _escaped(source: str) -> str:
    """Return ``source`` as HTML text: markup and quotes escaped, and each brace too (see :func:`text`)."""
    return html.escape(source, quote=True).replace("{", "&#123;")


def linked(value: Any) -> str:
    """Render a value as escaped HTML text (:func:`text`) in which each http(s) URL is a link that opens apart.

    Only ``http://`` and ``https://`` URLs become links (``javascript:``, ``data:`` and any other scheme
    stay text); a URL runs to the next space, quote or angle bracket, without the punctuation that
    ends a sentence (``.,;:!?)]}``). The link's ``href`` and text are the URL escaped, and it has
    ``rel="noopener noreferrer" target="_blank"``.

    Parameters
    ----------
    value
        A value of a data column (a source), or any text.

    Examples
    --------
    >>> print(linked("OCHA, https://example.org/a?b=1&c=2. javascript:alert(1)"))  # doctest: +ELLIPSIS
    OCHA, <a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" ...</a>. javascript:alert(1)
    """
    source, out, at = plain(value), [], 0
    for m in _URL.finditer(source):
        url = m.group(0).rstrip(_URL_TAIL)
        if len(url) <= len(m.group(0).split("://", 1)[0]) + 3:  # a scheme with nothing after it
            continue
        out.append(_escaped(source[at : m.start()]))
        href = _escaped(url)
        out.append(f'<a href="{href}" rel="noopener noreferrer" target="_blank">{href}</a>')
        at = m.start() + len(url)
    out.append(_escaped(source[at:]))
    return "".join(out)


def popup_html(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    """Return a popup: an escaped title and a table of the non-empty (label, value) rows.

    The values of the rows named in :data:`SOURCE_ROWS` show their http(s) URLs as links (:func:`linked`);
    every other text is escaped text (:func:`text`).

    Parameters
    ----------
    title
        The popup's heading (plain text).
    rows
        ``(label, value)`` pairs; a row whose value is empty is left out.
    """
    body = "".join(
        f"<tr><th>{text(k)}</th><td>{linked(v) if k in SOURCE_ROWS else text(v)}</td></tr>" for k, v in rows if text(v)
    )
    return f'<div class="idlib-popup"><h4>{text(title)}</h4><table>{body}</table></div>'


def confidence(code: Any, note: Any = None) -> str:
    """'S (sourced): note' from a confidence code, as plain text.

    Parameters
    ----------
    code
        A confidence code of :data:`geo.data.CONFIDENCE_CODES`.
    note
        What the code rests on, or None.
    """
    code = plain(code)
    word = CONFIDENCE_CODES.get(code, "")
    out = f"{code} ({word})" if word else code
    return out + (f": {plain(note)}" if plain(note) else "")


def post_popup(row: pd.Series) -> str:
    """Return the popup of an observation post: numbers, names, dates, fate, what its point is, sources.

    Parameters
    ----------
    row
        A row of ``corridor.posts``.
    """

    def joined(value: Any, note: Any) -> str:
        value, note = plain(value), plain(note)
        return f"{value} ({note})" if value and note else value or note

    fate = plain(row["fate"])
    fate_text = "remained after 2020" if fate == "remained" else f"evacuated {plain(row.get('evacuated'))}"
    fate_note = plain(row.get("fate_note"))
    tr_number = plain(row.get("tr_number"))
    return popup_html(
        plain(row["name"]),
        [
            ("Post no.", joined(row.get("number"), f"Turkish numbering: {tr_number}" if tr_number else "")),
            ("Arabic", row.get("name_ar")),
            ("Also written", row.get("alt_names")),
            ("Where", row.get("where")),
            ("Established", joined(row.get("established"), row.get("established_note"))),
            ("Fate", f"{fate_text} - {fate_note}" if fate_note else fate_text),
            ("Point", joined(row.get("point_kind"), row.get("point_note"))),
            ("Village point", settlement(row.get("settlement"))),
            ("Coordinate", confidence(row.get("confidence"), row.get("confidence_note"))),
            ("Source", row.get("source")),
            ("History", row.get("history_source")),
        ],
    )


def settlement(value: Any) -> str:
    """'Morek, 35.37516 N 36.689869 E (source)' for a post's kept village point, or ''.

    Parameters
    ----------
    value
        A post's ``settlement`` (a dict of name, lat, lon, source) or anything else.
    """
    if not isinstance(value, dict):
        return ""
    name, lat, lon, source = (plain(value.get(k)) for k in ("name", "lat", "lon", "source"))
    return f"{name}, {lat} N {lon} E ({source})"
