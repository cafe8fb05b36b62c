"""Self-contained HTML: now :mod:`geo.maps.assets`, whose names this module re-exports."""

from .maps.assets import (
    HARMLESS_SCRIPT_URLS,
    LEAFLET_PACKAGE,
    OfflineAssets,
    external_references,
    inline_css_urls,
    leaflet_css,
    leaflet_js,
    leaflet_version,
    script_references,
)

__all__ = [
    "HARMLESS_SCRIPT_URLS",
    "LEAFLET_PACKAGE",
    "OfflineAssets",
    "external_references",
    "inline_css_urls",
    "leaflet_css",
    "leaflet_js",
    "leaflet_version",
    "script_references",
]
