"""The KMZ / KML export: one document Google Earth opens styled and dated, checked by outside readers.

The document is validated by ``xmllint`` against the OGC KML 2.2 schema (the XSDs that the ``pykml`` wheel
ships), read back by GDAL's ``ogrinfo``, and its styles and times read with ElementTree and compared with
the map's style table and the data's own dates.
"""

from __future__ import annotations

import html
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pykml
import pytest
import shapely
from support import require_tool

from geo.cli import main
from geo.export import export_layers
from geo.kml import kml_document
from geo.maps.style import AREA, COLORS, POST_SYMBOLS

NS = {"k": "http://www.opengis.net/kml/2.2"}
SCHEMA = Path(pykml.__file__).parent / "schemas" / "ogckml22.xsd"


@pytest.fixture(scope="module")
def kmz(tmp_path_factory, corridor) -> Path:
    (path,) = export_layers(corridor, tmp_path_factory.mktemp("kmz"), fmt="kmz")
    return path


@pytest.fixture(scope="module")
def doc(kmz) -> ET.Element:
    with zipfile.ZipFile(kmz) as archive:
        return ET.fromstring(archive.read("doc.kml"))


def _folder(doc: ET.Element, name: str) -> ET.Element:
    (folder,) = [f for f in doc.iterfind(".//k:Folder", NS) if f.findtext("k:name", namespaces=NS) == name]
    return folder


def _style(doc: ET.Element, placemark: ET.Element) -> ET.Element:
    style_id = placemark.findtext("k:styleUrl", namespaces=NS).lstrip("#")
    (style,) = [s for s in doc.iterfind(".//k:Style", NS) if s.get("id") == style_id]
    return style


def _kml_colour(css: str, alpha: str = "ff") -> str:
    """CSS #rrggbb -> KML aabbggrr, written out here independently of geo.kml."""
    r, g, b = css[1:3], css[3:5], css[5:7]
    return (alpha + b + g + r).lower()


