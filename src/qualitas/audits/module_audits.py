"""The programme and audit-record part of the audits module's declaration (merged in module.py)."""

from django.urls import reverse

from qualitas.core.modules import Numbering, RecordTypeSpec

PART = dict(
    record_types=(
        RecordTypeSpec("audits.Programme", "Audit programme", "qualitas.audits.selectors:programme_get",
                       visible="qualitas.audits.selectors:programmes_visible",
                       url=lambda r: reverse("audits:programme-detail", args=[r.pk]),
                       list_url_name="audits:programme-list", api_list="/audits/programmes",
                       factory="qualitas.audits.testing:programme_for_tests"),
        RecordTypeSpec("audits.Audit", "Audit", "qualitas.audits.selectors:audit_get",
                       visible="qualitas.audits.selectors:audits_visible",
                       url=lambda r: reverse("audits:audit-detail", args=[r.pk]),
                       list_url_name="audits:audit-list", api_list="/audits",
                       factory="qualitas.audits.testing:audit_for_tests"),
    ),
    numbering=(Numbering("audits.audit", "AUD-{year}-{seq:03d}", description="Audits"),),
    api=("qualitas.audits.api:router",),
    search="qualitas.audits.providers:search",
    tasks="qualitas.audits.providers:tasks",
    audit_events=(
        "audits.audit_created",
        "audits.audit_updated",
        "audits.auditee_added",
        "audits.auditee_removed",
        "audits.frequency_accepted",
        "audits.frequency_importance_set",
        "audits.frequency_overridden",
        "audits.impartiality_exception_approved",
        "audits.impartiality_exception_requested",
        "audits.plan_printed",
        "audits.plan_sent",
        "audits.programme_created",
        "audits.programme_updated",
        "audits.team_member_added",
        "audits.team_member_refused",
        "audits.team_member_removed",
    ),
)
