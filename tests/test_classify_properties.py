"""Properties of classify on arbitrary text: every row in is a row out, its text unchanged, its answer the query's.

Hypothesis writes CSV files whose cells hold anything a user's file may hold (quotes, separators, line breaks,
HTML, Arabic, control characters, text that looks like a number or a date) and whose coordinates are good,
missing, out of range or not numbers. Whatever the file, the output has the same rows in the same order, the
input columns as they were, and each good row the answer :meth:`geo.Corridor.query` gives for its point.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.classify import classify_file

#: Cell text: printable text of any script plus the characters that break naive CSV and HTML handling.
_AWKWARD = st.sampled_from(
    ['"', ",", ";", "\n", "\r\n", "<script>alert(1)</script>", "حلب", "00123", "2020-03-05", " ", "=1+1", "\t"]
)
_TEXT = st.lists(
    st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6), _AWKWARD), max_size=4
).map("".join)

#: A coordinate cell: a number near the M4 (so some rows fall in the corridor), out of range, or not a number.
_LON = st.one_of(
    st.floats(35.8, 37.2).map(lambda v: f"{v:.5f}"), st.sampled_from(["", "abc", "181", "nan", "inf", "1e400"])
)
_LAT = st.one_of(st.floats(35.5, 36.1).map(lambda v: f"{v:.5f}"), st.sampled_from(["", "x", "-91", "95.5"]))

_ROWS = st.lists(st.tuples(_TEXT, _TEXT, _LON, _LAT), min_size=1, max_size=30)


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["note", "label", "longitude", "latitude"])
        w.writerows(rows)


def _good(lon: str, lat: str) -> bool:
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        return False
    return math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90


def _read_back_as_written(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_ROWS)
def test_every_csv_row_comes_out_once_in_order_with_its_text_unchanged(tmp_path_factory, corridor, rows):
    folder = tmp_path_factory.mktemp("rows")
    src, out = folder / "in.csv", folder / "out.csv"
    _write(src, rows)
    report = classify_file(corridor, src, out)

    back = _read_back_as_written(out)
    assert len(back) == len(rows) + 1 == report.rows + 1
    for given_row, got in zip(rows, back[1:], strict=True):
        assert got[:4] == list(given_row)
    good = [_good(lon, lat) for _, _, lon, lat in rows]
    assert report.bad_rows == good.count(False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_ROWS)
def test_every_row_of_a_typed_parquet_output_has_the_querys_answer_or_none(tmp_path_factory, corridor, rows):
    folder = tmp_path_factory.mktemp("typed")
    src, out = folder / "in.csv", folder / "out.parquet"
    rows = [("n" + note, *rest) for note, *rest in rows]  # a note column that stays text whatever it holds
    _write(src, rows)
    classify_file(corridor, src, out)

    got = pq.read_table(out).to_pandas()
    assert len(got) == len(rows)
    good = np.array([_good(lon, lat) for _, _, lon, lat in rows])
    assert got.loc[~good, "distance_m"].isna().all()
    assert got.loc[~good, "geometry"].isna().all()
    if good.any():
        lon = np.array([float(r[2]) for r, ok in zip(rows, good, strict=True) if ok])
        lat = np.array([float(r[3]) for r, ok in zip(rows, good, strict=True) if ok])
        expected = corridor.query(lon, lat)
        np.testing.assert_allclose(got.loc[good, "distance_m"], expected["distance_m"], rtol=0, atol=1e-6)
        assert list(got.loc[good, "in_corridor"]) == list(expected["in_corridor"])
        assert list(got.loc[good, "side"]) == list(expected["side"])
    notes = pd.Series([r[0] for r in rows])
    assert list(got["note"]) == list(notes)
