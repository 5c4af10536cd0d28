"""Building blocks shared by the control charts of `qualitas.stats.charts`.

Input shaping (subgroup arrays, NaN for missing values), the Phase I estimate (phase1, exclude,
iterate), the σ estimators for subgroups and individuals, and the Shewhart chart itself (limits at
test 1's K, lower limit floored where the statistic cannot be negative, run-rule signals).
Not a public API: use `qualitas.stats.charts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qualitas.stats import constants
from qualitas.stats import rules as run_rules
from qualitas.stats.results import Chart, ChartSet, StatsInputError


@dataclass(frozen=True)
class Phase:
    """Which subgroups estimate the limits, and whether to drop out-of-control ones and re-estimate."""

    phase1: int | None
    exclude: object = ()
    iterate: bool = False


@dataclass(frozen=True)
class Tests:
    rules: object
    rule_k: dict | None

    @property
    def limit_sigmas(self) -> float:
        ks = run_rules.k_values(self.rule_k)
        given = self.rule_k or {}
        return float(ks["we-1"] if "we-1" in given and "nelson-1" not in given else ks["nelson-1"])


# ----------------------------------------------------------------------------- input shaping


def numbers(data, name: str) -> np.ndarray:
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise StatsInputError(f"The {name} must be numbers (NaN for a missing value).")
    if array.size == 0:
        raise StatsInputError(f"The {name} are empty.")
    if np.isinf(array).any():
        raise StatsInputError(f"The {name} contain an infinite value.")
    return array


def subgroups(data) -> np.ndarray:
    """A k × n_max array, NaN-padded, from a 2-D array or a list of 1-D subgroups."""
    if is_subgrouped(data) and isinstance(data, (list, tuple)):
        lengths = np.array([len(group) for group in data])
        if np.any(lengths != lengths[0]):
            return padded(data, lengths)
    array = numbers(data, "measurements")
    if array.ndim != 2:
        raise StatsInputError("Subgroup charts need a 2-D array (subgroups × values) or a list of subgroups.")
    return array


def is_subgrouped(data) -> bool:
    if isinstance(data, (list, tuple)):
        return bool(data) and all(np.ndim(group) == 1 for group in data)
    return np.ndim(data) == 2


def padded(data, lengths: np.ndarray) -> np.ndarray:
    flat = numbers(np.concatenate([np.asarray(group, dtype=float) for group in data]), "measurements")
    padded = np.full((lengths.size, lengths.max()), np.nan)
    rows = np.repeat(np.arange(lengths.size), lengths)
    columns = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded[rows, columns] = flat
    return padded


def individuals(values) -> np.ndarray:
    array = numbers(values, "values")
    if array.ndim != 1:
        raise StatsInputError("Individual values must be a one-dimensional series.")
    return array


def grouped(data, sizes):
    """Split a flat series into consecutive subgroups of `sizes` (one size, or one per subgroup)."""
    flat = individuals(data)
    counts = np.asarray(sizes, dtype=float)
    if np.any(counts != np.round(counts)) or np.any(counts < 1):
        raise StatsInputError("Subgroup sizes must be whole numbers of at least 1.")
    if counts.ndim == 0:
        counts = np.full(flat.size // int(counts), counts)
    counts = counts.astype(int)
    if counts.sum() != flat.size:
        raise StatsInputError(f"The subgroup sizes add up to {int(counts.sum())}, not to the {flat.size} values.")
    return np.split(flat, np.cumsum(counts)[:-1])


@dataclass(frozen=True)
class Groups:
    n: np.ndarray
    means: np.ndarray
    ranges: np.ndarray
    sds: np.ndarray
    totals: np.ndarray


def describe(array: np.ndarray) -> Groups:
    n = np.isfinite(array).sum(axis=1)
    totals = np.nansum(array, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / n
        deviations = array - means[:, None]
        sds = np.sqrt(np.nansum(deviations * deviations, axis=1) / (n - 1))
    ranges = np.fmax.reduce(array, axis=1) - np.fmin.reduce(array, axis=1)
    ranges[n < 2] = np.nan
    sds[n < 2] = np.nan
    return Groups(n, means, ranges, sds, totals)


# ----------------------------------------------------------------------------- phases


def estimate_mask(count: int, phase: Phase) -> np.ndarray:
    limit = count if phase.phase1 is None else int(phase.phase1)
    if phase.phase1 is not None and (limit != phase.phase1 or not 1 <= limit <= count):
        raise StatsInputError(f"phase1 must be a whole number of subgroups between 1 and {count}.")
    mask = np.zeros(count, dtype=bool)
    mask[:limit] = True
    excluded = np.atleast_1d(np.asarray(phase.exclude if phase.exclude is not None else (), dtype=float)).ravel()
    if excluded.size and (np.any(excluded != np.round(excluded)) or excluded.min() < 1 or excluded.max() > count):
        raise StatsInputError(f"Excluded subgroups must be numbers between 1 and {count}.")
    mask[excluded.astype(int) - 1] = False
    if not mask.any():
        raise StatsInputError("Every subgroup is excluded: nothing is left to estimate the limits from.")
    return mask


def beyond_limits(chartset: ChartSet) -> np.ndarray:
    """Points of any chart in the set above its UCL or below its LCL (test 1 as drawn)."""
    beyond = np.zeros(len(chartset.charts[0].values), dtype=bool)
    for chart in chartset.charts:
        beyond |= (chart.values > chart.ucl) | (chart.values < chart.lcl)
    return beyond


def fitted(count: int, phase: Phase, build: Callable[[np.ndarray], ChartSet]) -> ChartSet:
    """Build with the Phase I estimate; with `iterate`, drop the points beyond the limits and rebuild."""
    mask = estimate_mask(count, phase)
    limit = int(phase.phase1 or count)
    chartset = build(mask)
    while phase.iterate:
        beyond = beyond_limits(chartset) & mask
        if not beyond.any():
            break
        mask &= ~beyond
        if not mask.any():
            raise StatsInputError("Every Phase I subgroup falls outside the limits: the process is not in control.")
        chartset = build(mask)
    excluded = (np.flatnonzero(~mask[:limit]) + 1).tolist()
    chartset.parameters.update(phase1=phase.phase1, excluded=excluded)
    return chartset


# ----------------------------------------------------------------------------- chart building


def collapse(value):
    """A float when every defined entry is the same (constant limits), else the per-point array."""
    if np.ndim(value) == 0:
        return float(value)
    defined = value[np.isfinite(value)]
    if defined.size and np.all(defined == defined[0]):
        return float(defined[0])
    return value


def shewhart(name, values, center, spread, tests: Tests, *, floor=None, attribute=False) -> Chart:
    """Limits centre ± K·spread (the lower one floored at `floor`) and the run-rule signals."""
    center, spread = collapse(center), collapse(spread)
    width = tests.limit_sigmas * spread
    ucl, lcl = center + width, center - width
    if floor is not None:
        lcl = np.maximum(lcl, floor)
    ucl, lcl = collapse(ucl), collapse(lcl)
    signals = run_rules.evaluate(
        values, center, spread, rules=tests.rules, k=tests.rule_k, ucl=ucl, lcl=lcl, attribute=attribute
    )
    return Chart(name, center, ucl, lcl, values, signals)


def first_four(tests: Tests) -> Tests:
    """Dispersion charts (R, S, MR) run only tests 1–4, as Minitab does; other requested tests are skipped."""
    if isinstance(tests.rules, str):
        return tests
    chosen = run_rules.resolve(tests.rules)
    return Tests([r for r in chosen if run_rules.TEST_OF[r] in run_rules.ATTRIBUTE_TESTS], tests.rule_k)


def size_factor(n: np.ndarray, factor, minimum: int = 2) -> np.ndarray | float:
    """constants.factor(nᵢ) per subgroup (once when all sizes agree), NaN below `minimum`."""
    usable = n[n >= minimum]
    if usable.size and usable.min() == usable.max() and usable.size == n.size:
        return factor(int(usable[0]))
    values = np.full(n.size, np.nan)
    values[n >= minimum] = factor(n[n >= minimum])
    return values


def as_float(n) -> np.ndarray:
    return np.asarray(n, dtype=float)


def sizes_parameter(n: np.ndarray):
    present = n[n > 0]
    return int(present[0]) if present.size and np.all(present == present[0]) else n.tolist()


# ----------------------------------------------------------------------------- sigma estimators


def usable_groups(groups: Groups, use: np.ndarray) -> np.ndarray:
    usable = use & (groups.n >= 2)
    if not usable.any():
        raise StatsInputError("No subgroup of the estimate has two or more values to estimate sigma from.")
    return usable


def sigma_rbar(groups: Groups, use: np.ndarray) -> float:
    usable = usable_groups(groups, use)
    n, ranges = groups.n[usable], groups.ranges[usable]
    d2 = size_factor(n, constants.d2)
    weights = (d2 / size_factor(n, constants.d3)) ** 2 * np.ones(n.size)
    return float(np.sum(weights * ranges / d2) / np.sum(weights))


def sigma_sbar(groups: Groups, use: np.ndarray) -> float:
    usable = usable_groups(groups, use)
    c4 = size_factor(groups.n[usable], constants.c4)
    weights = c4 * c4 / (1 - c4 * c4) * np.ones(int(usable.sum()))
    return float(np.sum(weights * groups.sds[usable] / c4) / np.sum(weights))


def sigma_pooled(groups: Groups, use: np.ndarray) -> float:
    usable = usable_groups(groups, use)
    freedom = groups.n[usable] - 1
    pooled = np.sqrt(np.sum(freedom * groups.sds[usable] ** 2) / freedom.sum())
    return float(pooled / constants.c4(int(freedom.sum()) + 1))


SIGMA_ESTIMATORS = {"rbar/d2": sigma_rbar, "sbar/c4": sigma_sbar, "pooled": sigma_pooled}


def checked_sigma(value: float) -> float:
    if not np.isfinite(value) or value <= 0:
        raise StatsInputError("The data show no variation within subgroups: sigma is 0 and no limits can be drawn.")
    return float(value)


def known(value, name: str) -> float | None:
    if value is None:
        return None
    if not np.isfinite(value):
        raise StatsInputError(f"The known {name} must be a finite number.")
    return float(value)


def moving_ranges(values: np.ndarray) -> np.ndarray:
    ranges = np.full(values.size, np.nan)
    np.abs(np.subtract(values[1:], values[:-1]), out=ranges[1:])
    return ranges


def sigma_mrbar(values: np.ndarray, ranges: np.ndarray, use: np.ndarray) -> float:
    pairs = use[1:] & use[:-1] & np.isfinite(ranges[1:])
    if not pairs.any():
        raise StatsInputError("Two consecutive values are needed to estimate sigma from moving ranges.")
    return checked_sigma(float(ranges[1:][pairs].mean() / constants.d2(2)))


def mean_of(values: np.ndarray, use: np.ndarray) -> float:
    chosen = values[use]
    chosen = chosen[np.isfinite(chosen)]
    if chosen.size == 0:
        raise StatsInputError("The points of the estimate hold no values.")
    return float(chosen.mean())
