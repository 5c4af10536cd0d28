"""Reads of actions, scoped to what the actor may see: everyone with the actions "view" right (at
their sites) and, always, the owner of an action."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from qualitas.actions.models import Action
from qualitas.core.permissions import has_perm, visible_to


def actions_visible(actor) -> QuerySet[Action]:
    base = Action.objects.select_related("owner", "site")
    if has_perm(actor, "actions", "view"):
        return visible_to(actor, base, "actions") | base.filter(owner=actor)
    return base.filter(owner=actor)


def action_list(actor, *, status: str = "", owner_id=None, kind: str = "", parent=None, overdue: bool = False):
    actions = actions_visible(actor)
    if status:
        actions = actions.filter(status=status)
    if owner_id:
        actions = actions.filter(owner_id=owner_id)
    if kind:
        actions = actions.filter(kind=kind)
    if parent is not None:
        from qualitas.core.records import key_for

        actions = actions.filter(parent_type=key_for(parent), parent_id=str(parent.pk))
    if overdue:
        from django.utils import timezone

        actions = actions.filter(status="open", due_date__lt=timezone.localdate())
    return actions.distinct().order_by("status", "due_date", "pk")


def actions_of(parent) -> QuerySet[Action]:
    """All actions of a record, for the record's own page (the parent's selector already authorised)."""
    from qualitas.core.records import key_for

    return (
        Action.objects.select_related("owner")
        .filter(parent_type=key_for(parent), parent_id=str(parent.pk))
        .order_by("kind", "pk")
    )


def action_get(actor, pk) -> Action:
    action = actions_visible(actor).filter(pk=pk).first()
    if action is None:
        raise Http404("No such action.")
    return action
