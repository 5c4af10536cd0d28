"""Control charts against published results: Montgomery (Introduction to Statistical Quality Control),
R's qcc printouts, the NIST/SEMATECH e-Handbook and Minitab's documented formulas.

Two figures sometimes quoted for these data sets do not follow from them and are not asserted:
for the piston rings Montgomery's X̄-S example prints s̄ = 0.0094 (the 25 trial subgroups give
0.00924, as qcc prints; 0.0094 is the mean over all 40), and R̄ = 0.02324 matches neither the 25
trial subgroups (0.02276) nor all 40 (0.02343).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from qualitas.stats import charts, constants
from qualitas.stats.results import StatsInputError

DATA = Path(__file__).parent / "data"


def column(name: str, field: str) -> np.ndarray:
    with (DATA / f"{name}.csv").open() as handle:
        return np.array([float(row[field]) for row in csv.DictReader(handle)])


def pistonrings() -> np.ndarray:
    return np.column_stack([column("pistonrings_40x5", f"x{i}") for i in range(1, 6)])


def published_factor(name: str, n: int) -> float:
    """A factor as printed in the constants table (Montgomery Appendix VI)."""
    with (DATA / "constants_n2_25.csv").open() as handle:
        return next(float(row[name]) for row in csv.DictReader(handle) if int(row["n"]) == n)


def hits(chart, rule="nelson-1", upto=None):
    return [s.point for s in chart.signals if rule in s.rules and (upto is None or s.point <= upto)]


# --------------------------------------------------------------------------- X̄-R: piston rings


def test_xbar_r_piston_rings_trial_limits_match_the_table_factors_and_qcc():
    rings = pistonrings()
    grand_mean, mean_range = rings[:25].mean(), np.ptp(rings[:25], axis=1).mean()
    xbar, ranges = charts.xbar_r(rings, phase1=25).charts
    assert xbar.center == pytest.approx(grand_mean, abs=1e-12)
    assert xbar.ucl == pytest.approx(grand_mean + published_factor("A2", 5) * mean_range, abs=1e-7)
    assert xbar.lcl == pytest.approx(grand_mean - published_factor("A2", 5) * mean_range, abs=1e-7)
    assert ranges.center == pytest.approx(mean_range, abs=1e-12)
    assert ranges.ucl == pytest.approx(published_factor("D4", 5) * mean_range, abs=1e-7)
    assert ranges.lcl == 0.0
    # qcc(diameter[1:25,], type = "xbar"): centre 74.00118, LCL 73.98805, UCL 74.0143.
    assert (xbar.center, xbar.lcl, xbar.ucl) == pytest.approx((74.00118, 73.98805, 74.0143), abs=1e-5)
    # Montgomery, Example 6.3: x̿ = 74.001, R̄ = 0.023, limits 74.014 and 73.988 (three decimals).
    assert (xbar.center, ranges.center, xbar.ucl, xbar.lcl) == pytest.approx((74.001, 0.023, 74.014, 73.988), abs=5e-4)


def test_xbar_r_sigma_is_rbar_over_d2_as_qcc_prints_it():
    chartset = charts.xbar_r(pistonrings(), phase1=25)
    # qcc prints StdDev = 0.009785039 from its tabulated d2(5) = 2.326; the exact d2 is 2.325929.
    assert chartset.sigma * constants.d2(5) / 2.326 == pytest.approx(0.009785039, abs=1e-9)
    assert chartset.parameters == {"n": 5, "estimator": "rbar/d2", "phase1": 25, "excluded": []}


def test_piston_rings_trial_subgroups_are_in_control():
    xbar, ranges = charts.xbar_r(pistonrings(), phase1=25).charts
    assert hits(xbar, upto=25) == [] and hits(ranges, upto=25) == []


def test_piston_rings_phase_2_signals_where_qcc_does():
    # qcc(diameter[1:25,], type = "xbar", newdata = diameter[26:40,]): beyond limits 37, 38, 39 and
    # one violating run (qcc's run length 7: the 7th point above the centre line, subgroup 40).
    xbar, _ = charts.xbar_r(pistonrings(), phase1=25, rules=["nelson-1", "nelson-2"], rule_k={"nelson-2": 7}).charts
    assert hits(xbar, "nelson-1") == [37, 38, 39]
    assert hits(xbar, "nelson-2") == [40]


# --------------------------------------------------------------------------- X̄-S


def test_xbar_s_piston_rings_limits_are_xbarbar_a3_sbar_and_b3_b4_sbar():
    rings = pistonrings()
    grand_mean, mean_sd = rings[:25].mean(), rings[:25].std(axis=1, ddof=1).mean()
    xbar, sds = charts.xbar_s(rings, phase1=25).charts
    assert mean_sd == pytest.approx(0.009240037, abs=1e-9)  # qcc type = "S": centre 0.009240037
    assert sds.center == pytest.approx(mean_sd, abs=1e-12)
    assert xbar.ucl == pytest.approx(grand_mean + published_factor("A3", 5) * mean_sd, abs=1e-7)
    assert xbar.lcl == pytest.approx(grand_mean - published_factor("A3", 5) * mean_sd, abs=1e-7)
    assert sds.ucl == pytest.approx(published_factor("B4", 5) * mean_sd, abs=1e-7)
    assert sds.lcl == published_factor("B3", 5) * mean_sd == 0.0
    # Montgomery's X̄ limits for the X̄-S chart, 74.014 and 73.988, to the printed precision.
    assert (xbar.ucl, xbar.lcl) == pytest.approx((74.014, 73.988), abs=5e-4)


def test_pooled_estimator_is_sp_over_c4_of_d_plus_1():
    rings = pistonrings()[:25]
    pooled = np.sqrt(rings.var(axis=1, ddof=1).mean())
    chartset = charts.xbar_s(rings, estimator="pooled")
    assert chartset.sigma == pytest.approx(pooled / constants.c4(25 * 4 + 1), rel=1e-12)
    assert chartset.parameters["estimator"] == "pooled"
    assert charts.xbar_r(rings, estimator="pooled").sigma == chartset.sigma


def test_variable_subgroup_sizes_give_minitab_weighted_sigma_and_per_point_limits():
    rings = pistonrings()[:25]
    ragged = [row[: 5 - (i % 3)] for i, row in enumerate(rings)]  # sizes 5, 4, 3, 5, 4, 3, …
    sizes = np.array([len(group) for group in ragged])
    padded = np.full((25, 5), np.nan)
    for i, group in enumerate(ragged):
        padded[i, : len(group)] = group
    from_list, from_padded = charts.xbar_r(ragged), charts.xbar_r(padded)
    ranges = np.array([np.ptp(group) for group in ragged])
    d2, d3 = constants.d2(sizes), constants.d3(sizes)
    weights = d2**2 / d3**2
    sigma = np.sum(weights * ranges / d2) / np.sum(weights)
    grand_mean = np.concatenate(ragged).mean()
    xbar, r = from_list.charts
    assert from_list.sigma == pytest.approx(sigma, rel=1e-12) == from_padded.sigma
    assert xbar.center == pytest.approx(grand_mean, rel=1e-14)
    assert np.allclose(xbar.ucl, grand_mean + 3 * sigma / np.sqrt(sizes), rtol=0, atol=1e-12)
    assert np.allclose(r.center, d2 * sigma) and np.allclose(r.ucl, (d2 + 3 * d3) * sigma)
    assert np.allclose(r.lcl, np.maximum(0, (d2 - 3 * d3) * sigma))
    assert from_list.parameters["n"] == sizes.tolist()


def test_sbar_with_variable_sizes_uses_minitab_weights():
    rings = pistonrings()[:25]
    ragged = [row[: 5 - (i % 2) * 2] for i, row in enumerate(rings)]
    sizes = np.array([len(group) for group in ragged])
    sds = np.array([np.std(group, ddof=1) for group in ragged])
    c4 = constants.c4(sizes)
    weights = c4**2 / (1 - c4**2)
    chartset = charts.xbar_s(ragged)
    assert chartset.sigma == pytest.approx(np.sum(weights * sds / c4) / np.sum(weights), rel=1e-12)
    assert np.allclose(chartset.charts[1].ucl, (c4 + 3 * np.sqrt(1 - c4**2)) * chartset.sigma)


def test_known_mean_and_sigma_are_pure_phase_2():
    xbar, ranges = charts.xbar_r(pistonrings(), mu=74.0, sigma=0.01).charts
    assert xbar.center == 74.0 and xbar.ucl == pytest.approx(74.0 + 0.03 / np.sqrt(5))
    assert ranges.center == pytest.approx(constants.d2(5) * 0.01)
    assert charts.xbar_r(pistonrings(), mu=74.0, sigma=0.01).parameters["estimator"] == "known"


def test_test_1_k_sets_where_the_limits_are_drawn_as_in_minitab():
    xbar, _ = charts.xbar_r(pistonrings(), phase1=25, rule_k={"nelson-1": 2}).charts
    three = charts.xbar_r(pistonrings(), phase1=25).charts[0]
    assert xbar.ucl - xbar.center == pytest.approx((three.ucl - three.center) * 2 / 3)


def test_a_missing_value_shrinks_its_subgroup_and_an_empty_subgroup_is_a_gap():
    rings = pistonrings()[:25].copy()
    rings[3, 4] = np.nan
    rings[7, :] = np.nan
    xbar, ranges = charts.xbar_r(rings).charts
    assert np.isnan(xbar.values[7]) and np.isnan(ranges.values[7])
    assert xbar.values[3] == pytest.approx(rings[3, :4].mean())
    assert xbar.ucl[3] - xbar.center == pytest.approx((xbar.ucl[0] - xbar.center) * np.sqrt(5 / 4))
    assert all(s.point != 8 for s in xbar.signals + ranges.signals)


# --------------------------------------------------------------------------- I-MR: viscosity


def test_imr_viscosity_trial_limits():
    viscosity = column("viscosity", "viscosity")
    trial = viscosity[:20]
    mean_mr = np.abs(np.diff(trial)).mean()
    chartset = charts.imr(viscosity, phase1=20)
    individuals, moving = chartset.charts
    assert individuals.center == pytest.approx(34.088, abs=1e-9)  # qcc: centre 34.088
    assert chartset.sigma == pytest.approx(mean_mr / constants.d2(2), rel=1e-12)
    # qcc(viscosity[trial], type = "xbar.one") prints StdDev 0.5076521, from its tabulated d2(2) = 1.128.
    assert mean_mr / 1.128 == pytest.approx(0.5076521, abs=1e-7)
    assert individuals.ucl == pytest.approx(34.088 + 3 * mean_mr / constants.d2(2), abs=1e-9)
    assert moving.center == pytest.approx(mean_mr, rel=1e-12)
    assert moving.ucl == pytest.approx(published_factor("D4", 2) * mean_mr, abs=1e-6) and moving.lcl == 0.0
    assert np.isnan(moving.values[0]) and moving.values[1] == pytest.approx(abs(34.4 - 34.05))


def test_imr_viscosity_trial_has_the_one_western_electric_violation_qcc_finds():
    # qcc's test suite: qcc(viscosity[trial], type = "xbar.one") has exactly one violating point.
    individuals = charts.imr(column("viscosity", "viscosity")[:20], rules="we").charts[0]
    assert [s.point for s in individuals.signals] == [4]


# --------------------------------------------------------------------------- p and np: orange juice


def orange_juice():
    return column("orangejuice", "D"), column("orangejuice", "size")


def test_p_chart_orange_juice_trial_limits_and_out_of_control_samples():
    # Montgomery Example 7.1: p̄ = 0.2313, UCL 0.4102, LCL 0.0524; samples 15 and 23 above the UCL.
    chart = charts.p_chart(*orange_juice(), phase1=30).charts[0]
    assert (chart.center, chart.ucl, chart.lcl) == pytest.approx((0.2313, 0.4102, 0.0524), abs=5e-5)
    assert chart.center == pytest.approx(347 / 1500, abs=1e-15)
    assert hits(chart, upto=30) == [15, 23]


def test_p_chart_orange_juice_revised_limits():
    # Montgomery: without samples 15 and 23, p̄ = 0.2150, UCL 0.3893, LCL 0.0407; sample 21 now exceeds
    # the revised UCL (kept, as no assignable cause was found).
    chartset = charts.p_chart(*orange_juice(), phase1=30, exclude=(15, 23))
    chart = chartset.charts[0]
    assert (chart.center, chart.ucl, chart.lcl) == pytest.approx((0.2150, 0.3893, 0.0407), abs=5e-5)
    assert hits(chart, upto=30) == [15, 21, 23]  # excluded samples are still plotted and tested
    assert chartset.parameters["excluded"] == [15, 23]


def test_iterating_phase_1_drops_every_sample_beyond_the_limits():
    chartset = charts.p_chart(*orange_juice(), phase1=30, iterate=True)
    assert chartset.parameters["excluded"] == [15, 21, 23]
    assert chartset.charts[0].center == pytest.approx((347 - 22 - 20 - 24) / 1350)


def test_np_chart_is_the_p_chart_scaled_by_n():
    defectives, sizes = orange_juice()
    p = charts.p_chart(defectives, sizes, phase1=30).charts[0]
    np_chart = charts.np_chart(defectives, sizes, phase1=30).charts[0]
    assert np_chart.center == pytest.approx(50 * p.center) and np_chart.ucl == pytest.approx(50 * p.ucl)
    assert np.array_equal(np_chart.values, defectives)
    assert [s.point for s in np_chart.signals] == [s.point for s in p.signals]


def test_known_p_bar_and_variable_sizes_give_per_point_limits():
    chart = charts.p_chart([2, 5, 1], [50, 100, 25], p_bar=0.04).charts[0]
    assert chart.center == 0.04
    assert np.allclose(chart.ucl, 0.04 + 3 * np.sqrt(0.04 * 0.96 / np.array([50, 100, 25])))
    assert chart.lcl == 0.0


# --------------------------------------------------------------------------- c and u


def test_c_chart_circuit_boards():
    # Montgomery Example 7.3: c̄ = 516/26 = 19.85, UCL 33.22, LCL 6.48; samples 6 and 20 outside.
    counts = column("circuit", "x")
    chart = charts.c_chart(counts, phase1=26).charts[0]
    assert chart.center == pytest.approx(516 / 26, abs=1e-12)
    assert (chart.center, chart.ucl, chart.lcl) == pytest.approx((19.85, 33.22, 6.48), abs=0.01)
    assert hits(chart, upto=26) == [6, 20]
    revised = charts.c_chart(counts, phase1=26, exclude=(6, 20)).charts[0]
    assert (revised.center, revised.ucl, revised.lcl) == pytest.approx((19.67, 32.97, 6.36), abs=0.005)


def test_u_chart_dyed_cloth_per_point_limits_equal_the_published_ones():
    units = column("dyedcloth_u_variable_n", "units")
    chart = charts.u_chart(column("dyedcloth_u_variable_n", "x"), units).charts[0]
    assert np.max(np.abs(chart.ucl - column("dyedcloth_u_variable_n", "UCL"))) < 1e-9
    assert np.max(np.abs(chart.lcl - column("dyedcloth_u_variable_n", "LCL"))) < 1e-9
    assert np.max(np.abs(chart.values - column("dyedcloth_u_variable_n", "u"))) < 1e-12


# --------------------------------------------------------------------------- CUSUM: Montgomery Table 9.1


def tabular_cusum(values, target, slack, start=0):
    """Montgomery's recursion in decimal arithmetic, one period at a time."""
    upper, lower = [Decimal(start)], [Decimal(start)]
    for value in values:
        x = Decimal(str(value))
        upper.append(max(Decimal(0), x - (target + slack) + upper[-1]))
        lower.append(max(Decimal(0), (target - slack) - x + lower[-1]))
    return [float(u) for u in upper[1:]], [float(v) for v in lower[1:]]


