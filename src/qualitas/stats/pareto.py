"""Pareto analysis: categories ranked by count, with percentages and the vital few.

Ranking is by count, largest first; equal counts are ordered by label so the same data always
give the same chart. The vital few are the smallest set of top-ranked categories whose
cumulative share reaches the threshold (80 % by default), taken over the full ranking. With
`top=K` the categories beyond the first K are summed into one "Other" bar, drawn last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualitas.stats.results import StatsInputError


@dataclass(frozen=True)
class Pareto:
    """Categories in chart order with their counts, percentages and cumulative percentages."""

    categories: tuple[str, ...]
    counts: np.ndarray
    percent: np.ndarray
    cumulative_percent: np.ndarray
    vital_few: tuple[str, ...]
    threshold: float = 0.8
    total: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "categories": list(self.categories),
            "counts": [_number(c) for c in self.counts],
            "percent": [float(p) for p in self.percent],
            "cumulative_percent": [float(p) for p in self.cumulative_percent],
            "vital_few": list(self.vital_few),
            "threshold": self.threshold,
            "total": _number(self.total),
        }


def pareto(
    items: Mapping[Any, float] | Iterable[Any],
    *,
    threshold: float = 0.8,
    top: int | None = None,
    other_label: str = "Other",
) -> Pareto:
    """Rank `items` (a mapping label → count, or an iterable of labels to be counted)."""
    if not 0 < threshold <= 1:
        raise StatsInputError(f"The vital-few threshold must be a fraction in (0, 1], not {threshold!r}.")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise StatsInputError(f"The number of categories to show must be a positive whole number, not {top!r}.")
    labels, counts = _ranked(_tally(items))
    total = float(counts.sum())
    if total <= 0:
        raise StatsInputError("A Pareto chart needs at least one category with a count above zero.")
    vital_few = labels[: _vital_count(counts, total, threshold)]
    if top is not None and top < len(labels):
        if other_label in labels[:top]:
            raise StatsInputError(f"The label {other_label!r} is already a category; choose another other_label.")
        labels = (*labels[:top], other_label)
        counts = np.append(counts[:top], counts[top:].sum())
    percent = counts / total * 100.0
    return Pareto(labels, counts, percent, np.cumsum(percent), vital_few, threshold, total)


def _tally(items: Mapping[Any, float] | Iterable[Any]) -> dict[str, float]:
    """Counts per label from a mapping (validated) or from an iterable of labels (counted)."""
    if isinstance(items, (str, bytes)):
        raise StatsInputError("Pareto items must be a mapping of category to count or a list of categories.")
    if not isinstance(items, Mapping):
        items = Counter(str(label) for label in items)
    tally: dict[str, float] = {}
    for label, count in items.items():
        key = str(label)
        if key in tally:
            raise StatsInputError(f"The category {key!r} appears more than once.")
        if isinstance(count, bool) or not isinstance(count, (int, float, np.integer, np.floating)):
            raise StatsInputError(f"The count for {key!r} must be a number, not {count!r}.")
        if not np.isfinite(count) or count < 0:
            raise StatsInputError(f"The count for {key!r} must be zero or more, not {count!r}.")
        tally[key] = count
    if not tally:
        raise StatsInputError("A Pareto chart needs at least one category.")
    return tally


def _ranked(tally: dict[str, float]) -> tuple[tuple[str, ...], np.ndarray]:
    ordered = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    return tuple(label for label, _ in ordered), np.array([count for _, count in ordered])


def _vital_count(counts: np.ndarray, total: float, threshold: float) -> int:
    """How many top categories it takes for the cumulative share to reach the threshold."""
    shares = np.cumsum(counts) / total
    # A tolerance keeps 4 categories of 20 % each from missing an 80 % threshold by rounding.
    return int(np.searchsorted(shares, threshold - 1e-12, side="left")) + 1


def _number(value: Any) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value
