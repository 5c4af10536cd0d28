"""Process capability for a normally distributed characteristic.

Within (potential) indices Cp, Cpl, Cpu, Cpk use the within-subgroup sigma; overall
(performance) indices Pp, Ppl, Ppu, Ppk use the sample standard deviation of all values (n − 1).
Cpm is Taguchi's index, estimated from all values as Minitab does,
τ = √(Σ(x − T)²/(N − 1)); the target defaults to the middle of a two-sided tolerance.

Within sigma (`within=`):
  "rbar"    R̄/d2 (qcc's default for an X̄ chart; unequal sizes weighted by d2²/d3²)
  "sbar"    S̄/c4 (unequal sizes weighted by c4²/(1 − c4²))
  "pooled"  pooled s / c4(d + 1), d = Σ(nᵢ − 1) (Minitab's default for subgroups)
  "mrbar"   MR̄/d2(2) for individual values
  "auto"    "rbar" for subgroups, "mrbar" for individuals.

Confidence intervals (two-sided, `confidence`):
  Cp, Pp     chi-square: Ĉ·√(χ²(α/2, ν)/ν) … Ĉ·√(χ²(1 − α/2, ν)/ν)
  Cpl, Cpu, Cpk, Ppl, Ppu, Ppk   Bissell (1990): Ĉ ∓ z(1 − α/2)·√(1/(9N) + Ĉ²/(2ν))
  Cpm        Boyles (1991): Ĉpm·√(χ²(α/2, ν)/ν) …, ν = N(1 + ξ²)²/(1 + 2ξ²), ξ = (x̄ − T)/s
For overall indices ν = N − 1. For within indices ν is the degrees of freedom Minitab gives the
within-sigma estimator: pooled Σ(nᵢ − 1); R̄ 0.9·k·(n̄ − 1); S̄ fₙ·k·(n̄ − 1); MR̄ the number of
moving ranges. qcc uses N − 1 for every index; pass `within_df=N - 1` to reproduce it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from qualitas.stats import constants
from qualitas.stats.results import StatsInputError

WITHIN_METHODS = ("auto", "rbar", "sbar", "pooled", "mrbar")
_ESTIMATOR_NAMES = {"rbar": "rbar/d2", "sbar": "sbar/c4", "pooled": "pooled", "mrbar": "mrbar/d2", "given": "given"}
# Minitab's adjustment factors fₙ for the degrees of freedom of S̄/c4 (n = 65 and over: 1).
_SBAR_DF_FACTORS = {2: 0.88, 3: 0.92, 4: 0.94, 5: 0.95, 6: 0.96, 7: 0.96, 8: 0.97, 9: 0.97}
_MIN_VALUES_ADVISED = 30


@dataclass(frozen=True)
class Capability:
    """Capability indices, their confidence intervals, expected and observed ppm, and normality."""

    n: int
    mean: float
    sigma_within: float | None
    sigma_overall: float
    within: str
    within_df: float | None
    lsl: float | None
    usl: float | None
    target: float | None
    confidence: float
    cp: float | None = None
    cpl: float | None = None
    cpu: float | None = None
    cpk: float | None = None
    pp: float | None = None
    ppl: float | None = None
    ppu: float | None = None
    ppk: float | None = None
    cpm: float | None = None
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    ppm: dict[str, dict[str, float | None]] = field(default_factory=dict)
    normality: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean": self.mean,
            "sigma_within": self.sigma_within,
            "sigma_overall": self.sigma_overall,
            "within": self.within,
            "within_df": self.within_df,
            "lsl": self.lsl,
            "usl": self.usl,
            "target": self.target,
            "confidence": self.confidence,
            **{name: getattr(self, name) for name in ("cp", "cpl", "cpu", "cpk", "pp", "ppl", "ppu", "ppk", "cpm")},
            "ci": {name: [low, high] for name, (low, high) in self.ci.items()},
            "ppm": {kind: dict(values) for kind, values in self.ppm.items()},
            "normality": dict(self.normality),
            "warnings": list(self.warnings),
        }


def capability(
    values: Any,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    subgroups: Any = None,
    sigma_within: float | None = None,
    within: str = "auto",
    confidence: float = 0.95,
    within_df: float | None = None,
) -> Capability:
    """Capability of `values` against the specification limits.

    `values` are individual values (1-D), subgroups as rows of a NaN-padded 2-D array or a list
    of 1-D arrays, or 1-D values split by `subgroups`: a constant subgroup size, or one subgroup
    label per value. `sigma_within` replaces the estimate (a historical sigma, say); its degrees
    of freedom are then taken as N − 1 unless `within_df` says otherwise.
    """
    lsl, usl, target = _specification(lsl, usl, target)
    if not 0 < confidence < 1:
        raise StatsInputError(f"The confidence level must lie between 0 and 1, not {confidence!r}.")
    matrix, series, missing = _grouped(values, subgroups)
    data = matrix[np.isfinite(matrix)] if matrix is not None else series[np.isfinite(series)]
    if data.size < 2:
        raise StatsInputError("A capability study needs at least 2 values.")
    mean, sigma_overall = float(data.mean()), float(data.std(ddof=1))
    method, sigma_w, df_w = _within_sigma(matrix, series, within, sigma_within)
    df_w = _checked_df(within_df) if within_df is not None else (df_w if df_w is not None else data.size - 1.0)
    indices = _indices(mean, sigma_w, lsl, usl, prefix="c") | _indices(mean, sigma_overall, lsl, usl, prefix="p")
    indices["cpm"] = _cpm(data, lsl, usl, target)
    normality = anderson_darling(data)
    return Capability(
        n=int(data.size),
        mean=mean,
        sigma_within=sigma_w,
        sigma_overall=sigma_overall,
        within=_ESTIMATOR_NAMES[method],
        within_df=df_w,
        lsl=lsl,
        usl=usl,
        target=target,
        confidence=confidence,
        ci=_intervals(indices, data, target, confidence, df_w),
        ppm=_ppm(data, mean, sigma_w, sigma_overall, lsl, usl),
        normality=normality,
        warnings=_warnings(data.size, missing, sigma_w, sigma_overall, normality),
        **indices,
    )


def anderson_darling(values: Any) -> dict[str, Any]:
    """Anderson–Darling test of normality with mean and standard deviation estimated (n − 1).

    `statistic` is A² as Minitab and R's nortest print it; `adjusted_statistic` is
    A*² = A²(1 + 0.75/n + 2.25/n²), from which the p-value follows by D'Agostino and
    Stephens (1986), Table 4.9. Fewer than 3 values, or no variation, give no test.
    """
    data = np.sort(np.asarray(values, dtype=float))
    n, sd = data.size, (float(data.std(ddof=1)) if data.size > 1 else 0.0)
    result: dict[str, Any] = {"test": "anderson-darling", "statistic": None, "adjusted_statistic": None}
    result |= {"p_value": None, "normal": None}
    if n < 3 or sd == 0:
        return result
    z = (data - data.mean()) / sd
    weights = 2 * np.arange(1, n + 1) - 1
    # Logarithms of Φ and 1 − Φ computed directly stay finite for extreme order statistics.
    a2 = float(-n - np.sum(weights * (stats.norm.logcdf(z) + stats.norm.logsf(z[::-1]))) / n)
    adjusted = a2 * (1 + 0.75 / n + 2.25 / n**2)
    p_value = _anderson_darling_p(adjusted)
    return result | {"statistic": a2, "adjusted_statistic": adjusted, "p_value": p_value, "normal": p_value >= 0.05}


def _anderson_darling_p(adjusted: float) -> float:
    """D'Agostino & Stephens (1986) Table 4.9 for the normal case with both parameters estimated."""
    a = adjusted
    if a < 0.2:
        p = 1 - np.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    elif a < 0.34:
        p = 1 - np.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    elif a < 0.6:
        p = np.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a < 10:
        p = np.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    else:
        p = 3.7e-24  # beyond the fitted range; the formula's value at 10, as R's nortest returns
    return float(min(max(p, 0.0), 1.0))


