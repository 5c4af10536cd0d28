"""Control-chart constants computed for any subgroup size n >= 2 (not looked up in a table).

d2(n) and d3(n) are the mean and standard deviation of the range of n independent standard
normal observations; c4(n) is E[s]/σ for a sample of n. From them come the usual factors
(Montgomery, Introduction to Statistical Quality Control, Appendix VI):

    A = 3/√n        A2 = 3/(d2·√n)          A3 = 3/(c4·√n)          E2 = 3/d2
    B3, B4 = 1 ∓ 3·√(1−c4²)/c4    B5, B6 = c4 ∓ 3·√(1−c4²)
    D1, D2 = d2 ∓ 3·d3            D3, D4 = 1 ∓ 3·d3/d2           (lower factors floored at 0)

Every function accepts an int or an array of ints and returns a float or an array of the same shape.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special

from qualitas.stats.results import StatsInputError

# Composite Gauss–Legendre rules: the integrands are smooth and vanish beyond these bounds
# (Φ(−9) ≈ 1e−19, P(range > 16) < n²·1e−30), so 20 nodes per unit panel reach ~1e−13.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(20)


def _panels(low: float, high: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(low, high, count + 1)
    half = np.diff(edges)[:, None] / 2
    points = (edges[:-1, None] + half * (_NODES[None, :] + 1)).ravel()
    weights = (half * _WEIGHTS[None, :]).ravel()
    return points, weights


_X, _WX = _panels(-9.0, 9.0, 18)
_W, _WW = _panels(0.0, 16.0, 16)


def _sizes(n) -> np.ndarray:
    sizes = np.asarray(n)
    if sizes.size == 0 or not np.issubdtype(sizes.dtype, np.number):
        raise StatsInputError("Subgroup sizes must be whole numbers of at least 2.")
    if np.any(~np.isfinite(sizes)) or np.any(sizes != np.round(sizes)) or np.any(sizes < 2):
        raise StatsInputError("Subgroup sizes must be whole numbers of at least 2.")
    return sizes.astype(np.int64)


def _plain(values: np.ndarray) -> float | np.ndarray:
    return float(values) if np.ndim(values) == 0 else values


def _per_size(n, compute) -> float | np.ndarray:
    sizes = _sizes(n)
    unique, inverse = np.unique(sizes, return_inverse=True)
    return _plain(np.array([compute(int(size)) for size in unique])[inverse].reshape(sizes.shape))


@lru_cache(maxsize=256)
def _range_moments(n: int) -> tuple[float, float]:
    """(d2, d3) for one n: d2 = ∫(1 − Φⁿ − (1−Φ)ⁿ)dx, E[W²] = 2∫w·P(W > w)dw (Tippett 1925)."""
    log_cdf = special.log_ndtr(_X)
    log_sf = special.log_ndtr(-_X)
    d2 = float(np.sum(_WX * (-np.expm1(n * log_cdf) - np.exp(n * log_sf))))
    # P(W ≤ w) = n∫φ(x)[Φ(x+w) − Φ(x)]^(n−1) dx; the difference is taken on the tail that keeps precision.
    x = _X[None, :]
    upper = x + _W[:, None]
    inside = np.where(x > 0, special.ndtr(-x) - special.ndtr(-upper), special.ndtr(upper) - special.ndtr(x))
    density = np.exp(-0.5 * _X**2) / np.sqrt(2 * np.pi)
    cdf_range = n * (inside ** (n - 1)) @ (_WX * density)
    second_moment = 2 * float(np.sum(_WW * _W * (1 - cdf_range)))
    return d2, float(np.sqrt(second_moment - d2 * d2))


def d2(n) -> float | np.ndarray:
    """Mean of the relative range W = R/σ of n normal observations."""
    return _per_size(n, lambda size: _range_moments(size)[0])


def d3(n) -> float | np.ndarray:
    """Standard deviation of the relative range W = R/σ of n normal observations."""
    return _per_size(n, lambda size: _range_moments(size)[1])


def c4(n) -> float | np.ndarray:
    """E[s]/σ = √(2/(n−1))·Γ(n/2)/Γ((n−1)/2)."""
    sizes = _sizes(n).astype(float)
    return _plain(np.sqrt(2 / (sizes - 1)) * np.exp(special.gammaln(sizes / 2) - special.gammaln((sizes - 1) / 2)))


# The factors keep their textbook (upper-case) names.


def A(n) -> float | np.ndarray:
    return _plain(3 / np.sqrt(_sizes(n)))


def A2(n) -> float | np.ndarray:
    return _plain(3 / (d2(n) * np.sqrt(_sizes(n))))


def A3(n) -> float | np.ndarray:
    return _plain(3 / (c4(n) * np.sqrt(_sizes(n))))


def E2(n) -> float | np.ndarray:
    return _plain(3 / d2(n))


def _c4_spread(n) -> float | np.ndarray:
    c = c4(n)
    return 3 * np.sqrt(1 - c * c)


def B3(n) -> float | np.ndarray:
    return _plain(np.maximum(0.0, 1 - _c4_spread(n) / c4(n)))


def B4(n) -> float | np.ndarray:
    return _plain(1 + _c4_spread(n) / c4(n))


def B5(n) -> float | np.ndarray:
    return _plain(np.maximum(0.0, c4(n) - _c4_spread(n)))


def B6(n) -> float | np.ndarray:
    return _plain(c4(n) + _c4_spread(n))


def D1(n) -> float | np.ndarray:
    return _plain(np.maximum(0.0, d2(n) - 3 * d3(n)))


def D2(n) -> float | np.ndarray:
    return _plain(d2(n) + 3 * d3(n))


def D3(n) -> float | np.ndarray:
    return _plain(np.maximum(0.0, 1 - 3 * d3(n) / d2(n)))


def D4(n) -> float | np.ndarray:
    return _plain(1 + 3 * d3(n) / d2(n))
