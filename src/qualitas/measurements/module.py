"""Measurements and SPC: what it declares to the core."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Numbering, Permission, RecordTypeSpec, Source

ALL = ("view", "create", "edit", "approve", "administer")


def _chart(characteristic_id: int) -> str:
    return reverse("measurements:detail", args=[characteristic_id])


MODULE = ModuleSpec(
    key="measurements",
    label="SPC",
    permissions=(
        Permission("measurements", "Measurements and SPC",
                   grants={"quality-manager": ALL, "employee": ("view", "create")}),
    ),
    navigation=(
        Nav("measurements", "SPC", "measurements:list", icon="graph-up", order=40, permission="measurements"),
    ),
    record_types=(
        RecordTypeSpec("measurements.Characteristic", "Characteristic",
                       "qualitas.measurements.selectors:characteristic_get", url=lambda c: _chart(c.pk),
                       visible="qualitas.measurements.selectors:characteristics_visible",
                       list_url_name="measurements:list", api_list="/characteristics"),
        RecordTypeSpec("measurements.ControlLimits", "Control limits", "qualitas.measurements.selectors:limits_get",
                       url=lambda limits: _chart(limits.characteristic_id)),
        RecordTypeSpec("measurements.Subgroup", "Subgroup", "qualitas.measurements.selectors:subgroup_get",
                       url=lambda s: reverse("measurements:subgroup", args=[s.pk])),
        RecordTypeSpec("measurements.Measurement", "Measurement", "qualitas.measurements.selectors:measurement_get",
                       url=lambda m: reverse("measurements:subgroup", args=[m.subgroup_id])),
        RecordTypeSpec("measurements.SignalEvent", "Out-of-control signal",
                       "qualitas.measurements.selectors:signal_get",
                       url=lambda e: _chart(e.characteristic_id)),
    ),
    workflows=("qualitas.measurements.states",),
    search="qualitas.measurements.search_provider:search_characteristics",
    tasks="qualitas.measurements.search_provider:open_signal_tasks",
    numbering=(
        Numbering("measurements.characteristic", "CH-{seq:04d}", reset="never",
                  description="Numbers of SPC characteristics"),
    ),
    api=("qualitas.measurements.api:router",),
    urls=(("measurements/", "qualitas.measurements.urls"),),
    sources=(
        Source("process_signal", "Process signal (SPC)",
               record_types=("measurements.characteristic", "measurements.signalevent")),
    ),
    demo="qualitas.measurements.demo:load",
    demo_after=("capa",),
    audit_events=(
        "measurements.capability_printed",
        "measurements.characteristic_created",
        "measurements.characteristic_updated",
        "measurements.chart_printed",
        "measurements.limits_changed",
        "measurements.limits_frozen",
        "measurements.recorded",
        "measurements.signal_acknowledged",
        "measurements.signal_detected",
        "measurements.subgroup_corrected",
        "measurements.subgroup_excluded",
        "measurements.subgroup_included",
        "measurements.subgroup_recorded",
        "measurements.value_corrected",
        "measurements.value_recorded",
    ),
)
