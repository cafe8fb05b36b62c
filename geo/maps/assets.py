"""What a page needs inline: Leaflet's files from an installed package, our own from ``geo/static/``; a checker.

Our scripts and stylesheets (the controls, the time slider, label decluttering,
legend fitting, the page's CSS) are plain files of the package, read with
:mod:`importlib.resources` like Leaflet's below and put inline in the page's head
once each by the elements that need them (:class:`StaticMacro`), online and
offline alike.

An offline map must open with no network at all. Leaflet's JavaScript and CSS
come from the installed ``django-js-lib-leaflet`` package (a dependency that
ships Leaflet's ``dist/`` files and nothing else), read at build time with
:mod:`importlib.resources`; nothing of Leaflet is kept in this repository. The
CSS refers to its images by relative URL (``url(images/layers.png)``): they are
turned into ``data:`` URIs. :func:`external_references` lists every reference
in a page that a browser would fetch, the URL-like strings of its scripts
included (:func:`script_references`), so a build can refuse to write an
"offline" file that is not.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from importlib.resources.abc import Traversable

from branca.element import Element, Figure

from ._folium import Macro
from .style import css_properties

__all__ = [
    "HARMLESS_SCRIPT_URLS",
    "LEAFLET_PACKAGE",
    "MARKERCLUSTER_PACKAGE",
    "STATIC_PACKAGE",
    "OfflineAssets",
    "StaticMacro",
    "external_references",
    "inline_css_urls",
    "inline_static",
    "leaflet_css",
    "leaflet_icon_js",
    "leaflet_js",
    "leaflet_version",
    "markercluster_css",
    "markercluster_js",
    "script_references",
    "static_css",
    "static_js",
]

#: The installed package that ships Leaflet's ``dist/`` files (PyPI: ``django-js-lib-leaflet``).
LEAFLET_PACKAGE = "js_lib_leaflet"
#: The installed package that ships Leaflet.markercluster's ``dist/`` files (PyPI: ``xstatic-leaflet-markercluster``).
MARKERCLUSTER_PACKAGE = "xstatic.pkg.leaflet_markercluster"
#: The package whose ``static/`` folder holds our own scripts and stylesheets (shipped in the wheel).
STATIC_PACKAGE = "geo"

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*//[#@] sourceMappingURL=.*$", re.MULTILINE)
_VERSION = re.compile(r"""\.version\s*=\s*["'](\d+\.\d+\.\d+)["']""")
#: References a browser resolves without a request: inline data, in-page fragments, scripts.
_LOCAL_SCHEMES = ("data:", "#", "javascript:", "about:blank")


def _dist() -> Traversable:
    """Return the folder of Leaflet's dist files inside the installed package."""
    try:
        root = resources.files(LEAFLET_PACKAGE)
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"offline maps read Leaflet from the package {LEAFLET_PACKAGE!r}, which is not installed: "
            "pip install django-js-lib-leaflet"
        ) from None
    return root / "static" / LEAFLET_PACKAGE


def _markercluster() -> Traversable:
    """Return the folder of Leaflet.markercluster's files inside the installed package."""
    try:
        root = resources.files(MARKERCLUSTER_PACKAGE)
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"maps with your points read Leaflet.markercluster from the package {MARKERCLUSTER_PACKAGE!r}, "
            "which is not installed: pip install xstatic-leaflet-markercluster"
        ) from None
    return root / "data"


def _static() -> Traversable:
    """Return the folder of our own scripts and stylesheets inside the package (``geo/static/``)."""
    return resources.files(STATIC_PACKAGE) / "static"


def _read(folder: Traversable, package: str, name: str) -> str:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{package}: {name} not found in the installed package (reinstall it)")
    return path.read_text(encoding="utf-8")


def _in_script(js: str) -> str:
    """Script text that cannot end its ``<script>`` element early."""
    return js.replace("</script", "<\\/script")


def _in_style(css: str) -> str:
    """Stylesheet text that cannot end its ``<style>`` element early."""
    return css.replace("</style", "<\\/style")


@cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, ready to sit inside a ``<script>`` element.

    The source-map comment is removed (a browser with developer tools open would
    fetch the map file) and any ``</script`` is escaped.

    Examples
    --------
    >>> "L.version" in leaflet_js() or ".version=" in leaflet_js()
    True
    """
    return _in_script(_SOURCE_MAP.sub("", _read(_dist(), LEAFLET_PACKAGE, "leaflet.js")))


@cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images embedded as ``data:`` URIs.

    Examples
    --------
    >>> "url(images/" in leaflet_css()
    False
    """
    return inline_css_urls(_read(_dist(), LEAFLET_PACKAGE, "leaflet.css"), _dist())


