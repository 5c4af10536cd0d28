"""Test-kit factory of audit findings (RecordTypeSpec.factory): one more finding, recorded through the
service on an audit in progress at `site` (the demo has one), for the query-count checks."""

from __future__ import annotations


def finding(*, actor, site=None):
    from qualitas.accounts.services import system_actor
    from qualitas.audits.models import Audit, FindingGrade
    from qualitas.audits.services_checklists import finding_create

    audits = Audit.objects.filter(status="in_progress").order_by("pk")
    audit = audits.filter(site=site).first() or audits.first()
    if audit is None:
        raise LookupError("No audit in progress to record a finding on: load the audits demo first.")
    grade = FindingGrade.objects.filter(code="observation").first()
    # The system records it: the factory's actor (an administrator) is not on the audit team.
    return finding_create(actor=system_actor(), audit=audit, grade=grade, title="Extra observation",
                          statement="Records are kept but not indexed.")
