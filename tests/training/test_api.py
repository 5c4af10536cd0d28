"""The training API: create, read and change positions, holdings, requirements, curricula, assignments
and records; optimistic locking (409), bad input (400/422, nothing changed), and who sees what."""

from __future__ import annotations

import pytest

from qualitas.accounts.models import Department, Site
from qualitas.core.testing import assert_audited
from qualitas.training.models import Assignment, Position, TrainingRecord
from tests.training.conftest import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def qm(people, api_client):
    return api_client.as_user(people["quality"])


def test_positions_holdings_and_requirements_generate_assignments_through_the_api(people, qm, today):
    spr = Site.objects.get(code="SPR")
    prod = Department.objects.get(site=spr, code="PROD")
    response = qm.post("/training/positions", {"code": "OP-DEB", "name": "Deburring operator", "site_id": spr.pk,
                                               "department_id": prod.pk})
    assert response.status_code == 201, response.content
    position = response.json()
    assert (position["code"], position["process_ids"], position["version"]) == ("OP-DEB", [], 1)

    response = qm.post("/training/requirements", {"code": "C-DEB", "title": "Deburring", "kind": "course",
                                                  "method": "on-the-job", "min_level": 3, "new_starter_days": 20})
    assert response.status_code == 201, response.content
    requirement = response.json()
    response = qm.post(f"/training/requirements/{requirement['id']}/applies-to",
                       {"kind": "position", "target_id": position["id"]})
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "OP-DEB Deburring operator"

    response = qm.post("/training/holdings", {"person_id": people["op1"].pk, "position_id": position["id"],
                                              "start_date": today.isoformat()})
    assert response.status_code == 201, response.content
    holding = response.json()
    assert holding["current"] is True and holding["site_id"] == spr.pk

    assignments = qm.get("/training/assignments", person_id=people["op1"].pk).json()["items"]
    assert [(a["requirement_code"], a["status"], a["due"], a["trigger"]) for a in assignments] == [
        ("C-DEB", "open", (today + days(20)).isoformat(), "position")]

    response = qm.post("/training/records", {"person_id": people["op1"].pk, "requirement_id": requirement["id"],
                                             "completed_on": today.isoformat(), "level": 3, "trainer": "R. Brooks"})
    assert response.status_code == 201, response.content
    record = response.json()
    assert (record["level"], record["source"], record["assignment_id"]) == (3, "recorded", assignments[0]["id"])
    assert qm.get(f"/training/assignments/{assignments[0]['id']}").json()["status"] == "completed"

    response = qm.patch(f"/training/holdings/{holding['id']}", {"version": holding["version"],
                                                                 "end_date": today.isoformat()})
    assert response.status_code == 400 and "end_reason" in response.content.decode()
    response = qm.patch(f"/training/holdings/{holding['id']}", {"version": holding["version"],
                                                                 "end_date": today.isoformat(),
                                                                 "end_reason": "Moved to assembly"})
    assert response.status_code == 200, response.content
    assert response.json()["current"] is False


def test_patches_name_the_version_and_a_stale_one_is_409(people, qm):
    position = qm.post("/training/positions", {"code": "OP-X", "name": "Operator X"}).json()
    response = qm.patch(f"/training/positions/{position['id']}", {"version": 1, "name": "Operator Ten"})
    assert response.status_code == 200 and response.json()["version"] == 2
    response = qm.patch(f"/training/positions/{position['id']}", {"version": 1, "name": "Operator Eleven"})
    assert response.status_code == 409
    assert Position.objects.get(pk=position["id"]).name == "Operator Ten"
    response = qm.patch(f"/training/positions/{position['id']}", {"version": 2, "name": None})
    assert response.status_code == 422
    assert qm.patch(f"/training/positions/{position['id']}", {"name": "No version"}).status_code == 422


def test_bad_input_is_refused_with_the_reason_and_changes_nothing(people, qm):
    response = qm.post("/training/requirements", {"code": "TR-X", "title": "A document", "kind": "document",
                                                  "method": "read-and-understood"})
    assert response.status_code == 400 and "document" in response.content.decode()
    response = qm.post("/training/requirements", {"code": "C-X", "title": "Course", "kind": "course",
                                                  "method": "quiz"})
    assert response.status_code == 400 and "method" in response.content.decode()
    assert qm.post("/training/requirements", {"code": "C-X", "title": "x", "kind": "course",
                                              "method": "classroom", "min_level": 7}).status_code == 422
    qm.post("/training/positions", {"code": "OP-Y", "name": "Operator Y"})
    response = qm.post("/training/positions", {"code": "OP-Y", "name": "Operator Y again"})
    assert response.status_code == 400
    assert Position.objects.filter(code="OP-Y").count() == 1
    assert qm.post("/training/positions", {"code": "OP-Z", "name": "Z", "department_id": 2**40}).status_code == 400
    assert qm.post("/training/positions", ["not", "an", "object"]).status_code == 422
    assert qm.post("/training/holdings", {"person_id": people["op1"].pk, "position_id": 2**40,
                                          "start_date": "2026-01-01"}).status_code == 404


