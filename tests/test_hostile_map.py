"""Hostile data in the map: every text of every data layer carries markup, and nothing of it runs or loads.

A copy of ``data/`` is written with each text property of each feature suffixed by
:data:`SUFFIX` (every payload of :data:`PAYLOADS`) and each source prefixed by a
``javascript:`` URL, but the properties the readers refuse so changed (dates, codes:
:data:`REFUSED`) and the names of the patrol's two end places (which the model looks
up by name). The maps built from it are opened in headless Chromium, once per variant,
with every popup and tooltip opened; nothing may run, log an error or be requested
(``file:`` URLs included), and each payload must show, once, as text.

The offline checker (:func:`geo.maps.assets.external_references`) is tried on a table of
pages, one line each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import open_offline, requests_beyond, wait

import geo
from geo import data as _data
from geo.corridor import PATROL_END, PATROL_START
from geo.events import read_events
from geo.maps import Bind, DivMarker, PanelControl, build_map, map_html, save_map
from geo.maps.assets import external_references, leaflet_js
from geo.maps.legend import legend_row
from geo.maps.overlays import feature_group, label
from geo.maps.popups import popup_html, text

#: (id, payload): markup that would run or load if a text from the data were parsed as HTML or JavaScript.
PAYLOADS = [
    ("img-onerror", '<img src=x onerror="window.__pwned=1">'),
    ("script-end", "</script><script>window.__pwned=2</script>"),
    ("attribute-break", '"><svg onload="window.__pwned=3">'),
    ("quote-break", "'><img src='x.png' onerror='window.__pwned=4'>"),
    ("template-literal", "${window.__pwned=5}"),
    ("relative-url", '<img src="x.png"><iframe src="frame.html"></iframe>'),
    ("css-url", '<div style="background:url(bg.png)">bg</div>'),
    ("comment", "<!-- -->"),
    ("entity", "&lt;b&gt; &amp; AT&T"),  # must show exactly so: not decoded, not escaped twice
    ("arabic-quotes", 'سراقب "Saraqib\'s"'),
    ("line-separator", "a\u2028b\u2029c"),
    # branca compiles what an element renders as a Jinja template again: {{ 7*7 }} showed 49, {% if %} stopped the map.
    ("jinja-expression", "{{ 7*7 }} {{ cycler.__init__.__globals__.os.getcwd() }}"),
    ("jinja-statement", "{% if %}"),
    ("jinja-comment", "{# gone #}"),
]
SUFFIX = " " + " ".join(payload for _, payload in PAYLOADS)
#: What a source field starts with: a link to it must never become one that runs; the https URL after it must.
JS_URL = "javascript:window.__pwned=6//"
SOURCE_URL = "https://example.org/report?a=1&b=2"
SOURCE_KEYS = {"source", "history_source", "osm_permalink"}

READERS = {
    "context": _data.read_context,
    "events": read_events,
    "m4_waypoints": _data.read_m4_waypoints,
    "places": _data.read_places,
    "posts": _data.read_posts,
    "settlements": _data.read_settlements,
}
#: The properties the readers refuse with a payload in them (codes, dates, kinds): they never reach the page.
REFUSED = {
    "context": {"confidence"},
    "events": {"confidence", "date", "date_by", "date_end", "date_precision", "location_confidence", "type"},
    "m4_waypoints": {"confidence"},
    "places": {"confidence"},
    "posts": {
        "confidence",
        "established",
        "established_by",
        "established_end",
        "evacuated",
        "evacuated_end",
        "fate",
        "point_kind",
    },
    "settlements": {"confidence"},
}


def _hostile(value: object, key: str = "") -> object:
    """``value`` with :data:`SUFFIX` after every text in it (and a ``javascript:`` URL before a source)."""
    if isinstance(value, str):
        return (f"{JS_URL} {SOURCE_URL} " if key in SOURCE_KEYS else "") + value + SUFFIX
    if isinstance(value, list):
        return [_hostile(v, key) for v in value]
    if isinstance(value, dict):
        return {k: _hostile(v, k) for k, v in value.items()}
    return value


def _keep(layer: str, props: dict) -> set[str]:
    """The properties of a feature left as they are: those refused, and the names of the patrol's ends."""
    kept = set(REFUSED[layer])
    if layer == "places" and props.get("name") in (PATROL_START, PATROL_END):
        kept.add("name")
    return kept


