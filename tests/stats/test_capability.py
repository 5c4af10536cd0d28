"""Process capability: indices, confidence intervals, ppm, normality and warnings."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from qualitas.stats import capability as cap
from qualitas.stats.results import StatsInputError

DATA = Path(__file__).parent / "data"


def _table_constants() -> dict[int, dict[str, float]]:
    """d2, d3, c4 for n = 2…25 from the project's reference table (numerical integration)."""
    with (DATA / "constants_n2_25.csv").open(encoding="utf-8") as handle:
        return {int(row["n"]): {k: float(row[k]) for k in ("d2", "d3", "c4")} for row in csv.DictReader(handle)}


CONST = _table_constants()


def _piston_rings() -> np.ndarray:
    with (DATA / "pistonrings_40x5.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["phase"] == "I"]
    return np.array([[float(row[f"x{i}"]) for i in range(1, 6)] for row in rows])


RINGS = _piston_rings()
LSL, USL = 73.95, 74.05


# --- piston rings: Montgomery's data, qcc's process.capability -----------------------------


def test_piston_rings_phase_one_is_25_subgroups_of_5():
    assert RINGS.shape == (25, 5)


def test_piston_rings_within_sigma_is_rbar_over_d2():
    result = cap.capability(RINGS, lsl=LSL, usl=USL)
    r_bar = float(np.mean(RINGS.max(axis=1) - RINGS.min(axis=1)))
    # Montgomery (Introduction to SQC, piston-ring example) prints x̿ = 74.001 and R̄ = 0.023.
    assert r_bar == pytest.approx(0.02276, abs=5e-6)
    assert result.mean == pytest.approx(74.001176, abs=1e-6)
    assert result.sigma_within == pytest.approx(r_bar / CONST[5]["d2"], rel=1e-6)
    assert result.sigma_within == pytest.approx(0.0097853, abs=1e-7)  # qcc prints StdDev = 0.009785
    assert result.within == "rbar/d2"
    assert result.n == 125


def test_piston_rings_indices_match_qcc():
    # qcc: process.capability(qcc(diameter[1:25,], type = "xbar"), spec.limits = c(73.95, 74.05)).
    # Expected values evaluated from qcc's formulas (R/process.capability.R) on the data:
    # Cp = 1.703, Cp_l = 1.743, Cp_u = 1.663, Cp_k = 1.663.
    result = cap.capability(RINGS, lsl=LSL, usl=USL)
    sigma = float(np.mean(np.ptp(RINGS, axis=1))) / CONST[5]["d2"]
    mean = float(RINGS.mean())
    assert result.cp == pytest.approx((USL - LSL) / (6 * sigma), rel=1e-6)
    assert result.cpl == pytest.approx((mean - LSL) / (3 * sigma), rel=1e-6)
    assert result.cpu == pytest.approx((USL - mean) / (3 * sigma), rel=1e-6)
    assert (result.cp, result.cpl, result.cpu, result.cpk) == pytest.approx((1.703, 1.743, 1.663, 1.663), abs=5e-4)
    assert result.cpk == result.cpu
    assert result.target == 74.0


def test_piston_rings_intervals_match_qcc_with_its_degrees_of_freedom():
    # qcc takes ν = N − 1 = 124 for every index: Cp [1.491, 1.915], Cp_k [1.448, 1.878].
    result = cap.capability(RINGS, lsl=LSL, usl=USL, within_df=124)
    assert result.ci["cp"] == pytest.approx((1.4914, 1.9148), abs=1e-4)
    assert result.ci["cpk"] == pytest.approx((1.4481, 1.8783), abs=1e-4)
    # qcc bounds Cp_l and Cp_u with z(0.95) = 1.645, i.e. a 90 % two-sided interval:
    # Cp_l [1.555, 1.932], Cp_u [1.483, 1.844]; the same figures come out here at 90 %.
    at_90 = cap.capability(RINGS, lsl=LSL, usl=USL, within_df=124, confidence=0.90)
    assert at_90.ci["cpl"] == pytest.approx((1.5547, 1.9319), abs=1e-4)
    assert at_90.ci["cpu"] == pytest.approx((1.4827, 1.8437), abs=1e-4)


def test_piston_rings_intervals_with_minitab_degrees_of_freedom():
    # Minitab: for R̄/d2, ν = 0.9·k·(n − 1) = 0.9 × 25 × 4 = 90.
    result = cap.capability(RINGS, lsl=LSL, usl=USL)
    assert result.within_df == pytest.approx(90.0)
    cp, cpk, n = result.cp, result.cpk, 125
    low, high = stats.chi2.ppf([0.025, 0.975], 90)
    assert result.ci["cp"] == pytest.approx((cp * math.sqrt(low / 90), cp * math.sqrt(high / 90)), rel=1e-12)
    half = 1.959963984540054 * math.sqrt(1 / (9 * n) + cpk**2 / (2 * 90))
    assert result.ci["cpk"] == pytest.approx((cpk - half, cpk + half), rel=1e-12)


def test_piston_rings_overall_indices_and_normality():
    result = cap.capability(RINGS, lsl=LSL, usl=USL)
    s = float(RINGS.std(ddof=1))
    assert result.sigma_overall == pytest.approx(s, rel=1e-12)
    assert result.pp == pytest.approx(0.1 / (6 * s), rel=1e-12)
    assert result.ppk == pytest.approx((USL - RINGS.mean()) / (3 * s), rel=1e-12)
    expected_a2 = stats.anderson(RINGS.ravel(), dist="norm", method="interpolate").statistic
    assert result.normality["statistic"] == pytest.approx(expected_a2, rel=1e-10)
    assert result.normality["normal"] is True
    # Nothing of the 125 lies outside 73.95…74.05.
    assert result.ppm["observed"] == {"below_lsl": 0.0, "above_usl": 0.0, "total": 0.0}
    assert result.warnings == ()


# --- a case worked by hand ------------------------------------------------------------------
# x = 10 12 11 13 12 14 13 15, LSL 7, USL 17 (target 12 by default).
# mean 12.5; Σ(x − 12.5)² = 18 so s = √(18/7); moving ranges 2 1 2 1 2 1 2, MR̄ = 11/7,
# d2(2) = 2/√π so σ_within = (11/7)·√π/2; Σ(x − 12)² = 18 + 8 × 0.25 = 20 so τ = √(20/7).

HAND = [10, 12, 11, 13, 12, 14, 13, 15]
S = math.sqrt(18 / 7)
SIGMA_W = (11 / 7) * math.sqrt(math.pi) / 2
TAU = math.sqrt(20 / 7)


def test_hand_worked_indices():
    result = cap.capability(HAND, lsl=7, usl=17)
    assert result.mean == pytest.approx(12.5)
    assert result.sigma_within == pytest.approx(SIGMA_W, rel=1e-12)
    assert result.sigma_within == pytest.approx(1.392642, abs=1e-6)
    assert result.sigma_overall == pytest.approx(S, rel=1e-12)
    assert result.within == "mrbar/d2"
    assert result.cp == pytest.approx(10 / (6 * SIGMA_W), rel=1e-12)
    assert result.cpl == pytest.approx(5.5 / (3 * SIGMA_W), rel=1e-12)
    assert result.cpu == pytest.approx(4.5 / (3 * SIGMA_W), rel=1e-12)
    assert result.cpk == result.cpu
    assert result.pp == pytest.approx(10 / (6 * S), rel=1e-12)
    assert result.ppk == pytest.approx(4.5 / (3 * S), rel=1e-12)
    assert result.cpm == pytest.approx(5 / (3 * TAU), rel=1e-12)
    assert result.cpm == pytest.approx(0.986013, abs=1e-6)
    assert result.target == 12


def test_hand_worked_intervals():
    result = cap.capability(HAND, lsl=7, usl=17)
    # ν = 7 moving ranges; χ²(0.025, 7) = 1.689869 and χ²(0.975, 7) = 16.012764 (printed tables).
    assert result.within_df == 7
    cp = 10 / (6 * SIGMA_W)
    assert result.ci["cp"] == pytest.approx((cp * math.sqrt(1.689869 / 7), cp * math.sqrt(16.012764 / 7)), rel=1e-6)
    pp = 10 / (6 * S)
    assert result.ci["pp"] == pytest.approx((pp * math.sqrt(1.689869 / 7), pp * math.sqrt(16.012764 / 7)), rel=1e-6)
    cpk = 4.5 / (3 * SIGMA_W)
    half = 1.959964 * math.sqrt(1 / 72 + cpk**2 / 14)
    assert result.ci["cpk"] == pytest.approx((cpk - half, cpk + half), rel=1e-6)
    # Boyles: ξ² = 0.25 / (18/7) = 7/72, ν = 8 (1 + 7/72)² / (1 + 14/72) = 8 × 6241 / 6192.
    nu = 8 * 6241 / 6192
    cpm = 5 / (3 * TAU)
    low, high = stats.chi2.ppf([0.025, 0.975], nu)
    assert result.ci["cpm"] == pytest.approx((cpm * math.sqrt(low / nu), cpm * math.sqrt(high / nu)), rel=1e-10)


def test_hand_worked_ppm_and_warnings():
    result = cap.capability(HAND, lsl=7, usl=17)
    within = result.ppm["expected_within"]
    assert within["below_lsl"] == pytest.approx(stats.norm.cdf(-5.5 / SIGMA_W) * 1e6, rel=1e-10)
    assert within["above_usl"] == pytest.approx(stats.norm.sf(4.5 / SIGMA_W) * 1e6, rel=1e-10)
    assert within["total"] == pytest.approx(within["below_lsl"] + within["above_usl"])
    assert result.ppm["expected_overall"]["above_usl"] == pytest.approx(stats.norm.sf(4.5 / S) * 1e6, rel=1e-10)
    assert result.ppm["observed"]["total"] == 0.0
    assert any("fewer than 30" in note for note in result.warnings)


def test_observed_ppm_counts_values_outside():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    result = cap.capability(values, lsl=1.5, usl=8.5)
    assert result.ppm["observed"] == {"below_lsl": 100_000.0, "above_usl": 200_000.0, "total": 300_000.0}


# --- within-sigma estimators for subgroups ----------------------------------------------------
# Subgroups (1 2 3), (2 4 6), (3 3 3): ranges 2 4 0, standard deviations 1 2 0.

SUBGROUPS = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 3.0, 3.0]])


