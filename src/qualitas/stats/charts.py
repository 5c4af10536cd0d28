"""Control charts: X̄-R, X̄-S, I-MR, p, np, c, u (Shewhart), EWMA and tabular CUSUM.

Formulas follow Montgomery, *Introduction to Statistical Quality Control* (chapters 6, 7 and 9)
and Minitab's documented methods for unequal subgroup sizes:

- X̄-R: σ̂ = Σfᵢ·Rᵢ/d2(nᵢ) / Σfᵢ with fᵢ = d2(nᵢ)²/d3(nᵢ)² (= R̄/d2 for constant n);
- X̄-S: σ̂ = Σhᵢ·sᵢ/c4(nᵢ) / Σhᵢ with hᵢ = c4(nᵢ)²/(1 − c4(nᵢ)²) (= s̄/c4 for constant n), or the pooled
  sₚ/c4(d + 1) with d = Σ(nᵢ − 1) (`estimator="pooled"`, either chart);
- X̄ centre: the grand mean Σnᵢx̄ᵢ/Σnᵢ; R/S charts: centre d2·σ̂ / c4·σ̂, σ d3·σ̂ / √(1 − c4²)·σ̂;
- I-MR: moving ranges of span 2, σ̂ = MR̄/d2(2);
- p, np, u with variable sizes get per-point limits; every lower limit of a non-negative
  statistic is floored at 0.

The limits are drawn at K σ, K being test 1's K (3 unless `rule_k={"nelson-1": K}`), as Minitab does.

Phases: `phase1=N` estimates from the first N subgroups and applies the limits to all (Phase II
for the rest); `mu`/`sigma` (or `p_bar`, `c_bar`, `u_bar`, `target`) given are known values and are
not estimated; `exclude` lists 1-based subgroups left out of the estimate; `iterate=True` drops the
Phase I subgroups beyond the limits of any chart of the set and re-estimates until none remain.
Excluded subgroups are still plotted and tested. NaN marks a missing value or subgroup.
"""

from __future__ import annotations

import inspect

import numpy as np
from scipy import signal

from qualitas.stats import charts_base as base
from qualitas.stats import constants
from qualitas.stats import rules as run_rules
from qualitas.stats.results import Chart, ChartSet, StatsInputError

KINDS = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")
ESTIMATORS = ("rbar/d2", "sbar/c4", "pooled", "mrbar/d2")


# ----------------------------------------------------------------------------- X̄-R and X̄-S


def _grand_mean(groups: base.Groups, use: np.ndarray) -> float:
    count = groups.n[use].sum()
    if count == 0:
        raise StatsInputError("The subgroups of the estimate hold no values.")
    return float(groups.totals[use].sum() / count)


def _subgroup_charts(kind, data, estimator, phase, tests, mu, sigma) -> ChartSet:
    if estimator not in ("pooled", "rbar/d2" if kind == "xbar-r" else "sbar/c4"):
        raise StatsInputError(f"Unknown sigma estimator {estimator!r} for {kind} charts.")
    groups = base.describe(base.subgroups(data))
    mu, sigma = base.known(mu, "mean"), base.known(sigma, "sigma")
    if sigma is not None:
        base.checked_sigma(sigma)
    dispersion = "r" if kind == "xbar-r" else "s"

    def build(use: np.ndarray) -> ChartSet:
        center = mu if mu is not None else _grand_mean(groups, use)
        within = sigma if sigma is not None else base.checked_sigma(base.SIGMA_ESTIMATORS[estimator](groups, use))
        charts = [_xbar_chart(groups, center, within, tests), _dispersion_chart(dispersion, groups, within, tests)]
        parameters = {"n": base.sizes_parameter(groups.n), "estimator": "known" if sigma is not None else estimator}
        return ChartSet(kind, charts, within, parameters)

    return base.fitted(groups.n.size, phase, build)


def _xbar_chart(groups: base.Groups, center: float, sigma: float, tests: base.Tests) -> Chart:
    spread = sigma / np.sqrt(base.size_factor(groups.n, base.as_float, minimum=1))
    return base.shewhart("xbar", groups.means, center, spread, tests)