def test_assignment_due_dates_move_with_a_reason_and_records_are_corrected_with_a_reason(people, qm, today):
    requirement = qm.post("/training/requirements", {"code": "Q-CMM", "title": "CMM operator", "kind":
                                                     "qualification", "method": "qualification",
                                                     "validity_months": 24}).json()
    qm.post(f"/training/requirements/{requirement['id']}/applies-to", {"kind": "person",
                                                                      "target_id": people["op2"].pk})
    assignment = qm.get("/training/assignments", person_id=people["op2"].pk).json()["items"][0]
    new_due = (today + days(60)).isoformat()
    assert qm.patch(f"/training/assignments/{assignment['id']}", {"version": assignment["version"],
                                                                  "due": new_due}).status_code == 422
    response = qm.patch(f"/training/assignments/{assignment['id']}", {"version": assignment["version"],
                                                                      "due": new_due, "reason": "CMM in repair"})
    assert response.status_code == 200 and response.json()["due"] == new_due
    assert_audited("training.assignment_updated", Assignment.objects.get(pk=assignment["id"]),
                   actor=people["quality"])

    record = qm.post("/training/records", {"person_id": people["op2"].pk, "requirement_id": requirement["id"],
                                           "completed_on": today.isoformat()}).json()
    assert record["expires_on"] is not None and record["level"] == 1
    response = qm.patch(f"/training/records/{record['id']}", {"version": record["version"], "level": 3,
                                                               "reason": "Assessed at level 3, typed wrongly"})
    assert response.status_code == 200 and response.json()["level"] == 3
    assert_audited("training.record_corrected", TrainingRecord.objects.get(pk=record["id"]),
                   actor=people["quality"])
    response = qm.patch(f"/training/records/{record['id']}", {"version": 1, "level": 2, "reason": "stale"})
    assert response.status_code == 409


def test_curricula_bundle_requirements(people, qm):
    a = qm.post("/training/requirements", {"code": "C-A", "title": "A"}).json()
    b = qm.post("/training/requirements", {"code": "C-B", "title": "B"}).json()
    curriculum = qm.post("/training/curricula", {"code": "CUR-AB", "title": "A and B",
                                                 "requirement_ids": [a["id"]]}).json()
    assert curriculum["requirement_ids"] == [a["id"]]
    response = qm.patch(f"/training/curricula/{curriculum['id']}", {"version": curriculum["version"],
                                                                    "requirement_ids": [a["id"], b["id"]]})
    assert response.status_code == 200 and response.json()["requirement_ids"] == sorted([a["id"], b["id"]])
    response = qm.post(f"/training/curricula/{curriculum['id']}/applies-to", {"kind": "person",
                                                                             "target_id": people["op1"].pk})
    assert response.status_code == 201
    codes = {x["requirement_code"] for x in qm.get("/training/assignments", person_id=people["op1"].pk).json()["items"]}
    assert codes == {"C-A", "C-B"}
    entry = response.json()["id"]
    assert qm.post(f"/training/applies-to/{entry}/remove", {"reason": "Not needed"}).status_code == 204
    statuses = {x["status"] for x in qm.get("/training/assignments", person_id=people["op1"].pk,
                                             status="ended").json()["items"]}
    assert statuses == {"ended"}


def test_an_employee_sees_their_own_training_and_nothing_else(people, api_client, qm):
    requirement = qm.post("/training/requirements", {"code": "C-A", "title": "A"}).json()
    for person in ("op1", "op2"):
        qm.post(f"/training/requirements/{requirement['id']}/applies-to", {"kind": "person",
                                                                          "target_id": people[person].pk})
    op1 = api_client.as_user(people["op1"])
    mine = op1.get("/training/assignments").json()["items"]
    assert {a["person_id"] for a in mine} == {people["op1"].pk}
    other = Assignment.objects.get(person=people["op2"])
    assert op1.get(f"/training/assignments/{other.pk}").status_code == 404
    assert op1.get("/training/positions").json()["items"] == []
    assert op1.post("/training/positions", {"code": "P", "name": "P"}).status_code == 403
    response = op1.post("/training/records", {"person_id": people["op1"].pk, "requirement_id": requirement["id"],
                                              "completed_on": "2026-01-05"})
    assert response.status_code == 404  # the requirement is not theirs to see: not disclosed
    assert not TrainingRecord.objects.exists()
    # The manager of both operators sees their training.
    manager = api_client.as_user(people["reviewer"])
    assert {a["person_id"] for a in manager.get("/training/assignments").json()["items"]} >= {
        people["op1"].pk, people["op2"].pk}
