"""Your own points on the map, as built: ``build_map(c, points=...)`` and ``idlib-corridor map --points``.

What the page draws is checked in a browser by ``tests/test_map_points_browser.py``; here, what goes into the
page: each layer's points (lon/lat, in any CRS), their answers, colours, days and counts, the layer control's
and the legend's entries, and the one-line refusals of bad arguments.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from acled import write_acled_csv

from geo.cli import main
from geo.maps import build_map, map_html
from geo.maps.style import (
    USER_CATEGORY_COLORS,
    USER_NUMBER_COLORS,
    USER_OTHER_COLOR,
    USER_POINT_COLORS,
    USER_SIDE_COLORS,
)
from geo.maps.user_layers import DEFAULT_LAYER_NAME, user_layers

#: Points in Idlib, lon/lat: two on the M4 near Ariha and Saraqib (in the corridor), two far from it.
LON = [36.607, 36.80, 36.20, 36.95]
LAT = [35.812, 35.86, 36.15, 35.40]


def _gdf(crs: str = "EPSG:4326", **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(LON, LAT), crs="EPSG:4326").to_crs(crs)


def _layer_data(html: str) -> list[dict]:
    """The JSON of every user layer in a page, in order."""
    found = re.findall(r'<script type="application/json" id="user_points_\d+_data">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def _texts(data: dict, column: str) -> list[str]:
    """A column's texts as a popup shows them, decoded from the page's columnar data."""
    values = data["values"][data["columns"].index(column)]
    return values["t"] if "t" in values else [values["v"][i] if i >= 0 else "" for i in values["i"]]


def _layer_control_names(html: str) -> list[str]:
    block = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.S)
    assert block is not None
    return [json.loads(f'"{n}"') for n in re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', block.group(1))]


# ------------------------------------------------------------------------------------------- inputs


def test_a_geodataframe_without_the_query_columns_is_answered_by_the_corridor(corridor):
    (layer,) = user_layers(corridor, _gdf(id=[1, 2, 3, 4]))
    expected = corridor.query(LON, LAT)
    assert layer.name == DEFAULT_LAYER_NAME
    assert (layer.data["lon"], layer.data["lat"]) == (LON, LAT)
    inside = [USER_POINT_COLORS["inside" if v else "outside"] for v in expected["in_corridor"]]
    assert [layer.data["colors"][k] for k in layer.data["k"]] == inside
    assert _texts(layer.data, "side") == list(expected["side"])
    assert _texts(layer.data, "id") == ["1", "2", "3", "4"]


def test_points_in_another_crs_are_drawn_where_they_are(corridor):
    (layer,) = user_layers(corridor, _gdf("EPSG:32637", id=[1, 2, 3, 4]))
    assert np.allclose(layer.data["lon"], LON, atol=2e-6)
    assert np.allclose(layer.data["lat"], LAT, atol=2e-6)


def test_a_shape_is_drawn_at_a_point_on_it_as_classify_answers_it(corridor):
    square = shapely.box(36.60, 35.80, 36.62, 35.82)
    line = shapely.LineString([(36.5, 35.8), (36.7, 35.8)])
    gdf = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[square, line], crs="EPSG:4326")
    (layer,) = user_layers(corridor, gdf)
    first = shapely.Point(layer.data["lon"][0], layer.data["lat"][0])
    assert square.contains(first)
    assert (layer.data["lon"][1], layer.data["lat"][1]) == pytest.approx((36.6, 35.8), abs=1e-6)


def test_rows_with_no_point_are_counted_not_drawn_and_the_legend_says_so(corridor):
    geoms = [shapely.Point(36.6, 35.8), None, shapely.Point(), shapely.Point(36.7, 35.9)]
    gdf = gpd.GeoDataFrame({"id": ["a", "b", "c", "d"]}, geometry=geoms, crs="EPSG:4326")
    (layer,) = user_layers(corridor, gdf)
    assert (layer.drawn, layer.not_drawn) == (2, 2)
    assert layer.data["row"] == [1, 4]
    html = map_html(build_map(corridor, offline=True, points=gdf))
    assert "2 rows not drawn" in html
    one = map_html(build_map(corridor, offline=True, points=gdf.iloc[:2]))  # a count of one is a row, a point
    assert "1 row not drawn" in one
    assert ": 1 point drawn" in one


def test_a_file_is_read_as_classify_reads_it_and_named_for_its_file(corridor, tmp_path):
    path = write_acled_csv(tmp_path / "acled_idlib.csv", rows=50, seed=3)
    (layer,) = user_layers(corridor, path)
    source = pd.read_csv(path)
    assert layer.name == "acled_idlib"
    assert layer.drawn == 50
    assert layer.data["lat"] == list(source["latitude"])
    assert layer.date_col == "event_date"


def test_a_mapping_gives_one_layer_each_in_the_layer_control_and_the_legend(corridor, tmp_path):
    path = write_acled_csv(tmp_path / "acled.csv", rows=20, seed=1)
    html = map_html(build_map(corridor, offline=True, points={"From file": path, "Mine": _gdf(id=[1, 2, 3, 4])}))
    names = _layer_control_names(html)
    assert names[-2:] == ["From file", "Mine"]
    assert [len(d["lat"]) for d in _layer_data(html)] == [20, 4]
    assert "From file: 20 points drawn" in html
    assert "Mine: 4 points drawn" in html
    assert html.count("a cluster of that many points") == 1  # one key for every layer's clusters


def test_a_map_without_points_has_no_cluster_key(corridor):
    assert "a cluster of that many points" not in map_html(build_map(corridor, offline=True))


def test_a_layer_name_with_markup_is_escaped_in_the_layer_control_and_the_legend(corridor):
    name = '<img src=x onerror="window.__pwned=1">'
    html = map_html(build_map(corridor, offline=True, points={name: _gdf(id=[1, 2, 3, 4])}))
    assert name not in html
    assert _layer_control_names(html)[-1] == "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"


def test_jinja_in_a_cell_a_column_name_and_the_file_name_is_text_not_a_template(tmp_path, capsys):
    # The file's text was compiled as a Jinja template: {{ 7*7 }} showed 49 (and could run Python), {% if %} was a
    # traceback with exit 1.
    src = tmp_path / "{{ 7*7 }} events.csv"
    src.write_text('place,{% if %},lat,lon\n"{{ 7*7 }}","{# gone #}",35.81,36.61\n', encoding="utf-8")
    out = tmp_path / "map.html"
    assert main(["map", "--offline", "--points", str(src), "-o", str(out), "--color-by", "place"]) == 0, (
        capsys.readouterr().err
    )
    html = out.read_text(encoding="utf-8")
    # The layer control's entry, HTML shown by Leaflet: "{{ 7*7 }} events".
    (entry,) = re.findall(r'"((?:[^"\\]|\\.)*)" : user_points_\d+', html)
    assert json.loads(f'"{entry}"') == "&#123;&#123; 7*7 }} events"
    (data,) = re.findall(r'<script type="application/json" id="user_points_\d+_data">(.*?)</script>', html)
    columns = json.loads(data)["columns"]
    values = dict(zip(columns, json.loads(data)["values"], strict=True))
    assert (values["place"], values["{% if %}"]) == ({"t": ["{{ 7*7 }}"]}, {"t": ["{# gone #}"]})
    assert "49" not in entry


def test_a_classified_file_keeps_its_own_answers(corridor, tmp_path):
    gdf = _gdf(id=[1, 2, 3, 4])
    gdf["in_corridor"] = [False, False, True, True]  # not the corridor's answer: the file's own, kept
    gdf["side"] = ["north"] * 4
    (layer,) = user_layers(corridor, gdf)
    assert [layer.data["colors"][k] for k in layer.data["k"]] == [
        USER_POINT_COLORS[c] for c in ["outside"] * 2 + ["inside"] * 2
    ]


# ------------------------------------------------------------------------------------------- colours


def test_colour_by_side_uses_the_corridor_halves_colours(corridor):
    (layer,) = user_layers(corridor, _gdf(id=[1, 2, 3, 4]), point_color="side")
    expected = [USER_SIDE_COLORS[s] for s in corridor.query(LON, LAT)["side"]]
    assert [layer.data["colors"][k] for k in layer.data["k"]] == expected


def test_colour_by_a_column_of_many_categories_keeps_eight_and_calls_the_rest_other(corridor):
    n = 40
    kinds = [f"kind {i % 10}" for i in range(n)]  # kind 0 and kind 1 four times each... all ten four times
    kinds[:5] = ["kind 9"] * 5  # kind 9 most frequent
    gdf = gpd.GeoDataFrame(
        {"kind": kinds}, geometry=gpd.points_from_xy(np.linspace(36.2, 37, n), [35.8] * n), crs="EPSG:4326"
    )
    (layer,) = user_layers(corridor, gdf, point_color="kind")
    colors = [layer.data["colors"][k] for k in layer.data["k"]]
    assert colors[0] == USER_CATEGORY_COLORS[0]  # the most frequent first
    assert set(colors) == {*USER_CATEGORY_COLORS, USER_OTHER_COLOR}
    words = [w for _, w, _ in layer.classes]
    assert words[0] == "kind 9"
    assert words[-1] == "other (2 values)"
    assert sum(n for _, _, n in layer.classes) == 40


def test_colour_by_a_column_of_numbers_gives_ordered_classes_whose_ranges_hold_their_values(corridor):
    n = 100
    values = np.arange(n, dtype=float) ** 2
    gdf = gpd.GeoDataFrame(
        {"fatalities": values}, geometry=gpd.points_from_xy(np.linspace(36.2, 37, n), [35.8] * n), crs="EPSG:4326"
    )
    (layer,) = user_layers(corridor, gdf, point_color="fatalities")
    k = np.array(layer.data["k"])
    assert (np.diff(k) >= 0).all()  # a larger value is never in a lower class
    assert [layer.data["colors"][j] for j in sorted(set(k))] == list(USER_NUMBER_COLORS)
    for (_, words, count), j in zip(layer.classes, sorted(set(k)), strict=True):
        lo, hi = (float(x) for x in re.findall(r"[\d.]+", words))
        members = values[k == j]
        assert count == len(members)
        assert lo <= members.min()
        assert members.max() <= hi


def test_a_missing_value_of_the_colour_column_is_no_value(corridor):
    (layer,) = user_layers(corridor, _gdf(kind=["a", None, "b", "a"]), point_color="kind")
    assert [w for _, w, _ in layer.classes] == ["a", "b", "no value"]


# ------------------------------------------------------------------------------------------- dates


def test_the_date_column_is_found_and_each_point_carries_its_day(corridor):
    (layer,) = user_layers(corridor, _gdf(Event_Date=["2020-03-05", "2020-03-06", None, "2019-12-31"]))
    assert layer.date_col == "Event_Date"
    assert layer.data["day"] == [18326, 18327, None, 18261]  # days since 1970-01-01
    assert layer.undated == 1


def test_without_the_slider_or_with_date_col_none_the_points_carry_no_day(corridor):
    gdf = _gdf(date=["2020-03-05"] * 4)
    assert user_layers(corridor, gdf, dated=False)[0].data["day"] is None
    assert user_layers(corridor, gdf, date_col=None)[0].data["day"] is None
    html = map_html(build_map(corridor, offline=True, timeline=False, points=gdf))
    assert '"day":null' in html


def test_the_legend_says_which_points_the_slider_filters_and_that_undated_ones_stay(corridor):
    html = map_html(build_map(corridor, offline=True, points=_gdf(date=["2020-03-05", None, None, "2020-01-01"])))
    assert "Dated by date: on the slider" in html
    assert "2 with no date always shown" in html


# ------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": 42}, "points=int: expected a GeoDataFrame, a file path, or a mapping"),
        ({"points": pd.DataFrame({"a": [1]})}, "points=DataFrame: expected a GeoDataFrame"),
        ({"points": {}}, "points={}: no layer"),
        ({"points": {"": "x.csv"}}, "points: layer name '': expected a non-empty string"),
        ({"points": {"a": 3}}, "points['a']=int: expected a GeoDataFrame or a file path"),
        ({"points": gpd.GeoDataFrame(geometry=[shapely.Point(36.6, 35.8)])}, "has no CRS"),
        ({"points": gpd.GeoDataFrame({"a": [1]})}, "has no geometry column"),
        ({"point_color": 3}, "point_color=3: expected 'in_corridor', 'side' or a column's name"),
        ({"point_color": "nope"}, "point_color='nope' is not a column"),
        ({"date_col": "nope"}, "date_col='nope' is not a column"),
        ({"date_col": 3}, "date_col=3: expected a column's name"),
        ({"points": "no/such/file.csv"}, "no/such/file.csv"),
    ],
)
def test_a_bad_argument_is_refused_in_one_line_naming_it(corridor, kwargs, message):
    kwargs = {"points": _gdf(id=[1, 2, 3, 4]), **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        build_map(corridor, offline=True, **kwargs)
    assert "\n" not in str(info.value)


def test_a_value_of_the_date_column_that_is_no_date_is_refused_naming_the_row(corridor):
    with pytest.raises(ValueError, match=r"points\['Your points'\]: date column 'date': row 3 holds 'soon'"):
        build_map(corridor, offline=True, points=_gdf(date=["2020-01-01", None, "soon", "2020-01-02"]))


# ------------------------------------------------------------------------------------------- command line


def test_cli_map_with_points_names_layers_for_their_files_made_unique(tmp_path, capsys):
    (tmp_path / "b").mkdir()
    first = write_acled_csv(tmp_path / "acled.csv", rows=30, seed=1)
    second = write_acled_csv(tmp_path / "b" / "acled.csv", rows=10, seed=2)
    out = tmp_path / "m.html"
    status = main(["map", "-o", str(out), "--offline", "--points", str(first), "--points", str(second)])
    assert status == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    assert _layer_control_names(html)[-2:] == ["acled", "acled (2)"]
    assert [len(d["lat"]) for d in _layer_data(html)] == [30, 10]


def test_cli_map_colours_by_a_column_and_reads_a_named_date_column(tmp_path, capsys):
    path = write_acled_csv(tmp_path / "acled.csv", rows=30, seed=1)
    out = tmp_path / "m.html"
    args = ["map", "-o", str(out), "--offline", "--points", str(path), "--color-by", "event_type"]
    assert main([*args, "--date-col", "timestamp"]) == 2  # epoch seconds are no dates: refused, naming the row
    err = capsys.readouterr().err
    assert f"{path}: date column 'timestamp': row 1 holds" in err  # the first data row
    assert err.rstrip().endswith("(--no-dates for none)")  # the program's option, not the library's date_col=None
    with pytest.raises(SystemExit, match="2"):  # one or the other: a usage error
        main([*args, "--date-col", "notes", "--no-dates"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert main(["map", "-o", str(out), "--offline", "--points", str(path), "--no-dates"]) == 0
    assert '"day":null' in out.read_text(encoding="utf-8")
    assert main(args) == 0
    html = out.read_text(encoding="utf-8")
    (data,) = _layer_data(html)
    assert set(data["colors"]) <= {*USER_CATEGORY_COLORS, USER_OTHER_COLOR, USER_POINT_COLORS["unknown"]}
    assert "Explosions/Remote violence (" in html


def test_cli_map_warns_about_bad_rows_and_counts_them_in_the_legend(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text("id,lat,lon\n1,35.8,36.6\n2,,\n3,95,36.6\n", encoding="utf-8")
    out = tmp_path / "m.html"
    assert main(["map", "-o", str(out), "--offline", "--points", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err
    assert "2 of 3 rows had missing or invalid coordinates" in err
    assert "2 rows not drawn" in out.read_text(encoding="utf-8")


def test_cli_map_errors_are_one_line_and_exit_2(tmp_path, capsys):
    path = write_acled_csv(tmp_path / "acled.csv", rows=5)
    out = tmp_path / "m.html"
    assert main(["map", "-o", str(out), "--points", str(path), "--color-by", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("idlib-corridor: error: ")
    assert "'nope' is not a column" in err
    assert "\n" not in err
    assert not out.exists()
    assert main(["map", "-o", str(out), "--points", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_a_points_file_wider_than_a_geopackage_is_one_line_naming_it_and_the_limit(tmp_path, capsys):
    # The points reach the map through a temporary GeoPackage, whose tables hold 2,000 columns at most.
    wide = tmp_path / "wide.csv"
    names = ["lon", "lat"] + [f"c{i}" for i in range(2_100)]
    wide.write_text(",".join(names) + "\n" + ",".join(["36.6", "35.8"] + ["x"] * 2_100) + "\n", encoding="utf-8")
    assert main(["map", "-o", str(tmp_path / "map.html"), "--offline", "--points", str(wide)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{wide}: cannot take its points through a GeoPackage" in err
    assert "Limit of 2000 columns" in err
    assert "points.gpkg" not in err


def test_a_points_file_clashing_with_the_prefixed_names_is_refused_without_an_option_map_lacks(tmp_path, capsys):
    src = tmp_path / "clash.csv"
    src.write_text("id,Side,corridor_side,lat,lon\n1,a,b,35.8,36.6\n", encoding="utf-8")
    assert main(["map", "-o", str(tmp_path / "map.html"), "--offline", "--points", str(src)]) == 2
    err = capsys.readouterr().err
    assert f"{src}: the input has both 'Side' and 'corridor_side'" in err
    assert err.rstrip().endswith("rename one of them")
    assert "--prefix" not in err


def test_a_points_file_with_a_nul_character_is_refused_naming_its_row(tmp_path, capsys):
    # The points go through a GeoPackage, which ends text at a NUL: the popup would show 'cut'.
    src = tmp_path / "nul.csv"
    src.write_bytes(b"id,notes,lat,lon\n1,fine,35.8,36.6\n2,cut\x00here,35.8,36.6\n")
    out = tmp_path / "map.html"
    assert main(["map", "-o", str(out), "--offline", "--points", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{src}: row 2 (line 3): column 'notes' holds a NUL character" in err
    assert "which the map and the exports cannot carry; remove it" in err
    assert "Parquet" not in err
    assert not out.exists()


def test_a_points_file_with_names_differing_only_in_case_is_refused_naming_them(tmp_path, capsys):
    # The map's popups and every export layer (GeoPackage, GeoJSON, KML) would take 'id' and 'ID' for one column.
    src = tmp_path / "case.csv"
    src.write_text("id,ID,lat,lon\n1,2,35.8,36.6\n", encoding="utf-8")
    out = tmp_path / "map.html"
    assert main(["map", "-o", str(out), "--offline", "--points", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{src}: the columns 'id' and 'ID' differ only in case, which the map and the exports take" in err
    assert not out.exists()
