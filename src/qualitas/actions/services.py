"""The only write path for actions. Status changes go through the workflow (states.py)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qualitas.actions.models import KINDS, Action
from qualitas.core import records
from qualitas.core.permissions import has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.core.workflow import engine

MODULE = "actions"
EDITABLE = ("title", "description", "kind", "owner", "due_date", "site")


def _validate_due(due_date) -> None:
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})


def _parent_ref(actor, parent) -> dict:
    if parent is None:
        return {}
    return {
        "parent_type": records.key_for(parent),
        "parent_id": str(parent.pk),
        "parent_label": str(parent)[:300],
    }


@transaction.atomic
def action_create(
    *, actor, title: str, owner, kind: str = "corrective", due_date: dt.date | None = None, description: str = "",
    parent=None, site=None, link_kind: str = "addresses",
) -> Action:
    """A new open action, assigned to its owner as a task. With `parent`, the action is linked to it
    ("addresses") so both records show the thread."""
    site = site if site is not None else getattr(parent, "site", None)
    if not has_perm(actor, MODULE, "create", getattr(site, "pk", None)) and not _may_act_on_parent(actor, parent):
        raise PermissionDenied("You may not raise actions here.")
    if kind not in dict(KINDS):
        raise ValidationError({"kind": f"Unknown action kind {kind!r}."})
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": "An action needs an active owner."})
    _validate_due(due_date)
    from qualitas.core.numbering.services import ensure_scheme, next_number

    ensure_scheme("actions.action", "ACT-{year}-{seq:04d}", MODULE, description="Actions")
    action = record_create(
        actor,
        Action(
            number=next_number("actions.action"),
            title=" ".join((title or "").split()),
            description=description or "",
            kind=kind,
            owner=owner,
            due_date=due_date,
            site=site,
            created_by=actor,
            **_parent_ref(actor, parent),
        ),
        event="actions.action_created",
    )
    if parent is not None:
        from qualitas.core.links.services import link_create

        link_create(actor=actor, source=action, target=parent, kind=link_kind)
    assign_owner_task(actor, action)
    return action


def action_raise(*, actor, raised_from, source: str | None, **fields) -> Action:
    """An action raised from another module's record (qualitas.core.raising.raise_from), linked to it."""
    return action_create(actor=actor, parent=raised_from, **fields)


def _may_act_on_parent(actor, parent) -> bool:
    """Whoever may edit the parent record may raise its actions (a CAPA owner without the actions right)."""
    if parent is None:
        return False
    record_type = records.type_for(parent)
    return bool(record_type) and has_perm(actor, record_type.module, "edit", getattr(parent, "site_id", None))


@transaction.atomic
def action_update(*, actor, action: Action, version=None, reason: str = "", **fields) -> Action:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if not (has_perm(actor, MODULE, "edit", action.site_id) or actor.pk == action.owner_id):
        raise PermissionDenied("Only the owner or someone who edits actions changes this action.")
    if action.status != "open":
        raise ValidationError("Only open actions are edited; reopen it first.")
    if "due_date" in fields and fields["due_date"] != action.due_date:
        _validate_due(fields["due_date"])
    if "owner" in fields and (fields["owner"] is None or not fields["owner"].is_active):
        raise ValidationError({"owner": "An action needs an active owner."})
    if "title" in fields:
        fields["title"] = " ".join((fields["title"] or "").split())
    previous_owner, previous_due = action.owner_id, action.due_date
    action = record_update(
        actor, action, event="actions.action_updated", changes=fields, expected_version=version, reason=reason
    )
    if action.owner_id != previous_owner or action.due_date != previous_due:
        cancel_owner_task(actor, action, reason="Owner or due date changed")
        assign_owner_task(actor, action)
    return action


def action_complete(*, actor, action: Action, evidence: str, version=None) -> Action:
    return engine.perform(
        actor=actor, instance=action, transition="complete", expected_version=version,
        changes={"evidence": (evidence or "").strip()}, by_service=True,  # the step's own form asks for evidence
    )


def action_reopen(*, actor, action: Action, reason: str, version=None) -> Action:
    return engine.perform(actor=actor, instance=action, transition="reopen", expected_version=version, reason=reason)


def action_cancel(*, actor, action: Action, reason: str, version=None) -> Action:
    return engine.perform(actor=actor, instance=action, transition="cancel", expected_version=version, reason=reason)


# --- Tasks in the owner's inbox (called from the workflow actions and the services above) ------------


def assign_owner_task(actor, action: Action) -> None:
    from qualitas.core.tasks.services import task_create

    due = action.due_date if action.due_date and action.due_date >= timezone.localdate() else None
    task_create(
        actor=actor,
        assignee=action.owner,
        title=f"{action.get_kind_display()}: {action.title}",
        kind="action",
        instance=action,
        due=due,
        description=action.description,
        key=f"actions.action:{action.pk}:owner",
        manual_completion=False,
    )


def close_owner_task(actor, action: Action, note: str) -> None:
    from qualitas.core.tasks.services import tasks_complete_for

    tasks_complete_for(action, "action", actor=actor, note=note)


def cancel_owner_task(actor, action: Action, reason: str = "Action cancelled") -> None:
    from qualitas.core.tasks.services import tasks_cancel_for

    # Follows from an authorised, audited change of the action (cancel, new owner or due date).
    tasks_cancel_for(action, reason=reason, kind="action", actor=actor)
