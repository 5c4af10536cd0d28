"""The checklists-and-findings part of the audits module's declaration (merged in module.py)."""

from django.urls import reverse

from qualitas.core.modules import Numbering, RecordTypeSpec, Source


def _question_url(question) -> str:
    """The question's own page (its answer, notes and evidence; it links to its place in the checklist)."""
    return reverse("audits:question-evidence", args=[question.pk])


PART = dict(
    record_types=(
        RecordTypeSpec("audits.Finding", "Audit finding", "qualitas.audits.selectors_checklists:finding_get",
                       visible="qualitas.audits.selectors_checklists:findings_visible",
                       url=lambda r: reverse("audits:finding-detail", args=[r.pk]),
                       list_url_name="audits:finding-list", api_list="/audit-findings",
                       factory="qualitas.audits.factories_checklists:finding"),
        RecordTypeSpec("audits.ChecklistQuestion", "Checklist question",
                       "qualitas.audits.selectors_checklists:question_get",
                       visible="qualitas.audits.selectors_checklists:questions_visible",
                       url=_question_url),
    ),
    numbering=(Numbering("audits.finding", "AF-{year}-{seq:04d}", description="Audit findings"),),
    sources=(
        Source("audit_finding", "Audit finding", record_types=("audits.finding",),
               raises=("nonconformity", "capa", "action")),
    ),
    api=("qualitas.audits.api_checklists:router",),
    on_migrate=("qualitas.audits.seed_checklists:ensure_defaults_after_migrate",),
    audit_events=(
        "audits.checklist_generated",
        "audits.finding_grade_created",
        "audits.finding_grade_updated",
        "audits.finding_recorded",
        "audits.finding_updated",
        "audits.question_added",
        "audits.question_answered",
        "audits.question_moved",
        "audits.question_removed",
        "audits.question_template_created",
        "audits.question_template_updated",
        "audits.reaudit_scheduled",
    ),
)
