"""The compiled scan that decides which text values convert to a type: it matches the written patterns exactly.

The patterns are restated here as regular expressions (Python's ``re``), an independent
reading of the rules in ``geo._text_scan``'s docstring, and the scan is held to them on
random text made of the characters that matter (digits, signs, points, exponents, dashes,
colons, ``T``, spaces, a non-ASCII space and letters).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._text_scan import KINDS, MATCH, NO_MATCH, TRIM_MIGHT_MATCH, scan

PATTERNS = {
    "int": r"-?(0|[1-9][0-9]{0,17})",
    "float": r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "datetime": r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?",
}


def _significant_digits(text: str) -> int:
    mantissa = re.split("[eE]", text)[0].lstrip("-0.")
    return sum(c.isdigit() for c in mantissa)


def expected(kind: str, value: str) -> bool:
    """Whether ``value`` matches ``kind`` by the written rules."""
    if re.fullmatch(PATTERNS[kind], value) is None:
        return False
    return kind != "float" or _significant_digits(value) <= 15


ALPHABET = "0123456789-+.eE:T xa\u00a0"
values = st.text(alphabet=ALPHABET, min_size=1, max_size=30)
shaped = st.one_of(
    values,
    st.from_regex(PATTERNS["int"], fullmatch=True),
    st.from_regex(PATTERNS["float"], fullmatch=True),
    st.from_regex(PATTERNS["date"], fullmatch=True),
    st.from_regex(PATTERNS["datetime"], fullmatch=True),
)


@settings(max_examples=600, deadline=None)
@given(value=shaped, kind=st.sampled_from(KINDS))
def test_one_value_matches_exactly_when_the_written_pattern_does(value, kind):
    outcome, _, _ = scan(kind, pa.array([value]))
    assert (outcome == MATCH) == expected(kind, value)


@settings(max_examples=200, deadline=None)
@given(column=st.lists(shaped, min_size=1, max_size=20), kind=st.sampled_from(KINDS))
def test_a_column_matches_when_every_value_does_and_a_miss_is_told_apart_by_its_ends(column, kind):
    outcome, _, _ = scan(kind, pa.array(column))
    misses = [v for v in column if not expected(kind, v)]
    spaced = [v for v in misses if v[0] in " \u00a0" or v[-1] in " \u00a0"]
    if not misses:
        assert outcome == MATCH
    elif len(spaced) == len(misses):
        assert outcome == TRIM_MIGHT_MATCH  # trimmed, they might match: the caller trims and scans again
    else:
        assert outcome == NO_MATCH  # trimming cannot help a miss with no space at either end


def test_empty_values_are_marked_and_nulls_skipped():
    outcome, empty, _ = scan("int", pa.array(["1", "", None, "7", ""]))
    assert outcome == MATCH
    assert empty.tolist() == [False, True, False, False, True]


@pytest.mark.parametrize("large", [False, True])
def test_a_slice_of_a_column_is_scanned_from_its_own_start(large):
    array = pa.array(["x", "12", "", "-3", "y"], type=pa.large_string() if large else pa.string())
    outcome, empty, values = scan("int", array.slice(1, 3))
    assert outcome == MATCH
    assert empty.tolist() == [False, True, False]
    assert (values[0], values[2]) == (12, -3)
    assert scan("int", array.slice(0, 2))[0] == NO_MATCH


@pytest.mark.parametrize(
    ("value", "kind", "outcome"),
    [
        ("00123", "int", NO_MATCH),  # a leading zero: an id
        ("1234567890123456789", "int", NO_MATCH),  # 19 digits: past int64's exact range
        ("123456789012345678", "int", MATCH),
        ("1234567890.12345", "float", MATCH),  # 15 significant digits
        ("1234567890.123456", "float", NO_MATCH),  # 16
        ("0.000123456789012345", "float", MATCH),  # leading zeros are not significant
        (" 12", "int", TRIM_MIGHT_MATCH),
        ("12\u00a0", "float", TRIM_MIGHT_MATCH),  # a non-breaking space at the end
        ("2020-03-05T10:00:30.1234567", "datetime", NO_MATCH),  # 7 fraction digits
        ("2020-03-05", "datetime", NO_MATCH),
    ],
)
def test_values_at_the_edges_of_the_rules(value, kind, outcome):
    assert scan(kind, pa.array([value]))[0] == outcome


@settings(max_examples=500, deadline=None)
@given(value=st.from_regex(PATTERNS["int"], fullmatch=True))
def test_an_integer_is_read_exactly(value):
    outcome, _, values = scan("int", pa.array([value]))
    assert outcome == MATCH
    assert int(values[0]) == int(value)


@settings(max_examples=1000, deadline=None)
@given(value=st.from_regex(PATTERNS["float"], fullmatch=True).filter(lambda v: expected("float", v)))
def test_a_float_is_read_as_the_double_it_names_or_left_to_arrow(value):
    outcome, _, values = scan("float", pa.array([value]))
    assert outcome == MATCH
    if not np.isnan(values[0]):  # NaN: more than one step, Arrow's cast reads it
        assert values[0] == float(value)  # Python's float() is correctly rounded
        assert np.signbit(values[0]) == np.signbit(float(value))  # -0 is -0.0


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("0.1", 0.1),
        ("-0", -0.0),
        ("36.61", 36.61),
        ("123456789012345", 123456789012345.0),
        ("1.5e22", 1.5e22),
        ("9007199254740993e-5", None),  # 16 digits: not a float of this kind at all
        ("1e-30", None),  # a power of ten beyond 10**22: Arrow's
    ],
)
def test_floats_at_the_edges_of_one_step(value, read):
    outcome, _, values = scan("float", pa.array([value]))
    if read is None:
        assert outcome == NO_MATCH or np.isnan(values[0])
    else:
        assert values[0] == read
        assert np.signbit(values[0]) == np.signbit(read)


def test_the_typed_column_is_what_arrow_gives_for_the_same_text():
    from geo._column_types import convert

    text = ["36.61", "", "1e-30", " 2.5 ", "-0", "12"]
    got = convert(pa.table({"x": text}), {"x": pa.float64()}).column("x").to_pylist()
    assert got == [36.61, None, 1e-30, 2.5, -0.0, 12.0]
    ids = convert(pa.table({"n": ["7", "", "-123456789012345678"]}), {"n": pa.int64()}).column("n")
    assert ids.to_pylist() == [7, None, -123456789012345678]