def test_the_kmz_is_one_zipped_document_valid_against_the_ogc_kml_22_schema(kmz, tmp_path):
    xmllint = require_tool("xmllint", "libxml2-utils")
    with zipfile.ZipFile(kmz) as archive:
        assert archive.namelist() == ["doc.kml"]
        (tmp_path / "doc.kml").write_bytes(archive.read("doc.kml"))
    run = subprocess.run(
        [xmllint, "--noout", "--nonet", "--schema", str(SCHEMA), str(tmp_path / "doc.kml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "validates" in run.stderr


def test_kml_format_is_the_same_document_unzipped(kmz, tmp_path, corridor):
    (kml,) = export_layers(corridor, tmp_path, fmt="kml")
    with zipfile.ZipFile(kmz) as archive:
        assert kml.read_bytes() == archive.read("doc.kml")


def test_gdal_reads_one_layer_per_folder_with_every_feature(kmz, corridor):
    ogrinfo = require_tool("ogrinfo", "gdal-bin")
    run = subprocess.run(
        [ogrinfo, "-ro", "-so", "-al", f"/vsizip/{kmz}/doc.kml"], capture_output=True, text=True, check=True
    )
    counts = {}
    for block in run.stdout.split("Layer name: ")[1:]:
        name = block.splitlines()[0].strip()
        counts[name] = int(block.split("Feature Count: ")[1].split()[0])
    assert counts == {name: len(gdf) for name, gdf in corridor.layers().items()}


def test_each_post_takes_the_maps_colour_for_its_final_status(doc, corridor):
    posts = corridor.layers()["posts"]
    placemarks = _folder(doc, "posts").findall("k:Placemark", NS)
    assert len(placemarks) == len(posts) == 12
    for placemark, (_, post) in zip(placemarks, posts.iterrows(), strict=True):
        evacuated = isinstance(post["evacuated"], str)
        symbol = POST_SYMBOLS["evacuated" if evacuated else "active"]
        colour = _style(doc, placemark).findtext("k:IconStyle/k:color", namespaces=NS)
        assert colour == _kml_colour(symbol["border"] if evacuated else symbol["fill"])


def test_corridor_halves_are_filled_in_their_sides_colours_at_the_maps_opacity(doc):
    for placemark in _folder(doc, "security_corridor").findall("k:Placemark", NS):
        side = "north" if "north" in placemark.findtext("k:name", namespaces=NS) else "south"
        style = _style(doc, placemark)
        alpha = f"{round(AREA['fill_opacity'] * 255):02x}"
        assert style.findtext("k:PolyStyle/k:color", namespaces=NS) == _kml_colour(COLORS[side], alpha)
        assert style.findtext("k:LineStyle/k:color", namespaces=NS) == _kml_colour(COLORS[side])


def test_posts_span_from_set_up_to_evacuation_and_remaining_posts_stay_open(doc, corridor):
    posts = corridor.layers()["posts"]
    for placemark, (_, post) in zip(_folder(doc, "posts").findall("k:Placemark", NS), posts.iterrows(), strict=True):
        assert placemark.findtext("k:TimeSpan/k:begin", namespaces=NS) == post["established"]
        end = placemark.findtext("k:TimeSpan/k:end", namespaces=NS)
        if isinstance(post["evacuated"], str):
            assert end in (post["evacuated"], post["evacuated_end"])
        else:
            assert end is None


def test_the_patrol_segment_spans_the_first_to_the_last_joint_patrol(doc):
    (patrol,) = _folder(doc, "patrol_segment").findall("k:Placemark", NS)
    # The first joint patrol ran on 15 March 2020 and the last on 25 August 2020 (data/events.geojson).
    assert patrol.findtext("k:TimeSpan/k:begin", namespaces=NS) == "2020-03-15"
    assert patrol.findtext("k:TimeSpan/k:end", namespaces=NS) == "2020-08-25"
    for half in _folder(doc, "security_corridor").findall("k:Placemark", NS):
        assert half.findtext("k:TimeSpan/k:begin", namespaces=NS) == "2020-03-06"


def test_every_event_is_dated_for_google_earths_time_slider(doc, corridor):
    events = corridor.layers()["events"]
    placemarks = _folder(doc, "events").findall("k:Placemark", NS)
    assert len(placemarks) == len(events)
    for placemark, (_, event) in zip(placemarks, events.iterrows(), strict=True):
        when = placemark.findtext("k:TimeStamp/k:when", namespaces=NS)
        begin = placemark.findtext("k:TimeSpan/k:begin", namespaces=NS)
        assert event["date"] in (when, begin)
        if isinstance(event["date_end"], str):
            assert placemark.findtext("k:TimeSpan/k:end", namespaces=NS) == event["date_end"]


def test_every_feature_with_a_source_names_it_in_its_description(doc, corridor):
    for name, gdf in corridor.layers().items():
        if "source" not in gdf.columns:
            continue
        for placemark, source in zip(_folder(doc, name).findall("k:Placemark", NS), gdf["source"], strict=True):
            if isinstance(source, str) and source:
                assert html.escape(source.split("http")[0]) in placemark.findtext("k:description", namespaces=NS)


PAYLOAD = '<script>alert(1)</script> ]]> & "q" javascript:alert(1)'


def test_hostile_text_stays_text_and_only_http_sources_become_links():
    layer = gpd.GeoDataFrame(
        {"name": [PAYLOAD], "source": [f"{PAYLOAD} https://example.org/a?b=1&c=2"]},
        geometry=[shapely.Point(36.5, 35.8)],
        crs="EPSG:4326",
    )
    root = ET.fromstring(kml_document({"places": layer}))  # still well-formed XML
    placemark = root.find(".//k:Placemark", NS)
    assert placemark.findtext("k:name", namespaces=NS) == PAYLOAD
    description = placemark.findtext("k:description", namespaces=NS)  # the HTML Google Earth shows
    assert "<script" not in description
    assert "&lt;script&gt;" in description
    assert description.count("<a ") == 1
    url = "https://example.org/a?b=1&amp;c=2"
    assert f'<a href="{url}" rel="noopener noreferrer" target="_blank">{url}</a>' in description


def test_a_layer_in_another_crs_is_refused_in_one_line():
    layer = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:32637")
    with pytest.raises(ValueError, match=r"^layer 'x' is in EPSG:32637; expected EPSG:4326"):
        kml_document({"x": layer})


def test_cli_exports_a_kmz(tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path), "--format", "kmz"]) == 0
    assert zipfile.is_zipfile(tmp_path / "idlib_corridor.kmz")
    assert "idlib_corridor.kmz" in capsys.readouterr().out


def test_a_users_points_are_named_by_their_place_and_dated_for_the_time_slider(tmp_path, capsys):
    # They were all named after the layer, and undated, so Google Earth's slider ignored them.
    src = tmp_path / "mine.csv"
    src.write_text(
        "event_id_cnty,event_date,location,lat,lon\n"
        "SYR1,2020-03-05,Ariha,35.8,36.6\nSYR2,,,35.86,36.8\nSYR3,2020-06,Saraqib,35.86,36.8\n",
        encoding="utf-8",
    )
    undatable = tmp_path / "undatable.csv"
    undatable.write_text("id,date,lat,lon\n7,13/08/2020,35.8,36.6\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "-o", str(out), "--format", "kml", "--points", str(src), "--points", str(undatable)]) == 0
    xmllint = require_tool("xmllint", "libxml2-utils")
    document = out / "idlib_corridor.kml"
    command = [xmllint, "--noout", "--nonet", "--schema", str(SCHEMA), str(document)]
    run = subprocess.run(command, capture_output=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    root = ET.fromstring(document.read_bytes())
    mine = _folder(root, "mine").findall("k:Placemark", NS)
    assert [p.findtext("k:name", namespaces=NS) for p in mine] == ["Ariha", "SYR2", "Saraqib"]
    assert [p.findtext("k:TimeStamp/k:when", namespaces=NS) for p in mine] == ["2020-03-05", None, "2020-06-01"]
    (other,) = _folder(root, "undatable").findall("k:Placemark", NS)
    assert other.findtext("k:name", namespaces=NS) == "7"
    assert other.find("k:TimeStamp", NS) is None  # a date that is no ISO date: in its description only
    assert "13/08/2020" in other.findtext("k:description", namespaces=NS)
