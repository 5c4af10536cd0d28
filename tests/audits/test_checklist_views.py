"""The answering page (tablet), the htmx answer endpoint, evidence per question, the sections on the
audit page, and the finding pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qualitas.core.files.models import Attachment
from qualitas.core.testing import factories
from tests.audits import test_checklist_kit as kit

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def audit(organisation):
    return kit.audit(organisation, status="in_progress")


def test_the_answering_page_offers_three_large_answers_per_question_to_the_team(audit):
    page = _client(audit.lead_auditor).get(reverse("audits:checklist", args=[audit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="question"') == audit.questions.count() == 2
    assert html.count('value="conforming"') == 2 and html.count('value="na"') == 2
    assert 'hx-trigger="change"' in html and "0 of 2 answered" in html
    assert "audits/checklist.css" in html
    assert "fieldset class=\"answer-options mb-2\" aria-labelledby" in html  # not disabled for the team


def test_someone_outside_the_team_reads_the_checklist_without_answering(organisation, audit):
    html = _client(organisation.user("quality")).get(reverse("audits:checklist", args=[audit.pk])).content.decode()
    assert "Only the lead auditor and the auditors of the team answer" in html
    assert html.count(" disabled>") >= 2


def test_an_answer_is_saved_as_given_and_the_page_gets_the_new_version_and_progress(audit):
    question = audit.questions.order_by("order").first()
    client = _client(audit.lead_auditor)
    url = reverse("audits:question-answer", args=[question.pk])
    response = client.post(url, {"version": question.version, "answer": "conforming", "notes": ""}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    question.refresh_from_db()
    assert question.answer == "conforming" and question.version == 2
    assert f'id="q-{question.pk}-version" value="2" hx-swap-oob="true"' in html
    assert 'id="checklist-progress"' in html and "1 of 2 answered" in html
    # the note is the next request, with the version the page now holds
    response = client.post(url, {"version": 2, "answer": "conforming", "notes": "Set-up sheets signed."}, **HX)
    question.refresh_from_db()
    assert (question.notes, question.version) == ("Set-up sheets signed.", 3)
    # a stale page is told, and nothing changes
    response = client.post(url, {"version": 2, "answer": "na", "notes": ""}, **HX)
    assert "Not saved" in response.content.decode() and "changed by someone else" in response.content.decode()
    question.refresh_from_db()
    assert (question.answer, question.version) == ("conforming", 3)


def test_answering_finding_offers_to_record_it(audit):
    question = audit.questions.first()
    html = _client(audit.lead_auditor).post(reverse("audits:question-answer", args=[question.pk]),
                                            {"version": question.version, "answer": "finding"}, **HX).content.decode()
    assert f"question={question.pk}" in html and "Record the finding" in html


def test_without_javascript_the_answer_form_posts_and_returns_to_the_question(audit):
    question = audit.questions.first()
    response = _client(audit.lead_auditor).post(reverse("audits:question-answer", args=[question.pk]),
                                                {"version": question.version, "answer": "na"})
    assert response.status_code == 302 and response["Location"].endswith(f"#q-{question.pk}")
    question.refresh_from_db()
    assert question.answer == "na"


def test_evidence_is_attached_to_a_question_by_the_team(organisation, audit):
    question = audit.questions.first()
    url = reverse("audits:question-evidence", args=[question.pk])
    photo = SimpleUploadedFile("gauge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = _client(audit.lead_auditor).post(url, {"file": photo, "description": "Gauge label"}, **HX)
    assert response.status_code == 200 and "gauge.png" in response.content.decode()
    attachment = Attachment.objects.get(record_type="audits.checklistquestion", record_id=str(question.pk))
    assert attachment.description == "Gauge label"
    refused = _client(organisation.user("quality")).post(
        url, {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)}, **HX)
    assert "attached by the audit team" in refused.content.decode()
    assert Attachment.objects.filter(record_type="audits.checklistquestion").count() == 1
    page = _client(audit.lead_auditor).get(reverse("audits:checklist", args=[audit.pk])).content.decode()
    assert "Evidence (1)" in page


def test_the_audit_page_shows_the_checklist_and_findings_sections(organisation, audit):
    kit.finding(audit, "minor", title="Old revision at the lathe")
    html = _client(organisation.user("quality")).get(reverse("audits:audit-detail", args=[audit.pk])).content.decode()
    assert 'data-testid="checklist-section"' in html and "0 of 2</strong> questions answered" in html
    assert 'data-testid="findings-section"' in html and "Old revision at the lathe" in html


def test_recording_a_finding_from_the_form(organisation, audit):
    question = audit.questions.first()
    client = _client(audit.lead_auditor)
    client.post(reverse("audits:question-answer", args=[question.pk]),
                {"version": question.version, "answer": "finding"}, **HX)
    url = f"{reverse('audits:finding-new')}?audit={audit.pk}&question={question.pk}"
    form = client.get(url)
    assert form.status_code == 200 and question.text in form.content.decode()
    response = client.post(url, {"audit": audit.pk, "grade": kit.grade("minor").pk, "title": "Set-up not approved",
                                 "statement": "Batch 4411 started without set-up approval.",
                                 "clauses": [kit.clause("ISO 9001", "8.5.1").pk]})
    finding = audit.findings.get()
    assert response.status_code == 302 and response["Location"] == reverse("audits:finding-detail", args=[finding.pk])
    assert finding.question == question
    detail = client.get(response["Location"]).content.decode()
    assert "Minor nonconformity" in detail and "Set-up not approved" in detail and "NC-" in detail


def test_the_finding_page_offers_the_response_and_verification_forms(organisation, audit):
    finding = kit.finding(audit, "minor")
    client = _client(audit.lead_auditor)
    detail = client.get(reverse("audits:finding-detail", args=[finding.pk])).content.decode()
    assert 'data-testid="respond-form"' in detail and 'data-testid="verify-form"' not in detail
    client.post(reverse("audits:finding-respond", args=[finding.pk]), {"version": finding.version,
                                                                       "response": "Corrected."})
    finding.refresh_from_db()
    assert finding.status == "responded"
    detail = client.get(reverse("audits:finding-detail", args=[finding.pk])).content.decode()
    assert 'data-testid="verify-form"' in detail and "Response not accepted" in detail
    client.post(reverse("audits:finding-verify", args=[finding.pk]), {"version": finding.version,
                                                                      "verification": "Seen at L3."})
    finding.refresh_from_db()
    assert finding.status == "verified"


def test_the_finding_list_filters_by_grade_status_clause_process_and_overdue(organisation, audit):
    import datetime as dt

    major = kit.finding(audit, "major", clauses=[kit.clause("ISO 9001", "8.5.1")], title="Major one")
    minor = kit.finding(audit, "minor", title="Minor one")
    from qualitas.audits.models import Finding

    Finding.objects.filter(pk=minor.pk).update(response_due=dt.date.today() - dt.timedelta(days=1))
    client = _client(organisation.user("quality"))
    url = reverse("audits:finding-list")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {f.number for f in (major, minor) if f.number in html}

    assert shown() == {major.number, minor.number}
    assert shown(grade="major") == {major.number}
    assert shown(clause=kit.clause("ISO 9001", "8.5.1").pk) == {major.number}
    assert shown(overdue="1") == {minor.number}
    assert shown(status="closed") == set()
    assert shown(process=kit.process("CP-01").pk) == set()


def test_grades_and_question_templates_pages(organisation):
    admin = _client(organisation.user("admin"))
    grades = admin.get(reverse("audits:grade-list")).content.decode()
    assert "Major nonconformity" in grades and "after 90 days" in grades
    response = admin.post(reverse("audits:grade-list"), {"code": "critical", "label": "Critical nonconformity",
                                                         "is_nonconformity": "on", "raises_nonconformity": "on",
                                                         "severity": "critical", "needs_response": "on",
                                                         "reaudit_days": 30, "order": 5, "colour": "danger",
                                                         "active": "on"})
    assert response.status_code == 302
    assert kit.grade("critical").raises_nonconformity
    templates = admin.get(reverse("audits:question-template-list"), {"q": "7.1.5"}).content.decode()
    assert "calibrated or verified" in templates
    employee = _client(organisation.user("employee"))
    assert employee.get(reverse("audits:question-template-new")).status_code == 403
    assert "Add a grade" not in employee.get(reverse("audits:grade-list")).content.decode()
    outsider = factories.user(None, username=factories.unique("nobody"))
    assert _client(outsider).get(reverse("audits:finding-list")).status_code == 403