@cache
def markercluster_js() -> str:
    """Leaflet.markercluster's minified JavaScript (no source-map comment), ready to sit inside a ``<script>``.

    Examples
    --------
    >>> "L.MarkerClusterGroup" in markercluster_js()
    True
    """
    return _in_script(_SOURCE_MAP.sub("", _read(_markercluster(), MARKERCLUSTER_PACKAGE, "leaflet.markercluster.js")))


@cache
def markercluster_css() -> str:
    """Leaflet.markercluster's own CSS (its animations; the clusters' look is ours, ``geo/static/points.css``)."""
    folder = _markercluster()
    return _in_style(inline_css_urls(_read(folder, MARKERCLUSTER_PACKAGE, "MarkerCluster.css"), folder))


@cache
def static_js(name: str) -> str:
    """One of our scripts (``geo/static/NAME``), ready to sit inside a ``<script>`` element.

    Parameters
    ----------
    name
        The file's name in ``geo/static/``, e.g. ``controls.js``.

    Examples
    --------
    >>> "L.Control.IdlibMeasure" in static_js("controls.js")
    True
    """
    return _in_script(_read(_static(), STATIC_PACKAGE, name))


@cache
def static_css(name: str) -> str:
    """One of our stylesheets (``geo/static/NAME``), its ``url(...)`` files embedded, ready for ``<style>``.

    Parameters
    ----------
    name
        The file's name in ``geo/static/``, e.g. ``map.css``.
    """
    return _in_style(inline_css_urls(_read(_static(), STATIC_PACKAGE, name), _static()))


def inline_static(figure: Figure, names: Iterable[str]) -> None:
    """Put our scripts and stylesheets inline at the end of a page's head, each once however often asked.

    A stylesheet comes after the style table's CSS custom properties (:func:`geo.maps.style.css_properties`),
    which it may use.

    Parameters
    ----------
    figure
        The page.
    names
        File names in ``geo/static/``: ``*.js`` or ``*.css``.
    """
    for name in names:
        if name.endswith(".css"):
            properties = Element(f"<style>{_in_style(css_properties())}</style>")
            figure.header.add_child(properties, name="idlib_style_table")
            text = f"<style>{static_css(name)}</style>"
        else:
            text = f"<script>{static_js(name)}</script>"
        figure.header.add_child(Element(text), name=f"idlib_static_{name}")


class StaticMacro(Macro):
    """A MacroElement whose scripts and stylesheets (:attr:`static`, in ``geo/static/``) the page gets inline."""

    #: File names in ``geo/static/``, in the order the page needs them.
    static: tuple[str, ...] = ()

    def add_assets(self, figure: Figure) -> None:
        """Put :attr:`static` inline in the head of ``figure`` (:func:`inline_static`)."""
        inline_static(figure, self.static)


def leaflet_version() -> str:
    """Version of the inlined Leaflet, read from its JavaScript (e.g. ``"1.9.4"``)."""
    m = _VERSION.search(leaflet_js())
    return m.group(1) if m else "unknown"


def inline_css_urls(css: str, base: Traversable) -> str:
    """Replace each relative ``url(...)`` in ``css`` with a ``data:`` URI of the file under ``base``.

    ``data:`` URIs and in-page fragments (``url(#...)``) are kept as they are.

    Parameters
    ----------
    css
        Stylesheet text.
    base
        Folder the stylesheet's relative URLs are resolved against.

    Raises
    ------
    ValueError
        A URL is absolute (``http:``, ``//host``, ``/path``), climbs out of ``base``,
        or names a file that does not exist.
    """

    def embed(m: re.Match[str]) -> str:
        url = m.group(2).strip()
        if url.startswith(_LOCAL_SCHEMES):
            return m.group(0)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/", url):
            raise ValueError(f"stylesheet url({url}): expected a relative path to a file beside the stylesheet")
        parts = [p for p in url.split("?")[0].split("#")[0].split("/") if p not in ("", ".")]
        if ".." in parts:
            raise ValueError(f"stylesheet url({url}): '..' is not allowed, expected a file below the stylesheet")
        target = base.joinpath(*parts)
        if not target.is_file():
            raise ValueError(f"stylesheet url({url}): no such file {target}")
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(embed, css)