def _dispersion_chart(name: str, groups: base.Groups, sigma: float, tests: base.Tests) -> Chart:
    if name == "r":
        values, middle, spread = (
            groups.ranges,
            base.size_factor(groups.n, constants.d2),
            base.size_factor(groups.n, constants.d3),
        )
    else:
        values, middle = groups.sds, base.size_factor(groups.n, constants.c4)
        spread = np.sqrt(1 - middle * middle)
    return base.shewhart(
        name, values, middle * sigma, spread * sigma, base.first_four(tests), floor=0.0, attribute=True
    )


def xbar_r(
    data,
    *,
    phase1=None,
    exclude=(),
    iterate=False,
    rules="nelson",
    rule_k=None,
    mu=None,
    sigma=None,
    estimator="rbar/d2",
) -> ChartSet:
    """X̄ and R charts of subgroups (2-D array k × n, NaN-padded, or a list of 1-D subgroups)."""
    return _subgroup_charts(
        "xbar-r", data, estimator, base.Phase(phase1, exclude, iterate), base.Tests(rules, rule_k), mu, sigma
    )


def xbar_s(
    data,
    *,
    phase1=None,
    exclude=(),
    iterate=False,
    rules="nelson",
    rule_k=None,
    mu=None,
    sigma=None,
    estimator="sbar/c4",
) -> ChartSet:
    """X̄ and S charts of subgroups; `estimator="pooled"` uses sₚ/c4(d+1) instead of the weighted s̄/c4."""
    return _subgroup_charts(
        "xbar-s", data, estimator, base.Phase(phase1, exclude, iterate), base.Tests(rules, rule_k), mu, sigma
    )


# ----------------------------------------------------------------------------- I-MR


def imr(
    values, *, phase1=None, exclude=(), iterate=False, rules="nelson", rule_k=None, mu=None, sigma=None
) -> ChartSet:
    """Individuals and moving-range (span 2) charts; σ̂ = MR̄/d2(2)."""
    x = base.individuals(values)
    ranges = base.moving_ranges(x)
    mu, sigma = base.known(mu, "mean"), base.known(sigma, "sigma")
    tests = base.Tests(rules, rule_k)

    def build(use: np.ndarray) -> ChartSet:
        center = mu if mu is not None else base.mean_of(x, use)
        within = base.checked_sigma(sigma) if sigma is not None else base.sigma_mrbar(x, ranges, use)
        i_chart = base.shewhart("i", x, center, within, tests)
        middle, spread = constants.d2(2) * within, constants.d3(2) * within
        mr_chart = base.shewhart("mr", ranges, middle, spread, base.first_four(tests), floor=0.0, attribute=True)
        parameters = {"n": 1, "span": 2, "estimator": "known" if sigma is not None else "mrbar/d2"}
        return ChartSet("imr", [i_chart, mr_chart], within, parameters)

    return base.fitted(x.size, base.Phase(phase1, exclude, iterate), build)


# ----------------------------------------------------------------------------- attribute charts


def _attribute_counts(counts, sizes, what: str) -> tuple[np.ndarray, np.ndarray]:
    x = base.individuals(counts)
    if np.any(x < 0):
        raise StatsInputError(f"The {what} cannot be negative.")
    n = np.ones(x.size) if sizes is None else base.numbers(sizes, "sizes")
    if n.ndim == 0:
        n = np.full(x.size, float(n))
    if n.shape != x.shape:
        raise StatsInputError(f"There are {n.size} sizes for {x.size} samples.")
    if np.any(~(n > 0)):
        raise StatsInputError("Every sample size must be a positive number.")
    return x, n


def _rate(x: np.ndarray, n: np.ndarray, use: np.ndarray) -> float:
    defined = use & np.isfinite(x)
    if not defined.any():
        raise StatsInputError("The samples of the estimate hold no counts.")
    return float(x[defined].sum() / n[defined].sum())


_RATE_ESTIMATOR = {"p": "pbar", "np": "pbar", "c": "cbar", "u": "ubar"}


def _attribute_charts(kind, x, n, known, phase, tests, statistic) -> ChartSet:
    """One attribute chart; `statistic(rate)` gives (plotted values, centre, σ per point) for a rate."""

    def build(use: np.ndarray) -> ChartSet:
        rate = known if known is not None else _rate(x, n, use)
        values, center, spread = statistic(rate)
        if not np.all(spread[np.isfinite(spread)] > 0):
            raise StatsInputError(f"The estimated rate is {rate:g}: the limits collapse onto the centre line.")
        chart = base.shewhart(kind, values, center, spread, tests, floor=0.0, attribute=True)
        estimator = "known" if known is not None else _RATE_ESTIMATOR[kind]
        parameters = {"n": base.sizes_parameter(n), "estimator": estimator, "rate": rate}
        return ChartSet(kind, [chart], None, parameters)

    return base.fitted(x.size, phase, build)


