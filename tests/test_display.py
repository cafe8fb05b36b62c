"""How the model shows itself in a terminal and in Jupyter: a few lines of text, an HTML table, the map."""

from __future__ import annotations

import dataclasses
import warnings


def test_a_corridor_prints_in_three_lines_not_its_geometries(corridor):
    text = repr(corridor)
    assert text.count("\n") == 2
    assert len(text) < 600  # it printed 37,605 characters when it was the dataclass's repr
    assert "Trumba - Ain al-Havr" in text
    assert f"{len(corridor.posts)} observation posts" in text
    assert "POLYGON" not in text
    assert "LINESTRING" not in text


def test_a_corridor_shows_its_figures_as_a_table_in_a_notebook(corridor):
    page = corridor._repr_html_()
    assert page.startswith("<table><caption>Idlib security corridor</caption>")
    assert page.count("<tr>") == 6


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
