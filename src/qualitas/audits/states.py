"""The audit's workflow on the core engine (ISO 19011 6.2–6.7):

planned → prepared → in progress → reported → follow-up → closed · cancelled (with a reason)

Preparing needs a lead auditor and a team that may audit: every lead auditor and auditor is qualified
(the training gates on the auditor duty, for the audit's standards) and impartial (not of the audited
department, not the owner of the audited process, unless an approved exception says so), checked
again here because the scope, the process or someone's training may have changed since they were
put on the team. Starting and reporting record the actual dates. The checklist and report parts add
their guards and follow-ups (guards_checklists.py, guards_report.py); a step never changes an audit
outside the runner.
"""

from __future__ import annotations

from django.utils import timezone

from qualitas.audits import guards_checklists as checklists
from qualitas.audits import guards_report as report
from qualitas.core.workflow.engine import (
    State,
    Transition,
    Workflow,
    register,
    required_fields,
    segregation_of_duties,
)


def team_may_audit(actor, audit) -> str | None:
    from qualitas.audits.selectors import team_problems

    problems = team_problems(audit)
    return " ".join(p if p.endswith(".") else p + "." for p in problems) if problems else None


@segregation_of_duties
def signer_not_auditee(actor, audit) -> str | None:
    """Segregation of duties: who signs the report does not audit their own work (not the owner of the
    audited process, not of the audited department) unless an approved exception says so."""
    from qualitas.audits.selectors import impartiality_problem

    if getattr(actor, "is_system", False):
        return None
    return impartiality_problem(audit, actor)


def on_audit_started(actor, audit, transition) -> None:
    audit.actual_start = audit.actual_start or timezone.localdate()


def on_audit_ended(actor, audit, transition) -> None:
    audit.actual_end = audit.actual_end or timezone.localdate()
    if audit.actual_start and audit.actual_end < audit.actual_start:
        audit.actual_end = audit.actual_start
    audit.reported_at = audit.reported_at or timezone.now()


def on_audit_closed(actor, audit, transition) -> None:
    audit.closed_at = timezone.now()


AUDIT = register(
    Workflow(
        record_type="audits.audit",
        states={
            "planned": State("Planned", badge="secondary"),
            "prepared": State("Prepared", badge="info"),
            "in_progress": State("In progress", badge="primary"),
            "reported": State("Reported", badge="warning"),
            "follow_up": State("Follow-up", badge="warning"),
            "closed": State("Closed", final=True, badge="success"),
            "cancelled": State("Cancelled", final=True, badge="dark"),
        },
        transitions=[
            Transition("prepare", "Mark prepared", source=("planned",), target="prepared", permission="edit",
                       guards=(required_fields("scope"), team_may_audit),
                       help="The team is named, qualified and impartial; the plan can go to the auditees."),
            Transition("start", "Start the audit", source=("prepared",), target="in_progress", permission="edit"),
            Transition("report", "Sign and issue the report", source=("in_progress",), target="reported",
                       permission="edit", signature="approved",
                       guards=(checklists.checklist_answered, report.signed_by_lead_auditor, signer_not_auditee)),
            Transition("follow_up", "Start follow-up", source=("reported",), target="follow_up",
                       permission="edit"),
            Transition("close", "Close", source=("reported", "follow_up"), target="closed", permission="approve",
                       guards=(checklists.findings_settled,), style="success"),
            Transition("cancel", "Cancel", source=("planned", "prepared", "in_progress"), target="cancelled",
                       permission="approve", reason_required=True, style="outline-danger"),
        ],
        on_enter={"prepared": [checklists.on_audit_prepared], "in_progress": [on_audit_started],
                  "reported": [on_audit_ended, report.on_audit_reported], "closed": [on_audit_closed]},
    )
)

FINDING = register(
    Workflow(
        record_type="audits.finding",
        states={
            "open": State("Open", badge="danger"),
            "responded": State("Response received", badge="warning"),
            "verified": State("Correction verified", badge="info"),
            "closed": State("Closed", final=True, badge="success"),
            "withdrawn": State("Withdrawn", final=True, badge="dark"),
        },
        transitions=[
            Transition("respond", "Record the response", source=("open",), target="responded", permission="view",
                       guards=(checklists.response_given, checklists.responder_is_auditee)),
            Transition("verify", "Verify the correction", source=("responded",), target="verified",
                       permission="edit", guards=(checklists.verification_given, checklists.verifier_is_auditor)),
            Transition("reject_response", "Response not accepted", source=("responded",), target="open",
                       permission="edit", reason_required=True, style="outline-warning",
                       guards=(checklists.verifier_is_auditor,)),
            Transition("close", "Close", source=("open", "verified"), target="closed", permission="edit",
                       style="success", guards=(checklists.closable,)),
            Transition("withdraw", "Withdraw (recorded in error)", source=("open", "responded"), target="withdrawn",
                       permission="approve", reason_required=True, style="outline-danger"),
        ],
        on_enter={
            "responded": [checklists.on_finding_responded],
            "verified": [checklists.on_finding_verified],
            "open": [checklists.on_finding_step],
            "closed": [checklists.on_finding_step],
            "withdrawn": [checklists.on_finding_step],
        },
    )
)