def _known_rate(value, name: str, *, proportion: bool) -> float | None:
    value = base.known(value, name)
    if value is not None and not (0 < value < 1 if proportion else value > 0):
        raise StatsInputError(f"The known {name} must be {'between 0 and 1' if proportion else 'positive'}.")
    return value


def p_chart(
    defectives, sizes, *, phase1=None, exclude=(), iterate=False, rules="nelson", rule_k=None, p_bar=None
) -> ChartSet:
    """Fraction nonconforming: p̄ = ΣD/Σn, limits p̄ ± K·√(p̄(1−p̄)/nᵢ)."""
    x, n = _attribute_counts(defectives, sizes, "nonconforming counts")
    if np.any(x > n):
        raise StatsInputError("A sample has more nonconforming units than its size.")
    known = _known_rate(p_bar, "p̄", proportion=True)
    phase = base.Phase(phase1, exclude, iterate)
    return _attribute_charts(
        "p", x, n, known, phase, base.Tests(rules, rule_k), lambda p: (x / n, p, np.sqrt(p * (1 - p) / n))
    )


def np_chart(
    defectives, sizes, *, phase1=None, exclude=(), iterate=False, rules="nelson", rule_k=None, p_bar=None
) -> ChartSet:
    """Number nonconforming: centre nᵢp̄, limits nᵢp̄ ± K·√(nᵢp̄(1−p̄))."""
    x, n = _attribute_counts(defectives, sizes, "nonconforming counts")
    if np.any(x > n):
        raise StatsInputError("A sample has more nonconforming units than its size.")
    known = _known_rate(p_bar, "p̄", proportion=True)
    phase = base.Phase(phase1, exclude, iterate)
    return _attribute_charts(
        "np", x, n, known, phase, base.Tests(rules, rule_k), lambda p: (x, n * p, np.sqrt(n * p * (1 - p)))
    )


def c_chart(counts, *, phase1=None, exclude=(), iterate=False, rules="nelson", rule_k=None, c_bar=None) -> ChartSet:
    """Nonconformities per inspection unit: c̄ ± K·√c̄."""
    x, n = _attribute_counts(counts, None, "counts")
    known = _known_rate(c_bar, "c̄", proportion=False)
    phase = base.Phase(phase1, exclude, iterate)
    return _attribute_charts("c", x, n, known, phase, base.Tests(rules, rule_k), lambda c: (x, c, np.sqrt(c) * n))


def u_chart(
    counts, units, *, phase1=None, exclude=(), iterate=False, rules="nelson", rule_k=None, u_bar=None
) -> ChartSet:
    """Nonconformities per unit with nᵢ inspection units: ū = Σc/Σn, limits ū ± K·√(ū/nᵢ)."""
    x, n = _attribute_counts(counts, units, "counts")
    known = _known_rate(u_bar, "ū", proportion=False)
    phase = base.Phase(phase1, exclude, iterate)
    return _attribute_charts("u", x, n, known, phase, base.Tests(rules, rule_k), lambda u: (x / n, u, np.sqrt(u / n)))


# ----------------------------------------------------------------------------- EWMA and CUSUM


def _monitored(data):
    """(plotted means, subgroup sizes, estimator name, σ̂ estimator) for individuals (1-D) or subgroups (2-D)."""
    if not base.is_subgrouped(data):
        x = base.individuals(data)
        ranges = base.moving_ranges(x)
        return x, np.isfinite(x).astype(float), "mrbar/d2", lambda use: base.sigma_mrbar(x, ranges, use)
    groups = base.describe(base.subgroups(data))
    return (
        groups.means,
        groups.n.astype(float),
        "pooled",
        lambda use: base.checked_sigma(base.sigma_pooled(groups, use)),
    )