def _data_uri(target: Traversable) -> str:
    """Return a ``data:`` URI of the file ``target``, its type from its name."""
    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(target.read_bytes()).decode('ascii')}"


@cache
def leaflet_icon_js() -> str:
    """Return a script that gives Leaflet's default marker its images as ``data:`` URIs, to run after Leaflet's.

    Leaflet looks for ``marker-icon.png`` beside its stylesheet, which a single page has not:
    a ``folium.Marker``, or a point of a ``folium.GeoJson``, added to a map would ask for it.

    Examples
    --------
    >>> "data:image/png;base64," in leaflet_icon_js()
    True
    """
    images = _dist() / "images"
    names = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png", "shadowUrl": "marker-shadow.png"}
    options = {option: _data_uri(images / name) for option, name in names.items()}
    return f'L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions({json.dumps(options)});'


#: URL-like strings in the page's own scripts that make no request, each exactly as it appears (and only these):
#: the SVG namespace, an identifier given to ``createElementNS`` and in our icons' ``xmlns`` (never fetched), and
#: the link of Leaflet's default attribution prefix (a link, followed only when clicked; the offline map
#: replaces that prefix with plain text).
HARMLESS_SCRIPT_URLS = frozenset({"http://www.w3.org/2000/svg", "https://leafletjs.com"})
#: Script types a browser runs (an absent or empty type is JavaScript); ``application/json`` data is never run.
_JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})
#: URL-like strings in JavaScript: a string that starts with a scheme or ``//`` (but the HTML given to
#: ``bindPopup(`` / ``bindTooltip(``, shown as text: a place named "https://..." is only a label); in a tag
#: written in a string (after a real ``<``, which text from the data never holds), a ``src=``/``href=``-like
#: attribute or a CSS ``url(...)``; a string given to ``.src =``, ``.href =``, ``.style... =`` (its
#: ``url(...)``) or ``setAttribute("src", ...)``; CSS ``@import`` in a string.
_TAG = r"""<[a-zA-Z][a-zA-Z0-9-]*\s[^<>{}]{0,400}?"""
_URL_ARG = r"""url\(\s*(?:\\?["'])?([^"')\\\s]*)"""
_JS_URLS = (
    re.compile(
        r"""(?<!\\)(?<!bindPopup\()(?<!bindTooltip\()["']\s*"""
        r"""((?:https?|ftp|wss?|file):[^"'`\s\\]*|//[^"'`\s\\/][^"'`\s\\]*)""",
        re.IGNORECASE,
    ),
    re.compile(_TAG + r"""\b(?:src|href|srcset|poster|data|action|background)\s*=\s*(?:\\?["'])?([^"'\s>\\]*)""", re.I),
    re.compile(_TAG + _URL_ARG, re.IGNORECASE),
    re.compile(r"""\.(?:style(?:\.[\w-]+)?|cssText)\s*=\s*["'`][^"'`]*?""" + _URL_ARG, re.IGNORECASE),
    re.compile(r"""@import\s+(?:url\(\s*)?["']([^"'\\]+)""", re.IGNORECASE),
    re.compile(r"""\.(?:src|href|srcset|poster|action|data)\s*=\s*["'`]([^"'`]*)""", re.IGNORECASE),
    re.compile(r"""setAttribute\(\s*["'](?:src|href|srcset|poster|action|data)["']\s*,\s*["'`]([^"'`]*)""", re.I),
)

#: A double-quoted JavaScript string (as JSON writes one); its text is group 1.
_JS_STRING = r'"((?:[^"\\\n]|\\.)*)"'
#: Strings a page inserts as HTML: what is given to ``bindPopup``, ``bindTooltip``, ``setContent``,
#: ``addAttribution`` or ``setPrefix``, assigned to ``.innerHTML`` or given as a divIcon's ``"html"``.
_HTML_SINKS = (
    re.compile(r"""\.(?:bindPopup|bindTooltip|setContent|addAttribution|setPrefix)\(\s*""" + _JS_STRING),
    re.compile(r"""\.innerHTML\s*=\s*""" + _JS_STRING),
    re.compile(r'"html"\s*:\s*' + _JS_STRING),
)
#: Folium's layer control: ``var layer_control_0001_layers = {... overlays : {"name" : layer, ...}}``,
#: whose names Leaflet inserts as HTML.
_LAYER_CONTROL = re.compile(r"""_layers\s*=\s*\{(.*?)\};""", re.DOTALL)
_LAYER_NAME = re.compile(_JS_STRING + r"""\s*:\s*[\w$]+\s*,""")