def test_cusum_montgomery_table_9_1():
    data = column("montgomery_table9_1", "x")
    chart = charts.cusum(data, k=0.5, h=5, target=10, sigma=1).charts[0]
    upper, lower = tabular_cusum(data, Decimal(10), Decimal("0.5"))
    assert np.allclose(chart.values, upper, atol=1e-9) and np.allclose(chart.extra["lower"], lower, atol=1e-9)
    # Published: C⁺ first exceeds H = 5 at period 29 with C⁺ = 5.28 and N⁺ = 7; the shift began
    # after period 22 and the new mean is estimated at 10.5 + 5.28/7 = 11.25.
    assert chart.values[28] == pytest.approx(5.28, abs=0.005) and chart.extra["n_upper"][28] == 7
    assert chart.values[29] == pytest.approx(5.30, abs=0.005)
    assert [(s.point, s.rules) for s in chart.signals] == [(29, ("cusum-upper",)), (30, ("cusum-upper",))]
    assert chart.extra["shifted_mean"][28] == pytest.approx(11.25, abs=0.005)
    assert np.isnan(chart.extra["shifted_mean"][:28]).all()
    assert (chart.center, chart.ucl, chart.lcl) == (0.0, 5.0, -5.0)


def test_cusum_lower_side_mirrors_the_upper_one():
    mirrored = 20 - column("montgomery_table9_1", "x")
    chart = charts.cusum(mirrored, k=0.5, h=5, target=10, sigma=1).charts[0]
    assert [(s.point, s.rules) for s in chart.signals] == [(29, ("cusum-lower",)), (30, ("cusum-lower",))]
    assert chart.extra["shifted_mean"][28] == pytest.approx(20 - 11.25, abs=0.005)


