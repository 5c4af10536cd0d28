"""The OC curves on the item page: the plans of the three inspections at the lot size, and the
probability of acceptance at the AQL of the plan in force."""

from __future__ import annotations

from qualitas.inspections import charting


def test_oc_chart_of_a_lot_of_500_at_aql_1():
    chart = charting.oc_chart(500, "1.0", "II", "normal")
    plans = {name: (p.n, p.ac, p.re) for name, p in chart["plans"].items()}
    assert plans == {"normal": (50, 1, 2), "tightened": (80, 1, 2), "reduced": (20, 0, 2)}
    # Binomial: P(X ≤ 1 | n 50, p 0.01) = 0.99^50 + 50 · 0.01 · 0.99^49 = 0.9106.
    assert round(chart["at_aql"], 1) == 91.1
    assert chart["svg"].startswith("<svg") and "Normal n 50 Ac 1 Re 2" in chart["svg"]


def test_reduced_inspection_accepts_up_to_re_minus_one():
    # Reduced H at AQL 1.0: n 20, Ac 0, Re 2; a count of 1 accepts the lot: P(X ≤ 1 | 20, 0.01) = 0.9831.
    chart = charting.oc_chart(500, "1.0", "II", "reduced")
    assert round(chart["at_aql"], 1) == 98.3
