"""Find, read and validate the shipped data layers.

Every layer is a GeoJSON FeatureCollection (RFC 7946: lon/lat, WGS84) whose
features carry at least ``source`` and ``confidence`` properties. Reading a
layer checks it thoroughly and raises :class:`DataError` (a ``ValueError``)
that names the file and the feature, rather than letting a bad coordinate
through to a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from ._validate import REGION_BOUNDS, DataError, given, is_real_number, lonlat_problem, region_problem
from .dates import change_window, validate_partial_date
from .geodesy import WGS84

__all__ = [
    "CONFIDENCE_CODES",
    "POINT_KINDS",
    "REGION_BOUNDS",
    "DataError",
    "data_dir",
    "data_path",
    "read_context",
    "read_layer",
    "read_m4_waypoints",
    "read_places",
    "read_posts",
    "read_settlements",
    "validate_partial_date",
]

#: Confidence codes of a coordinate: S sourced, P proxy (a nearby named place), E estimate.
CONFIDENCE_CODES = {"S": "sourced", "P": "proxy", "E": "estimate"}

#: What a post's point is: its site placed from a reported distance and direction, a map mark of its hill or
#: site, the midpoint of the places a report puts it between, the settlement it stood in or by, or a nearby place.
POINT_KINDS = ("site estimate", "site mark", "between places", "settlement centre", "nearby place")



def data_dir() -> Traversable:
    """Return the folder of the shipped data layers.

    In an installed package the layers live in ``geo/_data`` (the build copies
    ``data/`` there); in a source checkout they are read from ``data/`` beside
    the package.
    """
    packaged = resources.files("geo") / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def data_path(name: str) -> Traversable:
    """Return the shipped data file ``name`` (e.g. ``"posts.geojson"``)."""
    return data_dir() / name


def _load_json(path: Traversable | Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: data file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read data file ({exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataError(f"{path}: expected a GeoJSON FeatureCollection with a 'features' list")
    return doc


def _iter_positions(coords: Any) -> Iterable[Any]:
    if isinstance(coords, (list, tuple)) and coords and not isinstance(coords[0], (list, tuple)):
        yield coords
    elif isinstance(coords, (list, tuple)):
        for c in coords:
            yield from _iter_positions(c)
    else:
        yield coords


def _check_geometry(geom: Any, allowed: set[str], where: str) -> shapely.Geometry:
    if not isinstance(geom, dict) or "type" not in geom:
        raise DataError(f"{where}: missing geometry")
    if geom["type"] not in allowed:
        raise DataError(f"{where}: geometry type {geom['type']!r}, expected one of {sorted(allowed)}")
    for pos in _iter_positions(geom.get("coordinates")):
        if not isinstance(pos, (list, tuple)) or len(pos) < 2:
            raise DataError(f"{where}: malformed coordinate {pos!r}, expected [lon, lat]")
        lon, lat = pos[0], pos[1]
        if not all(is_real_number(v) for v in (lon, lat)):
            raise DataError(f"{where}: coordinate {pos!r} is not numeric")
        if problem := lonlat_problem(lon, lat):
            raise DataError(f"{where}: coordinate {pos!r}: {problem}")
        if problem := region_problem(lon, lat):
            raise DataError(f"{where}: {problem}")
    try:
        shape = shapely.geometry.shape(geom)
    except Exception as exc:  # shapely raises several types for bad input
        raise DataError(f"{where}: invalid geometry ({exc})") from None
    if shape.is_empty:
        raise DataError(f"{where}: empty geometry")
    return shape


def read_layer(
    path: Traversable | Path | str,
    *,
    geometry_types: set[str],
    required: Mapping[str, type | tuple[type, ...]] | None = None,
    unique: Iterable[str] = (),
    allow_null_geometry: bool = False,
) -> gpd.GeoDataFrame:
    """Read and validate one GeoJSON layer.

    Parameters
    ----------
    path
        The GeoJSON file.
    geometry_types
        GeoJSON geometry types a feature may have.
    required
        Property names that every feature must have, with their allowed Python types
        (in addition to ``source`` and ``confidence``, which are always required).
    unique
        Properties whose values must not repeat across features.
    allow_null_geometry
        Accept a feature whose ``geometry`` member is ``null`` (valid GeoJSON for a
        feature with no known location); its row gets a missing geometry (None).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature, CRS EPSG:4326.

    Raises
    ------
    DataError
        The file is missing, is not a FeatureCollection, or a feature fails a check;
        the message names the file and the feature.
    """
    path = Path(path) if isinstance(path, str) else path
    doc = _load_json(path)
    req: dict[str, type | tuple[type, ...]] = {"source": str, "confidence": str}
    req.update(required or {})
    rows: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry | None] = []
    seen: dict[str, dict[Any, int]] = {k: {} for k in unique}
    if not doc["features"]:
        raise DataError(f"{path}: the layer has no features")
    for i, feat in enumerate(doc["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            raise DataError(f"{path}: feature {i}: missing 'properties' object")
        label = props.get("name", props.get("number", ""))
        where = f"{path}: feature {i}" + (f" ({label!r})" if label != "" else "")
        for key, typ in req.items():
            value = props.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise DataError(f"{where}: missing required property {key!r}")
            if not isinstance(value, typ) or (isinstance(value, bool) and typ is not bool):
                raise DataError(f"{where}: property {key!r} is {value!r}, expected {typ}")
        if props["confidence"] not in CONFIDENCE_CODES:
            raise DataError(f"{where}: confidence {props['confidence']!r}, expected one of {sorted(CONFIDENCE_CODES)}")
        for key, earlier in seen.items():
            value = props.get(key)
            value_key = value.casefold() if isinstance(value, str) else value
            if value_key in earlier:
                raise DataError(f"{where}: duplicate {key} {value!r} (also feature {earlier[value_key]})")
            seen[key][value_key] = i
        if allow_null_geometry and "geometry" in feat and feat["geometry"] is None:
            geoms.append(None)
        else:
            geoms.append(_check_geometry(feat.get("geometry"), geometry_types, where))
        rows.append(props)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84)


def read_m4_waypoints(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the ordered, sourced vertices of the modelled M4 (west to east).

    Their ``order`` properties must run 0, 1, ..., n - 1: a gap (5 then 50) is a
    lost or mistyped vertex, and is refused naming the feature where it is.
    """
    path = path if path is not None else data_path("m4_waypoints.geojson")
    gdf = read_layer(path, geometry_types={"Point"}, required={"order": int, "name": str}, unique=("order", "name"))
    n = len(gdf)
    stray = gdf[~gdf["order"].isin(range(n))]  # the orders are unique: none stray means they are 0..n-1
    if len(stray):
        i, row = next(stray.iterrows())
        missing = min(set(range(n)) - set(gdf["order"]))
        raise DataError(
            f"{path}: feature {i} ({row['name']!r}): order {row['order']}, expected 0..{n - 1} (order {missing} is "
            f"missing): the waypoint orders must run 0..{n - 1} with no gap"
        )
    return gdf.sort_values("order").reset_index(drop=True)


