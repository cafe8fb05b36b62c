"""``idlib-corridor query LON LAT``: the answers for one point, plain and JSON, and its warnings and errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import geodesic_reference as ref
import numpy as np
import pytest

from geo.cli import main

ARIHA = (36.61, 35.81)  # lon, lat: by the M4 at Ariha, inside the corridor


@pytest.fixture(scope="module")
def expected(corridor):
    """The independent geodesic answers for the point near Ariha."""
    lon, lat = np.array([ARIHA[0]]), np.array([ARIHA[1]])
    m4 = ref.nearest_on_line(corridor.m4, lon, lat)
    patrol = ref.nearest_on_line(corridor.patrol_segment, lon, lat)
    post, post_m = ref.nearest_post(
        corridor.posts.geometry.x.to_numpy(), corridor.posts.geometry.y.to_numpy(), lon, lat
    )
    return {
        "distance_m": m4.distance_m[0],
        "side": "north" if m4.left[0] else "south",
        "chainage_km": patrol.along_m[0] / 1000,
        "in_corridor": bool(patrol.distance_m[0] <= corridor.width_m),
        "nearest_post": corridor.posts["name"].iloc[post[0]],
        "nearest_post_m": post_m[0],
    }


def test_query_prints_every_answer_for_the_point(capsys, expected):
    assert main(["query", *map(str, ARIHA)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    distance = float(re.search(r"distance to M4\s+([\d,.]+) m", out).group(1).replace(",", ""))
    assert distance == pytest.approx(expected["distance_m"], abs=0.06)
    assert re.search(r"in corridor\s+yes \(6 km each side of the patrol segment\)", out)
    assert re.search(rf"side\s+{expected['side']} of the M4", out)
    chainage = float(re.search(r"chainage\s+([\d.]+) km from Trumba", out).group(1))
    assert chainage == pytest.approx(expected["chainage_km"], abs=0.0006)
    post = re.search(r"nearest post\s+(.+) \(([\d,.]+) km\)", out)
    assert post.group(1) == expected["nearest_post"]
    assert float(post.group(2).replace(",", "")) == pytest.approx(expected["nearest_post_m"] / 1000, abs=0.006)


def test_query_json_has_every_answer(capsys, expected):
    assert main(["query", *map(str, ARIHA), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) == {"lon", "lat", *expected}
    assert (record["lon"], record["lat"]) == ARIHA
    assert record["distance_m"] == pytest.approx(expected["distance_m"], abs=0.02)
    assert record["chainage_km"] == pytest.approx(expected["chainage_km"], abs=1e-3)
    assert record["nearest_post_m"] == pytest.approx(expected["nearest_post_m"], abs=0.02)
    for key in ("in_corridor", "side", "nearest_post"):
        assert record[key] == expected[key]


def test_query_with_narrower_corridor_reports_point_outside(capsys):
    # About 5 km south of the road by Ariha: inside 6 km, outside 3 km.
    lon, lat, _ = ref.GEOD.fwd(ARIHA[0], ARIHA[1], 180.0, 5000.0)
    assert main(["query", str(lon), str(lat), "--json", "--width-km", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["in_corridor"] is False
    assert main(["query", str(lon), str(lat), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["in_corridor"] is True


def test_point_more_than_200_km_away_is_answered_with_a_warning(capsys):
    assert main(["query", "10.0", "50.0", "--json"]) == 0  # Germany
    captured = capsys.readouterr()
    assert json.loads(captured.out)["distance_m"] > 2_000_000
    assert re.search(r"^warning: \(10\.0, 50\.0\) is \d+ km from the M4 \(more than 200 km\)", captured.err)
    assert "LON LAT" in captured.err


def test_point_within_200_km_gets_no_warning(capsys):
    # Aleppo city (37.16 E, 36.20 N), 49 km from the M4; read the other way round it would be 148 km away
    assert main(["query", "37.16", "36.20"]) == 0
    assert capsys.readouterr().err == ""


def test_latitude_out_of_range_is_a_clear_error(capsys):
    assert main(["query", "36.6", "95"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("idlib-corridor: error: lat = 95.0 is outside [-90, 90] degrees")
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["abc", "35.8"], ["36.6", "nan"], ["36.6"]])
def test_non_numeric_or_missing_coordinates_are_usage_errors(capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(["query", *args])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_negative_longitude_is_a_coordinate_not_an_option(capsys):
    assert main(["query", "-36.6", "35.8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lon"] == -36.6


def test_command_runs_as_a_program():
    proc = subprocess.run(
        [sys.executable, "-m", "geo.cli", "query", *map(str, ARIHA), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["in_corridor"] is True


def test_swapped_lat_lon_near_the_corridor_gets_a_hint(capsys):
    # Ariha given as LAT LON: 95 km from the M4 (under the 200 km warning), while LON LAT is on the road.
    assert main(["query", str(ARIHA[1]), str(ARIHA[0])]) == 0
    err = capsys.readouterr().err
    assert f"did you mean 'query {ARIHA[0]} {ARIHA[1]}'" in err