def _inserted_html(js: str) -> list[tuple[int, int, str]]:
    """Return the strings of ``js`` that the page inserts as HTML: where each starts and ends, and its text."""
    found = [m.span(1) for pattern in _HTML_SINKS for m in pattern.finditer(js)]
    for block in _LAYER_CONTROL.finditer(js):
        found += [(block.start(1) + m.start(1), block.start(1) + m.end(1)) for m in _LAYER_NAME.finditer(block[1])]
    out = []
    for start, end in found:
        try:
            out.append((start, end, json.loads(f'"{js[start:end]}"')))
        except json.JSONDecodeError:  # a JavaScript escape JSON lacks (\x3c...): read as it is written
            out.append((start, end, js[start:end]))
    return out


def script_references(js: str) -> list[str]:
    r"""List the URL-like strings in JavaScript ``js`` that a browser could fetch (see :func:`external_references`).

    What is found: a string literal that starts with a scheme (``http:``, ``https:``, ``ftp:``,
    ``ws:``, ``file:``) or with ``//``, but the HTML given to ``bindPopup(`` or ``bindTooltip(``
    (text there is shown, never fetched; markup there is read as what follows); a ``src=``,
    ``href=``... attribute of a tag written in a string (``'<img src="x.png">'``) and a
    ``url(...)`` in one; a string given to ``.src =``, ``.href =``, ``.style... =`` (its
    ``url(...)``) or ``setAttribute("src", ...)``; CSS ``@import`` in a string. And a string the
    page inserts as HTML (given to ``bindPopup``, ``bindTooltip``, ``setContent``,
    ``addAttribution``, ``setPrefix``, ``.innerHTML =``, a divIcon's ``"html"``, a name in
    folium's layer control) is decoded and read as HTML (:func:`external_references`): a data
    text left unescaped there (``\u003cimg src=x\u003e``) is found, an escaped one
    (``&lt;img src=x&gt;``) is text. Inline data (``data:``), in-page fragments (``#...``),
    ``javascript:`` and the exact strings of :data:`HARMLESS_SCRIPT_URLS` are left out.

    Text from the data cannot match: it reaches a script as a JSON string with ``<`` and ``'``
    written ``\u003c`` and ``\u0027`` and ``"`` as ``\"`` (:func:`geo.maps.elements.script_json`),
    so it holds no tag and opens no string; and every string of ours that holds a data text
    starts with our own words or markup, or is the HTML of a popup or tooltip (a place's label).
    Template literals (backticks) are not read: the page's scripts have none
    (``tests/test_maps.py`` checks ours; Leaflet's are ES5).

    Parameters
    ----------
    js
        The script's text.

    Examples
    --------
    >>> script_references('var i = "<img src=x.png>"; a.href = "#"; ns = "http://www.w3.org/2000/svg";')
    ['x.png']
    >>> script_references("fetch('//cdn.example/x.js')")
    ['//cdn.example/x.js']
    >>> script_references('m.bindPopup("\\u003cimg src=x\\u003e &lt;img src=y&gt;");')
    ['x']
    """
    inserted = _inserted_html(js)  # read as HTML, whole: what the patterns find in them is left to that
    found = {
        m.start(1): [m.group(1)]  # once per place, whichever patterns find it
        for pattern in _JS_URLS
        for m in pattern.finditer(js)
        if not any(start <= m.start(1) < end for start, end, _ in inserted)
    }
    for start, _, html in inserted:
        found[start] = external_references(html)
    refs = [url for at in sorted(found) for url in found[at]]
    return [u for u in refs if u and not u.lower().startswith(_LOCAL_SCHEMES) and u not in HARMLESS_SCRIPT_URLS]


