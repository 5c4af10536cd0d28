"""The improvement loop on its workflows only: reopening a CAPA is the follow-up of a failed
effectiveness check (never a person's step), the generic endpoint closes a CAPA with the module's own
guards and follow-ups, and closing a nonconformity or a complaint is never done by its owner."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qualitas.capa import services
from qualitas.capa.models import Capa, Complaint, Nonconformity
from qualitas.core.tasks.models import Task
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import TransitionRefused
from tests.capa.test_capa import PASSWORD, SIGN, _capa_in_verification, _nc

pytestmark = pytest.mark.django_db


def _step(api_client, user, record, name, **payload):
    key = f"capa.{record._meta.model_name}"
    return api_client.as_user(user).post(
        f"/records/{key}/{record.pk}/transitions/{name}", {"version": record.version, **payload}
    )


def test_people_cannot_reopen_a_capa_in_its_effectiveness_check(people, api_client):
    _, capa = _capa_in_verification(people)
    listed = api_client.as_user(people["author"]).get(f"/records/capa.capa/{capa.pk}/transitions").json()
    assert "reopen" not in [t["name"] for t in listed["transitions"]]

    response = _step(api_client, people["author"], capa, "reopen", reason="No failed check")

    assert response.status_code == 403
    assert "not a step people perform" in response.json()["message"]
    capa.refresh_from_db()
    assert capa.status == "verification" and not capa.effectiveness_checks.exists()


def test_a_failed_effectiveness_check_still_reopens_the_capa(people):
    _, capa = _capa_in_verification(people)
    services.effectiveness_check_record(
        actor=people["quality"], capa=capa, passed=False, result="Recurred", credentials=SIGN
    )
    capa.refresh_from_db()
    assert capa.status == "implementation"


def test_the_generic_close_runs_the_module_guards_and_follow_ups(people, api_client):
    _, capa = _capa_in_verification(people)
    module = api_client.as_user(people["approver"]).post(
        f"/capas/{capa.pk}/close", {"signature": {"password": PASSWORD}, "version": capa.version}
    )
    generic = _step(api_client, people["approver"], capa, "close", password=PASSWORD)
    assert (module.status_code, generic.status_code) == (400, 400)
    assert module.json()["message"] == generic.json()["message"] == "Closing needs a passed effectiveness check."
    services.effectiveness_check_record(
        actor=people["quality"], capa=capa, passed=True, result="No recurrence", credentials=SIGN,
        early_justification="Capability study on 500 parts already conclusive",
    )
    capa.refresh_from_db()
    owner = _step(api_client, people["author"], capa, "close", password=PASSWORD)
    assert owner.status_code == 403  # the owner lacks the approve permission

    closed = _step(api_client, people["approver"], capa, "close", password=PASSWORD)

    assert closed.status_code == 200, closed.content
    capa = Capa.objects.get(pk=capa.pk)
    assert capa.status == "closed" and capa.closed_at is not None
    assert not Task.objects.filter(record_type="capa.capa", record_id=str(capa.pk), status="open").exists()


def _nc_ready_to_close(people, owner):
    nc = _nc(people, nc_type="system", owner=owner)
    engine.perform(actor=people["quality"], instance=nc, transition="investigate")
    services.nonconformity_evaluate(
        actor=people["quality"], nonconformity=nc, capa_required=False, evaluation="Isolated clerical slip, corrected"
    )
    nc.refresh_from_db()
    return nc


def test_the_owner_may_not_close_their_nonconformity(people):
    approver = people["approver"]
    own = _nc_ready_to_close(people, owner=approver)
    with pytest.raises(TransitionRefused, match="segregation of duties"):
        engine.perform(actor=approver, instance=own, transition="close", credentials=SIGN)
    assert Nonconformity.objects.get(pk=own.pk).status == "investigation"

    other = _nc_ready_to_close(people, owner=people["quality"])
    engine.perform(actor=approver, instance=other, transition="close", credentials=SIGN)
    assert Nonconformity.objects.get(pk=other.pk).status == "closed"


def _responded_complaint(people, owner):
    quality = people["quality"]
    complaint = services.complaint_create(actor=quality, customer="Contoso", description="Leak", owner=owner)
    engine.perform(actor=quality, instance=complaint, transition="acknowledge")
    engine.perform(actor=quality, instance=complaint, transition="investigate")
    complaint = services.complaint_update(
        actor=quality, complaint=complaint, investigation="Seal damaged", response="Replaced",
        responded_on=timezone.localdate(),
    )
    engine.perform(actor=quality, instance=complaint, transition="respond")
    complaint.refresh_from_db()
    return complaint


def test_the_owner_may_not_close_their_complaint(people, api_client):
    approver = people["approver"]
    own = _responded_complaint(people, owner=approver)
    listed = api_client.as_user(approver).get(f"/records/capa.complaint/{own.pk}/transitions").json()
    close = next(t for t in listed["transitions"] if t["name"] == "close")
    assert not close["allowed"] and "segregation of duties" in close["reason"]
    refused = _step(api_client, approver, own, "close")
    assert refused.status_code == 400 and "segregation of duties" in refused.json()["message"]
    assert Complaint.objects.get(pk=own.pk).status == "responded"

    other = _responded_complaint(people, owner=people["quality"])
    assert _step(api_client, approver, other, "close").status_code == 200
    assert Complaint.objects.get(pk=other.pk).status == "closed"
