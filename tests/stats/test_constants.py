"""Control-chart constants against the published table (n = 2..25), closed forms and independent integration."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from qualitas.stats import constants
from qualitas.stats.results import StatsInputError

TABLE = Path(__file__).parent / "data" / "constants_n2_25.csv"
# The table's D2f column is the factor D2 = d2 + 3·d3 (named apart from the lower-case d2).
FACTOR_OF_COLUMN = {"D2f": "D2"}


def table() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    with TABLE.open() as handle:
        rows = list(csv.DictReader(handle))
    sizes = np.array([int(row["n"]) for row in rows])
    columns = {name: np.array([float(row[name]) for row in rows]) for name in rows[0] if name != "n"}
    return sizes, columns


SIZES, COLUMNS = table()


@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_every_factor_matches_the_published_table_to_1e6(column):
    factor = getattr(constants, FACTOR_OF_COLUMN.get(column, column))
    assert np.max(np.abs(factor(SIZES) - COLUMNS[column])) < 1e-6


def test_scalar_calls_agree_with_the_table_and_return_floats():
    for index, size in enumerate(SIZES):
        value = constants.d3(int(size))
        assert isinstance(value, float)
        assert value == pytest.approx(COLUMNS["d3"][index], abs=1e-6)


def test_closed_forms_for_small_n():
    # For n = 2 the range is |X1 − X2| with X1 − X2 ~ N(0, 2); d2(3) = 3/√π; c4(2) = √(2/π).
    assert constants.d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-13)
    assert constants.d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-12)
    assert constants.d2(3) == pytest.approx(3 / math.sqrt(math.pi), abs=1e-13)
    assert constants.c4(2) == pytest.approx(math.sqrt(2 / math.pi), abs=1e-15)


@pytest.mark.parametrize("size", [30, 50, 100, 400])
def test_large_n_agrees_with_adaptive_quadrature(size):
    def outside_range(x):
        return 1 - stats.norm.cdf(x) ** size - stats.norm.sf(x) ** size

    expected_d2 = integrate.quad(outside_range, -np.inf, np.inf, epsabs=1e-13, limit=200)[0]
    assert constants.d2(size) == pytest.approx(expected_d2, abs=1e-10)


def test_d3_for_large_n_agrees_with_a_monte_carlo_range_sample():
    ranges = np.ptp(np.random.default_rng(2024).standard_normal((200_000, 60)), axis=1)
    assert constants.d2(60) == pytest.approx(ranges.mean(), abs=0.005)
    assert constants.d3(60) == pytest.approx(ranges.std(ddof=1), abs=0.005)


def test_arrays_keep_their_shape_and_repeat_sizes_are_computed_once_each():
    sizes = np.array([[5, 5, 2], [25, 5, 2]])
    values = constants.d2(sizes)
    assert values.shape == (2, 3)
    assert values[0, 0] == values[0, 1] == values[1, 1] == constants.d2(5)


def test_lower_factors_are_floored_at_zero():
    assert constants.D3(6) == 0.0 and constants.B3(5) == 0.0 and constants.D1(6) == 0.0
    assert constants.D3(7) > 0 and constants.B3(6) > 0


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, float("nan"), "five", []])
def test_sizes_below_two_or_not_whole_are_refused(bad):
    with pytest.raises(StatsInputError, match="whole numbers of at least 2"):
        constants.d2(bad)
