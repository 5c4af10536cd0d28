"""Fixes to `qualitas.stats.sampling.SwitchingRules` found while building inspections (issue 14)."""

from __future__ import annotations

from qualitas.stats import sampling


def test_the_lot_that_tightens_inspection_reports_the_reset_score():
    # K, AQL 1.0 normal (Ac 3, Re 4; at 0.65 Ac 2): 0 → +3, 4 → reset, 0 → +3, 4 → reset and tighten.
    # The score of 9.3.3.2 is updated for every lot on normal inspection, the one that switches included.
    rules = sampling.SwitchingRules("1.0")
    decisions = [rules.record(2000, count) for count in (0, 4, 0, 4)]
    assert [d.switching_score for d in decisions] == [3, 0, 3, 0]
    assert decisions[-1].next_inspection == "tightened"
    assert rules.switching_score == 0
