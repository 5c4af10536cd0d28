"""Tests for special causes: Nelson's eight (Minitab's tests 1–8) and the four Western Electric rules.

Each test has Minitab's configurable K (defaults in `DEFAULT_K`):

    nelson-1  1 point more than K σ from the centre line (or beyond the given UCL/LCL)
    nelson-2  K points in a row on the same side of the centre line
    nelson-3  K points in a row, all increasing or all decreasing (K − 1 rises or falls)
    nelson-4  K points in a row, alternating up and down
    nelson-5  K out of K+1 points more than 2 σ from the centre line, same side
    nelson-6  K out of K+1 points more than 1 σ from the centre line, same side
    nelson-7  K points in a row within 1 σ of the centre line, either side
    nelson-8  K points in a row more than 1 σ from the centre line, either side

The Western Electric rules are the same tests with their own K: we-1 = test 1 (3 σ), we-2 = test 5
(2 of 3), we-3 = test 6 (4 of 5), we-4 = test 2 with K = 8.

Conventions (those of Minitab and R's qcc):
- a signal is reported at the point that completes the pattern, and at every later point that
  extends it (a run of 10 on one side signals test 2 at points 9 and 10);
- "beyond" is strict (|z| > 1, > 2, > K); "within 1 σ" for test 7 includes the 1 σ line;
- a point exactly on the centre line belongs to neither side and breaks a same-side run; a tie
  between neighbours breaks a trend (test 3) and an alternation (test 4);
- tests 5 and 6 count only points beyond the zone on the completing point's side, and the
  completing point must itself be beyond it; at the start of the series, K such points among the
  first K count (the missing earlier point cannot undo "K out of K+1");
- a missing point (NaN value, centre or σ) meets no condition: it breaks every run and never
  counts towards, or completes, a pattern;
- σ may differ per point (variable subgroup sizes): the tests are judged on z = (x − centre)/σ.
  Trends (tests 3, 4) compare the raw values when centre and σ are constant, else the z-scores.

Attribute charts (and the dispersion charts R, S, MR) use tests 1–4 only, as Minitab does.
Everything is vectorised: each test is a few passes over boolean arrays, windows are counted with
cumulative sums.
"""

from __future__ import annotations

import gc
import numbers
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from qualitas.stats.results import Signal, StatsInputError

NELSON = tuple(f"nelson-{test}" for test in range(1, 9))
WESTERN_ELECTRIC = tuple(f"we-{test}" for test in range(1, 5))
RULE_SETS = {"nelson": NELSON, "we": WESTERN_ELECTRIC, "none": ()}

DEFAULT_K = {
    "nelson-1": 3.0,
    "nelson-2": 9,
    "nelson-3": 6,
    "nelson-4": 14,
    "nelson-5": 2,
    "nelson-6": 4,
    "nelson-7": 15,
    "nelson-8": 8,
    "we-1": 3.0,
    "we-2": 2,
    "we-3": 4,
    "we-4": 8,
}

# Which of Minitab's eight tests each rule id performs.
TEST_OF = {**{rule: int(rule.split("-")[1]) for rule in NELSON}, "we-1": 1, "we-2": 5, "we-3": 6, "we-4": 2}
ATTRIBUTE_TESTS = frozenset({1, 2, 3, 4})
# The smallest K each test makes sense with (test 3 needs one rise, test 4 one turn).
_SMALLEST_K = {2: 1, 3: 2, 4: 3, 5: 1, 6: 1, 7: 1, 8: 1}


def resolve(rules: str | Iterable[str] | None, *, attribute: bool = False) -> tuple[str, ...]:
    """The rule ids to run: a named set ("nelson", "we", "none") or an explicit list of ids.

    A named set on an attribute (or dispersion) chart quietly keeps its tests 1–4; an explicit
    request for another test there is an error.
    """
    if rules is None:
        return ()
    if isinstance(rules, str):
        if rules not in RULE_SETS:
            raise StatsInputError(f"Unknown rule set {rules!r}: use 'nelson', 'we', 'none' or a list of rule ids.")
        chosen = RULE_SETS[rules]
        return tuple(r for r in chosen if TEST_OF[r] in ATTRIBUTE_TESTS) if attribute else chosen
    chosen = tuple(dict.fromkeys(rules))
    unknown = [r for r in chosen if r not in TEST_OF]
    if unknown:
        raise StatsInputError(f"Unknown rule {unknown[0]!r}: rule ids are nelson-1 … nelson-8 and we-1 … we-4.")
    if attribute:
        refused = [r for r in chosen if TEST_OF[r] not in ATTRIBUTE_TESTS]
        if refused:
            raise StatsInputError(f"Rule {refused[0]} does not apply to this chart: only tests 1–4 do.")
    return chosen


