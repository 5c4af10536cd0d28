"""The OC curve of an item's plan (ISO 2859-1): probability of acceptance against the fraction
nonconforming, for the plan in force and the other two severities at the same lot size, drawn with
the shared line chart (qualitas.core.charts)."""

from __future__ import annotations

import numpy as np

from qualitas.core.charts import line_chart
from qualitas.stats import sampling

POINTS = 21


def _top(plans: dict[str, sampling.SamplingPlan]) -> float:
    """A fraction nonconforming where every curve has fallen below 2 %, rounded up to a tidy percent."""
    grid = np.linspace(0.0005, 0.5, 1000)
    top = 0.01
    for inspection, chosen in plans.items():
        pa = sampling.oc_curve(chosen.n, _acceptance(chosen, inspection), grid)
        below = grid[pa < 0.02]
        top = max(top, float(below[0]) if below.size else 0.5)
    for step in (0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5):
        if top <= step:
            return step
    return 0.5


def _acceptance(chosen: sampling.SamplingPlan, inspection: str) -> int:
    """The largest count with which the lot is accepted: Ac, or Re − 1 on reduced inspection, whose
    counts between Ac and Re accept the lot (and return to normal inspection)."""
    return chosen.re - 1 if inspection == sampling.REDUCED else chosen.ac


def oc_plans(lot_size: int, aql: str, level: str) -> dict[str, sampling.SamplingPlan]:
    return {inspection: sampling.plan(lot_size, aql, level=level, inspection=inspection)
            for inspection in sampling.INSPECTIONS}


def oc_chart(lot_size: int, aql: str, level: str, current: str) -> dict:
    """The SVG of the curves and, for the plan in force, the probability of acceptance at the AQL."""
    plans = oc_plans(lot_size, aql, level)
    top = _top(plans)
    fractions = np.linspace(0, top, POINTS)
    labels = [f"{p * 100:.3g}%" for p in fractions]
    series = {}
    order = [current, *[i for i in sampling.INSPECTIONS if i != current]] if current in plans else list(plans)
    for inspection in order:
        chosen = plans[inspection]
        pa = sampling.oc_curve(chosen.n, _acceptance(chosen, inspection), fractions) * 100
        name = f"{inspection.capitalize()} n {chosen.n} Ac {chosen.ac} Re {chosen.re}"
        series[name] = [round(float(v), 1) for v in pa]
    in_force = plans.get(current)
    at_aql = None
    if in_force is not None:
        at_aql = float(sampling.oc_curve(in_force.n, _acceptance(in_force, current),
                                         min(float(aql) / 100, 1.0))) * 100
    svg = line_chart(labels, series, title=f"OC curves, lot of {lot_size}, AQL {aql}, level {level}",
                     unit="%", max_value=100)
    return {"svg": svg, "plans": plans, "at_aql": at_aql, "lot_size": lot_size, "aql": aql, "current": current,
            "in_force": in_force}
