"""Fetch the real M4 road from OpenStreetMap (Overpass API) and merge it into one line.

The shipped M4 joins settlement centres and is good to 0.5-2 km; OpenStreetMap maps
the carriageway itself. :func:`fetch_m4` asks the Overpass API for the ways tagged
``ref=M4`` between Latakia and Saraqib, :func:`m4_from_overpass` turns the answer
into one continuous west-to-east line (the shortest path along the ways from the way
node nearest Latakia to the one nearest Saraqib, so a dual carriageway or a slip road
gives one clean line), and :func:`write_m4_geojson` writes it for
``geo.load_corridor(m4=...)`` and ``--m4``.
"""

from __future__ import annotations

import datetime as _dt
import http.client
import itertools
import json
import numbers
import os
import reprlib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from ._io import (
    atomic_folder,
    check_output_folder,
    check_output_path,
    output_errors,
    raise_on_signals,
    write_bytes_atomic,
)
from ._validate import lonlat_problem
from .geodesy import GEOD

__all__ = [
    "M4_FILE_NAME",
    "OVERPASS_URL",
    "OverpassError",
    "fetch_m4",
    "m4_from_overpass",
    "m4_output_path",
    "overpass_query",
    "write_m4_geojson",
]

#: The public Overpass API endpoint.
OVERPASS_URL = "https://overpass-api.de/api/interpreter"

#: Where the M4 ends in this project: Latakia (west) and Saraqib (east), lon/lat degrees.
WEST_END = (35.79011, 35.53168)
EAST_END = (36.803131, 35.863611)

#: Search box (south, west, north, east), degrees: Latakia to just east of Saraqib.
BBOX = (35.40, 35.70, 36.05, 36.90)

#: The file ``fetch-osm -o DIR`` writes in DIR.
M4_FILE_NAME = "m4_osm.geojson"

#: An end of the merged road further than this from Latakia or Saraqib means the M4 is incomplete there.
MAX_END_GAP_M = 5_000.0


class OverpassError(ValueError):
    """The Overpass answer cannot be used (unreachable service, malformed answer, no M4 in it)."""


def overpass_query(bbox: tuple[float, float, float, float] = BBOX) -> str:
    """Return the Overpass QL query for the M4's ways in ``bbox`` (south, west, north, east; degrees)."""
    s, w, n, e = bbox
    return f'[out:json][timeout:90];\nway["highway"]["ref"~"(^|;) *M *4 *(;|$)"]({s},{w},{n},{e});\nout body geom;\n'


def fetch_m4(url: str = OVERPASS_URL, *, timeout_s: float = 120.0) -> dict[str, Any]:
    """Ask the Overpass API for the M4's ways; returns the decoded JSON answer.

    Raises
    ------
    OverpassError
        The URL is not http(s), the service cannot be reached (offline?) or does not answer with JSON.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OverpassError(f"the Overpass API URL {url!r} is not an http:// or https:// address")
    body = urllib.parse.urlencode({"data": overpass_query()}).encode()
    req = urllib.request.Request(url, data=body, headers={"User-Agent": "idlib-corridor (fetch-osm)"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise OverpassError(f"the Overpass API at {url} answered HTTP {exc.code} ({exc.reason})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OverpassError(
            f"cannot reach the Overpass API at {url} ({reason}); this command needs the internet"
        ) from None
    except http.client.HTTPException as exc:  # the answer broken off, a malformed status line
        raise OverpassError(f"the Overpass API at {url} broke off its answer ({type(exc).__name__})") from None
    return _decode(raw, url)


def _decode(raw: bytes, url: str) -> dict[str, Any]:
    """Return the JSON object the Overpass API at ``url`` answered; OverpassError when ``raw`` is no JSON."""
    try:
        answer: dict[str, Any] = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise OverpassError(f"the Overpass API at {url} did not answer with JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise OverpassError(f"the Overpass API at {url} did not answer with JSON (not UTF-8 text)") from None
    except RecursionError:
        raise OverpassError(f"the Overpass API at {url} answered JSON nested too deep to read") from None
    return answer


def _is_id(value: object) -> bool:
    """Whether ``value`` can be an OSM id: an integer, not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def _remark(answer: Mapping[str, Any]) -> str:
    """Return the Overpass server's own remark (a timeout, a runtime error) as a suffix to a message, or ""."""
    remark = answer.get("remark")
    if not remark:
        return ""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(remark)).split())  # no terminal escapes
    return f" (the answer remarks: {text if len(text) <= 200 else text[:199] + '…'})"


