"""Offline assets: Leaflet read from the installed package, CSS images inlined, and the reference checker."""

from __future__ import annotations

import base64
import re
from importlib import metadata, resources

import pytest

from geo.maps.assets import (
    LEAFLET_PACKAGE,
    external_references,
    inline_css_urls,
    leaflet_css,
    leaflet_js,
    leaflet_version,
)


def _dist():
    return resources.files(LEAFLET_PACKAGE) / "static" / LEAFLET_PACKAGE


def test_inlined_leaflet_is_the_installed_packages_version():
    # django-js-lib-leaflet 1.9.4.1 ships Leaflet 1.9.4: the package version starts with Leaflet's.
    assert metadata.version("django-js-lib-leaflet").startswith(leaflet_version())


def test_leaflet_js_has_no_source_map_comment_and_cannot_close_its_script_element():
    js = leaflet_js()
    assert "sourceMappingURL" not in js
    assert "</script" not in js.lower()
    assert len(js) > 100_000  # the whole minified library, not a stub


def test_leaflet_css_images_are_data_uris_of_the_packaged_files():
    css = leaflet_css()
    assert "url(images/" not in css
    uris = re.findall(r'url\("data:image/png;base64,([^"]+)"\)', css)
    packaged = {p.name: p.read_bytes() for p in (_dist() / "images").iterdir() if p.name.endswith(".png")}
    decoded = [base64.b64decode(u) for u in uris]
    # layers.png, layers-2x.png and marker-icon.png are referenced by Leaflet 1.9's stylesheet.
    assert {"layers.png", "layers-2x.png", "marker-icon.png"} <= {n for n, b in packaged.items() if b in decoded}
    assert all(d.startswith(b"\x89PNG") for d in decoded)


def test_inline_css_urls_embeds_relative_files_and_keeps_fragments_and_data(tmp_path):
    (tmp_path / "img").mkdir()
    png = b"\x89PNG fake"
    (tmp_path / "img" / "dot.png").write_bytes(png)
    css = "a{background:url('img/dot.png')} b{behavior:url(#default#VML)} c{background:url(data:,x)}"
    out = inline_css_urls(css, tmp_path)
    assert f'url("data:image/png;base64,{base64.b64encode(png).decode()}")' in out
    assert "url(#default#VML)" in out
    assert "url(data:,x)" in out


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://cdn.example/x.png", "expected a relative path"),
        ("//cdn.example/x.png", "expected a relative path"),
        ("/abs/x.png", "expected a relative path"),
        ("../x.png", "'..' is not allowed"),
        ("img/missing.png", "no such file"),
    ],
)
def test_inline_css_urls_refuses_what_it_cannot_embed(tmp_path, url, message):
    with pytest.raises(ValueError, match=re.escape(message)) as exc:
        inline_css_urls(f"a{{background:url({url})}}", tmp_path)
    assert url in str(exc.value)


def test_external_references_finds_every_kind_of_fetch():
    page = """
    <link rel="stylesheet" href="https://cdn.example/a.css">
    <script src="http://cdn.example/b.js"></script>
    <img srcset="small.png 1x, https://cdn.example/big.png 2x">
    <div style="background: url('https://cdn.example/c.png')"></div>
    <style>@import "https://cdn.example/d.css"; e { background: url(images/e.png) }</style>
    <a href="#top">top</a> <link rel="icon" href="data:,"> <img src="data:image/png;base64,AA==">
    <script>var s = '<img src="https://cdn.example/in-a-script.png">';</script>
    """
    assert external_references(page) == [
        "https://cdn.example/a.css",
        "http://cdn.example/b.js",
        "small.png",
        "https://cdn.example/big.png",
        "https://cdn.example/c.png",
        "images/e.png",
        "https://cdn.example/d.css",
        "https://cdn.example/in-a-script.png",
    ]


def test_external_references_of_a_self_contained_page_is_empty():
    assert external_references(f"<style>{leaflet_css()}</style><script>{leaflet_js()}</script>") == []


def test_geo_offline_still_gives_the_assets_of_geo_maps_assets():
    import geo.maps.assets
    import geo.offline

    for name in geo.offline.__all__:
        assert getattr(geo.offline, name) is getattr(geo.maps.assets, name)
