"""The compiled query kernel (large inputs): its search structures' guarantees, and the same answers as numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

import geo
import geo._grid
import geo.query
from geo._ecef import geodesic_from_chord
from geo._grid import build_grid
from geo._query_jit import _geodesic, _point
from geo.query import _A, _E2, _capsule_tree, _index, _Points


def _query_by(path: str, c: geo.Corridor, lon: np.ndarray, lat: np.ndarray) -> pd.DataFrame:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(geo.query, "_COMPILED_FROM", 1 if path == "compiled" else 2**62)
        return c.query(lon, lat)


def _assert_same_answers(a: pd.DataFrame, b: pd.DataFrame) -> None:
    for col in ("distance_m", "nearest_post_m"):
        np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(a["chainage_km"].to_numpy(), b["chainage_km"].to_numpy(), rtol=0, atol=1e-9)
    for col in ("in_corridor", "side", "nearest_post"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())


def _test_points(c: geo.Corridor, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the region, on and near the M4's and the patrol segment's vertices, at the posts,
    beyond the grid, and more than 300 km away (answered by the numpy path)."""
    lon = [rng.uniform(35.5, 37.5, 20_000), rng.uniform(30.0, 43.0, 2_000)]
    lat = [rng.uniform(35.2, 36.6, 20_000), rng.uniform(31.0, 41.0, 2_000)]
    for line in (c.m4, c.patrol_segment):
        v = np.asarray(line.coords)[:, :2]
        lon.append(v[:, 0])
        lat.append(v[:, 1])
        lon.append(np.repeat(v[:, 0], 20) + rng.normal(0, 0.003, 20 * len(v)))
        lat.append(np.repeat(v[:, 1], 20) + rng.normal(0, 0.003, 20 * len(v)))
    lon.append(c.posts.geometry.x.to_numpy())
    lat.append(c.posts.geometry.y.to_numpy())
    lon.append(np.array([2.35, 151.2, 36.45, -170.0]))
    lat.append(np.array([48.85, -33.9, -35.8, 89.9]))
    return np.concatenate(lon), np.concatenate(lat)


@pytest.mark.parametrize("line", ["shipped", "wiggly", "50 m"])
def test_compiled_kernel_gives_the_vectorized_answers(line):
    c = geo.load_corridor()
    if line == "wiggly":  # sharp turns, short pieces
        m = c.m4_metric
        s = np.arange(0.0, m.length, 1000.0)
        pts = np.asarray([m.interpolate(x).coords[0] for x in s])
        pts[1:-1, 1] += np.where(np.arange(1, s.size - 1) % 2 == 0, 1500.0, -1500.0)
        c = geo.load_corridor(m4=c.frame.to_lonlat(shapely.LineString(pts)))
    elif line == "50 m":
        c = geo.load_corridor(m4=c.frame.to_lonlat(shapely.segmentize(c.m4_metric, 50.0)))
    lon, lat = _test_points(c, np.random.default_rng(5))
    _assert_same_answers(_query_by("compiled", c, lon, lat), _query_by("vectorized", c, lon, lat))


def test_kernel_searching_only_the_capsule_tree_gives_the_vectorized_answers(monkeypatch):
    """With one candidate per cell allowed, nearly every cell sends its points to the tree search (and every
    post is tried); with no margin, many points lie off the grid."""
    monkeypatch.setattr(geo._grid, "_GRID_SLOTS", 1)
    monkeypatch.setattr(geo._grid, "_GRID_MARGIN_DEG", 0.0)
    c = geo.load_corridor()  # a new corridor: its grid is built with these settings
    lon, lat = _test_points(c, np.random.default_rng(6))
    _assert_same_answers(_query_by("compiled", c, lon, lat), _query_by("vectorized", c, lon, lat))
    table = _index(c).grid[1]
    assert (table[:, 0] == -1).mean() > 0.5


