"""Nonconformance, CAPA and complaints: what the improvement loop declares to the core."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Permission, RecordTypeSpec, Source

ALL = ("view", "create", "edit", "approve", "administer")

MODULE = ModuleSpec(
    key="capa",
    label="Improvement",
    permissions=(
        Permission(
            "capa",
            "Nonconformance, CAPA and complaints",
            grants={
                "quality-manager": ALL,
                "document-controller": ("view", "create"),
                "author": ("view", "create", "edit"),
                "reviewer-approver": ("view", "create", "approve"),
                "auditor": ("view", "create"),
                "employee": ("view", "create"),
            },
        ),
    ),
    navigation=(Nav("capa", "Improvement", "capa:dashboard", icon="arrow-repeat", order=20, permission="capa"),),
    record_types=(
        RecordTypeSpec("capa.Nonconformity", "Nonconformity", "qualitas.capa.selectors:nonconformity_get",
                       visible="qualitas.capa.selectors:nonconformities_visible",
                       url=lambda r: reverse("capa:nc-detail", args=[r.pk]),
                       list_url_name="capa:nc-list", api_list="/nonconformities"),
        RecordTypeSpec("capa.Capa", "CAPA", "qualitas.capa.selectors:capa_get",
                       visible="qualitas.capa.selectors:capas_visible",
                       url=lambda r: reverse("capa:capa-detail", args=[r.pk]),
                       list_url_name="capa:capa-list", api_list="/capas"),
        RecordTypeSpec("capa.Complaint", "Customer complaint", "qualitas.capa.selectors:complaint_get",
                       visible="qualitas.capa.selectors:complaints_visible",
                       url=lambda r: reverse("capa:complaint-detail", args=[r.pk]),
                       list_url_name="capa:complaint-list", api_list="/complaints"),
        RecordTypeSpec("capa.Disposition", "Disposition", "qualitas.capa.selectors:disposition_get",
                       url=lambda r: reverse("capa:nc-detail", args=[r.nonconformity_id])),
        RecordTypeSpec("capa.EffectivenessCheck", "Effectiveness check",
                       "qualitas.capa.selectors:effectiveness_check_get",
                       url=lambda r: reverse("capa:capa-detail", args=[r.capa_id])),
    ),
    workflows=("qualitas.capa.states",),
    search="qualitas.capa.search_provider:search",
    api=("qualitas.capa.api:router",),
    urls=(("quality/", "qualitas.capa.urls"),),
    sources=(
        Source("complaint", "Customer complaint", record_types=("capa.complaint",), raises=("nonconformity", "capa")),
    ),
    raises=(
        ("nonconformity", "qualitas.capa.services:nonconformity_raise"),
        ("capa", "qualitas.capa.services:capa_raise"),
    ),
    raise_forms=(("nonconformity", "capa:nc-new"), ("capa", "capa:capa-new")),
    demo="qualitas.capa.demo:load",
    demo_after=("documents",),
    on_migrate=("qualitas.capa.setup:ensure_severities_after_migrate",),
    audit_events=(
        "capa.analysis_updated",
        "capa.capa_opened",
        "capa.capa_updated",
        "capa.complaint_received",
        "capa.complaint_updated",
        "capa.cost_added",
        "capa.disposition_proposed",
        "capa.effectiveness_checked",
        "capa.nonconformity_evaluated",
        "capa.nonconformity_reported",
        "capa.nonconformity_updated",
        "capa.satisfaction_recorded",
        "capa.severity_created",
        "capa.severity_updated",
    ),
)
