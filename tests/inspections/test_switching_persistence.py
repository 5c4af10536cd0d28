"""The persisted switching state continues exactly as a one-shot replay of the lot history.

Each lot is judged by a separate service call that restores `SwitchingRules` from the stored
`SwitchingState` and stores it back; replaying the same lots through one `SwitchingRules` in one go
must give the same decision for every lot and the same state after every lot. The history walks
through every state: normal → tightened → discontinued → (corrective action) tightened → normal →
reduced → normal, with the Ac ≥ 2 score (lot 2,000: K, AQL 1.0, Ac 3) and the Ac ≤ 1 score (lot 500: H, Ac 1).
"""

from __future__ import annotations

import pytest

from qualitas.inspections import selectors, services, switching
from qualitas.inspections.testing import inspect, lot_factory

pytestmark = pytest.mark.django_db

STEPS = (
    [("lot", 500, 0, True), ("lot", 500, 2, True), ("lot", 500, 0, True), ("lot", 500, 2, True)]  # → tightened
    + [("lot", 500, c, True) for c in (2, 0, 2, 0, 2, 0, 2, 2)]  # five not accepted → discontinued
    + [("resume",)]
    + [("lot", 500, c, True) for c in (0, 1, 0, 1, 0)]  # five accepted on tightened (Ac 1) → normal
    + [("lot", 2000, c, True) for c in (2, 3, 1, 0, 2)]  # K, Ac 3: +3 for 0–2 (Ac 2 at AQL 0.65), reset on 3
    + [("approve",)]
    + [("lot", 2000, c, True) for c in (0, 1, 2, 0, 0, 1, 2)]
    + [("lot", 2000, 0, False), ("lot", 2000, 0, True)]  # not steady: no switch; then reduced
    + [("lot", 2000, 1, True), ("lot", 2000, 2, True)]  # reduced K (Ac 1, Re 4): 2 is in the gap → normal
    + [("lot", 500, c, True) for c in (0, 2, 1)]
)


def test_persisted_continuation_equals_the_one_shot_replay(qm, plan):
    judged = []
    stored = []
    for step in STEPS:
        if step[0] == "resume":
            state = selectors.state_get(qm, judged[-1].switching_state_id)
            services.supplier_action_record(actor=qm, state=state, reference="SCAR-2026-004")
            continue
        if step[0] == "approve":
            state = selectors.state_get(qm, judged[-1].switching_state_id)
            services.reduced_approve(actor=qm, state=state)
            continue
        _, size, count, steady = step
        lot = lot_factory(actor=qm, plan=plan, size=size, production_steady=steady)
        judged.append(inspect(actor=qm, lot=lot, counts={"Porosity": count}))
        state = selectors.state_get(qm, lot.switching_state_id)
        stored.append({name: getattr(state, name) for name in switching.STATE_FIELDS})

    history = [switching.LotInput(lot.size, lot.classes.get(severity_class="major").nonconforming,
                                  lot.production_steady, lot.authority_approves, lot.after_corrective_action)
               for lot in judged]
    rules = switching.replay([], aql="1.0", level="II", start="normal")
    for index, (lot, given) in enumerate(zip(judged, history, strict=True)):
        if given.resume:
            rules.resume()
        decision = rules.record(given.size, given.nonconforming, production_steady=given.production_steady,
                                authority_approves=given.authority_approves)
        assert (lot.inspection, lot.status == "accepted", lot.switching_score, lot.next_inspection,
                lot.switch_reason) == (decision.inspection, decision.accepted, decision.switching_score,
                                       decision.next_inspection, decision.reason), f"lot {index + 1}"
        assert stored[index] == switching.fields_of(rules), f"state after lot {index + 1}"

    visited = [lot.inspection for lot in judged]
    assert {"normal", "tightened", "reduced"} <= set(visited)
    assert "discontinued" in [lot.next_inspection for lot in judged]
    assert sum(lot.after_corrective_action for lot in judged) == 1
    assert sum(lot.authority_approves for lot in judged) >= 2
    assert judged[-1].next_inspection == "normal" and rules.inspection == "normal"
    # And the replay function over the stored history gives the stored final state.
    final = selectors.state_get(qm, judged[-1].switching_state_id)
    replayed = switching.replay(history, aql="1.0", level="II", start="normal")
    assert switching.fields_of(replayed) == {name: getattr(final, name) for name in switching.STATE_FIELDS}