def _brute_nearest_d2(piece: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Squared distance from each point to each piece (n, pieces), by trying all."""
    w = xyz[:, None, :] - piece[None, :, 0:3]
    t = np.clip(np.einsum("npk,pk->np", w, piece[:, 3:6]) * piece[:, 6], 0.0, 1.0)
    r = w - t[..., None] * piece[None, :, 3:6]
    return np.einsum("npk,npk->np", r, r)


@pytest.mark.parametrize("which", ["m4", "patrol", "posts"])
def test_each_points_nearest_piece_is_among_its_grid_cells_candidates(corridor, which):
    """The pruning rule of ``build_grid`` keeps, for every point of a cell, its nearest piece (or post)."""
    idx = _index(corridor)
    if which == "posts":
        piece = np.zeros((idx.post_xyz.shape[0], 7))
        piece[:, :3] = idx.post_xyz
    else:
        piece = getattr(idx, which).piece
    lon0, lat0, step, nx, ny = 35.4, 35.1, 0.02, 110, 80  # a coarse grid: more pruning, and so more to get wrong
    count, cand = build_grid(piece, idx.origin, _A, _E2, lon0, lat0, step, nx, ny, 500)
    assert (count >= 1).all()
    assert count.mean() < 0.2 * piece.shape[0] or which == "posts"  # it prunes
    rng = np.random.default_rng(11)
    cell = rng.integers(0, nx * ny, 4000)
    lon = lon0 + (cell % nx + rng.uniform(0, 1, cell.size)) * step
    lat = lat0 + (cell // nx + rng.uniform(0, 1, cell.size)) * step
    # Points on the cells' corners too: the farthest from their centres.
    lon = np.concatenate([lon, lon0 + (cell % nx + rng.integers(0, 2, cell.size)) * step])
    lat = np.concatenate([lat, lat0 + (cell // nx + rng.integers(0, 2, cell.size)) * step])
    cell = np.concatenate([cell, cell])
    d2 = _brute_nearest_d2(piece, _Points.from_lonlat(lon, lat, idx.origin).xyz)
    best = d2.min(axis=1)
    kept = np.arange(cand.shape[1]) < count[cell][:, None]
    best_kept = np.where(kept, np.take_along_axis(d2, cand[cell].astype(np.intp) * kept, axis=1), np.inf).min(axis=1)
    # Every point of the closed cell, its corners included, keeps its nearest piece among the candidates.
    assert (best_kept <= best * (1 + 1e-12) + 1e-9).all()


def test_every_capsule_bounds_the_distance_to_its_pieces_from_below(corridor):
    """Distance to a node's chord minus its radius never exceeds the distance to any piece it covers."""
    chain = _index(corridor).m4
    cap, child, leaf = _capsule_tree(chain.xyz)
    covers: dict[int, list[int]] = {}

    def collect(i: int) -> list[int]:
        covers[i] = [int(leaf[i])] if leaf[i] >= 0 else collect(child[i, 0]) + collect(child[i, 1])
        return covers[i]

    collect(0)
    assert sorted(covers[0]) == list(range(chain.n_pieces))
    rng = np.random.default_rng(3)
    xyz = _Points.from_lonlat(rng.uniform(35.5, 37.5, 500), rng.uniform(35.2, 36.6, 500), chain.origin).xyz
    d_piece = np.sqrt(_brute_nearest_d2(chain.piece, xyz))
    d_cap = np.sqrt(_brute_nearest_d2(cap[:, :7], xyz)) - cap[:, 7]
    for i, pieces in covers.items():
        assert (d_cap[:, i] <= d_piece[:, pieces].min(axis=1) + 1e-9).all()


def test_kernel_compiles_without_a_disk_cache_where_numba_has_nowhere_to_write_one(monkeypatch):
    import numba

    import geo._query_jit as jit

    real = numba.njit

    def njit(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f.py'")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)

    def add_one(x: float) -> float:
        return x + 1.0

    compiled = jit._jit(add_one)
    assert compiled(2.0) == 3.0
    assert isinstance(compiled, numba.core.registry.CPUDispatcher)


@pytest.mark.parametrize("chord_km", [0.0, 0.001, 1.0, 60.0, 300.0, 630.0, 650.0, 2_000.0, 12_000.0])
def test_kernel_geodesic_of_a_chord_is_the_arcsine_formula_on_both_sides_of_its_series_threshold(chord_km):
    # Below x = c/2R = 0.05 (a chord of ~640 km) the kernel sums asin(x)/x's series; above, it calls asin. Either
    # way it must give what the vectorized path's 2R asin(c/2R) gives, in every direction and at any latitude.
    rng = np.random.default_rng(int(chord_km * 1000))
    lon, lat = rng.uniform(-180, 180, 200), rng.uniform(-89, 89, 200)
    pts = _Points.from_lonlat(lon, lat, np.zeros(3))
    direction = rng.normal(size=(200, 3))
    delta = chord_km * 1000.0 * direction / np.linalg.norm(direction, axis=1)[:, None]
    expected = geodesic_from_chord(pts, delta)
    for i in range(200):
        *_, sl, cl, sp, cp, inv_nu, inv_rho = _point(lon[i], lat[i], np.zeros(3), _A, _E2)
        got = _geodesic(sl, cl, sp, cp, *delta[i], inv_nu, inv_rho)
        assert got == pytest.approx(expected[i], rel=2e-15, abs=1e-12)