def _write_hostile(src: Path, dest: Path, layer: str, only: str | None = None) -> None:
    """Write ``layer`` of ``src`` to ``dest`` with every text made hostile (or only property ``only``)."""
    doc = json.loads((src / f"{layer}.geojson").read_text(encoding="utf-8"))
    for feature in doc["features"]:
        props = feature["properties"]
        keep = _keep(layer, props) if only is None else set(props) - {only}
        feature["properties"] = {k: v if k in keep else _hostile(v, k) for k, v in props.items()}
    doc.update({k: _hostile(v) for k, v in doc.items() if k in ("name", "description")})
    (dest / f"{layer}.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """A copy of the shipped data with every text the readers accept made hostile."""
    dest = tmp_path_factory.mktemp("hostile") / "data"
    dest.mkdir()
    for layer in READERS:
        _write_hostile(Path(str(_data.data_dir())), dest, layer)
    return dest


@pytest.fixture(scope="module")
def hostile(hostile_data) -> geo.Corridor:
    return geo.load_corridor(data_dir=hostile_data)


def test_the_readers_refuse_a_payload_in_exactly_the_properties_left_clean(tmp_path):
    # Each text property, made hostile alone, is either read (so the map must show it safely) or refused.
    src = Path(str(_data.data_dir()))
    refused: dict[str, set[str]] = {layer: set() for layer in READERS}
    for layer, reader in READERS.items():
        features = json.loads((src / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]
        for key in dict.fromkeys(k for f in features for k in f["properties"]):
            _write_hostile(src, tmp_path, layer, only=key)
            try:
                reader(tmp_path / f"{layer}.geojson")
            except ValueError:
                refused[layer].add(key)
    assert refused == REFUSED


# ------------------------------------------------------------------------------------- in the browser

#: The map variants opened in the browser: (id, build_map options, whether the M4 is a user file with a hostile name).
VARIANTS = [
    ("offline-timeline", {"offline": True}, False),
    ("offline-no-timeline-user-m4", {"offline": True, "timeline": False}, True),
]
#: The name of a user's M4 file: markup, as far as a file name can hold it (no ``/``).
M4_FILE = "m4 <img src=x onerror=window.__pwned=7>.geojson"

#: Opens every popup and tooltip of every layer (the time slider's drawn on its last day first) and
#: returns the texts shown (the layer control's labels, the legend, the permanent labels and each
#: popup and tooltip as it opened) and the links the popups and tooltips held ([href, rel, target] each).
_OPEN_ALL = """
var done = arguments[arguments.length - 1];
var map = window[document.querySelector('.folium-map').id];
var texts = [], links = [];
var hrefs = function (el, sel) {
  el.querySelectorAll(sel).forEach(function (a) { links.push([a.getAttribute('href'), a.rel, a.target]); });
};
var grab = function (sel) { document.querySelectorAll(sel).forEach(function (e) { texts.push(e.textContent); }); };
Object.values(window.idlibTimelines || {}).forEach(function (t) { t.setDate(t.date()); });
map.getContainer().querySelectorAll('.leaflet-control-layers-overlays input').forEach(function (i) {
  if (!i.checked) { i.click(); }
});
grab('.leaflet-control-layers-overlays label');
grab('.idlib-legend, .idlib-timeline, .leaflet-tooltip');
var layers = [];
map.eachLayer(function (l) { layers.push(l); });
layers.forEach(function (l) {
  var at = l.getLatLng ? l.getLatLng() : (l.getBounds ? l.getBounds().getCenter() : null);
  if (l.getPopup && l.getPopup() && at) {
    l.openPopup(at); texts.push(l.getPopup().getElement().textContent);
    hrefs(l.getPopup().getElement(), '.leaflet-popup-content a');
    l.closePopup();
  }
  if (l.getTooltip && l.getTooltip() && at && !l.getTooltip().options.permanent) {
    l.openTooltip(at); texts.push(l.getTooltip().getElement().textContent);
    hrefs(l.getTooltip().getElement(), 'a');
    l.closeTooltip();
  }
});
document.querySelectorAll('[title]').forEach(function (e) { texts.push(e.title); });
// Let any handler a payload set (onerror, onload) have its turn before answering.
requestAnimationFrame(function () { setTimeout(function () { done({texts: texts, links: links}); }, 0); });
"""


@pytest.fixture(scope="module", params=[v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def opened(request, browser, hostile, hostile_data, tmp_path_factory) -> dict:
    """The hostile map of one variant, opened once with everything in it opened: what it ran, logged, asked."""
    options, user_m4 = request.param
    folder = tmp_path_factory.mktemp("page")
    if user_m4:
        m4 = folder / M4_FILE
        gpd.GeoDataFrame(geometry=[hostile.m4], crs="EPSG:4326").to_file(m4, driver="GeoJSON")
        hostile = geo.load_corridor(m4=m4, data_dir=hostile_data)
    path = save_map(build_map(hostile, **options), folder / "hostile.html")
    page = open_offline(browser, path)
    shown = browser.execute_async_script(_OPEN_ALL)
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
    events = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    return {
        "pwned": browser.execute_script("return window.__pwned === undefined ? null : window.__pwned"),
        "errors": page.errors() + [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"],
        "requests": page.requests_beyond_the_page() + requests_beyond(path.as_uri(), events),
        "elements": browser.execute_script(
            "return document.querySelectorAll('img, iframe, [onerror], [onload], a[href^=\"javascript\" i]').length"
        ),
        "texts": shown["texts"],
        "links": shown["links"],
        "user_m4": user_m4,
        "timeline": options.get("timeline", True),
    }


@pytest.mark.browser
def test_no_payload_runs(opened):
    assert opened["pwned"] is None


@pytest.mark.browser
def test_the_page_logs_no_error(opened):
    assert opened["errors"] == []


@pytest.mark.browser
def test_the_page_requests_nothing_of_any_scheme(opened):
    assert opened["requests"] == []


@pytest.mark.browser
def test_no_payload_became_an_element(opened):
    assert opened["elements"] == 0


@pytest.mark.browser
def test_only_the_https_urls_of_sources_became_links_and_they_open_apart(opened):
    # SOURCE_URL, and the shipped data's own (a post's history source); not the javascript: URL before
    # SOURCE_URL, nor any markup of the payloads after it.
    links = {tuple(link) for link in opened["links"]}
    assert (SOURCE_URL, "noopener noreferrer", "_blank") in links
    for href, rel, target in links:
        assert re.fullmatch(r"https://[^\s<>\"'`]+", href), href
        assert (rel, target) == ("noopener noreferrer", "_blank")


@pytest.mark.browser
def test_the_slider_shows_an_event_name_as_written(opened):
    # In the slider's panel and the event's popup; a map without the slider has neither.
    shown = any("First joint patrol" + SUFFIX in t for t in opened["texts"])
    assert shown == opened["timeline"]


@pytest.mark.browser
def test_the_m4_popup_names_a_user_file_as_text(opened):
    said = f"User-supplied file {M4_FILE}" if opened["user_m4"] else "OpenStreetMap's centreline"
    assert any(said in t for t in opened["texts"])


@pytest.mark.browser
@pytest.mark.parametrize(
    ("where", "shown"),
    [
        ("layer control", "Context: border" + SUFFIX),  # the context kind: issue 15's case
        ("place label", "Idlib" + SUFFIX),  # a permanent tooltip
        ("post popup", "Salwa" + SUFFIX),  # a popup's heading
        ("post marker's title", "Post 1: Salwa" + SUFFIX),  # a DOM property, shown on hover
        ("context tooltip", "Turkey-Syria border" + SUFFIX),  # a sticky tooltip
        ("source", JS_URL),  # a javascript: URL in a source shows as text, never as a link
    ],
)
def test_each_field_shows_its_payload_as_text(opened, where, shown):
    assert any(shown in t for t in opened["texts"]), where


@pytest.mark.browser
@pytest.mark.parametrize("payload", [p for _, p in PAYLOADS], ids=[k for k, _ in PAYLOADS])
def test_each_payload_shows_exactly_as_written(opened, payload):
    # In the layer control's label of the context kind: not run, not decoded, not escaped twice.
    labels = [t for t in opened["texts"] if t.strip().startswith("Context: border")]
    assert labels
    assert all(payload in t for t in labels)


# ------------------------------------------------------------------------------------- the online map


@pytest.fixture(scope="module")
def online_pages(corridor, hostile) -> tuple[str, str]:
    return map_html(build_map(corridor)), map_html(build_map(hostile))


@pytest.mark.parametrize("markup", ["<img src=x", "<svg onload", "<script>window.__pwned", "<iframe", 'x.png"'])
def test_the_online_map_holds_no_payload_as_markup(online_pages, markup):
    # Checked as text, the page but Leaflet's own code (inlined, and naming its "marker-icon-2x.png").
    assert markup not in online_pages[1].replace(leaflet_js(), "")


def test_the_online_map_of_hostile_data_loads_what_the_shipped_one_loads(online_pages):
    shipped, hostile_page = online_pages
    assert external_references(hostile_page) == external_references(shipped)


# ----------------------------------------------------------------------------------- the offline checker

CHECKER_CASES = [
    # (id, page, references the checker must find)
    ("script-src", '<script src="https://cdn.example/l.js"></script>', ["https://cdn.example/l.js"]),
    ("relative-img", '<img src="x.png">', ["x.png"]),
    ("css-url", "<style>a{background:url(images/x.png)}</style>", ["images/x.png"]),
    ("svg-xlink", '<svg><image xlink:href="x.png"/></svg>', ["x.png"]),
    ("meta-refresh", '<meta http-equiv="refresh" content="0; url=https://x.example/">', ["https://x.example/"]),
    ("link-ping", '<a href="#top" ping="https://t.example/p">top</a>', ["https://t.example/p"]),
    ("js-string-http", '<script>var u = "https://tiles.example/{z}.png";</script>', ["https://tiles.example/{z}.png"]),
    ("js-string-protocol-relative", "<script>fetch('//cdn.example/x.js')</script>", ["//cdn.example/x.js"]),
    ("js-img-in-string", "<script>d.innerHTML = '<img src=\"x.png\">';</script>", ["x.png"]),
    ("js-img-unquoted", "<script>d.innerHTML = '<img alt=a src=x>';</script>", ["x"]),
    ("js-css-url", "<script>d.style.background = 'url(bg.png)';</script>", ["bg.png"]),
    ("js-src-property", '<script>img.src = "x.png";</script>', ["x.png"]),
    ("js-set-attribute", "<script>a.setAttribute('href', 'page.html');</script>", ["page.html"]),
    ("js-import", "<script>s.textContent = \"@import 'theme.css';\";</script>", ["theme.css"]),
    ("svg-namespace", '<script>document.createElementNS("http://www.w3.org/2000/svg", "g")</script>', []),
    ("leaflet-prefix", '<script>p = \'<a href="https://leafletjs.com" title="L">Leaflet</a>\';</script>', []),
    ("near-miss-host", '<script>ns = "http://www.w3.org/2000/svg.evil";</script>', ["http://www.w3.org/2000/svg.evil"]),
    ("fragment", "<script>a.href = '#';</script>", []),
    ("data-uri", "<script>i.src = 'data:image/png;base64,AAAA';</script>", []),
    ("escaped-data-text", '<script>b("\\u003cimg src=x\\u003e &lt;img src=x&gt;")</script>', []),
    ("json-data", '<script type="application/json">{"s": "https://example.org/a"}</script>', []),
    ("comparison", "<script>for (var i = 0; i<n; i++) { if (a<b && c) {} }</script>", []),
    ("function-named-url", "<script>var i = this._getIconUrl(t);</script>", []),
    ("popup-html-unescaped", '<script>m.bindPopup("\\u003cimg src=x.png\\u003e", {});</script>', ["x.png"]),
    ("popup-html-escaped", '<script>m.bindPopup("&lt;img src=x.png&gt; https://a.example/");</script>', []),
    ("inner-html-unescaped", '<script>d.innerHTML = "\\u003ciframe src=\\"f.html\\"\\u003e";</script>', ["f.html"]),
    ("div-icon-html", '<script>L.divIcon({"html": "\\u003cimg src=i.png\\u003e"});</script>', ["i.png"]),
    ("layer-name", '<script>var c_layers = {overlays : {"\\u003cimg src=y.png\\u003e" : g_1,},};</script>', ["y.png"]),
    ("layer-name-escaped", '<script>var c_layers = {overlays : {"&lt;img src=y.png&gt;" : g_1,},};</script>', []),
    ("end-tag-in-a-string", "<script>a = '</div>'; d.innerHTML = '<img src=x.png>';</script>", ["x.png"]),
    ("unclosed-script", '<script>i.src = "x.png";', ["x.png"]),
    ("unclosed-style", "<style>a { background: url(u.png) }", ["u.png"]),
]


@pytest.mark.parametrize(("page", "expected"), [c[1:] for c in CHECKER_CASES], ids=[c[0] for c in CHECKER_CASES])
def test_the_offline_checker_finds_what_a_page_would_load(page, expected):
    assert external_references(page) == expected


#: Texts that look like what the checker looks for: a URL, markup, CSS, script, each followed by any text.
_LOOKALIKES = st.builds(
    str.__add__,
    st.sampled_from(["", "https://", "//", "file:", "<img src=", "url(", "@import '", ".src = '", '"', "'"]),
    st.text(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(), _LOOKALIKES))
def test_no_data_text_makes_the_offline_checker_refuse_a_page(value):
    # Wherever the map's elements put a data text (layer name, label, popup, marker, title, panel), the
    # checker sees no reference: data text is never mistaken for code that fetches.
    m = folium.Map(tiles=None)
    m.default_js, m.default_css = [], []
    group = feature_group(m, f"Context: {value}")
    dot = folium.CircleMarker((35.5, 36.5)).add_to(group)
    dot.add_child(label(text(value), [["right", [2, 0]]], "idlib-label"))
    dot.add_child(Bind(popup_html(value, [("Source", value)]), "popup"))
    group.add_child(DivMarker((35.5, 36.5), f"<span>{text(value)}</span>", "idlib-post", f"Post 1: {value}"))
    m.add_child(PanelControl(legend_row("", value)))
    folium.LayerControl().add_to(m)
    assert external_references(m.get_root().render()) == []


def test_the_offline_checker_refuses_a_page_with_a_layer_name_left_unescaped(corridor):
    # Issue 15's page: a name with markup given to the layer control as it is.
    m = build_map(corridor, offline=True, timeline=False)
    folium.FeatureGroup(name='Context: <img src=x onerror="window.__pwned=1">').add_to(m)
    with pytest.raises(ValueError, match=re.escape("would load 1 external resource(s), e.g. ['x']")):
        map_html(m)


def test_the_offline_checker_passes_the_shipped_offline_map(corridor):
    assert external_references(map_html(build_map(corridor, offline=True))) == []
