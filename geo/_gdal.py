"""Writing one layer with GDAL (through pyogrio), its errors turned into the ``OSError`` every writer handles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["write_layer"]


def write_layer(gdf: pd.DataFrame, file: Path, layer: str, **options: Any) -> None:
    """Write ``gdf`` as ``layer`` of ``file`` with GDAL; a GDAL error (a full disk...) becomes one ``OSError``.

    Parameters
    ----------
    gdf
        The rows: a GeoDataFrame, or a plain DataFrame for a table without geometry.
    file
        The file (its driver from the suffix unless ``driver=`` is given).
    layer
        The layer's name.
    **options
        Passed to :meth:`geopandas.GeoDataFrame.to_file`, or for a plain DataFrame to
        :func:`pyogrio.write_dataframe` (driver, layer and dataset creation options...).

    Raises
    ------
    OSError
        ``GDAL could not write the layer LAYER: <GDAL's message>``, for :func:`geo._io.output_errors` to name
        the output.
    """
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        if isinstance(gdf, gpd.GeoDataFrame):
            gdf.to_file(file, layer=layer, **options)
        else:
            pyogrio.write_dataframe(gdf, file, layer=layer, **options)
    except (DataLayerError, DataSourceError) as exc:
        raise OSError(f"GDAL could not write the layer {layer}: {exc}") from None
