"""The default map (issue 13): one self-contained file that works with no connection, sources as links, place names.

* ``build_map(c)`` / ``idlib-corridor map``: Leaflet and every control inlined; the online basemaps are tile
  layers, its only requests; with the network off it shows the corridor and a "basemap unavailable" note.
* A popup's source shows its http(s) URLs as links, and nothing else as one.
* "Turkey", "Syria" and "Mediterranean Sea" sit on their side of the Natural Earth border and coastline.
"""

from __future__ import annotations

import dataclasses
import re

import folium
import pytest
import shapely
from branca.element import Element
from hypothesis import given
from hypothesis import strategies as st
from support import open_offline, wait

from geo.cli import main
from geo.maps import BASEMAPS, build_map, map_html, save_map
from geo.maps.assets import external_references
from geo.maps.basemap import tile_url_pattern
from geo.maps.overlays import RegionName
from geo.maps.popups import linked, popup_html, text

#: How :func:`linked` opens a link; what follows is the escaped URL, then ``">``, the same URL and ``</a>``.
A = '<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>'

# ------------------------------------------------------------------------------------------- links

LINK_CASES = [
    # (id, source text, the HTML shown)
    ("plain text", "Reuters, 5 March 2020", "Reuters, 5 March 2020"),
    ("https", "see https://example.org/a", "see " + A.format("https://example.org/a")),
    ("http", "http://example.org", A.format("http://example.org")),
    ("upper-case scheme", "HTTPS://EXAMPLE.ORG/x", A.format("HTTPS://EXAMPLE.ORG/x")),
    ("query escaped", "https://e.org/?a=1&b=2", A.format("https://e.org/?a=1&amp;b=2")),
    ("sentence end", "(https://e.org/r).", "(" + A.format("https://e.org/r") + ")."),
    ("two urls", "https://a.org, https://b.org", A.format("https://a.org") + ", " + A.format("https://b.org")),
    ("ends at a quote", 'https://e.org/"onmouseover="x', A.format("https://e.org/") + "&quot;onmouseover=&quot;x"),
    ("ends at markup", "https://e.org/<img src=x>", A.format("https://e.org/") + "&lt;img src=x&gt;"),
    ("javascript stays text", "javascript:alert(1)", "javascript:alert(1)"),
    ("javascript then https", "javascript:x()//https://e.org", "javascript:x()//" + A.format("https://e.org")),
    ("data stays text", "data:text/html,<b>x</b>", "data:text/html,&lt;b&gt;x&lt;/b&gt;"),
    ("ftp stays text", "ftp://e.org/f", "ftp://e.org/f"),
    ("glued to a word", "xhttps://e.org", "xhttps://e.org"),
    ("scheme alone", "https:// nothing", "https:// nothing"),
    ("missing", None, ""),
]


@pytest.mark.parametrize(("source", "shown"), [c[1:] for c in LINK_CASES], ids=[c[0] for c in LINK_CASES])
def test_a_source_shows_its_http_urls_as_links_and_the_rest_as_text(source, shown):
    assert linked(source) == shown


_OPENING = re.compile(r'<a href="[^"]*" rel="noopener noreferrer" target="_blank">')


@given(st.text())
def test_without_its_links_a_linked_source_is_its_escaped_text(source):
    shown = linked(source)
    assert _OPENING.sub("", shown).replace("</a>", "") == text(source)
    assert all(h.lower().startswith(("http://", "https://")) for h in re.findall(r'<a href="([^"]*)"', shown))


def test_only_the_source_rows_of_a_popup_get_links():
    page = popup_html(
        "https://t.org", [("Note", "https://n.org"), ("Source", "https://s.org"), ("History", "h https://h.org")]
    )
    assert re.findall(r'<a href="([^"]*)"', page) == ["https://s.org", "https://h.org"]


