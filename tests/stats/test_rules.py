"""Run rules: hand-built patterns for every Nelson and Western Electric test, and a property test that the
vectorised rules equal a plain per-point reading of the definitions (the oracle below)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitas.stats import rules
from qualitas.stats.results import Signal, StatsInputError

NAN = float("nan")


def points(signals: list[Signal], rule: str | None = None) -> list[int]:
    return [s.point for s in signals if rule is None or rule in s.rules]


def run(values, rule, center=0.0, sigma=1.0, **options):
    return points(rules.evaluate(values, center, sigma, rules=[rule], **options), rule)


# --------------------------------------------------------------------------- test 1


def test_test_1_flags_points_strictly_beyond_k_sigma():
    assert run([0, 3.0, 3.01, -3.2, -3.0, 2.9], "nelson-1") == [3, 4]


def test_test_1_uses_the_drawn_limits_when_given():
    # An R chart: centre 2, σ 1, LCL floored at 0 — the limits, not centre ± 3σ, decide.
    values = [0.0, 4.5, 5.5, 1.0]
    assert run(values, "nelson-1", center=2.0, ucl=5.0, lcl=0.0) == [3]
    assert run(values, "nelson-1", center=2.0, sigma=1.0) == [3]


def test_test_1_with_a_custom_k():
    assert run([2.5, 1.9, -2.1], "nelson-1", k={"nelson-1": 2}) == [1, 3]


# --------------------------------------------------------------------------- test 2


def test_test_2_signals_at_the_ninth_point_in_a_row_and_each_later_one():
    values = [0.5] * 11 + [-0.5]
    assert run(values, "nelson-2") == [9, 10, 11]


def test_test_2_a_point_on_the_centre_line_breaks_the_run():
    values = [0.5] * 5 + [0.0] + [0.5] * 8
    assert run(values, "nelson-2") == []
    assert run(values + [0.5], "nelson-2") == [15]


def test_test_2_below_the_centre_line_and_custom_k():
    assert run([-1.0] * 7, "nelson-2", k={"nelson-2": 7}) == [7]


def test_western_electric_4_is_eight_in_a_row_as_in_qcc():
    # qcc's own test: qcc(c(rep(0.5, 8), -0.5), center = 0, std.dev = 1, rules = 4) flags point 8 only.
    assert run([0.5] * 8 + [-0.5], "we-4") == [8]


# --------------------------------------------------------------------------- test 3


def test_test_3_six_points_rising_signal_at_the_sixth():
    values = [1, 2, 3, 4, 5, 6, 7, 6]
    assert run(values, "nelson-3") == [6, 7]


def test_test_3_falling_and_ties_break_the_trend():
    assert run([6, 5, 4, 3, 2, 1], "nelson-3") == [6]
    assert run([1, 2, 3, 3, 4, 5, 6], "nelson-3") == []


def test_test_3_under_variable_limits_follows_the_z_scores():
    # Raw values rise, but σ grows faster: the z-scores fall, and that is the trend that counts.
    values = np.array([1.0, 1.1, 1.2, 1.3, 1.4, 1.5])
    sigma = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    assert run(values, "nelson-3", sigma=sigma) == [6]


# --------------------------------------------------------------------------- test 4


def test_test_4_fourteen_alternating_points_signal_at_the_fourteenth():
    values = [0.5 if i % 2 else -0.5 for i in range(15)]
    assert run(values, "nelson-4") == [14, 15]


def test_test_4_a_tie_breaks_the_alternation():
    values = [0.5 if i % 2 else -0.5 for i in range(14)]
    values[7] = values[6]
    assert run(values, "nelson-4") == []


# --------------------------------------------------------------------------- tests 5 and 6


def test_test_5_two_of_three_beyond_two_sigma_same_side_signals_at_the_completing_point():
    assert run([0, 2.5, 0.3, 2.1, 0], "nelson-5") == [4]
    assert run([0, 2.5, 0.3, -2.1, 0], "nelson-5") == []
    assert run([0, 2.5, 0.3, 0.2, 2.6], "nelson-5") == []


def test_test_5_the_completing_point_itself_must_be_beyond():
    # Points 2 and 3 complete "2 of 3" at point 3; point 4 (inside) completes nothing.
    assert run([0, 2.5, 2.2, 1.0, 0], "nelson-5") == [3]


def test_test_5_at_the_start_two_of_the_first_two_suffice():
    assert run([2.5, 2.4, 0], "nelson-5") == [2]


def test_test_6_four_of_five_beyond_one_sigma():
    assert run([0, 1.5, 1.2, 0.5, 1.1, 1.3, 0], "nelson-6") == [6]
    assert run([0, -1.5, -1.2, 0.5, -1.1, -1.3, 0], "we-3") == [6]
    assert run([0, 1.5, 1.2, 0.5, -1.1, 1.3, 0], "nelson-6") == []


def test_western_electric_2_is_test_5_with_its_own_k():
    assert run([0, 2.5, 0, 2.2], "we-2") == [4]
    assert run([2.5, 0, 2.2, 2.1], "we-2", k={"we-2": 3}) == [4]
    assert run([2.5, 0, 2.2, 0, 2.1], "we-2", k={"we-2": 3}) == []


# --------------------------------------------------------------------------- tests 7 and 8


def test_test_7_fifteen_within_one_sigma_either_side_as_in_qcc():
    # qcc's own test: c(rep(0.3, 16), 1.2) with Nelson rule 7 flags points 15 and 16.
    assert run([0.3] * 16 + [1.2], "nelson-7") == [15, 16]


def test_test_7_counts_the_one_sigma_line_and_the_centre_line_as_within():
    values = [0.0, 1.0, -1.0] * 5
    assert run(values, "nelson-7") == [15]


def test_test_8_eight_beyond_one_sigma_on_either_side():
    values = [1.5, -1.5] * 4 + [0.5]
    assert run(values, "nelson-8") == [8]
    assert run([1.0, 1.5, -1.5, 1.5, -1.5, 1.5, -1.5, 1.5], "nelson-8") == []


# --------------------------------------------------------------------------- per-point σ, NaN, results


def test_per_point_sigma_judges_each_point_by_its_own_z_score():
    values = np.array([2.5, 2.5, 2.5])
    sigma = np.array([1.0, 0.5, 2.0])
    assert run(values, "nelson-1", sigma=sigma) == [2]
    assert run(values, "nelson-5", sigma=sigma) == [2]


def test_missing_points_break_runs_and_never_complete_patterns():
    assert run([0.5] * 8 + [NAN] + [0.5] * 8, "nelson-2") == []
    assert run([NAN, 4.0, NAN], "nelson-1") == [2]
    assert run([1, 2, 3, NAN, 4, 5, 6], "nelson-3") == []
    assert run([0, 2.5, NAN, 2.2], "nelson-5") == [4]  # NaN is simply not beyond 2 σ
    assert run([2.5, NAN, 0.0], "nelson-5") == []


def test_a_point_completing_several_patterns_gets_one_signal_with_every_rule():
    values = [0.5] * 8 + [3.5]
    signals = rules.evaluate(values, 0.0, 1.0)
    assert signals[-1] == Signal(9, ("nelson-1", "nelson-2"))
    assert [s.point for s in signals] == sorted(s.point for s in signals)


def test_named_sets_on_attribute_charts_keep_tests_one_to_four():
    values = [0.5] * 9 + [2.5, 0, 2.5]
    fired = {rule for s in rules.evaluate(values, 0.0, 1.0, attribute=True) for rule in s.rules}
    assert fired == {"nelson-2"}
    assert rules.resolve("nelson", attribute=True) == ("nelson-1", "nelson-2", "nelson-3", "nelson-4")
    assert rules.resolve("we", attribute=True) == ("we-1", "we-4")


def test_an_explicit_zone_test_on_an_attribute_chart_is_refused():
    with pytest.raises(StatsInputError, match="only tests 1–4"):
        rules.evaluate([1.0], 0.0, 1.0, rules=["nelson-5"], attribute=True)


def test_none_runs_nothing():
    assert rules.evaluate([9.0, 9.0], 0.0, 1.0, rules="none") == []
    assert rules.evaluate([9.0, 9.0], 0.0, 1.0, rules=None) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rules": "westinghouse"}, "Unknown rule set"),
        ({"rules": ["nelson-9"]}, "Unknown rule"),
        ({"k": {"nelson-2": 0}}, "K for nelson-2"),
        ({"k": {"nelson-3": 1}}, "K for nelson-3"),
        ({"k": {"nelson-4": 2}}, "K for nelson-4"),
        ({"k": {"nelson-6": 2.5}}, "K for nelson-6"),
        ({"k": {"nelson-1": 0}}, "K for nelson-1"),
        ({"k": {"nelson-10": 3}}, "Unknown rule"),
        ({"sigma": 0.0}, "Sigma must be positive"),
        ({"sigma": [1.0, 2.0]}, "sigma array has 2 entries for 3 points"),
    ],
)
def test_bad_options_raise_one_clear_error(options, message):
    arguments = {"values": [1.0, 2.0, 3.0], "center": 0.0, "sigma": 1.0, **options}
    with pytest.raises(StatsInputError, match=message):
        rules.evaluate(**arguments)


def test_a_two_dimensional_series_is_refused():
    with pytest.raises(StatsInputError, match="one-dimensional"):
        rules.evaluate([[1.0, 2.0]], 0.0, 1.0)


# --------------------------------------------------------------------------- the oracle


def oracle(values, center, sigma, ks, rule_ids):
    """Each rule read literally, one point at a time (deliberately simple, not fast)."""
    count = len(values)
    center_at = center if isinstance(center, list) else [center] * count
    sigma_at = sigma if isinstance(sigma, list) else [sigma] * count
    z = [(values[i] - center_at[i]) / sigma_at[i] for i in range(count)]
    trace = values if not isinstance(center, list) and not isinstance(sigma, list) else z
    found = {}
    for rule in rule_ids:
        test, k = rules.TEST_OF[rule], ks[rule]
        found[rule] = [i + 1 for i in range(count) if ORACLE_TESTS[test](z, trace, i, k)]
    return found


def ok(value):
    return not math.isnan(value)


def all_in_row(z, i, length, condition):
    return i + 1 >= length and all(ok(z[j]) and condition(z[j]) for j in range(i - length + 1, i + 1))


def trend(trace, i, k):
    if i + 1 < k:
        return False
    window = range(i - k + 2, i + 1)
    return all(trace[j] > trace[j - 1] for j in window) or all(trace[j] < trace[j - 1] for j in window)


def alternating(trace, i, k):
    if i + 1 < k:
        return False
    moves = [trace[j] - trace[j - 1] for j in range(i - k + 2, i + 1)]
    # Compare signs, not the product: tiny moves (1e-244) would underflow a * b to zero.
    return all((a > 0 > b) or (a < 0 < b) for a, b in zip(moves, moves[1:], strict=False))


def k_of_k_plus_1(z, i, k, zone):
    start = max(0, i - k)
    above = sum(1 for j in range(start, i + 1) if z[j] > zone)
    below = sum(1 for j in range(start, i + 1) if z[j] < -zone)
    return (z[i] > zone and above >= k) or (z[i] < -zone and below >= k)


ORACLE_TESTS = {
    1: lambda z, trace, i, k: z[i] > k or z[i] < -k,
    2: lambda z, trace, i, k: all_in_row(z, i, k, lambda v: v > 0) or all_in_row(z, i, k, lambda v: v < 0),
    3: lambda z, trace, i, k: trend(trace, i, k),
    4: lambda z, trace, i, k: alternating(trace, i, k),
    5: lambda z, trace, i, k: k_of_k_plus_1(z, i, k, 2),
    6: lambda z, trace, i, k: k_of_k_plus_1(z, i, k, 1),
    7: lambda z, trace, i, k: all_in_row(z, i, k, lambda v: abs(v) <= 1),
    8: lambda z, trace, i, k: all_in_row(z, i, k, lambda v: abs(v) > 1),
}

# Half-sigma steps land exactly on the 1σ, 2σ and 3σ lines and on the centre line, with many ties.
GRID_VALUES = st.one_of(st.sampled_from([x / 2 for x in range(-8, 9)]), st.just(NAN))
ALL_RULES = rules.NELSON + rules.WESTERN_ELECTRIC
K_CHOICES = st.fixed_dictionaries(
    {
        "nelson-2": st.integers(2, 6),
        "nelson-3": st.integers(2, 5),
        "nelson-4": st.integers(3, 6),
        "nelson-5": st.integers(1, 3),
        "nelson-6": st.integers(1, 4),
        "nelson-7": st.integers(1, 6),
        "nelson-8": st.integers(1, 5),
        "we-4": st.integers(2, 6),
    }
)


def as_found(signals):
    found = {}
    for signal in signals:
        for rule in signal.rules:
            found.setdefault(rule, []).append(signal.point)
    return found


@settings(max_examples=300, deadline=None)
@given(values=st.lists(GRID_VALUES, min_size=0, max_size=60), ks=K_CHOICES)
def test_vectorised_rules_equal_the_oracle_on_a_half_sigma_grid(values, ks):
    merged = rules.k_values(ks)
    expected = {rule: hits for rule, hits in oracle(values, 0.0, 1.0, merged, ALL_RULES).items() if hits}
    assert as_found(rules.evaluate(values, 0.0, 1.0, rules=list(ALL_RULES), k=ks)) == expected


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.one_of(st.floats(-4, 4, allow_nan=False), st.just(NAN)),
            st.sampled_from([0.5, 1.0, 1.5, 2.0]),
            st.sampled_from([-0.5, 0.0, 0.25]),
        ),
        min_size=1,
        max_size=50,
    ),
    ks=K_CHOICES,
)
def test_vectorised_rules_equal_the_oracle_with_per_point_centre_and_sigma(data, ks):
    values, sigma, center = (list(column) for column in zip(*data, strict=True))
    merged = rules.k_values(ks)
    expected = {rule: hits for rule, hits in oracle(values, center, sigma, merged, ALL_RULES).items() if hits}
    found = as_found(rules.evaluate(values, np.array(center), np.array(sigma), rules=list(ALL_RULES), k=ks))
    assert found == expected
