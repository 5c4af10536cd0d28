"""Pareto analysis: ranking, percentages, vital few and "Other" grouping."""

import numpy as np
import pytest

from qualitas.stats import pareto
from qualitas.stats.results import StatsInputError

# Defects in aircraft tank assemblies, 166 in all, after the Pareto example in Montgomery,
# Introduction to Statistical Quality Control, ch. 5. The expected figures below are worked
# out from these counts by hand.
TANK_DEFECTS = {
    "Parts damaged": 34,
    "Machining problems": 29,
    "Supplied parts rusted": 13,
    "Masking insufficient": 17,
    "Misaligned weld": 2,
    "Processing out of order": 4,
    "Wrong part issued": 3,
    "Unfinished fairing": 3,
    "Adhesive failure": 6,
    "Powdery alodine": 1,
    "Paint out of limits": 4,
    "Paint damaged by etching": 1,
    "Film on parts": 5,
    "Primer cans damaged": 1,
    "Voids in casting": 2,
    "Delaminated composite": 2,
    "Incorrect dimensions": 36,
    "Improper test procedure": 1,
    "Salt-spray failure": 2,
}


def test_tank_defects_ranking_and_cumulative_share():
    result = pareto.pareto(TANK_DEFECTS)
    assert result.total == 166
    assert result.categories[:4] == (
        "Incorrect dimensions",
        "Parts damaged",
        "Machining problems",
        "Masking insufficient",
    )
    assert result.counts[:4].tolist() == [36, 34, 29, 17]
    # The top three account for (36 + 34 + 29) / 166 = 59.6 % of the defects.
    assert result.cumulative_percent[2] == pytest.approx(99 / 166 * 100)
    assert result.cumulative_percent[2] == pytest.approx(59.64, abs=0.01)
    assert result.cumulative_percent[-1] == pytest.approx(100.0)
    assert result.percent.sum() == pytest.approx(100.0)


def test_tank_defects_vital_few():
    result = pareto.pareto(TANK_DEFECTS)
    # Cumulative counts 36, 70, 99, 116, 129, 135: 129/166 = 77.7 % after five categories,
    # 135/166 = 81.3 % after six, so six categories reach 80 %.
    assert result.vital_few == (
        "Incorrect dimensions",
        "Parts damaged",
        "Machining problems",
        "Masking insufficient",
        "Supplied parts rusted",
        "Adhesive failure",
    )
    # 70/166 = 42.2 % after two categories.
    assert pareto.pareto(TANK_DEFECTS, threshold=0.4).vital_few == ("Incorrect dimensions", "Parts damaged")
    assert len(pareto.pareto(TANK_DEFECTS, threshold=0.5).vital_few) == 3


def test_ties_are_ordered_by_label():
    result = pareto.pareto({"b": 2, "c": 5, "a": 2, "d": 2})
    assert result.categories == ("c", "a", "b", "d")


def test_labels_are_counted_from_an_iterable():
    result = pareto.pareto(["scratch", "dent", "scratch", "burr", "scratch", "dent"])
    assert result.categories == ("scratch", "dent", "burr")
    assert result.counts.tolist() == [3, 2, 1]
    np.testing.assert_allclose(result.percent, [50.0, 100 / 3, 100 / 6])
    np.testing.assert_allclose(result.cumulative_percent, [50.0, 250 / 3, 100.0])
    assert result.vital_few == ("scratch", "dent")


def test_threshold_reached_exactly_counts():
    # Four categories of 20 %: the first four reach 80 % exactly, despite floating-point sums.
    result = pareto.pareto({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1})
    assert result.vital_few == ("a", "b", "c", "d")
    assert pareto.pareto({"a": 0.1, "b": 0.7, "c": 0.2}, threshold=0.9).vital_few == ("b", "c")


def test_other_groups_beyond_top_k():
    result = pareto.pareto(TANK_DEFECTS, top=3)
    assert result.categories == ("Incorrect dimensions", "Parts damaged", "Machining problems", "Other")
    assert result.counts.tolist() == [36, 34, 29, 67]
    np.testing.assert_allclose(result.percent, np.array([36, 34, 29, 67]) / 166 * 100)
    assert result.cumulative_percent[-1] == pytest.approx(100.0)
    # The vital few are real categories, ranked over all of them, not the "Other" bar.
    assert len(result.vital_few) == 6
    assert pareto.pareto({"a": 3, "b": 1}, top=5).categories == ("a", "b")
    assert pareto.pareto({"a": 3, "b": 1, "c": 1}, top=1, other_label="Rest").categories == ("a", "Rest")


def test_to_dict():
    data = pareto.pareto({"a": 3, "b": 1}).to_dict()
    assert data == {
        "categories": ["a", "b"],
        "counts": [3, 1],
        "percent": [75.0, 25.0],
        "cumulative_percent": [75.0, 100.0],
        "vital_few": ["a", "b"],
        "threshold": 0.8,
        "total": 4,
    }
    assert pareto.pareto({"cost": 2.5, "other cost": 7.5}).to_dict()["counts"] == [7.5, 2.5]


@pytest.mark.parametrize(
    ("items", "options", "message"),
    [
        ({}, {}, "at least one category"),
        ([], {}, "at least one category"),
        ({"a": 0, "b": 0}, {}, "count above zero"),
        ({"a": -1}, {}, "zero or more"),
        ({"a": float("nan")}, {}, "zero or more"),
        ({"a": "3"}, {}, "must be a number"),
        ({"a": True}, {}, "must be a number"),
        ({1: 2, "1": 3}, {}, "more than once"),
        ("abc", {}, "mapping"),
        ({"a": 1}, {"threshold": 0}, "threshold"),
        ({"a": 1}, {"threshold": 80}, "threshold"),
        ({"a": 1}, {"top": 0}, "positive whole number"),
        ({"Other": 5, "a": 1, "b": 1}, {"top": 1}, "already a category"),
    ],
)
def test_bad_input(items, options, message):
    with pytest.raises(StatsInputError, match=message):
        pareto.pareto(items, **options)