def test_cusum_head_start_starts_both_sums_at_the_given_sigmas():
    data = column("montgomery_table9_1", "x")
    chart = charts.cusum(data, k=0.5, h=5, target=10, sigma=2, head_start=2.5).charts[0]
    upper, lower = tabular_cusum(data, Decimal(10), Decimal(1), start=5)
    assert np.allclose(chart.values, upper, atol=1e-9) and np.allclose(chart.extra["lower"], lower, atol=1e-9)


def test_cusum_of_subgroups_uses_sigma_over_root_n():
    rings = pistonrings()
    from_groups = charts.cusum(rings, target=74.0, sigma=0.01, h=4)
    from_means = charts.cusum(rings.mean(axis=1), target=74.0, sigma=0.01 / np.sqrt(5), h=4)
    assert np.allclose(from_groups.charts[0].values, from_means.charts[0].values)
    assert from_groups.charts[0].ucl == pytest.approx(4 * 0.01 / np.sqrt(5))


def test_cusum_estimates_target_and_sigma_from_phase_1():
    data = column("montgomery_table9_1", "x")
    chartset = charts.cusum(data, phase1=20)
    assert chartset.parameters["target"] == pytest.approx(data[:20].mean())
    assert chartset.sigma == pytest.approx(np.abs(np.diff(data[:20])).mean() / constants.d2(2))


