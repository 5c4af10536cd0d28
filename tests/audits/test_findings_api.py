"""The API of templates, grades, checklists and findings, in-process with a bearer token."""

from __future__ import annotations

import pytest

from qualitas.audits.models import Finding
from qualitas.core.testing import factories
from tests.audits import test_checklist_kit as kit

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    return kit.audit(organisation, status="in_progress", standards=("ISO 9001", "ISO 45001"))


def test_checklist_get_answer_add_and_generate(api_client, organisation, audit):
    api = api_client.as_user(audit.lead_auditor)
    checklist = api.get(f"/audits/{audit.pk}/checklist").json()
    assert (checklist["total"], checklist["answered"]) == (2, 0)
    first = checklist["questions"][0]
    assert first["clause"]["standard"] == "ISO 9001" and first["origin"] == "template"
    answered = api.post(f"/audit-checklist-questions/{first['id']}/answer",
                        {"version": first["version"], "answer": "conforming", "notes": "Seen"})
    assert answered.status_code == 200 and answered.json()["answer"] == "conforming"
    stale = api.post(f"/audit-checklist-questions/{first['id']}/answer", {"version": first["version"],
                                                                          "answer": "na"})
    assert stale.status_code == 409
    bad = api.post(f"/audit-checklist-questions/{first['id']}/answer", {"version": 2, "answer": "perhaps"})
    assert bad.status_code == 422
    added = api.post(f"/audits/{audit.pk}/checklist/questions", {"text": "Is the coolant concentration logged?"})
    assert added.status_code == 201 and added.json()["origin"] == "added"
    assert api.post(f"/audits/{audit.pk}/checklist/generate").json() == {"added": 0, "removed": 0, "kept": 3}
    moved = api.post(f"/audit-checklist-questions/{added.json()['id']}/move", {"position": 0})
    assert moved.json()["order"] == 10
    assert api.client.delete(f"/api/v1/audit-checklist-questions/{added.json()['id']}?reason=duplicate",
                             **api.headers).status_code == 204
    outsider = api_client.as_user(organisation.user("employee"))
    assert outsider.post(f"/audit-checklist-questions/{first['id']}/answer",
                         {"version": 2, "answer": "na"}).status_code == 403


def test_findings_create_list_respond_verify_and_close(api_client, organisation, audit):
    api = api_client.as_user(audit.lead_auditor)
    created = api.post("/audit-findings", {
        "audit_id": audit.pk, "grade": "major", "title": "No set-up approval",
        "statement": "Batch 4411 started without set-up approval.",
        "clause_ids": [kit.clause("ISO 9001", "8.5.1").pk, kit.clause("ISO 45001", "8.1.2").pk],
    })
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["grade"] == "major" and body["reaudit_id"] and body["response_due"]
    assert {c["standard"] for c in body["clauses"]} == {"ISO 9001", "ISO 45001"}
    assert api.post("/audit-findings", {"audit_id": audit.pk, "grade": "nope", "title": "x",
                                         "statement": "y"}).status_code == 400
    stray = api.post("/audit-findings", {"audit_id": audit.pk, "grade": "minor", "title": "x", "statement": "y",
                                         "clause_ids": [kit.clause("ISO 14001", "8.1").pk]})
    assert stray.status_code == 400 and "is not of a standard of" in stray.content.decode()
    listed = api.get("/audit-findings", grade="major").json()
    assert [f["number"] for f in listed["items"]] == [body["number"]]
    assert api.get("/audit-findings", grade="minor").json()["count"] == 0
    finding_id = body["id"]
    responded = api.post(f"/audit-findings/{finding_id}/respond", {"version": body["version"],
                                                                    "response": "Approval step added."})
    assert responded.json()["status"] == "responded"
    verified = api.post(f"/audit-findings/{finding_id}/verify", {"version": responded.json()["version"],
                                                                  "verification": "Seen for 3 batches."})
    assert verified.json()["status"] == "verified"
    closed = api.post(f"/audit-findings/{finding_id}/transitions/close", {"version": verified.json()["version"]})
    assert closed.json()["status"] == "closed"
    assert api.post(f"/audit-findings/{finding_id}/transitions/respond", {"version": 1}).status_code == 404
    assert api.get(f"/audit-findings/{finding_id}").json()["verified_by_id"] == audit.lead_auditor.pk


def test_a_patch_corrects_an_open_finding(api_client, audit):
    finding = kit.finding(audit, "minor")
    api = api_client.as_user(audit.lead_auditor)
    response = api.patch(f"/audit-findings/{finding.pk}", {"version": finding.version, "grade": "observation",
                                                            "title": "Old revision: an observation"})
    assert response.status_code == 200 and response.json()["grade"] == "observation"
    assert api.patch(f"/audit-findings/{finding.pk}", {"version": finding.version, "title": "x"}).status_code == 409
    assert Finding.objects.get(pk=finding.pk).title == "Old revision: an observation"


def test_templates_and_grades_are_configured_by_administrators(api_client, organisation):
    admin = api_client.as_user(organisation.user("admin"))
    grades = admin.get("/audit-finding-grades").json()
    assert [g["code"] for g in grades] == ["major", "minor", "observation", "ofi", "good-practice"]
    major = grades[0]
    changed = admin.patch("/audit-finding-grades/major", {"version": major["version"], "reaudit_days": 60})
    assert changed.json()["reaudit_days"] == 60
    invalid = admin.post("/audit-finding-grades", {"code": "odd", "label": "Odd", "raises_nonconformity": True})
    assert invalid.status_code == 400
    clause = kit.clause("ISO 14001", "6.1.2")
    created = admin.post("/audit-question-templates", {"clause_id": clause.pk, "text": "Are aspects reviewed "
                                                        "when a process changes?"})
    assert created.status_code == 201
    listed = admin.get("/audit-question-templates", clause_id=clause.pk).json()
    assert created.json()["id"] in [t["id"] for t in listed["items"]]
    patched = admin.patch(f"/audit-question-templates/{created.json()['id']}", {"version": 1, "active": False})
    assert patched.json()["active"] is False
    auditor = api_client.as_user(factories.user("auditor", username=factories.unique("aud")))
    assert auditor.post("/audit-question-templates", {"clause_id": clause.pk, "text": "Mine?"}).status_code == 403
    assert auditor.patch("/audit-finding-grades/minor", {"version": 1, "label": "Small"}).status_code == 403


def test_the_auditee_responds_with_view_rights_only_and_nobody_else_without_edit(api_client, organisation, audit):
    created = api_client.as_user(audit.lead_auditor).post("/audit-findings", {
        "audit_id": audit.pk, "grade": "minor", "title": "Work instruction not at the machine",
        "statement": "WI-12 missing at lathe 3.", "auditee_id": organisation.user("reviewer").pk,
        "clause_ids": [kit.clause("ISO 9001", "8.5.1").pk],
    })
    assert created.status_code == 201, created.content
    created = created.json()
    employee = api_client.as_user(organisation.user("employee"))
    refused = employee.post(f"/audit-findings/{created['id']}/respond",
                            {"version": created["version"], "response": "Not mine to answer."})
    assert refused.status_code in (400, 403) and "recorded by" in refused.content.decode()
    auditee = api_client.as_user(organisation.user("reviewer"))  # the process owner: audits "view" only
    responded = auditee.post(f"/audit-findings/{created['id']}/respond",
                             {"version": created["version"], "response": "WI-12 printed and placed; checked weekly."})
    assert responded.status_code == 200, responded.content
    assert responded.json()["status"] == "responded"
    assert responded.json()["responded_by_id"] == organisation.user("reviewer").pk
