"""The action lifecycle: open → done (with evidence) or cancelled; a done action may be reopened
with a reason (for example when an effectiveness check shows it did not work)."""

from __future__ import annotations

from django.utils import timezone

from qualitas.core.permissions import has_perm
from qualitas.core.workflow.engine import State, Transition, Workflow, register, required_fields


def owner_or_manager(actor, action) -> str | None:
    if actor.pk == action.owner_id or has_perm(actor, "actions", "approve", action.site_id):
        return None
    return "Only the action's owner (or someone who approves actions) completes it."


def on_done(actor, action, transition) -> None:
    from qualitas.actions import services

    action.completed_at = timezone.now()
    action.completed_by = actor
    services.close_owner_task(actor, action, "completed")


def on_open(actor, action, transition) -> None:
    from qualitas.actions import services

    action.completed_at = None
    action.completed_by = None
    services.assign_owner_task(actor, action)


def on_cancelled(actor, action, transition) -> None:
    from qualitas.actions import services

    services.cancel_owner_task(actor, action)


WORKFLOW = register(
    Workflow(
        record_type="actions.action",
        states={
            "open": State("Open", badge="primary"),
            "done": State("Done", badge="success"),
            "cancelled": State("Cancelled", final=True, badge="dark"),
        },
        transitions=[
            Transition(
                "complete",
                "Mark done",
                source=("open",),
                target="done",
                permission="edit",
                guards=(owner_or_manager, required_fields("evidence")),
                style="success",
                help="Describe what was done (implementation evidence); attach files on the record page.",
                user=False,  # offered by the action page's own form, which asks for the evidence
            ),
            Transition(
                "reopen",
                "Reopen",
                source=("done",),
                target="open",
                permission="edit",
                guards=(owner_or_manager,),
                reason_required=True,
                style="outline-warning",
            ),
            Transition(
                "cancel",
                "Cancel",
                source=("open",),
                target="cancelled",
                permission="approve",
                reason_required=True,
                style="outline-danger",
            ),
        ],
        on_enter={"done": [on_done], "open": [on_open], "cancelled": [on_cancelled]},
    )
)