def k_values(k: Mapping[str, float] | None) -> dict[str, float]:
    """Minitab's defaults overridden by `k` (rule id → K), each K checked for its test."""
    merged = dict(DEFAULT_K)
    for rule, value in (k or {}).items():
        if rule not in TEST_OF:
            raise StatsInputError(f"Unknown rule {rule!r} in K: rule ids are nelson-1 … nelson-8 and we-1 … we-4.")
        test = TEST_OF[rule]
        number = isinstance(value, numbers.Real) and np.isfinite(value)
        if test == 1:
            if not (number and value > 0):
                raise StatsInputError(f"K for {rule} must be a positive number, not {value!r}.")
            merged[rule] = float(value)
        elif not (number and value == int(value) and value >= _SMALLEST_K[test]):
            smallest = _SMALLEST_K[test]
            raise StatsInputError(f"K for {rule} must be a whole number of at least {smallest}, not {value!r}.")
        else:
            merged[rule] = int(value)
    return merged


def _running_total(signs: np.ndarray) -> np.ndarray:
    return np.cumsum(signs, dtype=np.int32)


def _window_sums(total: np.ndarray, width: int) -> np.ndarray:
    """From a running total, the sum over the last `width` points ending at each point (fewer at the start).

    With signs in {−1, 0, +1}, a window sum of +width (−width) means all `width` points are +1 (−1),
    so one running total serves both sides of a test and several window widths; the partial
    windows at the start never reach ±width.
    """
    if width >= total.size:
        return total
    window = total.copy()
    window[width:] -= total[:-width]
    return window