@pytest.mark.parametrize(
    ("within", "sigma", "df", "name"),
    [
        ("rbar", 2 / CONST[3]["d2"], 0.9 * 3 * 2, "rbar/d2"),
        ("sbar", 1 / CONST[3]["c4"], 0.92 * 3 * 2, "sbar/c4"),
        ("pooled", math.sqrt(10 / 6) / CONST[7]["c4"], 6, "pooled"),
    ],
)
def test_subgroup_estimators(within, sigma, df, name):
    result = cap.capability(SUBGROUPS, lsl=0, usl=7, within=within)
    assert result.sigma_within == pytest.approx(sigma, rel=1e-6)
    assert result.within_df == pytest.approx(df)
    assert result.within == name
    assert result.mean == pytest.approx(3.0)


def test_auto_uses_rbar_for_subgroups():
    assert cap.capability(SUBGROUPS, lsl=0, usl=7).within == "rbar/d2"


def test_subgroup_layouts_agree():
    flat = SUBGROUPS.ravel()
    expected = cap.capability(SUBGROUPS, lsl=0, usl=7, within="pooled").to_dict()
    by_size = cap.capability(flat, lsl=0, usl=7, subgroups=3, within="pooled").to_dict()
    by_label = cap.capability(flat[::-1], lsl=0, usl=7, subgroups=list("cccbbbaaa"), within="pooled").to_dict()
    as_list = cap.capability([list(row) for row in SUBGROUPS], lsl=0, usl=7, within="pooled").to_dict()
    for other in (by_size, by_label, as_list):
        assert other["sigma_within"] == pytest.approx(expected["sigma_within"], rel=1e-12)
        assert other["cp"] == pytest.approx(expected["cp"], rel=1e-12)


