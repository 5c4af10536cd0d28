"""Workflows of the improvement loop on the core engine.

Nonconformity:  open → under investigation → closed (approval signature) · cancelled
Disposition:    proposed → approved (signature, not by the proposer) · rejected
CAPA:           open → root cause analysis → implementation → effectiveness check → closed
                (a failed check returns it to implementation; closing needs a passed check and an
                approval signature by someone other than the CAPA owner) · cancelled
Complaint:      received → acknowledged → under investigation → responded → closed · not justified
"""

from __future__ import annotations

from django.utils import timezone

from qualitas.core.workflow.engine import (
    State,
    Transition,
    Workflow,
    not_author,
    register,
    required_fields,
)

# --- Guards ------------------------------------------------------------------------------------------


def nc_evaluated(actor, nc) -> str | None:
    if nc.capa_required is None:
        return "Record the evaluation first: is corrective action needed, and why."
    return None


def nc_reaction_complete(actor, nc) -> str | None:
    from qualitas.actions.selectors import actions_of

    open_actions = [a.number for a in actions_of(nc) if a.status == "open"]
    if open_actions:
        return f"Containment and correction actions still open: {', '.join(open_actions)}."
    if nc.dispositions.filter(status="proposed").exists():
        return "A disposition is waiting for approval."
    if nc.nc_type == "product" and not nc.dispositions.filter(status="approved").exists():
        return "Nonconforming product needs an approved disposition."
    return None


def nc_capa_linked(actor, nc) -> str | None:
    if not nc.capa_required:
        return None
    from qualitas.core.links.selectors import linked

    if not any(key == "capa.capa" for key, _ in linked(nc)):
        return "Corrective action is needed: raise or link a CAPA first."
    return None



def signature_configured(actor, disposition) -> str | None:
    if not disposition.nonconformity.severity.disposition_signature:
        return "This severity does not ask for a signed disposition; it is approved without a signature."
    return None


def signature_not_configured(actor, disposition) -> str | None:
    if disposition.nonconformity.severity.disposition_signature:
        return "Dispositions of this severity are approved by electronic signature."
    return None


def has_verified_root_cause(actor, capa) -> str | None:
    from qualitas.capa.analysis import verified_causes

    if not verified_causes(capa):
        return "Record at least one verified root cause (D4) first."
    return None


def has_planned_actions(actor, capa) -> str | None:
    from qualitas.actions.selectors import actions_of

    if not actions_of(capa).filter(kind__in=("corrective", "preventive")).exclude(status="cancelled").exists():
        return "Plan at least one corrective or preventive action first."
    return None


def actions_done(actor, capa) -> str | None:
    from qualitas.actions.selectors import actions_of

    open_actions = [a.number for a in actions_of(capa) if a.status == "open"]
    if open_actions:
        return f"Actions still open: {', '.join(open_actions)}."
    return has_planned_actions(actor, capa)


def effectiveness_passed(actor, capa) -> str | None:
    latest = capa.effectiveness_checks.order_by("-pk").first()
    if latest is None:
        return "Closing needs a passed effectiveness check."
    if not latest.passed:
        return "The latest effectiveness check failed."
    return None


def complaint_response_sent(actor, complaint) -> str | None:
    if not complaint.response.strip() or complaint.responded_on is None:
        return "Record the response to the customer and the date it was sent first."
    return None


# --- Actions on entering a state ---------------------------------------------------------------------------


def on_nc_closed(actor, nc, transition) -> None:
    nc.closed_at = timezone.now()


def on_nc_reopened(actor, nc, transition) -> None:
    nc.closed_at = None


def on_capa_implemented(actor, capa, transition) -> None:
    from qualitas.capa import services

    services.schedule_effectiveness_check(actor, capa)


def on_capa_closed(actor, capa, transition) -> None:
    from qualitas.capa import services

    capa.closed_at = timezone.now()
    services.close_capa_tasks(actor, capa)


def on_capa_cancelled(actor, capa, transition) -> None:
    from qualitas.capa import services

    capa.closed_at = timezone.now()
    services.close_capa_tasks(actor, capa, cancelled=True)


def on_complaint_step(actor, complaint, transition) -> None:
    from qualitas.capa import services

    if complaint.status == "acknowledged":
        complaint.acknowledged_on = complaint.acknowledged_on or timezone.localdate()
    if complaint.status in ("closed", "rejected"):
        complaint.closed_at = timezone.now()
    services.complaint_tasks_after(actor, complaint)


