"""The notebooks run top to bottom in a fresh kernel, offline, and show what they claim.

Each notebook in ``notebooks/`` is executed once per test session with nbclient
(the ``python3`` kernel, working folder ``notebooks/``); the tests then read its
outputs — the lines it prints, the tables and the maps it displays — and check
them against answers computed here from the raw data files, independently of
the code the notebook calls. The committed notebooks carry no outputs.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import html
import itertools
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import shapely
from pyproj import Geod
from support import open_offline

from geo.maps.style import USER_SIDE_COLORS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
DATA = ROOT / "data"
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))
WGS84 = Geod(ellps="WGS84")
#: Upper bound for one cell (a guard against a hanging kernel, not a timing test), seconds.
CELL_TIMEOUT_S = 120
#: Upper bound of any wait in the browser (a guard against hanging), seconds.
WAIT_S = 20


# ------------------------------------------------------------------------------------------- helpers


@functools.cache
def executed(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` run top to bottom in a fresh kernel (once per test session)."""
    import matplotlib.font_manager  # noqa: F401  (builds matplotlib's font cache here, not in a notebook's output)
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()
    return nb


def _cell(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def printed(nb: nbformat.NotebookNode, tag: str) -> str:
    """What the cell tagged ``tag`` printed to stdout."""
    return "".join(o.text for o in _cell(nb, tag).outputs if o.output_type == "stream" and o.name == "stdout")


def displayed_html(nb: nbformat.NotebookNode, tag: str) -> str:
    """The HTML the cell tagged ``tag`` displayed."""
    out = [o.data["text/html"] for o in _cell(nb, tag).outputs if "text/html" in o.get("data", {})]
    assert len(out) == 1, f"expected one HTML output from the cell tagged {tag!r}, found {len(out)}"
    return out[0]


def images(nb: nbformat.NotebookNode) -> list[str]:
    return [o.data["image/png"] for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]


def srcdoc_page(outer: str) -> str:
    """The page inside the one iframe of a displayed map, unescaped."""
    frames = re.findall(r"<iframe\b[^>]*>", outer)
    assert len(frames) == 1, f"expected one iframe, found {len(frames)}"
    assert not re.search(r"\ssrc\s*=", frames[0]), "the map's iframe must hold its page (srcdoc), not load one"
    found = re.search(r'srcdoc="([^"]*)"', frames[0])
    assert found, "the map's iframe has no srcdoc"
    return html.unescape(found.group(1))


def remote_references(page: str) -> list[str]:
    """Every src/href/url() of the page's markup that points at a server (http, https or protocol-relative).

    The text of scripts is left out (Leaflet's source holds the markup of its attribution link).
    """
    page = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", page, flags=re.DOTALL | re.IGNORECASE)
    attrs = re.findall(r"""\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", page, re.IGNORECASE)
    css = re.findall(r"""url\(\s*["']?\s*((?:https?:)?//[^)"']+)""", page, re.IGNORECASE)
    return attrs + css


def raw(name: str) -> list[dict]:
    """The features of a shipped data file, read as plain JSON."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))["features"]


def last_day(date: str) -> dt.date:
    """The last day an ISO date of day or month precision can denote."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])


def first_day(date: str) -> dt.date:
    parts = [int(p) for p in date.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)


def m4_vertices() -> np.ndarray:
    wp = sorted(raw("m4_waypoints.geojson"), key=lambda f: f["properties"]["order"])
    return np.array([f["geometry"]["coordinates"][:2] for f in wp])


def geodesic_distance_to_m4_m(lon: float, lat: float) -> float:
    """Metres from a point to the M4 (its vertices joined by geodesics), by brute force on 10 m steps."""
    v = m4_vertices()
    pts = [v[0]]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(v):
        n = int(WGS84.inv(lon1, lat1, lon2, lat2)[2] // 10)
        pts += [np.array(p) for p in WGS84.npts(lon1, lat1, lon2, lat2, n)] + [np.array([lon2, lat2])]
    pts = np.array(pts)
    return float(WGS84.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])[2].min())


# --------------------------------------------------------------------------------- the committed files


def test_the_five_notebooks_of_the_issues_are_there():
    assert NOTEBOOKS == [
        "01_corridor_tour.ipynb",
        "02_distance_queries.ipynb",
        "03_observation_posts.ipynb",
        "04_timeline.ipynb",
        "05_your_events.ipynb",
    ]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_valid_and_has_no_outputs_or_execution_counts(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert [c.id for c in code if c.outputs] == []
    assert [c.id for c in code if c.execution_count is not None] == []
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_reads_data_through_the_package_not_from_paths(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import geo" in source
    for needle in ("open(", "read_file(", "read_csv(", "Path(", "../", "/work", ".geojson", "%cd", "os.chdir"):
        assert needle not in source, f"{name} uses {needle!r}: read the data through geo's API instead"


# ----------------------------------------------------------------------------------- executing them


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel_without_warnings(name):
    nb = executed(name)  # nbclient raises CellExecutionError on the first cell that fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    assert [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"] == []
    assert sum(o.output_type in ("execute_result", "display_data") for o in outputs) >= 3


# 01 · tour ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_tour_prints_the_m4_length_measured_on_the_ellipsoid():
    text = printed(executed("01_corridor_tour.ipynb"), "summary")
    shown_km = float(re.search(r"M4 highway \(Latakia - Saraqib\)\s+([\d.]+) km", text).group(1))
    v = m4_vertices()
    expected_km = WGS84.line_length(v[:, 0], v[:, 1]) / 1000
    assert shown_km == pytest.approx(expected_km, abs=0.05)
    assert re.search(r"Observation posts\s+12\b", text)


@pytest.mark.slow
def test_tour_map_is_the_offline_page_with_every_post():
    page = srcdoc_page(displayed_html(executed("01_corridor_tour.ipynb"), "map"))
    assert remote_references(page) == []
    for feature in raw("posts.geojson"):
        assert json.dumps(feature["properties"]["name"])[1:-1] in page


# 02 · distance queries ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settlement_classes(corridor):
    """Settlements in the corridor, north and south, from the corridor polygons (not from geo.query).

    A settlement exactly on the M4 would lie on the line between the two halves; the query counts
    such a point as north.
    """
    feats = raw("settlements.geojson")
    lon = np.array([f["geometry"]["coordinates"][0] for f in feats])
    lat = np.array([f["geometry"]["coordinates"][1] for f in feats])
    inside = shapely.contains_xy(corridor.security_corridor, lon, lat)
    x, y = corridor.frame.forward(lon, lat)
    on_road = shapely.distance(corridor.frame.to_metric(corridor.m4), shapely.points(x, y)) < 0.01
    north = inside & (on_road | shapely.contains_xy(corridor.corridor_north, lon, lat))
    south = inside & ~on_road & shapely.contains_xy(corridor.corridor_south, lon, lat)
    assert (north | south)[inside].all()
    names = [f["properties"]["name"] for f in feats]
    return {
        "total": len(feats),
        "inside": {names[i] for i in np.flatnonzero(inside)},
        "north": int(north.sum()),
        "south": int(south.sum()),
        "patrol_km": WGS84.line_length(*np.asarray(corridor.patrol_segment.coords).T) / 1000,
    }


@pytest.mark.slow
def test_query_notebook_counts_the_settlements_in_the_corridor_as_the_polygons_do(settlement_classes):
    text = printed(executed("02_distance_queries.ipynb"), "corridor-count")
    found = re.search(r"Settlements in the corridor: (\d+) of (\d+) \(north (\d+), south (\d+)\)", text)
    assert found, text
    inside, total, north, south = map(int, found.groups())
    assert total == settlement_classes["total"]
    assert inside == len(settlement_classes["inside"])
    assert (north, south) == (settlement_classes["north"], settlement_classes["south"])


@pytest.mark.slow
def test_route_table_lists_the_corridor_settlements_in_chainage_order(settlement_classes):
    table = displayed_html(executed("02_distance_queries.ipynb"), "route")
    header = [html.unescape(h) for h in re.findall(r"<th>([^<]*)</th>", table.split("</thead>")[0])]
    rows = re.findall(r"<tr>\s*<th>\d+</th>(.*?)</tr>", table.split("</thead>")[1], re.DOTALL)
    cells = [[html.unescape(v) for v in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)] for row in rows]
    columns = [h for h in header if h]
    chainage = [float(r[columns.index("chainage_km")]) for r in cells]
    names = [r[columns.index("name")] for r in cells]
    assert chainage == sorted(chainage)
    assert chainage[0] >= 0
    assert chainage[-1] <= round(settlement_classes["patrol_km"], 1)  # the table shows 0.1 km
    assert sorted(names) == sorted(settlement_classes["inside"])


@pytest.mark.slow
def test_query_notebook_credits_openstreetmap_and_states_its_limits():
    nb = executed("02_distance_queries.ipynb")
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "© OpenStreetMap contributors" in prose
    assert "ODbL" in prose
    assert "subset" in prose
    assert "a few hundred metres" in prose
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("© OpenStreetMap contributors") == 2  # on the histogram and on the map figure
    assert len(images(nb)) == 2


# 03 · observation posts ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_posts_notebook_finds_the_posts_surrounded_by_government_forces_from_the_data():
    text = printed(executed("03_observation_posts.ipynb"), "government-held")
    found = re.search(r"(\d+) posts ended inside government-held ground: (.*)", text)
    assert found, text
    named = set(found.group(2).split(", "))
    posts = {f["properties"]["number"]: f["properties"] for f in raw("posts.geojson")}
    besieged_events = {
        f["properties"]["post"] for f in raw("events.geojson") if f["properties"]["type"] == "post_besieged"
    }
    in_notes = {n for n, p in posts.items() if re.search(r"besieged|encircled", p.get("fate_note") or "", re.I)}
    surrounded = {posts[n]["name"] for n in besieged_events | in_notes}
    evacuated = {p["name"] for p in posts.values() if p["fate"] == "evacuated"}
    assert int(found.group(1)) == len(named)
    assert named == surrounded == evacuated
    assert "all of them evacuated: True" in text
    remained = re.search(r"remained, not surrounded: (.*)", text).group(1).split(", ")
    assert set(remained) == {p["name"] for p in posts.values()} - evacuated


@pytest.mark.slow
def test_posts_notebook_distances_to_the_m4_agree_with_geodesics(corridor):
    text = printed(executed("03_observation_posts.ipynb"), "distances")
    found = re.search(r"Nearest to the M4: (.+), ([\d.]+) km; farthest: (.+), ([\d.]+) km", text)
    assert found, text
    posts = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in raw("posts.geojson")}
    km = {name: geodesic_distance_to_m4_m(lon, lat) / 1000 for name, (lon, lat) in posts.items()}
    nearest, farthest = min(km, key=km.get), max(km, key=km.get)
    assert (found.group(1), found.group(3)) == (nearest, farthest)
    assert float(found.group(2)) == pytest.approx(km[nearest], abs=0.006)
    assert float(found.group(4)) == pytest.approx(km[farthest], abs=0.006)

    listed = re.search(r"In the corridor: (.*)", text).group(1).split(", ")
    expected = []
    for name, (lon, lat) in posts.items():
        if shapely.contains_xy(corridor.security_corridor, lon, lat):
            side = "north" if shapely.contains_xy(corridor.corridor_north, lon, lat) else "south"
            expected.append(f"{name} ({side})")
    assert sorted(listed) == sorted(expected)


@pytest.mark.slow
def test_posts_notebook_draws_the_timeline_chart():
    assert len(images(executed("03_observation_posts.ipynb"))) == 1


# 04 · timeline -----------------------------------------------------------------------------------------


def _certain_from(p: dict, key: str) -> dt.date:
    """The day a post's change is certain: its (range's) last day, or its ``_by`` day if sooner."""
    certain = last_day(p.get(f"{key}_end") or p[key])
    if p.get(f"{key}_by"):
        certain = min(certain, dt.date.fromisoformat(p[f"{key}_by"]))
    return certain


def _posts_on(day: dt.date) -> dict[str, list[str]]:
    """Posts manned, evacuated and uncertain at the end of ``day``, from the raw dates in posts.geojson."""
    manned, evacuated, uncertain = [], [], []
    for f in raw("posts.geojson"):
        p = f["properties"]
        if _certain_from(p, "established") > day:
            continue
        left = p.get("evacuated")
        if left and _certain_from(p, "evacuated") <= day:
            evacuated.append(p["name"])
        else:
            manned.append(p["name"])
            if left and first_day(left) <= day:
                uncertain.append(p["name"])
    return {"manned": manned, "evacuated": evacuated, "uncertain": uncertain}


_UNCERTAIN = r"status uncertain\s+(.*) \(date known to a month or a range\)"


def _state_lines(text: str) -> dict[str, str]:
    return {
        "manned": re.search(r"posts manned\s+(\d+)", text).group(1),
        "evacuated": re.search(r"posts evacuated\s+(\d+)", text).group(1),
        "evacuated names": re.search(r"posts evacuated\s+\d+\s+\((.*)\)", text).group(1),
        "uncertain": (re.search(_UNCERTAIN, text) or [None, ""])[1],
    }


@pytest.mark.slow
@pytest.mark.parametrize(("tag", "day"), [("as-of", dt.date(2020, 6, 1)), ("as-of-december", dt.date(2020, 12, 15))])
def test_timeline_notebook_state_on_a_day_follows_the_posts_dates(tag, day):
    text = printed(executed("04_timeline.ipynb"), tag)
    assert f"As of {day.isoformat()}" in text
    shown = _state_lines(text)
    expected = _posts_on(day)
    assert int(shown["manned"]) == len(expected["manned"])
    assert int(shown["evacuated"]) == len(expected["evacuated"])
    assert set(filter(None, shown["evacuated names"].replace("none", "").split(", "))) == set(expected["evacuated"])
    assert set(filter(None, shown["uncertain"].split(", "))) == set(expected["uncertain"])


@pytest.mark.slow
def test_timeline_notebook_month_only_evacuations_are_not_placed_on_the_first():
    # Mid-December 2020, the posts left in "2020-12" are still manned (flagged uncertain), not gone.
    expected = _posts_on(dt.date(2020, 12, 15))
    assert expected["uncertain"]  # the data has such posts, so the check below means something
    text = printed(executed("04_timeline.ipynb"), "as-of-december")
    for name in expected["uncertain"]:
        assert name not in _state_lines(text)["evacuated names"]


@pytest.mark.slow
def test_timeline_notebook_map_is_offline_and_carries_the_slider():
    page = srcdoc_page(displayed_html(executed("04_timeline.ipynb"), "map"))
    assert remote_references(page) == []
    assert "idlib-slider" in page


# 05 · your events ---------------------------------------------------------------------------------------

_EVENTS_LAYER = "ACLED events (made up)"


def _map_features(page: str) -> list[dict]:
    """The features of the events layer, read from the data the page hands to Leaflet (``..._add({...})``)."""
    decoder = json.JSONDecoder()
    for found in re.finditer(r"geo_json_\w+_add\(", page):
        doc, _ = decoder.raw_decode(page, found.end())
        if doc.get("features") and "event_id_cnty" in doc["features"][0]["properties"]:
            return doc["features"]
    raise AssertionError("no layer of events in the page")


@pytest.fixture(scope="module")
def your_events() -> list[dict]:
    page = srcdoc_page(displayed_html(executed("05_your_events.ipynb"), "map"))
    return _map_features(page)


@pytest.mark.slow
def test_events_notebook_says_the_events_are_made_up():
    nb = executed("05_your_events.ipynb")
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "**makes up**" in prose
    assert "**None of these events happened.**" in prose
    assert "made up" in _cell(nb, "generate").source


@pytest.mark.slow
def test_events_notebook_counts_the_events_in_the_corridor_as_the_polygons_do(corridor, your_events):
    text = printed(executed("05_your_events.ipynb"), "classify")
    found = re.search(r"In the corridor: (\d+) of (\d+) events \(north (\d+), south (\d+)\)", text)
    assert found, text
    lon = np.array([f["geometry"]["coordinates"][0] for f in your_events])
    lat = np.array([f["geometry"]["coordinates"][1] for f in your_events])
    north = shapely.contains_xy(corridor.corridor_north, lon, lat)
    south = shapely.contains_xy(corridor.corridor_south, lon, lat) & ~north
    assert tuple(map(int, found.groups())) == (int((north | south).sum()), len(your_events), north.sum(), south.sum())
    assert "300 rows read, 0 without usable coordinates" in text


@pytest.mark.slow
def test_events_notebook_map_is_offline_and_lists_the_events_layer(your_events):
    page = srcdoc_page(displayed_html(executed("05_your_events.ipynb"), "map"))
    assert remote_references(page) == []
    assert f'"{_EVENTS_LAYER}" : geo_json_' in page  # an entry of the layer control
    assert len(your_events) == 300


@pytest.mark.slow
def test_events_notebook_counts_the_events_near_each_post_by_geodesic_distance(your_events):
    text = printed(executed("05_your_events.ipynb"), "per-post")
    shown = {m[1]: int(m[2]) for m in re.finditer(r"post \d+ (.+): (\d+) events within 5 km", text)}
    lon = np.array([f["geometry"]["coordinates"][0] for f in your_events])
    lat = np.array([f["geometry"]["coordinates"][1] for f in your_events])
    expected = {}
    for post in raw("posts.geojson"):
        plon, plat = post["geometry"]["coordinates"][:2]
        metres = WGS84.inv(np.full(len(lon), plon), np.full(len(lat), plat), lon, lat)[2]
        expected[post["properties"]["name"]] = int((metres <= 5000).sum())
    assert shown == expected
    assert sum(expected.values()) > 0


@pytest.mark.slow
def test_events_notebook_draws_the_space_time_chart():
    assert len(images(executed("05_your_events.ipynb"))) == 1


# ------------------------------------------------------------------------------- maps in a browser


def _notebook_output_page(tmp_path: Path, name: str, tag: str = "map") -> Path:
    """The displayed HTML of the map cell (tagged ``tag``) inside a bare page, as a notebook front end shows it."""
    outer = displayed_html(executed(name), tag)
    path = tmp_path / f"{Path(name).stem}_{tag}_output.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{outer}</body></html>', "utf-8")
    return path


def _in_map_frame(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.05)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    return wait


@contextlib.contextmanager
def _map_output(browser, tmp_path: Path, name: str, tag: str = "map"):
    """Open the output of the map cell ``tag`` of notebook ``name`` with the network off; give a wait in its frame.

    On leaving, the page must have asked for nothing and logged no error, while loading or while driven.
    """
    page = open_offline(browser, _notebook_output_page(tmp_path, name, tag))
    requested = page.requests_beyond_the_page()  # of any scheme, file: included
    try:
        yield _in_map_frame(browser)
    finally:
        browser.switch_to.default_content()
    assert requested == []
    assert page.errors() + [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def _count(browser, selector: str) -> int:
    return browser.execute_script("return document.querySelectorAll(arguments[0]).length", selector)


@pytest.mark.slow
@pytest.mark.browser
def test_tour_map_output_draws_in_a_browser_with_the_network_off(browser, tmp_path):
    with _map_output(browser, tmp_path, "01_corridor_tour.ipynb") as wait:
        wait.until(lambda d: _count(d, ".leaflet-marker-pane .idlib-post") == 12)
        assert _count(browser, "path.idlib-corridor") == 2
        assert browser.execute_script("return typeof L === 'object'")


@pytest.mark.slow
@pytest.mark.browser
def test_timeline_notebook_map_output_slider_moves_the_posts_with_the_network_off(browser, tmp_path):
    page = open_offline(browser, _notebook_output_page(tmp_path, "04_timeline.ipynb"))
    requested = page.requests_beyond_the_page()  # of any scheme, file: included
    try:
        wait = _in_map_frame(browser)
        wait.until(lambda d: d.execute_script("return !!document.querySelector('.idlib-slider')"))

        def slide(offset_days: int) -> str:
            browser.execute_script(
                "var s = document.querySelector('.idlib-slider'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('input', {bubbles: true}));",
                offset_days,
            )
            return browser.execute_script("return document.querySelector('.idlib-date').textContent")

        start = dt.date.fromisoformat(slide(0))

        def shown_on(day: dt.date) -> int:
            assert slide((day - start).days) == day.isoformat()
            return _count(browser, ".leaflet-marker-pane .idlib-tl-post")

        for day in (dt.date(2017, 11, 1), dt.date(2018, 6, 1)):
            expected = sum(_certain_from(f["properties"], "established") <= day for f in raw("posts.geojson"))
            assert shown_on(day) == expected
    finally:
        browser.switch_to.default_content()
    assert requested == []
    assert page.errors() + [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.slow
@pytest.mark.browser
def test_events_notebook_map_output_draws_the_events_with_the_network_off(browser, tmp_path):
    with _map_output(browser, tmp_path, "05_your_events.ipynb") as wait:
        wait.until(lambda d: _count(d, ".leaflet-marker-pane .idlib-post") == 12)
        drawn = (
            "var map = window[document.querySelector('.folium-map').id], n = 0;"
            "map.eachLayer(function (l) { if (l.feature && l.feature.properties.event_id_cnty) { n++; } }); return n;"
        )
        assert browser.execute_script(drawn) == 300
        overlays = browser.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map(function (l) { return l.textContent.trim(); })"
        )
        assert overlays[-1] == _EVENTS_LAYER


@pytest.mark.slow
@pytest.mark.browser
def test_events_notebook_clustered_map_holds_every_event_coloured_by_side_with_the_network_off(
    browser, tmp_path, corridor, your_events
):
    with _map_output(browser, tmp_path, "05_your_events.ipynb", "clustered-map") as wait:
        layer = "window.idlibUserLayers[arguments[0]]"
        wait.until(lambda d: d.execute_script(f"return {layer} !== undefined && {layer}.ready()", _EVENTS_LAYER))
        held = browser.execute_script(f"return {layer}.group.getLayers().length", _EVENTS_LAYER)
        colours = browser.execute_script(
            f"var n = {{}}; {layer}.group.getLayers().forEach(function (m) {{"
            " n[m.options.fillColor] = (n[m.options.fillColor] || 0) + 1; }); return n;",
            _EVENTS_LAYER,
        )
        legend = browser.execute_script("return document.querySelector('.idlib-legend').textContent")
    assert held == len(your_events) == 300  # the slider opens on its last day, after every event
    lon = np.array([f["geometry"]["coordinates"][0] for f in your_events])
    lat = np.array([f["geometry"]["coordinates"][1] for f in your_events])
    expected: dict[str, int] = {}
    for side in corridor.query(lon, lat)["side"]:
        expected[USER_SIDE_COLORS[side]] = expected.get(USER_SIDE_COLORS[side], 0) + 1
    assert colours == expected
    assert _EVENTS_LAYER in legend