def _is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number (JSON's NaN included), not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _point(p: object, where: str) -> tuple[float, float]:
    """Return (lon, lat) of one point of a way's 'geometry', or OverpassError naming ``where`` and what is wrong."""
    lon, lat = (p.get("lon"), p.get("lat")) if isinstance(p, Mapping) else (None, None)
    if not (_is_number(lon) and _is_number(lat)):
        raise OverpassError(
            f"malformed Overpass answer: {where} is {reprlib.repr(p)}; expected an object with numbers lon and lat"
        )
    problem = lonlat_problem(float(lon), float(lat))
    if problem:
        raise OverpassError(f"malformed Overpass answer: {where}: {problem}")
    return float(lon), float(lat)


def _way(el: Mapping[str, Any], i: int) -> dict[str, Any]:
    """Return one way of the answer (its id, node ids and lon/lat points), or OverpassError naming what is wrong."""
    wid = el.get("id")
    if not _is_id(wid):
        raise OverpassError(
            f"malformed Overpass answer: element {i} is a way with id {reprlib.repr(wid)}; expected an integer"
        )
    nodes, geom = el.get("nodes"), el.get("geometry")
    if not isinstance(nodes, list) or not isinstance(geom, list):
        raise OverpassError(
            f"malformed Overpass answer: way {wid} lacks its 'nodes' or 'geometry' list (query with 'out body geom')"
        )
    if len(nodes) != len(geom):
        raise OverpassError(f"malformed Overpass answer: way {wid} has {len(nodes)} node ids but {len(geom)} points")
    if len(nodes) < 2:
        raise OverpassError(
            f"malformed Overpass answer: way {wid} has {len(nodes)} node{'s' * (len(nodes) != 1)}; a way needs 2"
        )
    for node in nodes:
        if not _is_id(node):
            raise OverpassError(
                f"malformed Overpass answer: way {wid} has node id {reprlib.repr(node)}; expected an integer"
            )
    coords = [_point(p, f"way {wid} point {k} (node {n})") for k, (n, p) in enumerate(zip(nodes, geom, strict=True))]
    return {"id": wid, "nodes": nodes, "coords": coords}


def _check_shared_nodes(ways: list[dict[str, Any]]) -> None:
    """OverpassError if a node id comes at two different places (in one way or two): the answer contradicts itself."""
    seen: dict[int, tuple[tuple[float, float], int]] = {}
    for way in ways:
        for node, xy in zip(way["nodes"], way["coords"], strict=True):
            first_xy, first_way = seen.setdefault(node, (xy, way["id"]))
            if xy != first_xy:
                raise OverpassError(
                    f"malformed Overpass answer: node {node} is at lon/lat {first_xy} in way {first_way} "
                    f"but at {xy} in way {way['id']}"
                )


def _ways(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the answer's ways, checked; OverpassError naming the first element, way or point that is wrong."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("elements"), list):
        remark = _remark(answer) if isinstance(answer, Mapping) else ""
        raise OverpassError(f"malformed Overpass answer: expected a JSON object with an 'elements' list{remark}")
    ways = [
        _way(el, i) for i, el in enumerate(answer["elements"]) if isinstance(el, Mapping) and el.get("type") == "way"
    ]
    if not ways:
        raise OverpassError(
            f"the Overpass answer holds no M4 way (nothing tagged ref=M4 in the search box){_remark(answer)}"
        )
    _check_shared_nodes(ways)
    return ways


def _end_nodes(
    pts: NDArray[np.float64], west_end: tuple[float, float], east_end: tuple[float, float]
) -> tuple[int, int]:
    """Return the way nodes (rows of ``pts``, lon/lat degrees) nearest the road's two ends; OverpassError if too far."""
    found = []
    for name, end in (("Latakia (west end)", west_end), ("Saraqib (east end)", east_end)):
        _, _, d = GEOD.inv(np.full(len(pts), end[0]), np.full(len(pts), end[1]), pts[:, 0], pts[:, 1])
        i = int(np.argmin(d))
        if d[i] > MAX_END_GAP_M:
            raise OverpassError(
                f"the M4 ways end {d[i] / 1000:.1f} km from {name}: the OpenStreetMap road is incomplete"
            )
        found.append(i)
    if found[0] == found[1]:
        raise OverpassError(f"the ends {west_end} and {east_end} are nearest the same M4 node: expected ends far apart")
    return found[0], found[1]


def m4_from_overpass(
    answer: Mapping[str, Any],
    *,
    west_end: tuple[float, float] = WEST_END,
    east_end: tuple[float, float] = EAST_END,
) -> tuple[LineString, list[int]]:
    """Merge the M4's ways into one west-to-east line.

    Parameters
    ----------
    answer
        A decoded Overpass JSON answer with ways queried by ``out body geom``.
    west_end, east_end
        (lon, lat) of the road's ends in this project (Latakia, Saraqib), degrees.

    Returns
    -------
    line : shapely.LineString
        lon/lat, west to east: the shortest path along the ways between the way
        nodes nearest the two ends.
    way_ids : list of int
        The OSM way ids the line runs along.
    """
    ways = _ways(answer)
    index: dict[Any, int] = {}
    coords: list[tuple[float, float]] = []
    rows, cols, lengths, edge_way = [], [], [], {}
    for way in ways:
        ids = []
        for node, xy in zip(way["nodes"], way["coords"], strict=True):
            if node not in index:
                index[node] = len(coords)
                coords.append(xy)
            ids.append(index[node])
        a, b = np.array(ids[:-1]), np.array(ids[1:])
        xy = np.asarray(way["coords"])
        _, _, d = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        rows += [*a, *b]
        cols += [*b, *a]
        lengths += [*d, *d]
        for u, v in zip(a, b, strict=True):
            edge_way[(int(u), int(v))] = edge_way[(int(v), int(u))] = way["id"]
    pts = np.asarray(coords)
    n = len(pts)
    graph = coo_matrix((np.maximum(lengths, 1e-3), (rows, cols)), shape=(n, n)).tocsr()
    src, dst = _end_nodes(pts, west_end, east_end)
    dist, pred = dijkstra(graph, indices=src, return_predecessors=True)
    if not np.isfinite(dist[dst]):
        raise OverpassError(
            "the M4 ways do not connect Latakia to Saraqib (a gap in the OpenStreetMap road); "
            "merge them by hand or pass the pieces to geo.load_corridor(m4=...)"
        )
    path = [dst]
    while path[-1] != src:
        path.append(int(pred[path[-1]]))
    path.reverse()
    used: list[int] = []
    for u, v in itertools.pairwise(path):
        wid = edge_way[(u, v)]
        if not used or used[-1] != wid:
            used.append(wid)
    return LineString(pts[path]), list(dict.fromkeys(used))


def m4_output_path(path: str | os.PathLike[str]) -> Path:
    """Return the file :func:`write_m4_geojson` writes for ``path``, after checking it can be written.

    A path with a suffix (``m4.geojson``) names the file; one without (``DIR``) names a
    folder, and the file is ``DIR/m4_osm.geojson``: ``DIR`` is created if missing (the
    folder above it must exist), so a file named ``DIR`` is never written.

    Parameters
    ----------
    path
        The ``-o`` of ``fetch-osm``: a folder, or a ``.geojson`` file.

    Returns
    -------
    pathlib.Path
        The GeoJSON file to write.

    Raises
    ------
    ValueError
        One line: the output cannot be written (see :func:`geo._io.check_output_path`), or
        a name without a suffix is an existing file.
    """
    path = Path(path)
    if path.suffix and not os.path.isdir(path):  # (os.path: False for a name too long, refused next)
        check_output_path(path)
        return path
    check_output_folder(path, (M4_FILE_NAME,))
    return path / M4_FILE_NAME


def write_m4_geojson(line: LineString, way_ids: list[int], path: str | os.PathLike[str]) -> Path:
    """Write the merged M4 as a one-feature GeoJSON with its source, atomically; returns the file written.

    ``path`` is a ``.geojson`` file or a folder (see :func:`m4_output_path`); a missing
    folder is created with the file in it, in one step (a failed write leaves no folder).
    """
    target = m4_output_path(path)
    feature = {
        "type": "Feature",
        "properties": {
            "name": "M4 highway",
            "ref": "M4",
            "source": f"OpenStreetMap ways {', '.join(map(str, way_ids))} via the Overpass API, "
            f"fetched {_dt.date.today().isoformat()}; © OpenStreetMap contributors, ODbL 1.0",
            "confidence": "S",
            "length_km": round(float(GEOD.geometry_length(line)) / 1000, 3),
        },
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in line.coords]},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode("utf-8")
    if target.parent.is_dir():
        return write_bytes_atomic(target, data)
    with raise_on_signals(), output_errors(target), atomic_folder(target.parent) as stage:
        (stage / target.name).write_bytes(data)
    return target
