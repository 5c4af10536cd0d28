"""Guards and follow-ups of the audit workflow that belong to the report (used by states.py).

The "report" step (in progress → reported) is signed "approved" by the lead auditor; entering
"reported" dates the report and distributes it to the auditees and top management."""

from __future__ import annotations


def signed_by_lead_auditor(actor, audit) -> str | None:
    """Only the audit's lead auditor signs and issues the report (ISO 19011 6.5), and only once the
    conclusion on conformity and effectiveness is written."""
    from qualitas.audits.selectors_report import lead_auditor_of

    lead = lead_auditor_of(audit)
    if lead is None:
        return "The audit has no lead auditor: name one before the report is signed."
    if lead.pk != actor.pk:
        return f"Only the lead auditor, {lead.display_name}, may sign and issue the report."
    if not (audit.conclusion or "").strip():
        return "Write the audit conclusion (conformity and effectiveness) before signing the report."
    return None


def on_audit_reported(actor, audit, transition) -> None:
    """Date the report and distribute it: a recipient row and a notification for each auditee and each
    member of top management, recorded as one audit event (in the step's transaction)."""
    from qualitas.audits.services_report import report_distribute

    report_distribute(actor=actor, audit=audit)