class _References(HTMLParser):
    """Collect every URL a browser would fetch: attributes, CSS url() and @import, URL-like strings in scripts."""

    _ATTRS = frozenset(
        {"src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "manifest", "ping"}
    )

    #: Tags whose ``href`` is a link, which the browser follows only when it is clicked.
    _LINKS = frozenset({"a", "area"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None  # "style" or "script" (one that runs) while in its text
        self._text: list[str] = []  # that text so far (the parser may hand it over in pieces)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "href" and tag in self._LINKS:
                continue  # a link: followed when clicked, never fetched by the page (its ``ping`` is counted)
            if name in self._ATTRS:
                self.found.append(value)
            elif name == "srcset":
                self.found.extend(c.strip().split(" ")[0] for c in value.split(",") if c.strip())
            elif name == "style":
                self.found.extend(_css_references(value))
            elif name == "content" and tag == "meta" and "refresh" in str(dict(attrs).get("http-equiv")).lower():
                self.found.extend(re.findall(r"""url\s*=\s*['"]?([^'"\s]+)""", value, re.IGNORECASE))
        kind = (dict(attrs).get("type") or "").strip().lower()
        self._in = "style" if tag == "style" else "script" if tag == "script" and kind in _JS_TYPES else None
        self._text = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text)
        if self._in == "style":
            self.found.extend(_css_references(text))
        elif self._in == "script":
            self.found.extend(script_references(text))
        self._in, self._text = None, []

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)

    def close(self) -> None:
        """Read what is left (a ``<style>`` or ``<script>`` the page never closes)."""
        super().close()
        if self._in is not None:  # Python 3.11 keeps the text of an unclosed element back
            self._text.append(self.rawdata)
        self.handle_endtag("")


def _css_references(css: str) -> list[str]:
    refs = [m.group(2).strip() for m in _CSS_URL.finditer(css)]
    refs += re.findall(r"""@import\s+['"]([^'"]+)['"]""", css)
    return refs


def external_references(html: str) -> list[str]:
    """List the references in an HTML page that a browser would fetch, in order of appearance.

    Parameters
    ----------
    html
        The page.

    A reference is every ``src``, ``href`` (``xlink:href``; but the ``href`` of a link, ``<a>`` or
    ``<area>``, which is only followed when clicked: a source's URL in a popup), ``srcset``, ``poster``,
    ``data``, ``action`` (``formaction``) or ``ping`` attribute, a ``<meta>`` refresh's
    URL, every CSS ``url(...)`` or ``@import`` in a ``<style>`` element or ``style``
    attribute, and every URL-like string in the text of a
    script that runs (:func:`script_references`; a ``<script type="application/json">``
    holds data, never run), except ``data:`` URIs, in-page fragments (``#...``) and
    ``javascript:``. Relative paths count: a single file has no folder beside it.

    Examples
    --------
    >>> external_references('<script src="https://cdn.example/l.js"></script><img src="data:,">')
    ['https://cdn.example/l.js']
    >>> external_references('<style>a{background:url(images/x.png)}</style>')
    ['images/x.png']
    >>> external_references('<script>el.innerHTML = "<img src=x.png>";</script>')
    ['x.png']
    """
    parser = _References()
    parser.feed(html)
    parser.close()
    return [ref for ref in parser.found if not ref.strip().lower().startswith(_LOCAL_SCHEMES)]


class OfflineAssets(Macro):
    """Put Leaflet's CSS and JavaScript inline in the page head, an empty favicon and a ground for a map with no tiles.

    Add it to a :class:`folium.Map` whose ``default_js`` and ``default_css`` have
    been emptied (see :func:`geo.maps.build_map`), so no CDN link is written.

    Parameters
    ----------
    no_request
        Whether the page promises no network request at all (``--offline``): then
        :func:`geo.maps.map_html` refuses a page with any external reference; else only
        the URL templates of the map's tile layers are allowed.
    """

    def __init__(self, no_request: bool = True) -> None:
        super().__init__("OfflineAssets")
        self.no_request = bool(no_request)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # adds to the figure, returns nothing
        """Add the inline assets to the figure's head, right after its charset declaration."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise ValueError("OfflineAssets must be added to a map that is inside a branca Figure")
        # Keep the charset <meta> first: browsers only honour it within the first 1024 bytes.
        names = list(figure.header._children)
        at = names.index("meta_http") + 1 if "meta_http" in names else 0
        assets = {
            # An empty icon stops the browser asking for /favicon.ico.
            "offline_favicon": '<link rel="icon" href="data:,">',
            "offline_leaflet_css": f"<style>{leaflet_css()}</style>",
            "offline_css": f"<style>{static_css('offline.css')}</style>",
            "offline_leaflet_js": f"<script>{leaflet_js()}</script>",
            "offline_leaflet_icons": f"<script>{leaflet_icon_js()}</script>",
        }
        for i, (name, text) in enumerate(assets.items()):
            figure.header._children.pop(name, None)
            figure.header.add_child(Element(text), name=name, index=at + i)