def test_unequal_subgroup_sizes_are_weighted():
    ragged = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0, 8.0]]
    padded = np.array([[1.0, 2.0, 3.0, np.nan], [2.0, 4.0, 6.0, 8.0]])
    d2_3, d3_3, d2_4, d3_4 = CONST[3]["d2"], CONST[3]["d3"], CONST[4]["d2"], CONST[4]["d3"]
    f3, f4 = d2_3**2 / d3_3**2, d2_4**2 / d3_4**2
    rbar = (f3 * 2 / d2_3 + f4 * 6 / d2_4) / (f3 + f4)
    s4 = float(np.std([2, 4, 6, 8], ddof=1))
    c4_3, c4_4 = CONST[3]["c4"], CONST[4]["c4"]
    h3, h4 = c4_3**2 / (1 - c4_3**2), c4_4**2 / (1 - c4_4**2)
    sbar = (h3 * 1 / c4_3 + h4 * s4 / c4_4) / (h3 + h4)
    pooled = math.sqrt((2 * 1 + 3 * s4**2) / 5) / CONST[6]["c4"]  # d = 2 + 3, divided by c4(d + 1)
    for values in (ragged, padded):
        assert cap.capability(values, lsl=0, usl=10, within="rbar").sigma_within == pytest.approx(rbar, rel=1e-6)
        assert cap.capability(values, lsl=0, usl=10, within="sbar").sigma_within == pytest.approx(sbar, rel=1e-6)
        assert cap.capability(values, lsl=0, usl=10, within="pooled").sigma_within == pytest.approx(pooled, rel=1e-6)
    assert cap.capability(padded, lsl=0, usl=10).n == 7
    # NaN padding a 2-D table is not a missing value.
    assert not any("missing" in note for note in cap.capability(padded, lsl=0, usl=10).warnings)


