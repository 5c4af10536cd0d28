"""What actions plug into the shell and the core."""

from __future__ import annotations


def register() -> None:
    from django.urls import reverse

    from qualitas.actions import selectors, states  # noqa: F401  (registers the workflow)
    from qualitas.actions.api import router
    from qualitas.actions.models import Action
    from qualitas.core import records
    from qualitas.core.permissions import register_permission_module
    from qualitas.core.registry import Module, registry

    register_permission_module("actions", "Actions")
    registry.add_module(
        Module("actions", "Actions", "actions:list", icon="check2-square", order=35, permission_module="actions")
    )
    registry.add_api_router("", router)
    records.register(
        records.RecordType(
            "actions.action", Action, "actions", "Action", selectors.action_get,
            url=lambda a: reverse("actions:detail", args=[a.pk]),
        )
    )
