"""Open an exported GeoPackage in QGIS (PyQGIS, headless) the way QGIS's "Add layer" does, and report what it shows.

Run with the Python that has QGIS (Debian's ``python3-qgis``; ``bash run.sh test`` installs it), not the
project's own environment:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_view.py out/idlib_corridor.gpkg            # JSON facts
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_view.py out/idlib_corridor.gpkg --png x.png  # a picture

Each table is loaded with its default style from the file (``loadDefaultStyle``: QGIS's ``layer_styles``),
and the facts printed are QGIS's own: whether the layer is valid, its geometry type, its renderer and
categorising field, its symbols' colours, its Temporal Controller settings and its field types. With
``--png`` the tables are drawn together, in their stored styles, to a PNG (this is how the README's
picture of the GeoPackage is made).
"""

from __future__ import annotations

import argparse
import json
import sqlite3

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRectangle,
    QgsRenderContext,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def tables(path: str) -> list[str]:
    """The GeoPackage's feature tables, in the order of gpkg_contents."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [t for (t,) in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]


def load(path: str, table: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
    layer.loadDefaultStyle()
    return layer


def facts(layer: QgsVectorLayer) -> dict[str, object]:
    renderer = layer.renderer()
    temporal = layer.temporalProperties()
    return {
        "valid": layer.isValid(),
        "features": layer.featureCount(),
        "renderer": renderer.type(),
        "field": renderer.classAttribute() if hasattr(renderer, "classAttribute") else None,
        "colors": [s.color().name() for s in renderer.symbols(QgsRenderContext())],
        "temporal": [temporal.isActive(), temporal.startField(), temporal.endField()],
        "fields": {f.name(): f.typeName() for f in layer.fields()},
    }


#: Drawing order of the picture, top first: points over lines over areas, the patrol over its events' routes.
ON_TOP = ["posts", "events", "places", "m4_waypoints", "patrol_segment", "event_routes", "m4", "security_corridor"]


def draw(layers: list[QgsVectorLayer], png: str) -> None:
    """Draw the layers in their stored styles over the corridor and every post, to a 1200 x 720 PNG."""
    by_name = {layer.name(): layer for layer in layers}
    order = [by_name[n] for n in ON_TOP if n in by_name] + [v for n, v in by_name.items() if n not in ON_TOP]
    extent = QgsRectangle(by_name["security_corridor"].extent())
    extent.combineExtentWith(by_name["posts"].extent())
    extent.grow(0.08)  # degrees
    settings = QgsMapSettings()
    settings.setLayers(order)  # QGIS draws the first of the list on top
    settings.setBackgroundColor(QColor("#f7f7f5"))
    settings.setOutputSize(QSize(1200, 720))
    settings.setOutputDpi(96)
    settings.setDestinationCrs(layers[0].crs())
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gpkg")
    ap.add_argument("--png", help="draw every table in its stored style to this PNG")
    args = ap.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    layers = [load(args.gpkg, t) for t in tables(args.gpkg)]
    if args.png:
        draw(layers, args.png)
    else:
        print(json.dumps({layer.name(): facts(layer) for layer in layers}))
    del layers  # before QGIS shuts down: a layer outliving it crashes the interpreter on exit
    app.exitQgis()


if __name__ == "__main__":
    main()
