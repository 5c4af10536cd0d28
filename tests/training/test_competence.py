"""Competence records (issue 13): CV-style entries, a person's history from hire to today, and the
training record as PDF (what an auditor asks for). Real database, no mocks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.testing import assert_audited
from qualitas.training import competence, services, sessions
from qualitas.training.pdf import person_record_pdf
from tests.training.conftest import course, days

pytestmark = pytest.mark.django_db


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@pytest.fixture
def trained(people, operator_position, today):
    safety = course(people, "C-SAFETY")
    services.applies_to_add(actor=people["quality"], requirement=safety, kind="position", target=operator_position)
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today - days(200))
    session = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom",
                                      date=today - days(3), duration_minutes=60, trainer_name="Ext Trainer",
                                      attendees=[people["op1"]])
    sessions.attendance_record(actor=people["quality"], attendee=session.attendees.get(), attended=True)
    return safety


def test_entries_are_audited_validated_and_corrected_with_a_reason(people):
    entry = competence.competence_entry_create(
        actor=people["quality"], person=people["op1"], kind="education", title="  Machining   technician ",
        organisation="Springfield College", start=dt.date(2015, 9, 1), end=dt.date(2018, 6, 30),
        evidence="diploma.pdf")
    assert entry.title == "Machining technician"
    assert_audited("training.competence_entry_created", entry, actor=people["quality"])
    with pytest.raises(ValidationError, match="reason"):
        competence.competence_entry_update(actor=people["quality"], entry=entry, reason="", title="X")
    competence.competence_entry_update(actor=people["quality"], entry=entry, reason="Typo", organisation="SC")
    assert_audited("training.competence_entry_updated", entry, actor=people["quality"])
    with pytest.raises(ValidationError, match="before the start"):
        competence.competence_entry_create(actor=people["quality"], person=people["op1"], kind="experience",
                                           title="Operator", start=dt.date(2020, 1, 1), end=dt.date(2019, 1, 1))
    with pytest.raises(ValidationError):
        competence.competence_entry_create(actor=people["quality"], person=people["op1"], kind="hobby", title="X")
    with pytest.raises(PermissionDenied):
        competence.competence_entry_create(actor=people["employee"], person=people["op1"], kind="education",
                                           title="X")
    competence.competence_entry_withdraw(actor=people["quality"], entry=entry, reason="Wrong person")
    assert competence.entries_of(people["op1"]) == []


def test_history_runs_from_the_position_taken_to_the_latest_training(people, trained, today):
    competence.competence_entry_create(actor=people["quality"], person=people["op1"], kind="experience",
                                       title="CNC operator", organisation="Acme", start=dt.date(2019, 1, 1),
                                       end=dt.date(2024, 12, 31))
    events = competence.history(people["op1"])
    kinds = [(e.kind, e.day) for e in events]
    assert kinds[0] == ("session", today - days(3))
    assert ("position", today - days(200)) in kinds
    assert kinds[-1] == ("experience", dt.date(2019, 1, 1))
    assert "Ext Trainer" in events[0].detail


def test_the_training_record_pdf_has_header_status_history_entries_and_is_audited(people, trained, client):
    from qualitas.accounts.models import User

    competence.competence_entry_create(actor=people["quality"], person=people["op1"], kind="certificate",
                                       title="Forklift licence", organisation="TÜV")
    body = person_record_pdf(people["quality"], people["op1"])
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    for expected in ("Training record: Olga Operator", "CNC operator", "C-SAFETY", "Current", "Forklift licence",
                     "Ext Trainer", "Quinn Harper"):
        assert expected in text, expected
    assert_audited("training.record_printed", User.objects.get(pk=people["op1"].pk), actor=people["quality"])

    client.force_login(people["quality"])
    response = client.get(f"/training/people/{people['op1'].pk}/record.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    page = client.get(f"/training/people/{people['op1'].pk}/")
    assert "Forklift licence" in page.content.decode() and 'data-testid="timeline"' in page.content.decode()
    client.force_login(people["op2"])  # neither the person, their manager nor a training viewer
    assert client.get(f"/training/people/{people['op1'].pk}/record.pdf").status_code == 404


def test_competence_api_and_the_pdf_endpoint(people, trained, api_client):
    qm = api_client.as_user(people["quality"])
    response = qm.post(f"/training/people/{people['op1'].pk}/competence",
                       {"kind": "education", "title": "Apprenticeship", "start": "2014-09-01"})
    assert response.status_code == 201, response.content
    assert [e["title"] for e in qm.get(f"/training/people/{people['op1'].pk}/competence").json()] == [
        "Apprenticeship"]
    assert qm.post(f"/training/people/{people['op1'].pk}/competence",
                   {"kind": "hobby", "title": "X"}).status_code in (400, 422)
    response = qm.get(f"/training/people/{people['op1'].pk}/record.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    operator = api_client.as_user(people["op2"])
    assert operator.get(f"/training/people/{people['op1'].pk}/record.pdf").status_code == 404
