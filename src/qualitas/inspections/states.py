"""The lot's workflow on the core engine.

Lot:  received → accepted · rejected (the verdict, from Ac/Re of every class) · cancelled (entered in error)

The verdict steps are not offered to people as bare buttons: `services.lot_judge` performs them as
the follow-up of judging the results (it also advances the switching state and raises the
nonconformity of a rejected lot), so the generic workflow endpoint cannot skip those.
"""

from __future__ import annotations

from qualitas.core.workflow.engine import State, Transition, Workflow, register


def results_complete(actor, lot) -> str | None:
    missing = [c.name for c in lot.plan.characteristics.filter(active=True).exclude(results__lot=lot)]
    if missing:
        return f"Record the results of every characteristic first: {', '.join(missing)}."
    return None


LOT = register(
    Workflow(
        record_type="inspections.lot",
        states={
            "received": State("Received", badge="secondary"),
            "accepted": State("Accepted", final=True, badge="success"),
            "rejected": State("Rejected", final=True, badge="danger"),
            "cancelled": State("Cancelled", final=True, badge="dark"),
        },
        transitions=[
            Transition("accept", "Accept the lot", source=("received",), target="accepted", permission="edit",
                       guards=(results_complete,), user=False, style="success"),
            Transition("reject", "Reject the lot", source=("received",), target="rejected", permission="edit",
                       guards=(results_complete,), user=False, style="danger"),
            Transition("cancel", "Cancel (entered in error)", source=("received",), target="cancelled",
                       permission="approve", reason_required=True, style="outline-danger",
                       help="A lot entered by mistake, before its verdict: it does not count for switching."),
        ],
    )
)
