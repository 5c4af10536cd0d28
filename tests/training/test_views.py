"""Training pages: every page renders for the quality manager; an employee sees their own training
(and acknowledges a document from it, turning the matrix cell current); forms create what they say;
no inline scripts or styles (strict CSP)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from qualitas.core.testing import factories
from qualitas.training import services
from qualitas.training.models import Assignment, Position, PositionHolding, Requirement, TrainingRecord
from tests.training.conftest import course, days, effective_document

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"


@pytest.fixture
def training(people, operator_position, today):
    document = effective_document(people)
    reading = services.requirement_create(actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP",
                                          kind="document", method="read-and-understood", document=document)
    forklift = course(people, "Q-FORK", kind="qualification", method="qualification", validity_months=12)
    for requirement in (reading, forklift):
        services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                                target=operator_position)
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today - days(3))
    record = services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                                      completed_on=today, level=3)
    curriculum = services.curriculum_create(actor=people["quality"], code="CUR-X", title="X", requirements=[forklift])
    return {"document": document, "reading": reading, "forklift": forklift, "record": record,
            "curriculum": curriculum, "position": operator_position}


def test_every_page_renders_for_the_quality_manager(people, training):
    client = browser(people["quality"])
    assignment = Assignment.objects.filter(person=people["op1"]).first()
    urls = [
        reverse("training:home"), reverse("training:matrix"), reverse("training:positions"),
        reverse("training:position", args=[training["position"].pk]),
        reverse("training:position-edit", args=[training["position"].pk]), reverse("training:position-new"),
        reverse("training:requirements"), reverse("training:requirement", args=[training["reading"].pk]),
        reverse("training:requirement-edit", args=[training["reading"].pk]), reverse("training:requirement-new"),
        reverse("training:curricula"), reverse("training:curriculum", args=[training["curriculum"].pk]),
        reverse("training:curriculum-edit", args=[training["curriculum"].pk]), reverse("training:curriculum-new"),
        reverse("training:assignments"), reverse("training:assignment", args=[assignment.pk]),
        reverse("training:records"), reverse("training:record", args=[training["record"].pk]),
        reverse("training:record-new"), reverse("training:person", args=[people["op1"].pk]),
        reverse("training:holding-end", args=[PositionHolding.objects.first().pk]),
        reverse("training:matrix") + "?export=csv", reverse("training:matrix") + "?export=xlsx",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            no_inline_code(response.content.decode())
    matrix = client.get(reverse("training:matrix")).content.decode()
    assert "Olga Operator" in matrix and 'data-status="current"' in matrix and 'data-status="due"' in matrix
    assert b"Q-FORK" in client.get(reverse("training:matrix") + "?export=csv").content


def test_an_employee_acknowledges_from_the_assignment_and_the_cell_turns_current(people, training):
    op1 = browser(people["op1"])
    home = op1.get(reverse("training:home")).content.decode()
    assert "Coolant check SOP" in home and "Matrix" not in home
    assignment = Assignment.objects.get(person=people["op1"], requirement=training["reading"])
    page = op1.get(reverse("training:assignment", args=[assignment.pk])).content.decode()
    revision = training["document"].effective_revision
    acknowledge = reverse("documents:acknowledge", args=[revision.document_id, revision.pk])
    assert acknowledge in page
    response = op1.post(acknowledge, {"password": factories.PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    quality = browser(people["quality"])
    matrix = quality.get(reverse("training:matrix")).content.decode()
    row = re.search(rf'<tr data-person="{people["op1"].pk}">(.*?)</tr>', matrix, re.S).group(1)
    assert row.count('data-status="current"') == 2
    person = op1.get(reverse("training:person", args=[people["op1"].pk])).content.decode()
    assert "document acknowledgment" in person


def test_an_employee_sees_only_their_own_and_their_manager_sees_theirs(people, training):
    op1, op2 = browser(people["op1"]), browser(people["op2"])
    assert op1.get(reverse("training:matrix")).status_code == 403
    assert op1.get(reverse("training:positions")).status_code == 403
    assert op1.get(reverse("training:person", args=[people["op1"].pk])).status_code == 200
    assert op2.get(reverse("training:person", args=[people["op1"].pk])).status_code == 404
    assert op2.get(reverse("training:record", args=[training["record"].pk])).status_code == 404
    assert op1.get(reverse("training:record", args=[training["record"].pk])).status_code == 200
    manager = browser(people["reviewer"])  # manages both operators
    assert manager.get(reverse("training:person", args=[people["op1"].pk])).status_code == 200
    assert "Olga Operator" in manager.get(reverse("training:home")).content.decode()


def test_the_forms_create_positions_holders_and_requirements(people, today):
    client = browser(people["quality"])
    response = client.post(reverse("training:position-new"), {"code": "OP-PAINT", "name": "Painter"})
    position = Position.objects.get(code="OP-PAINT")
    assert response.status_code == 302 and response["Location"] == reverse("training:position", args=[position.pk])
    response = client.post(reverse("training:requirement-new"), {
        "code": "C-PAINT", "title": "Spray painting", "kind": "course", "method": "on-the-job", "grace_days": 0,
        "min_level": 3, "new_starter_days": 15, "retraining_days": 14, "mandatory": "on"})
    requirement = Requirement.objects.get(code="C-PAINT")
    assert response.status_code == 302
    client.post(reverse("training:position-apply", args=[position.pk]), {"requirement": requirement.pk})
    client.post(reverse("training:holding-new", args=[position.pk]),
                {"person": people["op2"].pk, "start_date": today.isoformat()})
    assignment = Assignment.objects.get(person=people["op2"], requirement=requirement)
    assert assignment.due == today + days(15)
    holding = PositionHolding.objects.get(person=people["op2"], position=position)
    response = client.post(reverse("training:holding-end", args=[holding.pk]),
                           {"version": holding.version, "end_date": today.isoformat(), "end_reason": "Left"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "ended"
    # A refused form shows the reason inline and writes nothing.
    response = client.post(reverse("training:requirement-new"), {
        "code": "TR-NO-DOC", "title": "No document", "kind": "document", "method": "read-and-understood",
        "grace_days": 0, "min_level": 1, "new_starter_days": 15, "retraining_days": 14})
    assert response.status_code == 200 and "Choose the controlled document" in response.content.decode()
    assert not Requirement.objects.filter(code="TR-NO-DOC").exists()


def test_recording_training_with_an_evidence_file(people, training, today):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qualitas.core.files.models import Attachment

    client = browser(people["quality"])
    response = client.post(reverse("training:record-new"), {
        "person": people["op1"].pk, "requirement": training["forklift"].pk, "completed_on": today.isoformat(),
        "level": "4", "evidence": "Certificate 12",
        "evidence_file": SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n% cert\n%%EOF\n"),
    })
    assert response.status_code == 302, response.content.decode()[:800]
    record = TrainingRecord.objects.filter(person=people["op1"], level=4).get()
    assert Attachment.objects.filter(record_type="training.trainingrecord", record_id=str(record.pk)).exists()
