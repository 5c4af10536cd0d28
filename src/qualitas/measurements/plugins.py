"""What measurements and SPC plug into the shell and the core."""

from __future__ import annotations


def register() -> None:
    from django.urls import reverse

    from qualitas.core import records
    from qualitas.core.numbering.services import ensure_scheme
    from qualitas.core.permissions import register_permission_module
    from qualitas.core.registry import Module, registry
    from qualitas.measurements import search_provider, selectors, services
    from qualitas.measurements.api import router
    from qualitas.measurements.models import Characteristic, ControlLimits, Measurement, SignalEvent, Subgroup

    register_permission_module("measurements", "Measurements and SPC")
    registry.add_module(
        Module(
            "measurements",
            "SPC",
            "measurements:list",
            icon="graph-up",
            order=40,
            permission_module="measurements",
        )
    )
    registry.add_api_router("", router)
    registry.add_search_provider("measurements", search_provider.search_characteristics)
    registry.add_task_provider("measurements", search_provider.open_signal_tasks)
    ensure_scheme(
        services.NUMBER_SCHEME, services.NUMBER_PATTERN, "measurements", reset="never",
        description="Numbers of SPC characteristics",
    )

    def chart_url(characteristic_id: int) -> str:
        return reverse("measurements:detail", args=[characteristic_id])

    for key, model, label, get, url in (
        ("characteristic", Characteristic, "Characteristic", selectors.characteristic_get, lambda c: chart_url(c.pk)),
        ("controllimits", ControlLimits, "Control limits", selectors.limits_get,
         lambda limits: chart_url(limits.characteristic_id)),
        ("subgroup", Subgroup, "Subgroup", selectors.subgroup_get,
         lambda s: reverse("measurements:subgroup", args=[s.pk])),
        ("measurement", Measurement, "Measurement", selectors.measurement_get,
         lambda m: reverse("measurements:subgroup", args=[m.subgroup_id])),
        ("signalevent", SignalEvent, "Out-of-control signal", selectors.signal_get,
         lambda e: chart_url(e.characteristic_id)),
    ):
        records.register(records.RecordType(f"measurements.{key}", model, "measurements", label, get, url=url))
    registry.add_demo_loader("measurements", _demo, order=40)


def _demo() -> None:
    from qualitas.measurements.demo import load

    load()
