"""Run corridor queries on a Dask cluster, partition by partition (optional extra ``[dask]``).

``corridor.query(ddf)`` on a ``dask_geopandas.GeoDataFrame`` returns a lazy dask
GeoDataFrame with the query columns added, built with ``map_partitions``. The
corridor goes into the task graph once, as a single delayed object, so a cluster
ships it to each worker once rather than with every partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["is_dask_collection", "query_dask"]


def is_dask_collection(obj: Any) -> bool:
    """Tell whether ``obj`` is a dask (geo)dataframe or series, without importing dask when it is not one."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_geopandas") and hasattr(obj, "map_partitions")


def _query_partition(part: Any, corridor: Corridor) -> Any:
    from .query import query

    # One thread per task: dask already runs a task per worker thread, so threads of our own would oversubscribe.
    return query(corridor, part, workers=1)


def query_dask(corridor: Corridor, ddf: Any) -> Any:
    """Lazily add the query columns to every partition of a dask GeoDataFrame.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    ddf
        A ``dask_geopandas.GeoDataFrame`` (or GeoSeries) of points with a CRS.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; ``.compute()`` gives the same rows as ``corridor.query`` on the whole frame.
    """
    try:
        import dask_geopandas
        from dask.delayed import delayed
    except ImportError as exc:  # pragma: no cover - the extra is installed with the tests
        raise ImportError("querying a dask collection needs the extra: pip install 'idlib-corridor[dask]'") from exc
    if not isinstance(ddf, (dask_geopandas.GeoDataFrame, dask_geopandas.GeoSeries)):
        raise ValueError(
            f"expected a dask_geopandas GeoDataFrame or GeoSeries of points, got {type(ddf).__name__}; "
            "convert with dask_geopandas.from_dask_dataframe(df, geometry=...)"
        )
    if ddf.crs is None:
        raise ValueError("the dask GeoDataFrame has no CRS; set one (e.g. .set_crs('EPSG:4326'))")
    meta = _query_partition(ddf._meta, corridor)
    shipped = delayed(corridor, pure=True, traverse=False)
    return ddf.map_partitions(_query_partition, shipped, meta=meta)
