"""Run corridor queries on a Dask cluster, partition by partition (optional extra ``[dask]``).

``corridor.query(ddf)`` on a ``dask_geopandas.GeoDataFrame`` returns a lazy dask
GeoDataFrame with the query columns added, built with ``map_partitions``;
``corridor.query(lon, lat)`` on two dask Series a lazy dask DataFrame.

With a ``dask.distributed`` client in use, the corridor is put on each worker once, by a
worker plugin that also builds its grid and loads the compiled kernel there before any task
(:func:`geo._cluster.ship`); the tasks carry only a :class:`Shipped` reference to it. Without
one (dask's local threads), the corridor goes into the task graph once, as a single delayed object.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ._query_input import PointError
from ._shipped import Shipped, model

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["is_dask_collection", "query_dask", "shipped"]

def shipped(corridor: Corridor, client: Any = None) -> Any:
    """Return what tasks should carry for ``corridor``: a :class:`Shipped` reference on a cluster, else a delayed.

    Parameters
    ----------
    corridor
        The model.
    client
        A ``distributed.Client``; None for the one in use, if any (``distributed`` is not imported for it).

    Returns
    -------
    Shipped or dask.delayed.Delayed
        The reference (the corridor is then on every worker, warmed), or the corridor as one delayed object.
    """
    if client is None and "distributed" in sys.modules:
        from ._cluster import active_client

        client = active_client()
    if client is not None:
        from ._cluster import ship

        return ship(corridor, client)
    from dask.delayed import delayed

    return delayed(corridor, pure=True, traverse=False)


def is_dask_collection(obj: Any) -> bool:
    """Tell whether ``obj`` is a dask (geo)dataframe or series, without importing dask when it is not one."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_geopandas") and hasattr(obj, "map_partitions")


def _kind(obj: Any) -> str:
    """Name ``obj``'s type with its library: "dask Series", "pandas Series", "numpy ndarray"."""
    library = type(obj).__module__.split(".")[0]
    return type(obj).__name__ if library == "builtins" else f"{library} {type(obj).__name__}"


def _in_partition(error: PointError, what: str, partition_info: dict[str, Any] | None) -> ValueError:
    """Return ``error`` reworded to name the frame's row (its index label), not the row within the partition."""
    number = "?" if partition_info is None else partition_info["number"]
    return ValueError(f"{what} row with index {error.label!r} (row {error.row} of partition {number}): {error.problem}")


def _query_partition(part: Any, ref: Corridor | Shipped, partition_info: dict[str, Any] | None = None) -> Any:
    from .query import query

    try:
        # One thread per task: dask already runs a task per worker thread, so threads of our own would oversubscribe.
        return query(model(ref), part, workers=1)
    except PointError as exc:
        raise _in_partition(exc, f"dask {type(part).__name__}", partition_info) from None


def _query_lonlat_partition(
    lon: Any, lat: Any, ref: Corridor | Shipped, partition_info: dict[str, Any] | None = None
) -> Any:
    from .query import query

    try:
        return query(model(ref), lon, lat, workers=1)
    except PointError as exc:
        raise _in_partition(exc, "dask lon/lat", partition_info) from None


def _query_lonlat(corridor: Corridor, lon: Any, lat: Any) -> Any:
    """Lazily answer two dask Series of longitudes and latitudes (degrees), partition by partition."""
    import dask.dataframe as dd

    if not all(isinstance(s, dd.Series) for s in (lon, lat)):
        raise ValueError(
            f"lon and lat must both be dask Series (got {_kind(lon)} and {_kind(lat)}); "
            "or pass one dask_geopandas GeoDataFrame of points"
        )
    if lon.known_divisions and lat.known_divisions:
        if lat.divisions != lon.divisions:
            lat = lat.repartition(divisions=lon.divisions)
    elif lon.npartitions != lat.npartitions:
        raise ValueError(
            f"lon and lat are dask Series of {lon.npartitions} and {lat.npartitions} partitions with unknown "
            "divisions; give them the same partitions (e.g. two columns of one dask DataFrame)"
        )
    meta = _query_lonlat_partition(lon._meta, lat._meta, corridor)
    return lon.map_partitions(_query_lonlat_partition, lat, shipped(corridor), meta=meta)


def query_dask(corridor: Corridor, ddf: Any, lat: Any = None, *, workers: int | None = None) -> Any:
    """Lazily add the query columns to every partition of a dask GeoDataFrame, or answer two dask Series.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    ddf
        A ``dask_geopandas.GeoDataFrame`` (or GeoSeries) of points with a CRS; or a
        dask Series of longitudes (degrees), with ``lat``.
    lat
        A dask Series of latitudes (degrees) partitioned like ``ddf``, or None.
    workers
        Not taken: dask's scheduler decides how many partitions run at once.

    Returns
    -------
    dask_geopandas.GeoDataFrame or dask.dataframe.DataFrame
        Lazy; ``.compute()`` gives the same rows as ``corridor.query`` on the whole
        frame (or the two whole Series). An unusable point raises at compute time,
        naming the frame's row by its index label and its partition.
    """
    try:
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - the extra is installed with the tests
        raise ImportError("querying a dask collection needs the extra: pip install 'idlib-corridor[dask]'") from exc
    if workers is not None:
        raise ValueError(f"workers={workers!r} does not apply to a dask collection: dask's scheduler sets the threads")
    if lat is not None:
        return _query_lonlat(corridor, ddf, lat)
    if not isinstance(ddf, (dask_geopandas.GeoDataFrame, dask_geopandas.GeoSeries)):
        raise ValueError(
            f"expected a dask_geopandas GeoDataFrame or GeoSeries of points, got a {_kind(ddf)}; "
            "convert with dask_geopandas.from_dask_dataframe(df, geometry=...), or pass lon and lat dask Series"
        )
    if ddf.crs is None:
        raise ValueError("the dask GeoDataFrame has no CRS; set one (e.g. .set_crs('EPSG:4326'))")
    meta = _query_partition(ddf._meta, corridor)
    return ddf.map_partitions(_query_partition, shipped(corridor), meta=meta)
