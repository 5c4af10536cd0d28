"""Demo data of the audit reports (see demo.py): runs after the programme and audits (demo.py) and
their checklists and findings (demo_checklists.py).

With `targets` ({audit number: "reported" | "follow_up" | "closed"}, what demo.py passes) exactly
the audits it names are reported; without, every audit in progress whose planned end is past. Each
with its checklist answered gets a summary and a conclusion written by its lead auditor
(services_report) and is issued by the lead auditor signing the "report" step with the demo
password, which distributes it to the auditees and top management, exactly as in use. The report is
dated two days after the audit ended, so the dashboard shows it done in its month (the signature
carries the time of loading). It is then taken to its target: follow-up, or closed by the programme
manager once its findings are settled ("auto": closed when they are, else follow-up). Idempotent: an
audit already reported is left alone."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

logger = logging.getLogger(__name__)

ISSUED = ("reported", "follow_up", "closed")


def _texts(audit, data: dict) -> tuple[str, str]:
    findings = data["findings"]
    ncs = [f for f in findings if f["is_nonconformity"]]
    grades = "; ".join(f"{g['count']} {g['label'].lower()}" for g in data["findings_by_grade"] if g["count"])
    clauses = ", ".join(c["clause"] for c in data["findings_by_clause"][:6])
    q = data["questions"]
    subject = data["audited"]["process"] or data["audited"]["supplier"] or data["audited"]["site"] or data["title"]
    summary = (
        f"The audit team examined {subject} against "
        f"{', '.join(s['code'] for s in data['standards']) or 'the criteria'} "
        f"through interviews, observation at the workplace and a sample of records. {q['answered']} checklist "
        f"question{'s' if q['answered'] != 1 else ''} {'were' if q['answered'] != 1 else 'was'} answered: "
        f"{q['conforming']} conforming, {q['finding']} with a finding and "
        f"{q['not_applicable']} not applicable. "
        + (f"Findings: {grades} (clauses {clauses})." if findings else "No findings were raised.")
    )
    if not ncs:
        conclusion = ("The audited activities conform to the audit criteria and the management system is "
                      "effectively implemented and maintained for the scope audited.")
    else:
        conclusion = (f"The management system is generally effective for the scope audited, but "
                      f"{len(ncs)} nonconformit{'y' if len(ncs) == 1 else 'ies'} "
                      f"({', '.join(f['number'] for f in ncs)}) show that the requirements of "
                      f"{', '.join(sorted({c for f in ncs for c in f['clauses']}))} are not fully met. "
                      "Corrections and corrective actions are due from the auditees by the response dates; "
                      "their effectiveness is verified at follow-up.")
    return summary, conclusion


def _target(audit, targets: dict | None) -> str | None:
    if targets is not None:  # the programme's demo names the audits to report and how far to take them
        return targets.get(audit.number)
    if audit.planned_end >= timezone.localdate():
        return None  # not over yet: it stays in progress
    return "auto"


def report_audit(audit, *, target: str = "auto", summary: str = "", conclusion: str = "") -> str:
    """Write the report of one in-progress demo audit, sign and issue it as its lead auditor, and move
    it on to `target` ("reported", "follow_up", "closed" or "auto"). Returns the audit's final state."""
    from qualitas.accounts.services import system_actor
    from qualitas.audits.selectors_report import lead_auditor_of, report_data
    from qualitas.audits.services_checklists import unsettled_findings
    from qualitas.audits.services_report import audit_report_update
    from qualitas.core.signatures import services as signing
    from qualitas.core.workflow import engine

    lead = lead_auditor_of(audit)
    if lead is None:
        return audit.status
    if not signing.has_acknowledged_policy(lead):
        signing.acknowledge_policy(actor=lead, password=DEMO_PASSWORD)
    written_summary, written_conclusion = _texts(audit, report_data(system_actor(), audit))
    audit_report_update(actor=lead, audit=audit, summary=summary or audit.summary or written_summary,
                        conclusion=conclusion or audit.conclusion or written_conclusion)
    engine.perform(actor=lead, instance=audit, transition="report", changes={"reported_at": _reported_at(audit)},
                   credentials=signing.Credentials(DEMO_PASSWORD, comment="Report reviewed and issued."))
    pending = unsettled_findings(audit)
    if target == "auto":
        target = "follow_up" if pending else "closed"
    if target in ("follow_up", "closed") and (target == "follow_up" or pending):
        engine.perform(actor=lead, instance=audit, transition="follow_up")
    if target == "closed":
        manager = _closer(audit)
        if manager is not None:
            engine.perform(actor=manager, instance=audit, transition="close")
    audit.refresh_from_db()
    return audit.status


def _reported_at(audit):
    """When a past demo audit's report was issued: two days after the audit ended (never in the future),
    so the dashboard counts it as done in its month. The signature itself carries the time of loading."""
    import datetime as dt

    ended = audit.actual_end or audit.planned_end
    moment = timezone.make_aware(dt.datetime.combine(ended + dt.timedelta(days=2), dt.time(16, 0)))
    return min(moment, timezone.now())


def _closer(audit):
    """Who closes a demo audit: the programme manager, else the quality manager."""
    from qualitas.accounts.models import User
    from qualitas.core.permissions import has_perm

    candidates = []
    if audit.programme_id:
        candidates.append(audit.programme.manager)
    candidates += list(User.objects.people().filter(username="quality"))
    return next((c for c in candidates if has_perm(c, "audits", "approve", audit.site_id)), None)


def load(*args, targets: dict | None = None, **kwargs) -> None:
    from qualitas.audits.models import Audit
    from qualitas.audits.services_checklists import unanswered_count

    for audit in Audit.objects.filter(status="in_progress").order_by("planned_start", "pk"):
        target = _target(audit, targets)
        if target is None or unanswered_count(audit):
            continue
        try:
            report_audit(audit, target=target)
        except (ValidationError, PermissionDenied) as exc:  # a demo audit the rules refuse stays as it is
            logger.warning("Demo audit %s not reported: %s", audit.number, exc)