def read_places(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the named places (settlement centres)."""
    path = path if path is not None else data_path("places.geojson")
    return read_layer(path, geometry_types={"Point"}, required={"name": str, "name_ar": str}, unique=("name",))


def read_posts(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the 12 Turkish observation posts, checking their dates and fate.

    ``established`` and ``evacuated`` may each have an ``_end`` (a reported range's
    end, after the date) and a ``_by`` (an ISO day inside the date or range, before
    its last day: the latest day the change can have happened); see
    :func:`geo.dates.change_window`.
    """
    path = path if path is not None else data_path("posts.geojson")
    gdf = read_layer(
        path,
        geometry_types={"Point"},
        required={
            "number": int,
            "name": str,
            "alt_names": list,
            "established": str,
            "fate": str,
            "point_kind": str,
            "point_note": str,
        },
        unique=("number", "name"),
    )
    for i, row in gdf.iterrows():
        where = f"{path}: feature {i} ({row['name']!r})"
        if row["point_kind"] not in POINT_KINDS:
            raise DataError(f"{where}: point_kind {row['point_kind']!r}, expected one of {list(POINT_KINDS)}")
        _check_settlement(row.get("settlement"), where)
        validate_partial_date(row["established"], where=where)
        evacuated = row.get("evacuated")
        evacuated = given(evacuated)
        if row["fate"] not in ("remained", "evacuated"):
            raise DataError(f"{where}: fate {row['fate']!r}, expected 'remained' or 'evacuated'")
        if row["fate"] == "evacuated" and evacuated is None:
            raise DataError(f"{where}: fate is 'evacuated' but no 'evacuated' date is given")
        if row["fate"] == "remained" and evacuated is not None:
            raise DataError(f"{where}: fate is 'remained' but an 'evacuated' date {evacuated!r} is given")
        if validate_partial_date(evacuated, where=where) and evacuated < row["established"]:
            raise DataError(f"{where}: evacuated {evacuated!r} before established {row['established']!r}")
        for key in ("established", "evacuated"):
            value, end, by = (given(row.get(k)) for k in (key, f"{key}_end", f"{key}_by"))
            if value is None and (end, by) != (None, None):
                raise DataError(f"{where}: {key}_end or {key}_by {end or by!r} is given but no {key!r} date")
            if value is not None:
                names = {"end_name": f"{key}_end", "by_name": f"{key}_by"}
                change_window(value, end=end, by=by, where=f"{where}: {key}", **names)
    gdf = gdf.sort_values("number").reset_index(drop=True)
    if "tr_number" in gdf:
        gdf["tr_number"] = gdf["tr_number"].astype("Int64")
    return gdf


def _check_settlement(value: Any, where: str) -> None:
    """Check a post's ``settlement``: None, or the village point kept beside the post's own.

    The village point is an object ``{name, lon, lat, source}``.
    """
    if given(value) is None:
        return
    if not isinstance(value, dict) or set(value) != {"name", "lon", "lat", "source"}:
        raise DataError(f"{where}: settlement {value!r}, expected null or an object with name, lon, lat and source")
    _check_geometry({"type": "Point", "coordinates": [value["lon"], value["lat"]]}, {"Point"}, f"{where}: settlement")


def read_context(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the context lines (border, governorate lines, coastline)."""
    path = path if path is not None else data_path("context.geojson")
    return read_layer(path, geometry_types={"LineString", "MultiLineString"}, required={"kind": str, "name": str})


def read_settlements(path: Traversable | Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the OpenStreetMap settlement points of the Idlib and Latakia governorates.

    © OpenStreetMap contributors, ODbL 1.0. A subset (the places matched to IOM DTM
    locations), not every settlement.
    """
    path = path if path is not None else data_path("settlements.geojson")
    return read_layer(
        path,
        geometry_types={"Point"},
        required={"name": str, "place": str, "governorate": str, "pcode": str, "osm_id": str},
        unique=("osm_id",),
    )
