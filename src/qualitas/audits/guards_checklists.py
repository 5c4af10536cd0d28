"""Guards and follow-ups of the audit and finding workflows that belong to checklists and findings
(used by states.py). Imports of the services are inside the functions: states.py is loaded when the
module kit starts, before the models are ready."""

from __future__ import annotations

from django.utils import timezone

# --- The audit workflow -------------------------------------------------------------------------------------


def checklist_answered(actor, audit) -> str | None:
    """The report is issued once every question of the checklist is answered."""
    from qualitas.audits.services_checklists import unanswered_count

    missing = unanswered_count(audit)
    if missing:
        return (f"{missing} question{'s' if missing != 1 else ''} of the checklist "
                f"{'are' if missing != 1 else 'is'} not answered yet.")
    return None


def findings_settled(actor, audit) -> str | None:
    """The audit is closed once every finding that needs a response is verified, closed or withdrawn."""
    from qualitas.audits.services_checklists import unsettled_findings

    pending = unsettled_findings(audit)
    if pending:
        numbers = ", ".join(f.number for f in pending[:10]) + (" …" if len(pending) > 10 else "")
        return (f"{len(pending)} finding{'s' if len(pending) != 1 else ''} needing a response "
                f"{'are' if len(pending) != 1 else 'is'} not verified or closed yet: {numbers}.")
    return None


def on_audit_prepared(actor, audit, transition) -> None:
    """Entering "prepared": generate the checklist (same actor, in the step's transaction)."""
    from qualitas.audits.services_checklists import checklist_generate

    checklist_generate(actor=actor, audit=audit)


# --- The finding workflow -----------------------------------------------------------------------------------


def response_given(actor, finding) -> str | None:
    if not (finding.response or "").strip():
        return "Write the response first: correction, cause and corrective action."
    return None


def verification_given(actor, finding) -> str | None:
    if not (finding.verification or "").strip():
        return "Describe how the correction was verified first."
    return None


def verifier_is_auditor(actor, finding) -> str | None:
    """The correction is verified by an auditor: of the finding's audit, of an audit that carries the
    finding over for verification, or someone who approves in the audits module (the programme manager)."""
    from qualitas.audits.models import Audit
    from qualitas.audits.selectors_checklists import is_auditing
    from qualitas.core.permissions import has_perm, is_system

    if is_system(actor) or has_perm(actor, "audits", "approve", finding.audit.site_id):
        return None
    if is_auditing(actor, finding.audit):
        return None
    for audit in Audit.objects.filter(questions__carried_from=finding).distinct():
        if is_auditing(actor, audit):
            return None
    return "The correction is verified by an auditor of the audit (or of the audit that carries it over)."


def closable(actor, finding) -> str | None:
    """A finding that needs a response is closed after its correction is verified."""
    if finding.status == "open" and finding.grade.needs_response:
        return f"A {finding.grade.label.lower()} is closed once the response is verified."
    return None


def on_finding_responded(actor, finding, transition) -> None:
    from qualitas.audits.services_checklists import finding_tasks_after

    finding.responded_by = actor
    finding.responded_at = timezone.now()
    finding_tasks_after(actor, finding)


def on_finding_verified(actor, finding, transition) -> None:
    from qualitas.audits.services_checklists import finding_tasks_after

    finding.verified_by = actor
    finding.verified_at = timezone.now()
    finding_tasks_after(actor, finding)


def on_finding_step(actor, finding, transition) -> None:
    from qualitas.audits.services_checklists import finding_tasks_after

    if finding.status == "open":  # the response was not accepted: a new one is asked for (the old one is
        finding.response = ""     # in the step's audit event)
        finding.responded_by = None
        finding.responded_at = None
    finding_tasks_after(actor, finding)


def responder_is_auditee(actor, finding) -> str | None:
    """The response is recorded by the finding's auditee (who may only view audits otherwise) or by
    someone who edits in the audits module (an auditor or the quality manager, on the auditee's behalf)."""
    from qualitas.core.permissions import has_perm, is_system

    if is_system(actor) or actor.pk == finding.auditee_id or has_perm(actor, "audits", "edit", finding.audit.site_id):
        return None
    who = finding.auditee.display_name if finding.auditee_id else "the auditee"
    return f"The response to {finding.number} is recorded by {who} or by the audit team."