NONCONFORMITY = register(
    Workflow(
        record_type="capa.nonconformity",
        states={
            "open": State("Open", badge="danger"),
            "investigation": State("Under investigation", badge="warning"),
            "closed": State("Closed", badge="success"),
            "cancelled": State("Cancelled", final=True, badge="dark"),
        },
        transitions=[
            Transition("investigate", "Start investigation", source=("open",), target="investigation",
                       permission="edit", guards=(required_fields("description", "severity"),)),
            Transition("close", "Close", source=("investigation",), target="closed", permission="approve",
                       guards=(nc_evaluated, nc_reaction_complete, nc_capa_linked, not_author("owner")),
                       signature="approved",
                       style="success", help="Containment, correction and disposition are complete; the "
                       "evaluation is recorded and any CAPA is raised."),
            Transition("reopen", "Reopen", source=("closed",), target="investigation", permission="approve",
                       reason_required=True, style="outline-warning"),
            Transition("cancel", "Cancel (raised in error)", source=("open", "investigation"), target="cancelled",
                       permission="approve", reason_required=True, style="outline-danger"),
        ],
        on_enter={"closed": [on_nc_closed], "investigation": [on_nc_reopened]},
    )
)

DISPOSITION = register(
    Workflow(
        record_type="capa.disposition",
        states={
            "proposed": State("Proposed", badge="warning"),
            "approved": State("Approved", final=True, badge="success"),
            "rejected": State("Rejected", final=True, badge="dark"),
        },
        transitions=[
            Transition("approve", "Approve disposition", source=("proposed",), target="approved",
                       permission="approve", signature="approved",
                       guards=(signature_configured, not_author("proposed_by")), style="success"),
            Transition("accept", "Approve disposition", source=("proposed",), target="approved",
                       permission="approve", guards=(signature_not_configured, not_author("proposed_by")),
                       style="success"),
            Transition("reject", "Reject disposition", source=("proposed",), target="rejected",
                       permission="approve", reason_required=True, style="outline-danger"),
        ],
    )
)

CAPA = register(
    Workflow(
        record_type="capa.capa",
        states={
            "open": State("Open", badge="danger"),
            "investigation": State("Root cause analysis", badge="warning"),
            "implementation": State("Implementation", badge="info"),
            "verification": State("Effectiveness check", badge="primary"),
            "closed": State("Closed", final=True, badge="success"),
            "cancelled": State("Cancelled", final=True, badge="dark"),
        },
        transitions=[
            Transition("investigate", "Start root cause analysis", source=("open",), target="investigation",
                       permission="edit", guards=(required_fields("problem"),)),
            Transition("implement", "Root cause verified: implement actions", source=("investigation",),
                       target="implementation", permission="edit",
                       guards=(has_verified_root_cause, has_planned_actions)),
            Transition("implemented", "Actions implemented: schedule effectiveness check",
                       source=("implementation",), target="verification", permission="edit",
                       guards=(actions_done, required_fields("effectiveness_criterion"))),
            # Follow-up of a failed effectiveness check (capa.services.effectiveness_check_record).
            Transition("reopen", "Reopen for further action", source=("verification",), target="implementation",
                       permission="edit", reason_required=True, user=False),
            Transition("close", "Close CAPA", source=("verification",), target="closed", permission="approve",
                       signature="approved", guards=(effectiveness_passed, not_author("owner")), style="success",
                       help="The effectiveness check passed. Closing is signed and cannot be undone."),
            Transition("cancel", "Cancel CAPA", source=("open", "investigation", "implementation"),
                       target="cancelled", permission="approve", reason_required=True, style="outline-danger"),
        ],
        on_enter={"verification": [on_capa_implemented], "closed": [on_capa_closed],
                  "cancelled": [on_capa_cancelled]},
    )
)

COMPLAINT = register(
    Workflow(
        record_type="capa.complaint",
        states={
            "received": State("Received", badge="danger"),
            "acknowledged": State("Acknowledged", badge="warning"),
            "investigation": State("Under investigation", badge="info"),
            "responded": State("Responded", badge="primary"),
            "closed": State("Closed", final=True, badge="success"),
            "rejected": State("Not justified", final=True, badge="dark"),
        },
        transitions=[
            Transition("acknowledge", "Acknowledge receipt", source=("received",), target="acknowledged",
                       permission="edit"),
            Transition("investigate", "Start investigation", source=("acknowledged",), target="investigation",
                       permission="edit"),
            Transition("respond", "Response sent", source=("investigation",), target="responded",
                       permission="edit", guards=(complaint_response_sent, required_fields("investigation"))),
            Transition("close", "Close complaint", source=("responded",), target="closed", permission="approve",
                       guards=(not_author("owner"),), style="success"),
            Transition("reject", "Not justified", source=("received", "acknowledged", "investigation"),
                       target="rejected", permission="approve", reason_required=True, style="outline-danger"),
        ],
        on_enter={state: [on_complaint_step] for state in ("acknowledged", "responded", "closed", "rejected")},
    )
)