def _specification(lsl: Any, usl: Any, target: Any) -> tuple[float | None, float | None, float | None]:
    lsl, usl, target = (_finite_or_none(v, name) for v, name in ((lsl, "LSL"), (usl, "USL"), (target, "target")))
    if lsl is None and usl is None:
        raise StatsInputError("Give at least one specification limit (LSL or USL).")
    if lsl is not None and usl is not None:
        if lsl >= usl:
            raise StatsInputError(f"The LSL ({lsl:g}) must be below the USL ({usl:g}).")
        if target is None:
            target = (lsl + usl) / 2
    if target is not None and ((lsl is not None and target < lsl) or (usl is not None and target > usl)):
        raise StatsInputError(f"The target ({target:g}) must lie within the specification limits.")
    return lsl, usl, target


def _finite_or_none(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StatsInputError(f"The {name} must be a number, not {value!r}.")
    if isinstance(value, bool) or not np.isfinite(number):
        raise StatsInputError(f"The {name} must be a finite number, not {value!r}.")
    return number


def _grouped(values: Any, subgroups: Any) -> tuple[np.ndarray | None, np.ndarray | None, int]:
    """(subgroups as NaN-padded rows, or None; individual values in order, or None; missing count).

    Subgroups are used when any holds two or more values; otherwise the values are individuals,
    kept in order with their gaps so that no moving range spans a missing value.
    """
    if subgroups is None and _is_ragged(values):
        rows = [_numbers(row) for row in values]
        missing = int(sum(np.isnan(row).sum() for row in rows))
        matrix = np.full((len(rows), max(row.size for row in rows)), np.nan)
        for index, row in enumerate(rows):
            matrix[index, : row.size] = row
    else:
        array = _numbers(values)
        # NaN in a 2-D table pads subgroups of unequal size; in a list of values it is a missing value.
        missing = int(np.isnan(array).sum()) if array.ndim == 1 else 0
        if array.ndim == 1:
            matrix = _split(array, subgroups)
        elif array.ndim == 2:
            matrix = array
        else:
            raise StatsInputError("Values must be a list of numbers or a table of subgroups.")
    present = np.isfinite(matrix)
    sizes = present.sum(axis=1)
    if sizes.size == 0 or sizes.max() <= 1:
        series = np.where(sizes > 0, np.nansum(np.where(present, matrix, 0.0), axis=1), np.nan)
        return None, series, missing
    return matrix[sizes > 0], None, missing


def _is_ragged(values: Any) -> bool:
    return isinstance(values, (list, tuple)) and len(values) > 0 and all(np.ndim(row) == 1 for row in values)


def _numbers(values: Any) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise StatsInputError("Values must be numbers (use NaN or an empty cell for a missing value).")
    if np.isinf(array).any():
        raise StatsInputError("Values must be finite numbers.")
    return array


def _split(values: np.ndarray, subgroups: Any) -> np.ndarray:
    """Rows of individual values, of consecutive subgroups of a constant size, or of subgroups by label."""
    if subgroups is None:
        return values[:, None]
    if isinstance(subgroups, (int, np.integer)) and not isinstance(subgroups, bool):
        if subgroups < 1:
            raise StatsInputError(f"The subgroup size must be a positive whole number, not {subgroups!r}.")
        padded = np.full(-(-values.size // subgroups) * subgroups, np.nan)
        padded[: values.size] = values
        return padded.reshape(-1, subgroups)
    labels = np.asarray(subgroups)
    if labels.ndim != 1 or labels.size != values.size:
        raise StatsInputError("Give one subgroup label per value, or a constant subgroup size.")
    _, first_seen, codes = np.unique(labels, return_index=True, return_inverse=True)
    codes = np.argsort(np.argsort(first_seen))[codes]  # number subgroups in order of first appearance
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    starts = np.cumsum(counts) - counts
    matrix = np.full((counts.size, counts.max()), np.nan)
    matrix[codes[order], np.arange(values.size) - starts[codes[order]]] = values[order]
    return matrix


def _within_sigma(
    matrix: np.ndarray | None, series: np.ndarray | None, within: str, given: float | None
) -> tuple[str, float | None, float | None]:
    """(estimator, within sigma, its degrees of freedom or None when unknown)."""
    if within not in WITHIN_METHODS:
        raise StatsInputError(f"Unknown within-sigma method {within!r}; use one of {', '.join(WITHIN_METHODS)}.")
    if given is not None:
        sigma = _finite_or_none(given, "within sigma")
        if sigma <= 0:
            raise StatsInputError("A given within sigma must be above zero.")
        return "given", sigma, None
    subgrouped = matrix is not None
    method = within if within != "auto" else ("rbar" if subgrouped else "mrbar")
    if (method == "mrbar") == subgrouped:
        kind = "individual values" if method == "mrbar" else "subgroups"
        raise StatsInputError(f"The {method} estimate of within sigma applies to {kind} only.")
    if method == "mrbar":
        return method, *_moving_range_sigma(series)
    usable = matrix[np.isfinite(matrix).sum(axis=1) >= 2]
    return method, *{"rbar": _range_sigma, "sbar": _stdev_sigma, "pooled": _pooled_sigma}[method](usable)


def _moving_range_sigma(series: np.ndarray) -> tuple[float, float]:
    ranges = np.abs(np.diff(series))
    ranges = ranges[np.isfinite(ranges)]
    if ranges.size == 0:
        raise StatsInputError("Within sigma needs at least two consecutive values for a moving range.")
    return float(ranges.mean() / constants.d2(2)), float(ranges.size)


def _range_sigma(matrix: np.ndarray) -> tuple[float, float]:
    sizes = np.isfinite(matrix).sum(axis=1)
    ranges = np.nanmax(matrix, axis=1) - np.nanmin(matrix, axis=1)
    d2, d3 = constants.d2(sizes), constants.d3(sizes)
    weights = d2**2 / d3**2
    return float(np.sum(weights * ranges / d2) / weights.sum()), 0.9 * sizes.size * (sizes.mean() - 1)


def _stdev_sigma(matrix: np.ndarray) -> tuple[float, float]:
    sizes = np.isfinite(matrix).sum(axis=1)
    deviations = np.nanstd(matrix, axis=1, ddof=1)
    c4 = constants.c4(sizes)
    weights = c4**2 / (1 - c4**2)
    mean_size = sizes.mean()
    factor = _SBAR_DF_FACTORS.get(round(mean_size), 0.98 if mean_size < 18 else 0.99 if mean_size < 65 else 1.0)
    return float(np.sum(weights * deviations / c4) / weights.sum()), factor * sizes.size * (mean_size - 1)


def _pooled_sigma(matrix: np.ndarray) -> tuple[float, float]:
    sizes = np.isfinite(matrix).sum(axis=1)
    variances = np.nanvar(matrix, axis=1, ddof=1)
    df = int(np.sum(sizes - 1))
    pooled = np.sqrt(np.sum((sizes - 1) * variances) / df)
    return float(pooled / constants.c4(df + 1)), float(df)


def _checked_df(value: Any) -> float:
    df = _finite_or_none(value, "within degrees of freedom")
    if df <= 0:
        raise StatsInputError("The within degrees of freedom must be above zero.")
    return df


def _indices(mean: float, sigma: float | None, lsl: float | None, usl: float | None, *, prefix: str) -> dict:
    """Cp/Cpl/Cpu/Cpk (prefix "c") or Pp/Ppl/Ppu/Ppk (prefix "p"); None where undefined."""
    names = [prefix + "p", prefix + "pl", prefix + "pu", prefix + "pk"]
    if not sigma:
        return dict.fromkeys(names)
    lower = (mean - lsl) / (3 * sigma) if lsl is not None else None
    upper = (usl - mean) / (3 * sigma) if usl is not None else None
    spread = (usl - lsl) / (6 * sigma) if lower is not None and upper is not None else None
    worst = min(v for v in (lower, upper) if v is not None)
    return dict(zip(names, (spread, lower, upper, worst), strict=True))


def _cpm(data: np.ndarray, lsl: float | None, usl: float | None, target: float | None) -> float | None:
    """Taguchi's Cpm; for an off-centre target the nearer limit sets the allowance (Minitab)."""
    if target is None:
        return None
    tau = np.sqrt(np.sum((data - target) ** 2) / (data.size - 1))
    allowances = [target - lsl] if lsl is not None else []
    allowances += [usl - target] if usl is not None else []
    return float(min(allowances) / (3 * tau)) if tau > 0 else None


def _intervals(indices: dict, data: np.ndarray, target: float | None, confidence: float, df_w: float) -> dict:
    alpha, n, df_overall = 1 - confidence, data.size, data.size - 1.0
    z = stats.norm.ppf(1 - alpha / 2)

    def chi_square(value: float, df: float) -> tuple[float, float]:
        low, high = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], df)
        return float(value * np.sqrt(low / df)), float(value * np.sqrt(high / df))

    def bissell(value: float, df: float) -> tuple[float, float]:
        # sqrt(1/(9n) + value²/(2df)) as a hypotenuse: no overflow for a huge index (a near-zero sigma)
        half = z * float(np.hypot(1 / np.sqrt(9 * n), value / np.sqrt(2 * df)))
        return float(value - half), float(value + half)

    intervals: dict[str, tuple[float, float]] = {}
    for name, value in indices.items():
        if value is None:
            continue
        df = df_overall if name.startswith("pp") else df_w
        if name in ("cp", "pp"):
            intervals[name] = chi_square(value, df)
        elif name == "cpm":
            xi = (data.mean() - target) / data.std(ddof=1) if data.std(ddof=1) > 0 else 0.0
            intervals[name] = chi_square(value, n * (1 + xi**2) ** 2 / (1 + 2 * xi**2))
        else:
            intervals[name] = bissell(value, df)
    return intervals


def _ppm(data, mean, sigma_w, sigma_overall, lsl, usl) -> dict[str, dict[str, float | None]]:
    """Parts per million below the LSL, above the USL and in total: expected and observed."""

    def expected(sigma: float | None) -> dict[str, float | None]:
        if not sigma:
            return {"below_lsl": None, "above_usl": None, "total": None}
        below = float(stats.norm.cdf((lsl - mean) / sigma) * 1e6) if lsl is not None else None
        above = float(stats.norm.sf((usl - mean) / sigma) * 1e6) if usl is not None else None
        return {"below_lsl": below, "above_usl": above, "total": (below or 0.0) + (above or 0.0)}

    below = float(np.count_nonzero(data < lsl) / data.size * 1e6) if lsl is not None else None
    above = float(np.count_nonzero(data > usl) / data.size * 1e6) if usl is not None else None
    observed = {"below_lsl": below, "above_usl": above, "total": (below or 0.0) + (above or 0.0)}
    return {"expected_within": expected(sigma_w), "expected_overall": expected(sigma_overall), "observed": observed}


def _warnings(n: int, missing: int, sigma_w: float | None, sigma_overall: float, normality: dict) -> tuple[str, ...]:
    notes = []
    if missing:
        notes.append(f"{missing} missing value{'s were' if missing > 1 else ' was'} left out.")
    if n < _MIN_VALUES_ADVISED:
        notes.append(f"Only {n} values: capability estimated from fewer than 30 values is imprecise.")
    if sigma_overall == 0:
        notes.append("The values show no variation, so capability indices cannot be computed.")
    elif not sigma_w:
        notes.append("The within-subgroup variation is zero, so within capability indices cannot be computed.")
    if normality["p_value"] is not None and normality["p_value"] < 0.05:
        notes.append(
            f"The values do not look normal (Anderson-Darling p = {normality['p_value']:.3g} < 0.05); "
            "normal-based indices and ppm may be misleading."
        )
    return tuple(notes)
