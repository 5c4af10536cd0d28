"""The only write path of the audit report: the lead auditor's summary and conclusion (while the
audit is in progress) and the report's distribution when the "report" step issues it.

The report is signed by the workflow's "report" step (states.py: signature "approved", guard
guards_report.signed_by_lead_auditor); entering "reported" calls `report_distribute`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qualitas.audits.models import Audit, ReportRecipient
from qualitas.audits.selectors import audit_for_update
from qualitas.audits.selectors_report import EDITABLE_STATES, distribution_list, may_edit_report, top_management
from qualitas.core.audit.services import record
from qualitas.core.permissions import authorize
from qualitas.core.regulated import record_update

MODULE = "audits"
MAX_TEXT = 20000


@transaction.atomic
def audit_report_update(*, actor, audit: Audit, summary: str | None = None, conclusion: str | None = None,
                        version: int | None = None) -> Audit:
    """The lead auditor writes the report's summary and conclusion while the audit is in progress
    (audited with the old and new text). A field left None is unchanged."""
    authorize(actor, MODULE, "edit", audit.site_id)
    current = audit_for_update(audit)
    if current.status not in EDITABLE_STATES:
        raise ValidationError(may_edit_report(actor, current))
    if refusal := may_edit_report(actor, current):
        raise PermissionDenied(refusal)
    changes = {}
    for name, value in (("summary", summary), ("conclusion", conclusion)):
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValidationError({name: "Text expected."})
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise ValidationError({name: f"At most {MAX_TEXT} characters."})
        changes[name] = value
    if not changes:
        return current
    updated = record_update(actor, current, event="audits.report_updated", changes=changes, expected_version=version)
    audit.__dict__.update({k: v for k, v in updated.__dict__.items() if not k.startswith("_")})
    return updated


def report_distribute(*, actor, audit: Audit) -> list[ReportRecipient]:
    """Follow-up of the "report" step (on entering "reported", inside the step's transaction, on the
    locked audit the runner saves): dates the report, records a recipient for each auditee and each
    member of top management and notifies them, in one audit event. Not a step of its own."""
    from qualitas.core.notifications.services import notify

    if audit.status != "reported":
        raise ValidationError("The report is distributed when the report step issues it.")
    audit.reported_at = audit.reported_at or timezone.now()
    sent_at = audit.reported_at
    already = set(ReportRecipient.objects.filter(audit=audit).values_list("person_id", flat=True))
    url = reverse("audits:report", args=[audit.pk])
    created = []
    for person, reason in distribution_list(audit):
        if person.pk in already:
            continue
        created.append(ReportRecipient.objects.create(audit=audit, person=person, reason=reason, sent_at=sent_at))
        notify(
            person,
            f"Audit report {audit.number} issued: {audit.title}",
            f"The report of audit {audit.number} was signed by the lead auditor and sent to you "
            f"({reason}). Findings that need your response have their due dates in the report.",
            url=url,
            kind="audit-report",
        )
    _, basis = top_management(audit)
    record(
        actor, "update", "audits.report_distributed", instance=audit,
        changes={
            "Report sent to": [None, "; ".join(f"{r.person.display_name} ({r.reason})" for r in created) or "nobody"],
            "Top management": [None, basis],
        },
    )
    return created
