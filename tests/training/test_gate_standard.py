"""A duty gate limited to one standard (Gate.standard): it applies only to records in scope of that
standard (their `gate_standards()`), so auditing ISO 14001 needs the ISO 14001 auditor qualification
and auditing ISO 9001 alone does not; a gate without a standard applies to every record. The form,
the list, the page and the API show and take the standard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from qualitas.training import gates, services, services_gates

pytestmark = pytest.mark.django_db


def Scoped(*codes):  # noqa: N802 - reads as the record it stands for
    """A record in scope of some standards (an audit here; any record with `gate_standards()`)."""
    from qualitas.audits.models import Audit

    record = Audit(title="Scoped record")
    record.gate_standards = lambda: list(codes)
    return record


def _standard(code):
    from qualitas.standards.models import Standard

    return Standard.objects.get(code=code)


def _requirement(quality, code):
    return services.requirement_create(actor=quality, code=code, title=f"Qualification {code}",
                                       kind="qualification", method="classroom", min_level=3)


def _gate(quality, requirement, standard=None, **fields):
    values = {"kind": "duty", "duty": "auditor", "active_from": timezone.localdate(),
              "rationale": "Audit procedure: auditors are qualified."}
    return services_gates.gate_create(actor=quality, requirement=requirement, standard=standard,
                                      **(values | fields))


def test_a_gate_with_a_standard_applies_only_to_records_of_that_standard(people):
    quality, person = people["quality"], people["author"]
    environmental = _requirement(quality, "Q-ENV-AUD")
    _gate(quality, environmental, _standard("ISO 14001"))
    reason = gates.may_assign(person=person, instance=Scoped("ISO 9001", "ISO 14001"), duty="auditor")
    assert reason == (f"{person.display_name} cannot be assigned as auditor: it needs current training: "
                      "Q-ENV-AUD Qualification Q-ENV-AUD (never completed).")
    assert gates.may_assign(person=person, instance=Scoped("ISO 9001"), duty="auditor") is None
    from qualitas.capa.models import Nonconformity

    assert gates.may_assign(person=person, instance=Nonconformity(), duty="auditor") is None  # names no standard
    services.training_record(actor=quality, person=person, requirement=environmental,
                             completed_on=timezone.localdate() - dt.timedelta(days=5), level=3)
    assert gates.may_assign(person=person, instance=Scoped("ISO 14001"), duty="auditor") is None

    general = _requirement(quality, "Q-AUD-GEN")
    _gate(quality, general)  # no standard: every record
    reason = gates.may_assign(person=person, instance=Scoped("ISO 9001"), duty="auditor")
    assert reason is not None and "Q-AUD-GEN" in reason and "Q-ENV-AUD" not in reason


def test_only_a_duty_gate_names_a_standard(people):
    requirement = _requirement(people["quality"], "Q-X")
    with pytest.raises(ValidationError) as refused:
        _gate(people["quality"], requirement, _standard("ISO 9001"), kind="sign", duty="", meaning="approved")
    assert "standard" in refused.value.message_dict


def test_the_list_the_page_the_form_and_the_api_show_the_standard(people, api_client):
    quality = people["quality"]
    requirement = _requirement(quality, "Q-OHS-AUD")
    qm = api_client.as_user(quality)
    response = qm.post("/training/gates", {"kind": "duty", "duty": "auditor", "requirement_id": requirement.pk,
                                           "record_type": "audits.audit", "standard_id": _standard("ISO 45001").pk,
                                           "rationale": "OHS audits need the OHS auditor course."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["standard_code"], body["label"]) == ("ISO 45001", "Q-OHS-AUD for being auditor for ISO 45001 "
                                                                    "(audits.audit)")
    response = qm.post("/training/gates", {"kind": "duty", "duty": "auditor", "requirement_id": requirement.pk,
                                           "standard_id": 2**40, "rationale": "x"})
    assert response.status_code == 400 and "standard_id" in str(response.json())
    response = qm.patch(f"/training/gates/{body['id']}", {"version": body["version"], "reason": "All audits",
                                                          "standard_id": None})
    assert response.status_code == 200 and response.json()["standard_id"] is None
    response = qm.patch(f"/training/gates/{body['id']}", {"version": response.json()["version"], "reason": "Back",
                                                          "standard_id": _standard("ISO 45001").pk})
    assert response.json()["standard_code"] == "ISO 45001"

    client = Client()
    client.force_login(quality)
    listed = client.get("/training/gates/").content.decode()
    assert 'data-testid="gate-standard">ISO 45001<' in listed
    page = client.get(f"/training/gates/{body['id']}/").content.decode()
    assert "only on records in scope of ISO 45001" in page
    form = client.get("/training/gates/new/").content.decode()
    assert 'name="standard"' in form
    response = client.post("/training/gates/new/", {
        "kind": "duty", "requirement": requirement.pk, "duty": "auditor", "standard": _standard("ISO 14001").pk,
        "active_from": timezone.localdate().isoformat(), "rationale": "Environmental audits."})
    assert response.status_code == 302, response.content.decode()[:3000]
    from qualitas.training.models_gates import Gate

    assert Gate.objects.filter(standard__code="ISO 14001", duty="auditor").exists()