def test_given_sigma_replaces_the_estimate():
    result = cap.capability(RINGS, lsl=LSL, usl=USL, sigma_within=0.01)
    assert result.within == "given"
    assert result.cp == pytest.approx(0.1 / 0.06)
    assert result.within_df == 124


# --- one-sided specifications and targets -----------------------------------------------------


def test_upper_limit_only():
    result = cap.capability(HAND, usl=17)
    assert (result.cp, result.cpl, result.pp, result.ppl, result.cpm, result.target) == (None,) * 6
    assert result.cpu == pytest.approx(4.5 / (3 * SIGMA_W))
    assert result.cpk == result.cpu
    assert result.ppk == result.ppu
    assert set(result.ci) == {"cpu", "cpk", "ppu", "ppk"}
    assert result.ppm["expected_within"]["below_lsl"] is None
    assert result.ppm["expected_within"]["total"] == result.ppm["expected_within"]["above_usl"]


def test_lower_limit_with_target_gives_cpm():
    result = cap.capability(HAND, lsl=7, target=12)
    assert result.cpu is None
    assert result.cpk == result.cpl
    assert result.cpm == pytest.approx(5 / (3 * TAU))


def test_off_centre_target_uses_the_nearer_limit():
    result = cap.capability(HAND, lsl=7, usl=17, target=13)
    tau = math.sqrt(sum((x - 13) ** 2 for x in HAND) / 7)
    assert result.cpm == pytest.approx(4 / (3 * tau))


def test_boyles_interval_covers_cpm_about_95_percent_of_the_time():
    # Off-target process (ξ = 1): the coverage of the nominal 95 % interval, by simulation.
    rng = np.random.default_rng(20240611)
    true_cpm = 3 / (3 * math.sqrt(1 + 1))
    covered = 0
    for _ in range(1000):
        result = cap.capability(rng.normal(1.0, 1.0, 50), lsl=-3, usl=3)
        low, high = result.ci["cpm"]
        covered += low <= true_cpm <= high
    assert 0.93 <= covered / 1000 <= 0.97


# --- normality, missing values, degenerate data ---------------------------------------------


def test_anderson_darling_p_value_against_nag():
    # NAG g08ckc example: adjusted A² = 0.171296 → upper tail probability 0.931155 (n = 26,
    # A² = 0.165956 and 0.165956 × (1 + 0.75/26 + 2.25/26²) = 0.171296).
    assert 0.165956 * (1 + 0.75 / 26 + 2.25 / 26**2) == pytest.approx(0.171296, abs=1e-6)
    # The printed A*² carries 6 digits and dp/dA*² ≈ −1.7 here, hence the tolerance.
    assert cap._anderson_darling_p(0.171296) == pytest.approx(0.931155, abs=2e-6)


def test_anderson_darling_p_value_is_continuous_and_decreasing():
    # The four fitted pieces of Table 4.9 nearly meet at 0.2, 0.34 and 0.6 (steps under 0.004).
    for boundary in (0.2, 0.34, 0.6):
        assert cap._anderson_darling_p(boundary - 1e-9) == pytest.approx(cap._anderson_darling_p(boundary), abs=4e-3)
    grid = np.linspace(0.01, 12, 2000)
    p_values = np.array([cap._anderson_darling_p(a) for a in grid])
    assert np.all(np.diff(p_values) <= 4e-3)
    assert p_values[0] == pytest.approx(1.0, abs=1e-5)
    assert p_values[-1] < 1e-20