def _parameters_for(means, n, phase: base.Phase, target, sigma, estimate_sigma, estimator: str):
    """(target, σ, excluded subgroups, estimator): known values, or estimates from the Phase I points."""
    use = base.estimate_mask(means.size, phase)
    target, sigma = base.known(target, "target"), base.known(sigma, "sigma")
    defined = use & (n > 0)
    if target is None and not defined.any():
        raise StatsInputError("The points of the estimate hold no values.")
    center = target if target is not None else float(np.sum((means * n)[defined]) / n[defined].sum())
    within = base.checked_sigma(sigma) if sigma is not None else estimate_sigma(use)
    excluded = (np.flatnonzero(~use[: int(phase.phase1 or means.size)]) + 1).tolist()
    return center, within, excluded, "known" if sigma is not None else estimator


def _ewma_recursion(values: np.ndarray, weights: np.ndarray, lam: float, start: float) -> tuple[np.ndarray, np.ndarray]:
    """zᵢ = λxᵢ + (1−λ)zᵢ₋₁ from z₀ = start, and Var(zᵢ)/σ² = Σλ²(1−λ)^2(i−j)/nⱼ, over the defined points."""
    statistic = np.full(values.size, np.nan)
    variance = np.full(values.size, np.nan)
    defined = np.isfinite(values)
    decay = 1 - lam
    statistic[defined] = signal.lfilter([lam], [1, -decay], values[defined], zi=[decay * start])[0]
    variance[defined] = signal.lfilter([lam * lam], [1, -decay * decay], 1 / weights[defined])
    return statistic, variance


def ewma(
    data, *, lam=0.2, L=3.0, target=None, sigma=None, phase1=None, exclude=(), rules="none", rule_k=None
) -> ChartSet:
    """EWMA chart with the exact time-varying limits target ± L·σ·√(λ/(2−λ)·(1−(1−λ)^2i)) (and steady-state ones).

    The limit test (test 1 against the exact limits) always runs; `rules` adds run rules, judged on
    the EWMA's own per-point σ (rarely advisable: successive EWMA values are correlated).
    """
    if not 0 < lam <= 1 or not L > 0:
        raise StatsInputError("The EWMA needs 0 < λ ≤ 1 and L > 0.")
    phase = base.Phase(phase1, exclude)
    means, n, estimator, estimate_sigma = _monitored(data)
    center, within, excluded, estimator = _parameters_for(means, n, phase, target, sigma, estimate_sigma, estimator)
    statistic, variance = _ewma_recursion(means, n, lam, center)
    spread = within * np.sqrt(variance)
    ucl, lcl = center + L * spread, center - L * spread
    steady = base.collapse(within * np.sqrt(lam / (2 - lam) / np.where(n > 0, n, np.nan)))
    chosen = run_rules.resolve(rules)
    if not any(run_rules.TEST_OF[rule] == 1 for rule in chosen):
        chosen = ("nelson-1", *chosen)
    signals = run_rules.evaluate(statistic, center, spread, rules=chosen, k=rule_k, ucl=ucl, lcl=lcl)
    extra = {"ucl_steady": center + L * steady, "lcl_steady": center - L * steady}
    chart = Chart("ewma", center, ucl, lcl, statistic, signals, extra)
    parameters = {"n": base.sizes_parameter(n), "estimator": estimator, "phase1": phase1, "excluded": excluded}
    return ChartSet("ewma", [chart], within, {**parameters, "lam": lam, "L": L, "target": center})


def _one_sided_cusum(steps: np.ndarray, start: float) -> np.ndarray:
    """Cᵢ = max(0, Cᵢ₋₁ + stepᵢ) from C₀ = start, by Lindley's identity Cᵢ = Sᵢ − min(−C₀, min_{j≤i} Sⱼ)."""
    total = np.cumsum(steps)
    return total - np.minimum.accumulate(np.minimum(total, -start))


def _periods_nonzero(sums: np.ndarray) -> np.ndarray:
    """N: the number of consecutive periods the sum has been above zero."""
    period = np.arange(1, sums.size + 1)
    last_zero = np.maximum.accumulate(np.where(sums == 0, period, 0))
    return period - last_zero