CHECKER_CASES = [
    # (id, page, what the checker counts as fetched)
    (
        "a link in a popup",
        '<script>m.bindPopup("\\u003ca href=\\"https://e.org/\\"\\u003ee\\u003c/a\\u003e");</script>',
        [],
    ),
    ("a link in the page", '<a href="https://e.org/">e</a>', []),
    ("an area link", '<map><area href="https://e.org/"></map>', []),
    ("a link's ping", '<a href="https://e.org/" ping="https://t.org/p">e</a>', ["https://t.org/p"]),
    ("a stylesheet link", '<link rel="stylesheet" href="https://cdn.org/x.css">', ["https://cdn.org/x.css"]),
    (
        "an image in a popup",
        '<script>m.bindPopup("\\u003cimg src=\\"https://e.org/i.png\\"\\u003e");</script>',
        ["https://e.org/i.png"],
    ),
]


@pytest.mark.parametrize(("page", "fetched"), [c[1:] for c in CHECKER_CASES], ids=[c[0] for c in CHECKER_CASES])
def test_the_checker_counts_what_is_fetched_and_not_a_link_until_clicked(page, fetched):
    assert external_references(page) == fetched


# ------------------------------------------------------------------------------------------- the file


@pytest.fixture(scope="module")
def default_map(corridor) -> folium.Map:
    return build_map(corridor)


@pytest.fixture(scope="module")
def default_html(default_map) -> str:
    return map_html(default_map)


def test_the_default_page_has_leaflet_inlined_and_no_script_or_stylesheet_from_elsewhere(default_html):
    assert "<script src=" not in default_html
    assert '<link rel="stylesheet"' not in default_html
    assert "L.Control.IdlibMeasure" in default_html  # our own controls, inlined


def test_the_default_pages_only_references_are_its_basemaps_tiles(default_html):
    templates = [folium.TileLayer(provider).tiles for _, provider in BASEMAPS]
    assert external_references(default_html) == templates


def test_the_offline_page_has_no_tile_layer_and_no_basemap_note(corridor):
    page = map_html(build_map(corridor, offline=True))
    assert "L.tileLayer" not in page
    assert "IdlibBasemapNote" not in page
    assert external_references(page) == []


def test_a_default_map_that_would_load_a_script_from_a_cdn_is_refused(corridor):
    m = build_map(corridor)
    m.get_root().header.add_child(Element('<script src="https://cdn.example/x.js"></script>'), name="cdn")
    with pytest.raises(ValueError, match=r"besides its basemap tiles.*cdn\.example/x\.js"):
        map_html(m)


def test_an_offline_map_with_a_tile_layer_is_refused(corridor):
    m = build_map(corridor, offline=True)
    folium.TileLayer(BASEMAPS[0][1]).add_to(m)
    with pytest.raises(ValueError, match="the offline map would load 1 external resource"):
        map_html(m)


