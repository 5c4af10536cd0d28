"""What the improvement loop plugs into the shell and the core."""

from __future__ import annotations


def register() -> None:
    from django.urls import reverse

    from qualitas.capa import search_provider, selectors, states  # noqa: F401  (registers the workflows)
    from qualitas.capa.api import router
    from qualitas.capa.models import Capa, Complaint, Disposition, EffectivenessCheck, Nonconformity
    from qualitas.core import records
    from qualitas.core.permissions import register_permission_module
    from qualitas.core.registry import Module, registry

    register_permission_module("capa", "Nonconformance, CAPA and complaints")
    registry.add_module(Module("capa", "Improvement", "capa:dashboard", icon="arrow-repeat", order=20,
                               permission_module="capa"))
    registry.add_api_router("", router)
    registry.add_search_provider("capa", search_provider.search)
    for key, model, label, get, url in [
        ("capa.nonconformity", Nonconformity, "Nonconformity", selectors.nonconformity_get,
         lambda r: reverse("capa:nc-detail", args=[r.pk])),
        ("capa.capa", Capa, "CAPA", selectors.capa_get, lambda r: reverse("capa:capa-detail", args=[r.pk])),
        ("capa.complaint", Complaint, "Customer complaint", selectors.complaint_get,
         lambda r: reverse("capa:complaint-detail", args=[r.pk])),
        ("capa.disposition", Disposition, "Disposition", selectors.disposition_get,
         lambda r: reverse("capa:nc-detail", args=[r.nonconformity_id])),
        ("capa.effectivenesscheck", EffectivenessCheck, "Effectiveness check", selectors.effectiveness_check_get,
         lambda r: reverse("capa:capa-detail", args=[r.capa_id])),
    ]:
        records.register(records.RecordType(key, model, "capa", label, get, url=url))
    registry.add_demo_loader("capa", _demo, order=30)


def _demo() -> None:
    from qualitas.capa.demo import load

    load()
