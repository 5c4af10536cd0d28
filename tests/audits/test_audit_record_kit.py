"""Test data of the programme and audit-record tests (no tests here): the session organisation's
people and processes, audits and programmes made through the services, an auditor qualification
with a gate limited to a standard, and an API client."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD
from qualitas.core.testing import factories


def today() -> dt.date:
    return timezone.localdate()


def process(code: str = "CP-04"):
    from qualitas.accounts.models import Process

    return Process.objects.select_related("owner", "department").get(code=code)


def standard(code: str = "ISO 9001"):
    from qualitas.standards.models import Standard

    return Standard.objects.get(code=code)


def clause(standard_code: str = "ISO 9001", number: str = "8.5"):
    from qualitas.standards.models import Clause

    return Clause.objects.get(edition__standard__code=standard_code, edition__current=True, number=number)


def programme(org, year: int | None = None, standards=("ISO 9001", "ISO 14001", "ISO 45001"), site=None):
    from qualitas.audits import services

    return services.programme_create(actor=org.user("quality"), year=year or today().year, site=site,
                                     standards=[standard(s) for s in standards], manager=org.user("quality"))


def audit(org, *, process_code: str = "CP-04", standards=("ISO 9001",), start: dt.date | None = None,
          lead=None, actor=None, **fields):
    """A process audit planned by the quality manager (CP-04 Machining, owned by the reviewer, of the
    production department)."""
    from qualitas.audits import services

    start = start or today() + dt.timedelta(days=10)
    values = {"title": "Machining process audit", "scope": "Turning and milling, all shifts.",
              "planned_start": start, "planned_end": start + dt.timedelta(days=1),
              "process": process(process_code), "standards": [standard(s) for s in standards]}
    values.update(fields)
    return services.audit_create(actor=actor or org.user("quality"), lead_auditor=lead, **values)


def signer(org, username: str = "auditor"):
    return factories.acknowledged(org.user(username), password=DEMO_PASSWORD)


def qualification(org, code: str = "ISO 14001", holders=()):
    """A qualification requirement for auditing `code`, its gate on the auditor duty limited to that
    standard, and training records of `holders`."""
    from qualitas.training import services, services_gates

    quality = org.user("quality")
    short = code.split()[-1]
    requirement = services.requirement_create(
        actor=quality, code=f"Q-IA-{short}", title=f"Internal auditor {code}", kind="qualification",
        method="classroom", validity_months=36, min_level=3)
    for person in holders:
        services.training_record(actor=quality, person=person, requirement=requirement,
                                 completed_on=today() - dt.timedelta(days=30), level=3)
    gate = services_gates.gate_create(
        actor=quality, kind="duty", duty="auditor", record_type="audits.audit", standard=standard(code),
        requirement=requirement, active_from=today(), rationale=f"Auditors of {code} hold the qualification.")
    return requirement, gate
