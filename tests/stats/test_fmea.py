"""FMEA: RPN and the AIAG-VDA (2019) action priority for all 1,000 rating combinations."""

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from qualitas.stats import fmea
from qualitas.stats.results import StatsInputError

BANDS = Path(__file__).parents[2] / "src" / "qualitas" / "stats" / "data" / "aiag_vda_action_priority_bands.csv"


def _expected_priorities() -> dict[tuple[int, int, int], str]:
    """Read the handbook bands independently of the module and expand them cell by cell."""

    def values(band: str) -> range:
        low, _, high = band.partition("-")
        return range(int(low), int(high or low) + 1)

    expected: dict[tuple[int, int, int], str] = {}
    with BANDS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for key in itertools.product(
                values(row["severity_band"]), values(row["occurrence_band"]), values(row["detection_band"])
            ):
                assert key not in expected, f"bands overlap at {key}"
                expected[key] = row["action_priority"]
    return expected


EXPECTED = _expected_priorities()


def test_bands_cover_every_combination_once():
    assert len(EXPECTED) == 1000


def test_every_combination_scalar():
    for (s, o, d), priority in EXPECTED.items():
        assert fmea.action_priority(s, o, d) == priority, (s, o, d)


def test_every_combination_vectorised():
    keys = np.array(sorted(EXPECTED))
    result = fmea.action_priority(keys[:, 0], keys[:, 1], keys[:, 2])
    assert result.shape == (1000,)
    assert list(result) == [EXPECTED[tuple(k)] for k in keys.tolist()]


@pytest.mark.parametrize(
    ("s", "o", "d", "priority"),
    [
        # Boundary cells of the AIAG-VDA (2019) table, where the priority changes between neighbours.
        (10, 10, 10, "H"),
        (9, 4, 1, "M"),  # high severity, moderate occurrence, very high detection
        (9, 2, 5, "M"),
        (9, 2, 4, "L"),
        (8, 6, 1, "M"),
        (7, 2, 7, "M"),
        (5, 8, 4, "M"),
        (5, 8, 5, "H"),
        (4, 4, 7, "M"),
        (3, 8, 7, "M"),
        (3, 8, 4, "L"),
        (1, 10, 10, "L"),
        (10, 1, 10, "L"),
    ],
)
def test_handbook_spot_checks(s, o, d, priority):
    assert fmea.action_priority(s, o, d) == priority


def test_rpn_scalar_and_array():
    assert fmea.rpn(5, 6, 7) == 210
    assert isinstance(fmea.rpn(5, 6, 7), int)
    assert fmea.rpn(10, 10, 10) == 1000
    assert fmea.rpn(1, 1, 1) == 1
    assert fmea.rpn([1, 2, 10], [3, 4, 10], 5).tolist() == [15, 40, 500]


def test_integral_floats_are_ratings():
    assert fmea.rpn(2.0, 3.0, 4.0) == 24
    assert fmea.action_priority(np.float64(9.0), 4, 1) == "M"


@pytest.mark.parametrize("bad", [0, 11, 2.5, "x", -1, True, None, float("nan"), [3, 0], ["1", "2"]])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_invalid_ratings_are_refused(bad, position):
    ratings = [5, 5, 5]
    ratings[position] = bad
    with pytest.raises(StatsInputError, match="whole number from 1 to 10"):
        fmea.action_priority(*ratings)
    with pytest.raises(StatsInputError, match="whole number from 1 to 10"):
        fmea.rpn(*ratings)


def test_error_names_the_rating():
    with pytest.raises(StatsInputError, match="occurrence"):
        fmea.rpn(5, 0, 5)
    with pytest.raises(StatsInputError, match="detection"):
        fmea.action_priority(5, 5, 11)