# --------------------------------------------------------------------------- EWMA: NIST pmc324

NIST_EWMA = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33]
NIST_EWMA += [50.11, 49.36, 49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99]


def test_ewma_nist_example():
    data = column("nist_ewma_pmc324", "x")
    chart = charts.ewma(data, lam=0.3, L=3, target=50, sigma=2.0539).charts[0]
    assert np.max(np.abs(chart.values - NIST_EWMA)) < 0.005
    assert chart.values[-1] == pytest.approx(51.99, abs=0.005)
    # Steady-state limits 50 ± 3·2.0539·√(0.3/1.7) = 52.5884 and 47.4115 (NIST truncates the last digit).
    assert chart.extra["ucl_steady"] == pytest.approx(52.5884, abs=1e-4)
    assert chart.extra["lcl_steady"] == pytest.approx(47.4115, abs=1e-4)
    # NIST: every EWMA value lies within the limits, so the process is in control.
    assert chart.signals == []


def test_ewma_exact_limits_follow_the_closed_form():
    data = column("nist_ewma_pmc324", "x")
    chart = charts.ewma(data, lam=0.3, L=3, target=50, sigma=2.0539).charts[0]
    periods = np.arange(1, data.size + 1)
    width = 3 * 2.0539 * np.sqrt(0.3 / 1.7 * (1 - 0.7 ** (2 * periods)))
    assert np.allclose(chart.ucl, 50 + width, atol=1e-12) and np.allclose(chart.lcl, 50 - width, atol=1e-12)


