"""Auditor competence and impartiality (ISO 19011 4 e, 7.2; ISO 9001 9.2.2 c): a lead auditor or an
auditor must hold a current qualification for the audit's standards (the training gates, limited to
a standard) and may not audit their own department or a process they own, unless an exception is
requested with a reason and approved by someone else. A refusal names the reason, is audited, and is
shown on the form or answered 400 by the API; the team is checked again when the audit is prepared."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qualitas.audits import services
from qualitas.core.audit import kept
from qualitas.core.testing import assert_audited
from qualitas.core.workflow import engine
from tests.audits.test_audit_record_kit import audit, process, qualification, standard

pytestmark = pytest.mark.django_db


def test_the_owner_of_the_audited_process_is_refused_and_the_refusal_is_audited(organisation):
    quality, owner = organisation.user("quality"), organisation.user("reviewer")
    record = audit(organisation)  # CP-04, owned by Riley Brooks (reviewer), department Production
    assert process("CP-04").owner == owner
    with kept.keeping(), pytest.raises(ValidationError) as refused:
        services.team_add(actor=quality, audit=record, person=owner, role="auditor")
    assert "Riley Brooks owns process CP-04 Machining and production" in refused.value.messages[0]
    assert not record.team.exists()
    event = assert_audited("audits.team_member_refused", record, quality, team=[None, "Riley Brooks (Auditor)"])
    assert "owns process CP-04" in event.reason


def test_someone_of_the_audited_department_is_refused_but_an_expert_or_observer_is_not(organisation):
    quality = organisation.user("quality")
    record = audit(organisation, process_code="CP-05")  # department Quality assurance
    with pytest.raises(ValidationError, match="Jordan Lee works in Quality assurance, the department of process CP-05"):
        services.team_add(actor=quality, audit=record, person=organisation.user("auditor"), role="lead")
    services.team_add(actor=quality, audit=record, person=organisation.user("auditor"), role="observer")
    site_audit = audit(organisation, subject="site", process=None, process_code="CP-05",
                       department=organisation.user("employee").department)
    with pytest.raises(ValidationError, match="works in the audited department Production"):
        services.team_add(actor=quality, audit=site_audit, person=organisation.user("employee"), role="auditor")


def test_an_approved_exception_lets_them_audit_and_the_approver_is_someone_else(organisation):
    quality, auditor = organisation.user("quality"), organisation.user("auditor")
    record = audit(organisation, process_code="CP-05")
    with pytest.raises(ValidationError, match="reason"):
        services.exception_request(actor=auditor, audit=record, person=auditor, reason="  ")
    with pytest.raises(ValidationError, match="without an exception"):
        services.exception_request(actor=auditor, audit=record, person=organisation.user("author"), reason="Why not")
    exception = services.exception_request(actor=auditor, audit=record, person=auditor,
                                           reason="The only qualified auditor of the site.")
    assert_audited("audits.impartiality_exception_requested", record, auditor,
                   **{"impartiality exception": [None, "Jordan Lee"]})
    with pytest.raises(ValidationError):  # not approved yet: still refused
        services.team_add(actor=quality, audit=record, person=auditor, role="lead")
    with pytest.raises(PermissionDenied):  # the auditor holds no approve right (and asked for it)
        services.exception_approve(actor=auditor, exception=exception)
    own = services.exception_request(actor=quality, audit=audit(organisation, process_code="CP-05"),
                                     person=auditor, reason="Small site.")
    with pytest.raises(PermissionDenied, match="someone other than who asked"):
        services.exception_approve(actor=quality, exception=own)
    services.exception_approve(actor=quality, exception=exception, comment="For this audit only.")
    assert_audited("audits.impartiality_exception_approved", record, quality)
    member = services.team_add(actor=quality, audit=record, person=auditor, role="lead")
    record.refresh_from_db()
    assert member.role == "lead" and record.lead_auditor == auditor
    with pytest.raises(ValidationError, match="already approved"):
        services.exception_approve(actor=organisation.user("admin"), exception=exception)


def test_a_gate_limited_to_a_standard_refuses_an_unqualified_auditor_on_audits_of_that_standard(organisation):
    quality, auditor, author = organisation.user("quality"), organisation.user("auditor"), organisation.user("author")
    qualification(organisation, "ISO 14001", holders=[author])
    environmental = audit(organisation, standards=("ISO 9001", "ISO 14001"), title="Combined audit")
    with pytest.raises(ValidationError) as refused:
        services.team_add(actor=quality, audit=environmental, person=auditor, role="lead")
    assert "Jordan Lee cannot be assigned as auditor" in refused.value.messages[0]
    assert "Q-IA-14001 Internal auditor ISO 14001 (never completed)" in refused.value.messages[0]
    services.team_add(actor=quality, audit=environmental, person=author, role="lead")
    quality_only = audit(organisation, standards=("ISO 9001",))
    services.team_add(actor=quality, audit=quality_only, person=auditor, role="lead")  # the gate does not apply


def test_preparing_checks_the_whole_team_again(organisation):
    from qualitas.core.workflow.engine import TransitionRefused

    quality, auditor = organisation.user("quality"), organisation.user("auditor")
    record = audit(organisation, lead=auditor)
    services.team_add(actor=quality, audit=record, person=organisation.user("author"), role="auditor")
    # The scope moves to a process of quality assurance, the lead auditor's department, after the team was named.
    services.audit_update(actor=quality, audit=record, version=record.version, process=process("CP-05"),
                          clauses=[])
    record.refresh_from_db()
    options = {o.transition.name: o for o in engine.options(auditor, record)}
    assert not options["prepare"].allowed and "Jordan Lee works in Quality assurance" in options["prepare"].reason
    with kept.keeping(), pytest.raises(TransitionRefused, match="Jordan Lee works in Quality assurance"):
        engine.perform(actor=auditor, instance=record, transition="prepare", expected_version=record.version)
    assert_audited("audits.audit.prepare_refused", record, auditor)
    record.refresh_from_db()
    assert record.status == "planned"
    # A qualification gate brought in since: the other auditor is not qualified for ISO 45001 either.
    qualification(organisation, "ISO 45001")
    services.audit_update(actor=quality, audit=record, version=record.version,
                          standards=[standard("ISO 9001"), standard("ISO 45001")])
    record.refresh_from_db()
    reason = next(o.reason for o in engine.options(auditor, record) if o.transition.name == "prepare")
    assert "Avery Stone cannot be assigned as auditor" in reason and "Q-IA-45001" in reason


def test_the_api_answers_400_with_the_reason_and_403_for_approving_ones_own_request(organisation, api_client):
    record = audit(organisation, process_code="CP-05")
    qm = api_client.as_user(organisation.user("quality"))
    response = qm.post(f"/audits/{record.pk}/team", {"person_id": organisation.user("auditor").pk, "role": "lead"})
    assert response.status_code == 400
    assert "Jordan Lee works in Quality assurance" in response.json()["message"]
    assert_audited("audits.team_member_refused", record, organisation.user("quality"))  # kept after the rollback
    response = qm.post(f"/audits/{record.pk}/exceptions", {"person_id": organisation.user("auditor").pk,
                                                          "reason": "Only qualified auditor."})
    assert response.status_code == 201, response.content
    exception_id = response.json()["id"]
    response = qm.post(f"/audits/{record.pk}/exceptions/{exception_id}/approve", {})
    assert response.status_code == 403
    response = api_client.as_user(organisation.user("admin")).post(
        f"/audits/{record.pk}/exceptions/{exception_id}/approve", {"comment": "Small site"})
    assert response.status_code == 200 and response.json()["approved_by_id"] == organisation.user("admin").pk
    qm = api_client.as_user(organisation.user("quality"))  # one client: as_user switches who it is
    response = qm.post(f"/audits/{record.pk}/team", {"person_id": organisation.user("auditor").pk, "role": "lead"})
    assert response.status_code == 201 and response.json()["role"] == "lead"
    detail = qm.get(f"/audits/{record.pk}").json()
    assert [m["person"] for m in detail["team"]] == ["Jordan Lee"]
    exceptions = qm.get(f"/audits/{record.pk}/exceptions").json()
    assert [(e["reason"], e["approved_by_id"]) for e in exceptions] == [("Only qualified auditor.",
                                                                         organisation.user("admin").pk)]
    member = detail["team"][0]["id"]
    assert qm.post(f"/audits/{record.pk}/team/{member}/remove", {"reason": "Replaced"}).status_code == 204
    assert_audited("audits.team_member_removed", record, organisation.user("quality"),
                   team=["Jordan Lee (Lead auditor)", None])


def test_the_team_form_shows_the_refusal(organisation):
    record = audit(organisation)
    client = Client()
    client.force_login(organisation.user("quality"))
    response = client.post(f"/audits/{record.pk}/team/", {"team-person": organisation.user("reviewer").pk,
                                                           "team-role": "lead"}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "Riley Brooks owns process CP-04" in text
    assert_audited("audits.team_member_refused", record, organisation.user("quality"))
    response = client.post(f"/audits/{record.pk}/team/", {"team-person": organisation.user("auditor").pk,
                                                           "team-role": "lead"}, follow=True)
    assert "Jordan Lee is on the audit team." in response.content.decode()


def test_who_signs_the_report_does_not_audit_their_own_work(organisation):
    from qualitas.accounts.services import system_actor
    from qualitas.audits import states

    record = audit(organisation)
    assert engine.is_segregation_guard(states.signer_not_auditee)
    assert "Riley Brooks owns process CP-04" in states.signer_not_auditee(organisation.user("reviewer"), record)
    assert states.signer_not_auditee(organisation.user("auditor"), record) is None
    assert states.signer_not_auditee(system_actor(), record) is None
