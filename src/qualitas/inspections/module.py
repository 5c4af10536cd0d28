"""Product inspection (ISO 2859-1 sampling and switching): what the inspections app declares to the core."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Numbering, Permission, RecordTypeSpec, Source

ALL = ("view", "create", "edit", "approve", "administer")


def _item(item_id: int) -> str:
    return reverse("inspections:item", args=[item_id])


MODULE = ModuleSpec(
    key="inspections",
    label="Inspection",
    permissions=(
        Permission(
            "inspections",
            "Inspection plans, lots and switching",
            grants={
                "quality-manager": ALL,
                "auditor": ("view",),
                "author": ("view", "create", "edit"),
                "employee": ("view",),
            },
        ),
    ),
    navigation=(
        Nav("inspections", "Inspection", "inspections:items", icon="clipboard-check", order=45,
            permission="inspections"),
    ),
    record_types=(
        RecordTypeSpec("inspections.Item", "Inspected item", "qualitas.inspections.selectors:item_get",
                       visible="qualitas.inspections.selectors:items_visible",
                       url=lambda item: _item(item.pk), list_url_name="inspections:items",
                       api_list="/inspection/items", factory="qualitas.inspections.testing:item_factory"),
        RecordTypeSpec("inspections.InspectionPlan", "Inspection plan", "qualitas.inspections.selectors:plan_get",
                       visible="qualitas.inspections.selectors:plans_visible",
                       url=lambda plan: reverse("inspections:plan", args=[plan.pk]),
                       list_url_name="inspections:plans", api_list="/inspection/plans",
                       factory="qualitas.inspections.testing:plan_factory"),
        RecordTypeSpec("inspections.Lot", "Inspection lot", "qualitas.inspections.selectors:lot_get",
                       visible="qualitas.inspections.selectors:lots_visible",
                       url=lambda lot: reverse("inspections:lot", args=[lot.pk]),
                       list_url_name="inspections:lots", api_list="/inspection/lots",
                       factory="qualitas.inspections.testing:lot_factory"),
        RecordTypeSpec("inspections.SwitchingState", "Switching state", "qualitas.inspections.selectors:state_get",
                       visible="qualitas.inspections.selectors:states_visible",
                       url=lambda state: reverse("inspections:state", args=[state.pk]),
                       api_list="/inspection/switching", factory="qualitas.inspections.testing:state_factory"),
    ),
    workflows=("qualitas.inspections.states",),
    search="qualitas.inspections.selectors:search",
    numbering=(Numbering("inspections.lot", "IL-{year}-{seq:04d}", description="Inspection lots"),),
    api=("qualitas.inspections.api:router",),
    urls=(("inspection/", "qualitas.inspections.urls"),),
    sources=(
        Source("inspection", "Inspection", record_types=("inspections.lot",),
               raises=("nonconformity", "capa", "action")),
    ),
    demo="qualitas.inspections.demo:load",
    demo_after=("measurements", "capa"),
    audit_events=(
        "inspections.characteristic_added",
        "inspections.characteristic_updated",
        "inspections.corrective_action_recorded",
        "inspections.inspection_switched",
        "inspections.item_created",
        "inspections.item_updated",
        "inspections.lot_received",
        "inspections.plan_created",
        "inspections.plan_updated",
        "inspections.reduced_approved",
        "inspections.results_recorded",
        "inspections.switching_advanced",
        "inspections.switching_started",
    ),
)