def test_ewma_signals_where_the_statistic_leaves_its_exact_limits():
    data = column("nist_ewma_pmc324", "x").copy()
    data[15:] += 4.0
    chart = charts.ewma(data, lam=0.3, L=3, target=50, sigma=2.0539).charts[0]
    beyond = [i + 1 for i in range(data.size) if not chart.lcl[i] <= chart.values[i] <= chart.ucl[i]]
    assert beyond and [s.point for s in chart.signals] == beyond
    assert all(s.rules == ("nelson-1",) for s in chart.signals)


def test_ewma_of_subgroups_uses_sigma_over_root_n():
    rings = pistonrings()
    from_groups = charts.ewma(rings, lam=0.2, target=74.0, sigma=0.01).charts[0]
    from_means = charts.ewma(rings.mean(axis=1), lam=0.2, target=74.0, sigma=0.01 / np.sqrt(5)).charts[0]
    assert np.allclose(from_groups.values, from_means.values) and np.allclose(from_groups.ucl, from_means.ucl)


# --------------------------------------------------------------------------- dispatcher and contract


def test_dispatcher_runs_every_kind():
    defectives, sizes = orange_juice()
    flat = pistonrings().ravel()
    assert charts.chart("p", defectives, sizes=sizes, phase1=30).charts[0].center == pytest.approx(347 / 1500)
    assert charts.chart("xbar-r", flat, sizes=5).sigma == charts.xbar_r(pistonrings()).sigma
    assert charts.chart("xbar-s", flat, sizes=[5] * 40).sigma == charts.xbar_s(pistonrings()).sigma
    for kind in ("imr", "c", "ewma", "cusum"):
        assert charts.chart(kind, column("circuit", "x")).kind == kind
    assert charts.chart("u", [3, 4], sizes=[2.0, 2.5]).kind == "u"
    assert charts.chart("np", [3, 4], sizes=50).kind == "np"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: charts.chart("pareto", [1.0]), "Unknown chart kind"),
        (lambda: charts.chart("imr", [1.0, 2.0], lam=0.2), "does not apply"),
        (lambda: charts.chart("p", [1, 2]), "need the sample sizes"),
        (lambda: charts.chart("xbar-r", [1.0, 2.0, 3.0], sizes=2), "add up to"),
        (lambda: charts.xbar_r([1.0, 2.0, 3.0]), "2-D array"),
        (lambda: charts.xbar_r([]), "empty"),
        (lambda: charts.imr([1.0, np.inf, 2.0]), "infinite"),
        (lambda: charts.imr([1.0, 1.0, 1.0]), "no variation"),
        (lambda: charts.imr([1.0, 2.0, 4.0], phase1=4), "phase1"),
        (lambda: charts.imr([1.0, 2.0, 4.0], exclude=(9,)), "between 1 and 3"),
        (lambda: charts.imr([1.0, 2.0, 4.0], exclude=(1, 2, 3)), "Every subgroup is excluded"),
        (lambda: charts.xbar_r(pistonrings(), estimator="sbar/c4"), "Unknown sigma estimator"),
        (lambda: charts.p_chart([6, 2], [5, 5]), "more nonconforming units than its size"),
        (lambda: charts.p_chart([0, 0], [5, 5]), "limits collapse"),
        (lambda: charts.c_chart([-1, 2]), "cannot be negative"),
        (lambda: charts.u_chart([1, 2], [1.0, 0.0]), "positive number"),
        (lambda: charts.p_chart([1, 2], [5, 5], rules=["nelson-6"]), "only tests 1–4"),
        (lambda: charts.ewma([1.0, 2.0, 4.0], lam=1.5), "0 < λ ≤ 1"),
        (lambda: charts.cusum([[1.0, 2.0], [3.0, np.nan]]), "one size"),
    ],
)
def test_bad_input_raises_one_clear_sentence(call, message):
    with pytest.raises(StatsInputError, match=message):
        call()


def test_to_dict_is_json_ready_with_missing_points_as_null():
    rings = pistonrings()[:10].copy()
    rings[2] = np.nan
    contract = json.loads(json.dumps(charts.xbar_s(rings).to_dict()))
    assert contract["chart"] == "xbar-s" and [c["name"] for c in contract["charts"]] == ["xbar", "s"]
    assert contract["charts"][0]["values"][2] is None
    assert isinstance(contract["charts"][0]["ucl"], float) and isinstance(contract["sigma"], float)
    cusum = json.loads(json.dumps(charts.cusum(column("montgomery_table9_1", "x"), target=10, sigma=1, h=5).to_dict()))
    assert cusum["charts"][0]["signals"][0] == {"point": 29, "rules": ["cusum-upper"]}
    assert len(cusum["charts"][0]["lower"]) == 30