def _signs(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    return positive.view(np.int8) - negative.view(np.int8)


class _Points:
    """The plotted points, with the z-scores and sign arrays computed once and shared by the tests."""

    def __init__(self, values, center, sigma, ucl, lcl):
        self.x = _series(values, "values")
        size = self.x.size
        self.center = _per_point(center, size, "center")
        self.sigma = _per_point(sigma, size, "sigma")
        if np.any(self.sigma <= 0):
            raise StatsInputError("Sigma must be positive to evaluate run rules.")
        self.ucl = None if ucl is None else _per_point(ucl, size, "ucl")
        self.lcl = None if lcl is None else _per_point(lcl, size, "lcl")
        self._beyond: dict[tuple[float, int], np.ndarray] = {}

    @cached_property
    def z(self) -> np.ndarray:
        z = np.subtract(self.x, self.center)
        z /= self.sigma
        return z

    def beyond(self, zone: float, side: int) -> np.ndarray:
        key = (float(zone), side)
        if key not in self._beyond:
            self._beyond[key] = self.z > zone if side > 0 else self.z < -zone
        return self._beyond[key]

    @cached_property
    def sides(self) -> np.ndarray:
        """Running total of +1 above the centre line, −1 below, 0 on it or missing."""
        return _running_total(_signs(self.z > 0, self.z < 0))

    @cached_property
    def zone_c(self) -> np.ndarray:
        """Running total of +1 more than 1 σ from the centre line, −1 within 1 σ, 0 missing."""
        outside = self.beyond(1, +1) | self.beyond(1, -1)
        within = ~outside
        within &= ~np.isnan(self.z)
        return _running_total(_signs(outside, within))

    @cached_property
    def steps(self) -> np.ndarray:
        """+1 for a rise from the previous point, −1 for a fall, 0 for a tie or a missing neighbour.

        Raw values are compared under constant limits, z-scores under variable ones.
        """
        constant = np.ndim(self.center) == 0 and np.ndim(self.sigma) == 0
        trace = self.x if constant else self.z
        return _signs(trace[1:] > trace[:-1], trace[1:] < trace[:-1])

    @cached_property
    def steps_total(self) -> np.ndarray:
        return _running_total(self.steps)


def _series(values, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise StatsInputError(f"The {name} must be numbers.")
    if array.ndim != 1:
        raise StatsInputError(f"The {name} must be a one-dimensional series.")
    return array


def _per_point(value, size: int, name: str) -> float | np.ndarray:
    if np.ndim(value) == 0:
        return float(value)
    array = _series(value, name)
    if array.size != size:
        raise StatsInputError(f"The {name} array has {array.size} entries for {size} points.")
    return array


def _test_1(points: _Points, k: float) -> np.ndarray:
    upper = points.x > points.ucl if points.ucl is not None else points.beyond(k, +1)
    lower = points.x < points.lcl if points.lcl is not None else points.beyond(k, -1)
    return upper | lower


def _test_2(points: _Points, k: int) -> np.ndarray:
    return np.abs(_window_sums(points.sides, k)) == k


def _test_3(points: _Points, k: int) -> np.ndarray:
    flags = np.zeros(points.x.size, dtype=bool)
    flags[1:] = np.abs(_window_sums(points.steps_total, k - 1)) == k - 1
    return flags


def _test_4(points: _Points, k: int) -> np.ndarray:
    flags = np.zeros(points.x.size, dtype=bool)
    if points.x.size >= 3:
        turns = np.multiply(points.steps[1:], points.steps[:-1]) == -1
        flags[2:] = _window_sums(_running_total(turns), k - 2) == k - 2
    return flags


def _k_of_k_plus_1(points: _Points, k: int, zone: float) -> np.ndarray:
    flags = np.zeros(points.x.size, dtype=bool)
    for side in (+1, -1):
        beyond = points.beyond(zone, side)
        flags |= beyond & (_window_sums(_running_total(beyond), k + 1) >= k)
    return flags


def _test_5(points: _Points, k: int) -> np.ndarray:
    return _k_of_k_plus_1(points, k, 2.0)


def _test_6(points: _Points, k: int) -> np.ndarray:
    return _k_of_k_plus_1(points, k, 1.0)


def _test_7(points: _Points, k: int) -> np.ndarray:
    return _window_sums(points.zone_c, k) == -k


def _test_8(points: _Points, k: int) -> np.ndarray:
    return _window_sums(points.zone_c, k) == k


_TESTS = {1: _test_1, 2: _test_2, 3: _test_3, 4: _test_4, 5: _test_5, 6: _test_6, 7: _test_7, 8: _test_8}


def flags(values, center, sigma, *, rules="nelson", k=None, ucl=None, lcl=None, attribute=False) -> dict:
    """Rule id → boolean array over the points (True where that rule signals)."""
    chosen = resolve(rules, attribute=attribute)
    ks = k_values(k)
    points = _Points(values, center, sigma, ucl, lcl)
    return {rule: _TESTS[TEST_OF[rule]](points, ks[rule]) for rule in chosen}


def evaluate(values, center, sigma, *, rules="nelson", k=None, ucl=None, lcl=None, attribute=False) -> list[Signal]:
    """The signals over a series of plotted points, one `Signal` per point (1-based) with every rule it completes.

    `center` and `sigma` (the standard deviation of the plotted statistic) are scalars or per-point
    arrays. `ucl`/`lcl`, when given, are the limits of test 1 as drawn (Minitab draws them at test 1's K).
    """
    by_rule = flags(values, center, sigma, rules=rules, k=k, ucl=ucl, lcl=lcl, attribute=attribute)
    if not by_rule:
        return []
    size = next(iter(by_rule.values())).size
    mask = np.zeros(size, dtype=np.uint32)
    for bit, rule_flags in enumerate(by_rule.values()):
        mask[np.flatnonzero(rule_flags)] |= np.uint32(1 << bit)
    return signals_from_bits(mask, tuple(by_rule))


def signals_from_bits(mask: np.ndarray, rule_ids: tuple[str, ...]) -> list[Signal]:
    """One Signal per point whose bit mask is non-zero; bit b stands for rule_ids[b]."""
    points = np.flatnonzero(mask)
    if points.size == 0:
        return []
    codes = mask[points]
    names = np.empty(int(codes.max()) + 1, dtype=object)
    for code in np.flatnonzero(np.bincount(codes)).tolist():
        names[code] = tuple(rule for bit, rule in enumerate(rule_ids) if code >> bit & 1)
    with _collector_paused(points.size):
        return list(map(Signal, (points + 1).tolist(), names[codes].tolist()))


@contextmanager
def _collector_paused(count: int):
    """Creating hundreds of thousands of Signals triggers many useless cyclic-GC passes (none of them
    can form a cycle); pausing the collector halves the time. Its previous state is restored."""
    pause = count > 1_000 and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
