"""Factories the test kit uses to add records of each audits type (RecordTypeSpec.factory): each
builds one through the real services, as `actor`, at `site`."""

from __future__ import annotations

import datetime as dt
import itertools

_serial = itertools.count(1)


def programme_for_tests(*, actor, site):
    from qualitas.audits import services

    # One programme per year and site: test programmes take years far from the demo's.
    return services.programme_create(actor=actor, year=2200 + next(_serial), site=site,
                                     title="Test audit programme")


def audit_for_tests(*, actor, site, **fields):
    from qualitas.audits import services

    start = dt.date.today() + dt.timedelta(days=30)
    values = {"title": f"Test audit {next(_serial)}", "scope": "Test scope", "planned_start": start,
              "planned_end": start, "subject": "site", "site": site}
    return services.audit_create(actor=actor, **(values | fields))