def cusum(data, *, k=0.5, h=4.0, target=None, sigma=None, head_start=0.0, phase1=None, exclude=()) -> ChartSet:
    """Tabular CUSUM (Montgomery 9.1): C⁺ᵢ = max(0, xᵢ − (μ₀+K) + C⁺ᵢ₋₁), C⁻ᵢ = max(0, (μ₀−K) − xᵢ + C⁻ᵢ₋₁).

    k, h and head_start are in σ units of the plotted statistic (K = kσ, H = hσ; head_start = h/2 is
    the usual 50 % fast initial response). The chart's values are C⁺, extra "lower" is C⁻ (≥ 0),
    ucl = H and lcl = −H (the decision interval for C⁻ drawn below zero as −C⁻). A signal is
    "cusum-upper" when C⁺ > H and "cusum-lower" when C⁻ > H; extra "shifted_mean" holds, at those
    points, the estimated new mean μ₀ + K + C⁺/N⁺ or μ₀ − K − C⁻/N⁻ (NaN elsewhere).
    """
    if not k >= 0 or not h > 0 or not 0 <= head_start <= h:
        raise StatsInputError("The CUSUM needs k ≥ 0, h > 0 and a head start between 0 and h.")
    phase = base.Phase(phase1, exclude)
    means, n, estimator, estimate_sigma = _monitored(data)
    present = n[n > 0]
    if present.size and np.any(present != present[0]):
        raise StatsInputError("The CUSUM needs subgroups of one size (missing values make sizes differ).")
    center, within, excluded, estimator = _parameters_for(means, n, phase, target, sigma, estimate_sigma, estimator)
    scale = within / np.sqrt(present[0] if present.size else 1)
    slack, decision = k * scale, h * scale
    deviation = np.nan_to_num(means - center)
    upper = _one_sided_cusum(deviation - slack, head_start * scale)
    lower = _one_sided_cusum(-deviation - slack, head_start * scale)
    chart = _cusum_chart(means, center, slack, decision, upper, lower)
    parameters = {"n": base.sizes_parameter(n), "estimator": estimator, "phase1": phase1, "excluded": excluded}
    return ChartSet(
        "cusum", [chart], within, {**parameters, "k": k, "h": h, "head_start": head_start, "target": center}
    )


def _cusum_chart(means, center, slack, decision, upper, lower) -> Chart:
    missing = np.isnan(means)
    n_upper, n_lower = _periods_nonzero(upper), _periods_nonzero(lower)
    up, down = upper > decision, lower > decision
    shifted = np.full(means.size, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted[down] = (center - slack - lower / n_lower)[down]
        shifted[up] = (center + slack + upper / n_upper)[up]
    code = up.astype(np.uint32) | (down.astype(np.uint32) << 1)
    signals = run_rules.signals_from_bits(code, ("cusum-upper", "cusum-lower"))
    upper, lower = np.where(missing, np.nan, upper), np.where(missing, np.nan, lower)
    extra = {
        "lower": lower,
        "shifted_mean": shifted,
        "n_upper": n_upper.astype(float),
        "n_lower": n_lower.astype(float),
    }
    return Chart("cusum", 0.0, decision, -decision, upper, signals, extra)


# ----------------------------------------------------------------------------- dispatcher

_BY_KIND = {
    "xbar-r": xbar_r,
    "xbar-s": xbar_s,
    "imr": imr,
    "p": p_chart,
    "np": np_chart,
    "c": c_chart,
    "u": u_chart,
    "ewma": ewma,
    "cusum": cusum,
}


def chart(kind: str, data, sizes=None, **options) -> ChartSet:
    """The chart set for a command-line KIND; `sizes` are sample sizes (p, np), inspection units (u)
    or, for subgroup kinds given a flat series, the subgroup sizes to split it by."""
    if kind not in _BY_KIND:
        raise StatsInputError(f"Unknown chart kind {kind!r}: choose one of {', '.join(KINDS)}.")
    function = _BY_KIND[kind]
    accepted = inspect.signature(function).parameters
    unknown = sorted(set(options) - {name for name, p in accepted.items() if p.kind is p.KEYWORD_ONLY})
    if unknown:
        raise StatsInputError(f"Option {unknown[0]!r} does not apply to {kind} charts.")
    if kind in ("p", "np", "u"):
        if sizes is None:
            raise StatsInputError(f"{kind} charts need the sample sizes.")
        return function(data, sizes, **options)
    if sizes is not None and kind != "c":
        data = base.grouped(data, sizes)
    elif sizes is not None:
        raise StatsInputError("c charts take no sizes: use a u chart for varying inspection units.")
    return function(data, **options)


__all__ = [
    "ESTIMATORS",
    "KINDS",
    "c_chart",
    "chart",
    "cusum",
    "ewma",
    "imr",
    "np_chart",
    "p_chart",
    "u_chart",
    "xbar_r",
    "xbar_s",
]
