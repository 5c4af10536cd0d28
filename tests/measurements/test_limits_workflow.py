"""Frozen control limits on their workflow: freezing again supersedes the limits in use and releasing
ends them, both as workflow steps with the reason; people cannot take either step directly."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import record_update
from qualitas.core.signatures.services import Credentials
from qualitas.measurements import services
from tests.measurements.conftest import PASSWORD, entries, piston_rings

pytestmark = pytest.mark.django_db
SIGN = Credentials(PASSWORD)


def _frozen(people, rings):
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries(piston_rings()))
    return services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)


def test_freezing_again_supersedes_through_the_workflow(rings, people):
    first = _frozen(people, rings)
    second = services.limits_freeze(
        actor=people["quality"], characteristic=rings, credentials=SIGN, first=30, reason="New boring bar"
    )
    first.refresh_from_db()
    assert (first.status, first.get_status_display(), second.get_status_display()) == (
        "superseded", "Superseded", "In use"
    )
    event = AuditEvent.objects.get(record_type="measurements.controllimits", record_id=str(first.pk),
                                   event="measurements.controllimits.supersede")
    assert event.reason == "New boring bar" and event.actor_id == people["quality"].pk


def test_releasing_is_a_workflow_step_with_its_reason(rings, people):
    limits = _frozen(people, rings)
    released = services.limits_release(actor=people["quality"], characteristic=rings, reason="Process redesign")
    assert (released.status, released.ended_reason) == ("released", "Process redesign")
    assert released.ended_at is not None
    event = AuditEvent.objects.get(record_id=str(limits.pk), event="measurements.controllimits.release")
    assert event.reason == "Process redesign"


@pytest.mark.parametrize("step", ["supersede", "release"])
def test_people_cannot_end_limits_through_the_generic_endpoint(rings, people, api_client, step):
    limits = _frozen(people, rings)
    response = api_client.as_user(people["quality"]).post(
        f"/records/measurements.controllimits/{limits.pk}/transitions/{step}",
        {"version": limits.version, "reason": "Bypass"},
    )
    assert response.status_code == 403
    with pytest.raises(ValidationError, match="status changes only through its workflow"):
        record_update(people["quality"], limits, event="measurements.limits_updated",
                      changes={"status": "released"}, reason="Bypass")
    limits.refresh_from_db()
    assert limits.status == "active" and limits.ended_at is None