def test_skewed_data_warn_about_normality():
    values = 2.0 ** np.arange(12)
    result = cap.capability(values, lsl=0, usl=5000)
    assert result.normality["p_value"] < 0.05
    assert result.normality["normal"] is False
    assert any("do not look normal" in note for note in result.warnings)
    adjusted = result.normality["statistic"] * (1 + 0.75 / 12 + 2.25 / 144)
    assert result.normality["adjusted_statistic"] == pytest.approx(adjusted)


def test_missing_individual_values_break_moving_ranges():
    values = [10, 12, np.nan, 13, 12, 14, 13, 15]
    result = cap.capability(values, lsl=7, usl=17)
    # Moving ranges 2, 1, 2, 1, 2 (none across the gap) → MR̄ = 8/5.
    assert result.sigma_within == pytest.approx(1.6 / CONST[2]["d2"], rel=1e-6)
    assert result.within_df == 5
    assert result.n == 7
    assert "1 missing value was left out." in result.warnings


def test_no_variation():
    result = cap.capability([5.0] * 40, lsl=4, usl=6)
    assert result.cp is None and result.ppk is None and result.cpm is None
    assert result.ci == {}
    assert result.normality["p_value"] is None
    assert result.ppm["expected_overall"]["total"] is None
    assert "The values show no variation, so capability indices cannot be computed." in result.warnings


def test_no_within_variation():
    result = cap.capability([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], lsl=0, usl=4)
    assert result.cp is None and result.pp is not None
    assert any("within-subgroup variation is zero" in note for note in result.warnings)


def test_to_dict_is_json_ready():
    data = cap.capability(RINGS, lsl=LSL, usl=USL).to_dict()
    for key in ("cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm", "sigma_within", "sigma_overall", "mean", "n", "ci"):
        assert key in data
    assert set(data["ppm"]) == {"expected_within", "expected_overall", "observed"}
    assert set(data["normality"]) >= {"test", "statistic", "p_value", "normal"}
    assert data["normality"]["test"] == "anderson-darling"
    assert isinstance(data["warnings"], list)
    assert isinstance(data["ci"]["cp"], list)
    json.dumps(data)


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        (HAND, {}, "at least one specification limit"),
        (HAND, {"lsl": 10, "usl": 10}, "must be below the USL"),
        (HAND, {"lsl": 7, "usl": 17, "target": 20}, "within the specification limits"),
        (HAND, {"lsl": "x"}, "LSL must be a number"),
        (HAND, {"usl": float("nan")}, "finite number"),
        (HAND, {"lsl": 7, "confidence": 95}, "confidence level"),
        (["a", "b"], {"lsl": 7}, "must be numbers"),
        ([1.0, float("inf")], {"lsl": 0}, "finite numbers"),
        ([1.0], {"lsl": 0}, "at least 2 values"),
        (HAND, {"lsl": 7, "within": "median"}, "Unknown within-sigma method"),
        (HAND, {"lsl": 7, "within": "rbar"}, "applies to subgroups only"),
        (SUBGROUPS, {"lsl": 0, "within": "mrbar"}, "applies to individual values only"),
        (HAND, {"lsl": 7, "sigma_within": 0}, "above zero"),
        (HAND, {"lsl": 7, "subgroups": 0}, "subgroup size"),
        (HAND, {"lsl": 7, "subgroups": [1, 2]}, "one subgroup label per value"),
        (HAND, {"lsl": 7, "within_df": -1}, "degrees of freedom"),
    ],
)
def test_bad_input(values, options, message):
    with pytest.raises(StatsInputError, match=message):
        cap.capability(values, **options)


def test_a_huge_index_from_a_near_zero_sigma_still_gets_finite_intervals():
    # Found by schemathesis: sigma 1e-193 made Cpk² overflow (a 500 on /api/v1/stats/capability).
    result = cap.capability([1.8072592804097125e-193, 0.0, 0.0, 1e-193], usl=720146996588.3406)
    low, high = result.ci["cpk"]
    assert math.isfinite(low) and math.isfinite(high) and low < high
