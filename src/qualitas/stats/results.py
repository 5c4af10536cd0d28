"""Result types shared by the chart functions, the command line, the SVG renderer and the app.

`ChartSet.to_dict()` is the public JSON contract of `qualitas stats chart --json`:
{"chart": KIND, "charts": [{"name", "center", "ucl", "lcl", "values", "signals"}], "sigma"}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Signal:
    """An out-of-control signal at `point` (1-based subgroup number), completed by `rules`."""

    point: int
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.point, "rules": list(self.rules)}


def _plain(value: Any) -> Any:
    """A JSON-friendly number or list: scalars stay scalars, arrays become lists, NaN becomes None."""
    if isinstance(value, np.ndarray):
        return [None if not np.isfinite(v) else float(v) for v in value.astype(float)]
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


@dataclass
class Chart:
    """One chart of a set (the X̄ chart of an X̄-R pair, say).

    `center`, `ucl` and `lcl` are floats for constant limits or arrays (one per point)
    for variable sample sizes and exact EWMA limits. `extra` holds chart-specific series
    (CUSUM's "lower" C⁻ list, EWMA's steady-state limits, …) that go into the JSON as-is.
    """

    name: str
    center: float | np.ndarray
    ucl: float | np.ndarray
    lcl: float | np.ndarray
    values: np.ndarray
    signals: list[Signal] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "center": _plain(self.center),
            "ucl": _plain(self.ucl),
            "lcl": _plain(self.lcl),
            "values": _plain(np.asarray(self.values, dtype=float)),
            "signals": [s.to_dict() for s in self.signals],
        }
        for key, value in self.extra.items():
            data[key] = _plain(value) if isinstance(value, (np.ndarray, float, int, np.floating)) else value
        return data


@dataclass
class ChartSet:
    """The charts for one KIND (xbar-r → [xbar, r]); `sigma` is the within-subgroup sigma used."""

    kind: str
    charts: list[Chart]
    sigma: float | None
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"chart": self.kind, "charts": [c.to_dict() for c in self.charts], "sigma": _plain(self.sigma)}


class StatsInputError(ValueError):
    """Bad input to a statistics function; the message is one clear line for the user."""
