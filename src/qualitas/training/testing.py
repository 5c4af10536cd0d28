"""Factories the test kit uses to add records of each training type (RecordTypeSpec.factory): each
builds one through the real services, as `actor`, at `site`."""

from __future__ import annotations

import datetime as dt
import itertools

_serial = itertools.count(1)


def _code(prefix: str) -> str:
    return f"{prefix}-T{next(_serial)}"


def _person(site):
    from qualitas.accounts import services
    from qualitas.accounts.services import system_actor

    return services.user_create(actor=system_actor(), username=_code("trainee").lower(), password=None,
                                first_name="Trainee", last_name=_code("P"), site=site)


def position_for_tests(*, actor, site):
    from qualitas.training import services

    return services.position_create(actor=actor, code=_code("POS"), name="Test position", site=site)


def holding_for_tests(*, actor, site):
    from qualitas.training import services

    position = position_for_tests(actor=actor, site=site)
    return services.holding_start(actor=actor, person=_person(site), position=position,
                                  start_date=dt.date.today())


def requirement_for_tests(*, actor, site, **fields):
    from qualitas.training import services

    values = {"code": _code("REQ"), "title": "Test course", "kind": "course", "method": "classroom", "site": site}
    return services.requirement_create(actor=actor, **(values | fields))


def curriculum_for_tests(*, actor, site):
    from qualitas.training import services

    return services.curriculum_create(actor=actor, code=_code("CUR"), title="Test curriculum", site=site,
                                      requirements=[requirement_for_tests(actor=actor, site=site)])


def assignment_for_tests(*, actor, site):
    from qualitas.training import services
    from qualitas.training.models import Assignment

    person = _person(site)
    requirement = requirement_for_tests(actor=actor, site=site)
    services.applies_to_add(actor=actor, requirement=requirement, kind="person", target=person)
    return Assignment.objects.filter(person=person, requirement=requirement).first()


def record_for_tests(*, actor, site):
    from qualitas.training import services

    requirement = requirement_for_tests(actor=actor, site=site, kind="qualification", method="qualification",
                                        validity_months=24)
    return services.training_record(actor=actor, person=_person(site), requirement=requirement,
                                    completed_on=dt.date.today(), level=3)
