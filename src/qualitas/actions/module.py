"""Actions: the shared action record any module raises on any record."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Numbering, Permission, RecordTypeSpec

ALL = ("view", "create", "edit", "approve", "administer")
WORK = ("view", "create", "edit")

MODULE = ModuleSpec(
    key="actions",
    label="Actions",
    permissions=(
        Permission(
            "actions",
            "Actions",
            grants={
                "quality-manager": ALL,
                "document-controller": WORK,
                "author": WORK,
                "reviewer-approver": WORK,
                "auditor": WORK,
                "employee": ("view", "edit"),
            },
        ),
    ),
    navigation=(Nav("actions", "Actions", "actions:list", icon="check2-square", order=35, permission="actions"),),
    record_types=(
        RecordTypeSpec("actions.Action", "Action", "qualitas.actions.selectors:action_get",
                       visible="qualitas.actions.selectors:actions_visible",
                       url=lambda a: reverse("actions:detail", args=[a.pk]),
                       list_url_name="actions:list", api_list="/actions"),
    ),
    workflows=("qualitas.actions.states",),
    numbering=(Numbering("actions.action", "ACT-{year}-{seq:04d}", description="Actions"),),
    raises=(("action", "qualitas.actions.services:action_raise"),),
    raise_forms=(("action", "actions:new"),),
    api=("qualitas.actions.api:router",),
    urls=(("actions/", "qualitas.actions.urls"),),
    audit_events=(
        "actions.action_created",
        "actions.action_updated",
    ),
)
