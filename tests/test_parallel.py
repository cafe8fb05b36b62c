"""The same query on a Dask cluster: lazy, partitioned, and equal row for row to the in-memory path."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster_client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(42)
    n = 5_000
    gdf = gpd.GeoDataFrame(
        {"id": np.arange(n)},
        geometry=gpd.points_from_xy(rng.uniform(35.5, 37.5, n), rng.uniform(35.2, 36.6, n)),
        crs="EPSG:4326",
    )
    return gdf.to_crs(32637)


def test_query_on_a_dask_geodataframe_is_lazy_with_the_query_columns(corridor, points):
    ddf = dask_geopandas.from_geopandas(points, npartitions=4)
    lazy = corridor.query(ddf)
    assert isinstance(lazy, dask_geopandas.GeoDataFrame)
    assert list(lazy.columns) == list(corridor.query(points.iloc[:0]).columns)


def test_two_worker_cluster_gives_the_in_memory_answer_row_for_row(corridor, points, cluster_client):
    ddf = dask_geopandas.from_geopandas(points, npartitions=6)
    got = corridor.query(ddf).compute()
    expected = corridor.query(points)
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(expected.drop(columns="geometry"))
    )
    assert got.geometry.geom_equals(expected.geometry).all()
    assert len(cluster_client.scheduler_info()["workers"]) == 2


def test_the_corridor_enters_the_graph_once(corridor, points):
    ddf = dask_geopandas.from_geopandas(points, npartitions=8)
    graph = dict(corridor.query(ddf).__dask_graph__())
    holders = [k for k, v in graph.items() if v is corridor or getattr(v, "value", None) is corridor]
    assert len(holders) <= 1


def test_a_dask_geodataframe_without_crs_is_refused(corridor, points):
    ddf = dask_geopandas.from_geopandas(points.set_crs(None, allow_override=True), npartitions=2)
    with pytest.raises(ValueError, match="has no CRS"):
        corridor.query(ddf)
