"""How the model shows itself in a terminal and in Jupyter: a few lines of text, an HTML table, the map."""

from __future__ import annotations

import dataclasses
import html
import re
import warnings

import folium
import pytest
from support import open_offline, wait

from geo.maps import BASEMAPS, map_html
from geo.maps.basemap import tile_url_pattern


def test_a_corridor_prints_in_three_lines_not_its_geometries(corridor):
    text = repr(corridor)
    assert text.count("\n") == 2
    assert len(text) < 600  # it printed 37,605 characters when it was the dataclass's repr
    assert "Trumba - Ain al-Havr" in text
    assert f"{len(corridor.posts)} observation posts" in text
    assert "POLYGON" not in text
    assert "LINESTRING" not in text


def test_a_corridor_shows_its_figures_as_a_table_and_then_its_map_in_a_notebook(corridor):
    page = corridor._repr_html_()
    assert page.startswith("<table><caption>Idlib security corridor</caption>")
    assert page.count("<tr>") == 6
    table_end = page.index("</table>") + len("</table>")
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', page[table_end:])
    assert srcdoc  # the map is the one page of c.explore(), in an iframe, as folium shows a map
    assert html.unescape(srcdoc[1]) == map_html(corridor.explore())


def test_a_corridors_display_is_the_same_each_time_and_about_half_a_megabyte(corridor):
    first = corridor._repr_html_()
    assert first == corridor._repr_html_()
    assert len(first.encode("utf-8")) < 700_000  # 509 kB: Leaflet inlined (166 kB) and the data, escaped


@pytest.mark.browser
def test_a_corridors_display_shows_the_table_and_a_working_map_with_no_network(browser, corridor, tmp_path):
    path = tmp_path / "cell.html"
    path.write_text(f"<!DOCTYPE html><html><body>{corridor._repr_html_()}</body></html>", encoding="utf-8")
    page = open_offline(browser, path)
    assert browser.execute_script("return document.querySelector('caption').textContent") == "Idlib security corridor"
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        posts = "return document.querySelectorAll('.leaflet-marker-pane .idlib-post').length"
        assert wait(browser).until(lambda d: d.execute_script(posts) or None) == len(corridor.posts)
        assert browser.execute_script("return !!document.querySelector('.leaflet-control-layers')")
    finally:
        browser.switch_to.default_content()
    tiles = tile_url_pattern(folium.TileLayer(provider).tiles for _, provider in BASEMAPS)
    assert [u for u in page.requests_beyond_the_page() if not tiles.fullmatch(u)] == []
    assert [e for e in page.errors() if not tiles.fullmatch(e.split(" ")[0])] == []


def test_a_state_prints_in_a_few_lines_and_as_a_table(corridor):
    state = corridor.as_of("2020-03-10")
    text = repr(state)
    assert text.startswith("CorridorState: As of 2020-03-10 (end of day)")
    assert text.count("\n") < 12
    assert len(text) < 1000  # 22,467 characters as the dataclass's repr
    table = state._repr_html_()
    assert "<caption>As of 2020-03-10 (end of day)</caption>" in table
    assert "<th style=\"text-align:left\">security corridor</th><td style=\"text-align:left\">yes</td>" in table


def test_a_state_past_the_datas_end_says_so_in_its_table(corridor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        state = corridor.as_of("2030-01-01")
    assert "past the end of the data" in state._repr_html_()


def test_the_summary_shows_as_a_table_in_a_notebook(corridor):
    s = corridor.summary()
    table = s._repr_html_()
    assert table.count("<tr>") == 6
    assert f"{s.m4_length_km:.1f} km" in table


def test_text_in_the_tables_is_escaped(corridor):
    hostile = dataclasses.replace(corridor.summary(), m4_source="<script>alert(1)</script>")
    assert "<script>" not in hostile._repr_html_()
    assert "&lt;script&gt;" in hostile._repr_html_()


def test_a_layer_explores_in_a_notebook(corridor):
    import mapclassify  # noqa: F401  (the notebooks extra installs it, and the test extra)

    m = corridor.layers()["posts"].explore(column="fate")
    assert "Salwa" in m.get_root().render()