def test_the_map_command_writes_the_self_contained_map_by_default(tmp_path, capsys):
    out = tmp_path / "map.html"
    assert main(["map", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<script src=" not in page
    assert "IdlibBasemapNote" in page
    assert "works offline" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- names


def _region_anchors(m: folium.Map) -> dict[str, shapely.Point]:
    """The country and sea names of the map, and the points they are drawn at (lon/lat)."""
    return {el.name: shapely.Point(el.latlng[1], el.latlng[0]) for el in _walk(m) if isinstance(el, RegionName)}


def _walk(el):
    yield el
    for child in el._children.values():
        yield from _walk(child)


def _crossings(a: shapely.Point, b: shapely.Point, line: shapely.Geometry) -> int:
    met = shapely.LineString([a, b]).intersection(line)
    return 0 if met.is_empty else len(shapely.get_parts(met))


@pytest.mark.parametrize(
    ("name", "kind", "crossings_to_the_corridor"),
    [("Turkey", "border", 1), ("Syria", "border", 0), ("Mediterranean Sea", "coastline", 1)],
)
def test_a_country_or_sea_name_is_on_its_side_of_the_natural_earth_line(
    default_map, corridor, name, kind, crossings_to_the_corridor
):
    # Saraqib, at the M4's east end, is in Syria, on land: Turkey and the sea are across the border or the coast.
    line = shapely.union_all(list(corridor.context.geometry[corridor.context["kind"] == kind]))
    at = _region_anchors(default_map)[name]
    saraqib = corridor.places.geometry[corridor.places["name"] == "Saraqib"].iloc[0]
    assert _crossings(at, saraqib, line) == crossings_to_the_corridor
    assert not corridor.security_corridor.contains(at)


def test_a_context_without_a_border_or_coastline_gets_no_names(corridor):
    context = corridor.context[~corridor.context["kind"].isin(["border", "coastline"])]
    m = build_map(dataclasses.replace(corridor, context=context), offline=True)
    assert _region_anchors(m) == {}


# ------------------------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def default_page(browser, corridor, tmp_path_factory):
    posts = corridor.posts.copy()
    posts.loc[0, "source"] = "javascript:window.__pwned=1// see https://example.org/r?a=1&b=2 <img src=x>"
    folder = tmp_path_factory.mktemp("default")
    path = save_map(build_map(dataclasses.replace(corridor, posts=posts)), folder / "map.html")
    return open_offline(browser, path)


_TILES = tile_url_pattern(folium.TileLayer(provider).tiles for _, provider in BASEMAPS)


def _count(driver, selector: str) -> int:
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length", selector)


@pytest.mark.browser
def test_with_the_network_off_the_default_map_shows_the_corridor_the_posts_and_the_m4(browser, default_page):
    assert _count(browser, "path.idlib-corridor") == 2
    assert _count(browser, ".leaflet-marker-pane .idlib-post") == 12
    assert _count(browser, "path.idlib-m4") == 1
    assert _count(browser, "path.idlib-context") > 0


@pytest.mark.browser
def test_with_the_network_off_the_default_map_says_the_basemap_is_unavailable(browser, default_page):
    script = "var n = document.querySelector('.idlib-basemap-note'); return n && n.offsetHeight > 0 && n.textContent"
    assert "Basemap unavailable" in wait(browser).until(lambda d: d.execute_script(script))


@pytest.mark.browser
def test_the_default_maps_only_requests_are_tiles_of_the_listed_basemaps(default_page):
    requests = default_page.requests_beyond_the_page()
    assert requests
    assert [u for u in requests if not _TILES.fullmatch(u)] == []


@pytest.mark.browser
def test_the_default_maps_only_console_errors_are_its_failed_tiles(default_page):
    failed = [e for e in default_page.errors() if "Failed to load resource" in e and _TILES.fullmatch(e.split(" ")[0])]
    assert failed
    assert [e for e in default_page.errors() if e not in failed] == []


@pytest.mark.browser
def test_the_country_and_sea_names_are_on_the_page(browser, default_page):
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('.idlib-region')).map(e => e.textContent)"
    )
    assert sorted(names) == ["Mediterranean Sea", "Syria", "Turkey"]


@pytest.mark.browser
def test_a_post_popup_links_the_https_url_of_its_source_and_not_the_javascript_one(browser, default_page):
    links = browser.execute_script(
        "var map = window[document.querySelector('.folium-map').id]; var out = null;"
        "map.eachLayer(function (l) { if (!out && l.getPopup && l.getPopup() && l.getLatLng"
        "  && /__pwned/.test(l.getPopup().getContent())) {"
        "  l.openPopup(); out = Array.from(l.getPopup().getElement().querySelectorAll('.leaflet-popup-content a'))"
        "  .map(function (a) { return [a.getAttribute('href'), a.rel, a.target]; }); l.closePopup(); } });"
        "return out;"
    )
    assert ["https://example.org/r?a=1&b=2", "noopener noreferrer", "_blank"] in links
    assert all(href.startswith("https://") and rel == "noopener noreferrer" for href, rel, _ in links)
    assert browser.execute_script("return window.__pwned === undefined")


def test_the_tile_pattern_matches_a_tile_and_nothing_else():
    assert _TILES.fullmatch("https://tile.openstreetmap.org/9/310/203.png")
    assert not _TILES.fullmatch("https://tile.openstreetmap.org/leaflet.js")
    assert not _TILES.fullmatch("https://evil.example/9/310/203.png")
