"""Sessions (issue 13): classroom attendance records the training and completes the assignment;
on-the-job training needs the "assessed" signature of a qualified assessor (a current level-4 record),
refused with the reason otherwise; the sign-in sheet is a core attachment. Real database, no mocks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qualitas.core.audit import kept
from qualitas.core.files.models import Attachment
from qualitas.core.signatures.selectors import valid_signatures
from qualitas.core.testing import assert_audited
from qualitas.training import services, sessions
from qualitas.training.models import Assignment, TrainingRecord
from tests.training.conftest import course, days, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(people, operator_position, today):
    def make(code, **fields):
        requirement = course(people, code, **fields)
        services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                                target=operator_position)
        return requirement

    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today - days(5))
    return make


def open_of(person, requirement):
    return Assignment.objects.filter(person=person, requirement=requirement, status__in=("open", "in_progress")).first()


def test_classroom_attendance_records_the_training_and_completes_the_assignment(people, applied, today):
    safety = applied("C-SAFETY", min_level=2)
    assignment = open_of(people["op1"], safety)
    assert assignment is not None
    session = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom",
                                      date=today - days(1), duration_minutes=90, trainer_name="Ext Trainer GmbH",
                                      location="Room 2", attendees=[people["op1"], people["op2"]])
    attendee = session.attendees.get(person=people["op1"])
    attendee = sessions.attendance_record(actor=people["quality"], attendee=attendee, attended=True, level=2)

    entry = TrainingRecord.objects.get(pk=attendee.record_id)
    assert (entry.source, entry.method, entry.evidence, entry.level, entry.completed_on, entry.trainer) == (
        "session", "classroom", f"session {session.pk}", 2, today - days(1), "Ext Trainer GmbH")
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    assert_audited("training.attendance_recorded", attendee, actor=people["quality"])
    assert_audited("training.session_created", session, actor=people["quality"])

    absent = sessions.attendance_record(actor=people["quality"], attendee=session.attendees.get(person=people["op2"]),
                                        attended=False)
    assert absent.record_id is None and absent.attended is False
    with pytest.raises(ValidationError, match="already|correct that record"):
        sessions.attendance_record(actor=people["quality"], attendee=attendee, attended=True)


def test_only_the_trainer_or_a_training_editor_records_attendance_and_not_before_the_session(people, applied,
                                                                                             today):
    safety = applied("C-SAFETY")
    session = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom",
                                      date=today, duration_minutes=30, trainer=people["reviewer"],
                                      attendees=[people["op1"]])
    attendee = session.attendees.get()
    with pytest.raises(PermissionDenied):
        sessions.attendance_record(actor=people["employee"], attendee=attendee, attended=True)
    sessions.attendance_record(actor=people["reviewer"], attendee=attendee, attended=True)  # the trainer may
    later = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom",
                                    date=today + days(3), duration_minutes=30, trainer_name="X",
                                    attendees=[people["op2"]])
    with pytest.raises(ValidationError, match="record attendance after it"):
        sessions.attendance_record(actor=people["quality"], attendee=later.attendees.get(), attended=True)
    with pytest.raises(ValidationError, match="trainer"):
        sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom", date=today,
                                duration_minutes=30)


def test_on_the_job_needs_a_qualified_assessor_and_refuses_others_naming_why(people, applied, today):
    cnc = applied("OJT-CNC", method="on-the-job", min_level=3, validity_months=12)
    session = sessions.session_create(actor=people["quality"], requirement=cnc, kind="on-the-job",
                                      date=today, duration_minutes=240, trainer=people["reviewer"],
                                      attendees=[people["op1"]])
    attendee = sessions.attendance_record(actor=people["reviewer"], attendee=session.attendees.get(),
                                          attended=True, level=3)
    assert attendee.record_id is None
    assert open_of(people["op1"], cnc).status == "in_progress"  # waiting for the assessor

    # The approver holds no level-4 record on OJT-CNC: refused, with the reason, and audited.
    with kept.keeping(), pytest.raises(PermissionDenied, match="not a qualified assessor for OJT-CNC"):
        sessions.attendee_assess(actor=people["approver"], attendee=attendee, credentials=sign())
    assert_audited("training.assessment_refused", attendee, actor=people["approver"])
    # A level-4 record that has expired does not qualify either.
    services.training_record(actor=people["quality"], person=people["approver"], requirement=cnc,
                             completed_on=today - days(800), level=4)
    with pytest.raises(PermissionDenied, match="expired"):
        sessions.attendee_assess(actor=people["approver"], attendee=attendee, credentials=sign())
    assert open_of(people["op1"], cnc) is not None

    services.training_record(actor=people["quality"], person=people["approver"], requirement=cnc,
                             completed_on=today - days(10), level=4)
    attendee = sessions.attendee_assess(actor=people["approver"], attendee=attendee, credentials=sign())

    entry = TrainingRecord.objects.get(pk=attendee.record_id)
    assert (entry.method, entry.source, entry.level, entry.signature.meaning, entry.signature.signer) == (
        "on-the-job", "session", 3, "assessed", people["approver"])
    assert open_of(people["op1"], cnc) is None
    assert [s.meaning for s in valid_signatures(attendee)] == ["assessed"]  # still valid after the bookkeeping
    assert_audited("training.attendee_assessed", attendee, actor=people["approver"])
    with pytest.raises(ValidationError, match="already assessed"):
        sessions.attendee_assess(actor=people["approver"], attendee=attendee, credentials=sign())


def test_a_wrong_password_does_not_assess(people, applied, today):
    from qualitas.core.signatures.services import Credentials

    cnc = applied("OJT-CNC", method="on-the-job", min_level=2)
    services.training_record(actor=people["quality"], person=people["approver"], requirement=cnc,
                             completed_on=today, level=4)
    session = sessions.session_create(actor=people["quality"], requirement=cnc, kind="on-the-job", date=today,
                                      duration_minutes=60, trainer_name="Shift lead", attendees=[people["op1"]])
    attendee = sessions.attendance_record(actor=people["quality"], attendee=session.attendees.get(), attended=True)
    with pytest.raises((ValidationError, PermissionDenied)):
        sessions.attendee_assess(actor=people["approver"], attendee=attendee, credentials=Credentials("wrong"))
    attendee.refresh_from_db()
    assert attendee.record_id is None


def test_the_sign_in_sheet_is_a_core_attachment_of_the_session(people, applied, today):
    safety = applied("C-SAFETY")
    session = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom", date=today,
                                      duration_minutes=30, trainer_name="X")
    sheet = SimpleUploadedFile("sign-in.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                               content_type="application/pdf")
    sessions.sign_in_sheet_add(actor=people["quality"], session=session, uploaded_file=sheet)
    attachment = Attachment.objects.get(record_type="training.session", record_id=str(session.pk))
    assert attachment.original_name == "sign-in.pdf"


def test_sessions_through_the_api_and_a_refused_assessment_is_403_with_the_reason(people, applied, today,
                                                                                   api_client):
    cnc = applied("OJT-CNC", method="on-the-job", min_level=2)
    qm = api_client.as_user(people["quality"])
    response = qm.post("/training/sessions", {"requirement_id": cnc.pk, "kind": "on-the-job",
                                              "date": today.isoformat(), "duration_minutes": 120,
                                              "trainer_name": "Shift lead", "attendee_ids": [people["op1"].pk]})
    assert response.status_code == 201, response.content
    session = response.json()
    attendee = session["attendees"][0]
    assert (session["trainer"], attendee["person_id"], attendee["attended"]) == ("Shift lead", people["op1"].pk,
                                                                                None)
    response = qm.post(f"/training/attendees/{attendee['id']}/attendance", {"attended": True, "level": 2})
    assert response.status_code == 200, response.content
    approver = api_client.as_user(people["approver"])
    response = approver.post(f"/training/attendees/{attendee['id']}/assess", {"password": "qualitas-demo"})
    assert response.status_code == 403
    assert "not a qualified assessor" in response.content.decode()
    assert qm.post("/training/sessions", {"requirement_id": cnc.pk, "date": today.isoformat(),
                                          "duration_minutes": 0}).status_code in (400, 422)


def test_session_page_records_attendance(people, applied, today, client):
    safety = applied("C-SAFETY")
    session = sessions.session_create(actor=people["quality"], requirement=safety, kind="classroom", date=today,
                                      duration_minutes=30, trainer_name="X", attendees=[people["op1"]])
    attendee = session.attendees.get()
    client.force_login(people["quality"])
    page = client.get(f"/training/sessions/{session.pk}/")
    assert page.status_code == 200 and "Olga" in page.content.decode()
    response = client.post(f"/training/sessions/{session.pk}/", {"action": "attendance", "attendee": attendee.pk,
                                                                 "attended": "1", "level": "1"})
    assert response.status_code == 302
    attendee.refresh_from_db()
    assert attendee.record_id is not None
    client.force_login(people["employee"])
    assert client.get(f"/training/sessions/{session.pk}/").status_code == 404
