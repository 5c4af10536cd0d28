"""The lifecycle of frozen control limits on the core workflow engine:

    in use → superseded (frozen again) or released (back to trial limits from the data)

Freezing limits is signed "approved" by `measurements.services.limits_freeze`, which creates the
new limits in use and supersedes the previous ones as the follow-up; releasing is asked for on the
chart page (`limits_release`). Neither is offered to people as a generic workflow step.
"""

from __future__ import annotations

from qualitas.core.workflow.engine import State, Transition, Workflow, register

LIMITS = register(
    Workflow(
        record_type="measurements.controllimits",
        states={
            "active": State("In use", badge="success"),
            "superseded": State("Superseded", final=True, badge="warning"),
            "released": State("Released", final=True, badge="dark"),
        },
        transitions=[
            # Follow-up of freezing new limits (measurements.services.limits_freeze).
            Transition("supersede", "Supersede", ("active",), "superseded", "approve", reason_required=True,
                       user=False),
            # Asked for on the chart page with a reason (measurements.services.limits_release).
            Transition("release", "Release", ("active",), "released", "approve", reason_required=True,
                       user=False),
        ],
    )
)
