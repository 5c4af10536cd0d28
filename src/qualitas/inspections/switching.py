"""The persisted switching state and `qualitas.stats.sampling.SwitchingRules`, in both directions.

A `SwitchingState` row stores every field the rules carry from one lot to the next (inspection,
switching score, the last five lots on normal inspection, the run of lots accepted and the count of
lots not accepted on tightened inspection), so restoring it and recording the next lot gives exactly
what a replay of the whole lot history in one go gives (tests/inspections/test_switching_persistence.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qualitas.stats import sampling

STATE_FIELDS = ("inspection", "switching_score", "normal_window", "tightened_accepted_run", "tightened_not_accepted")
LABELS = {"normal": "Normal", "tightened": "Tightened", "reduced": "Reduced", "discontinued": "Discontinued"}


def rules_for(state, *, aql: str, level: str) -> sampling.SwitchingRules:
    """The rules where `state` stopped, for the switching class's AQL and the plan's level."""
    discontinued = state.inspection == sampling.DISCONTINUED
    rules = sampling.SwitchingRules(
        aql,
        level=level,
        inspection=sampling.TIGHTENED if discontinued else state.inspection,
        switching_score=state.switching_score,
        _normal_window=[bool(accepted) for accepted in state.normal_window],
        _tightened_accepted_run=state.tightened_accepted_run,
        _tightened_not_accepted=state.tightened_not_accepted,
    )
    if discontinued:
        rules.inspection = sampling.DISCONTINUED  # reached only through the rules; kept as stored
    return rules


def fields_of(rules: sampling.SwitchingRules) -> dict:
    """The state's fields after the rules moved on."""
    return {
        "inspection": rules.inspection,
        "switching_score": rules.switching_score,
        "normal_window": list(rules._normal_window),  # noqa: SLF001 - the rules' own carried state
        "tightened_accepted_run": rules._tightened_accepted_run,  # noqa: SLF001
        "tightened_not_accepted": rules._tightened_not_accepted,  # noqa: SLF001
    }


@dataclass(frozen=True)
class LotInput:
    """One lot as the rules see it: size, count of the switching class and the conditions of 9.3.3."""

    size: int
    nonconforming: int
    production_steady: bool = True
    authority_approves: bool = False
    resume: bool = False


def replay(lots: Iterable[LotInput], *, aql: str, level: str, start: str) -> sampling.SwitchingRules:
    """The rules after the whole history in one go (the check on the persisted state)."""
    rules = sampling.SwitchingRules(aql, level=level, inspection=start)
    for lot in lots:
        if lot.resume:
            rules.resume()
        rules.record(lot.size, lot.nonconforming, production_steady=lot.production_steady,
                     authority_approves=lot.authority_approves)
    return rules
