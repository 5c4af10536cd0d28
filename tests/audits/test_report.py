"""The audit report: compiled from the record, written by the lead auditor, signed and distributed by
the "report" step, as a page, a PDF and through the API."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.audits.models import ReportRecipient
from qualitas.audits.selectors_report import report_data, top_management
from qualitas.audits.services_report import audit_report_update
from qualitas.core.notifications.models import Notification
from qualitas.core.signatures.selectors import signatures_of
from qualitas.core.testing import factories
from qualitas.core.testing.audit import assert_audited
from qualitas.core.workflow.engine import TransitionRefused
from tests.audits import test_report_kit as kit


@pytest.fixture
def audited(organisation):
    """An audit in progress of CP-04 with an auditee, a checklist answered and a major and a minor finding."""
    owner = organisation.user("reviewer")
    audit = kit.audit(organisation, auditees=[owner], clauses=[kit.clause("ISO 9001", "8.5.1")])
    audit.generated = kit.answer_all(audit)  # the checklist generated from the clause in scope
    kit.answered_questions(audit, ("conforming", "finding", "na", "conforming"))
    major = kit.finding(organisation, audit, grade_code="major", title="Setup approval not recorded",
                        clauses=[kit.clause("ISO 9001", "8.5.1"), kit.clause("ISO 9001", "7.5.3")])
    minor = kit.finding(organisation, audit, grade_code="minor", clauses=[kit.clause("ISO 9001", "7.5.3")])
    kit.finding(organisation, audit, grade_code="ofi", title="Visual boards could show OEE", clauses=[])
    generated = audit.generated
    audit.refresh_from_db()
    audit.generated = generated
    return audit, major, minor, owner


def test_report_compiles_scope_team_findings_by_grade_and_clause(organisation, audited):
    audit, major, minor, owner = audited
    data = report_data(organisation.user("quality"), audit)
    json.dumps(data)  # JSON-safe
    assert data["draft"] is True and data["signature"] is None
    assert data["scope"].startswith("Machining") and data["criteria"]
    assert data["lead_auditor"] == "Jordan Lee"
    assert data["team"] == [{"name": "Jordan Lee", "role": "lead", "role_label": "Lead auditor"}]
    assert data["auditees"][0]["name"] == owner.display_name
    assert [s["code"] for s in data["standards"]] == ["ISO 9001"]
    assert data["clauses"] == [{"clause": "ISO 9001 8.5.1", "title": kit.clause("ISO 9001", "8.5.1").title}]
    grades = {g["code"]: g["count"] for g in data["findings_by_grade"]}
    assert grades["major"] == 1 and grades["minor"] == 1 and grades["ofi"] == 1 and grades["observation"] == 0
    assert data["nonconformities"] == 2
    by_clause = {c["clause"]: c for c in data["findings_by_clause"]}
    assert by_clause["ISO 9001 7.5.3"]["count"] == 2
    assert sorted(by_clause["ISO 9001 7.5.3"]["findings"]) == sorted([major.number, minor.number])
    assert by_clause["ISO 9001 8.5.1"]["grades"] == {"Major nonconformity": 1}
    first = data["findings"][0]
    assert first["number"] == major.number and first["clauses"] == ["ISO 9001 7.5.3", "ISO 9001 8.5.1"]
    n = audit.generated
    assert data["questions"] == {"total": n + 4, "answered": n + 4, "conforming": n + 2, "finding": 1,
                                 "not_applicable": 1, "unanswered": 0}


def test_the_lead_auditor_writes_summary_and_conclusion_while_in_progress(organisation, audited):
    audit = audited[0]
    updated = kit.write_report(audit, summary="Summary text", conclusion="Conforms.")
    assert (updated.summary, updated.conclusion) == ("Summary text", "Conforms.")
    assert_audited("audits.report_updated", updated, actor=audit.lead_auditor)
    with pytest.raises(PermissionDenied, match="Only the lead auditor, Jordan Lee"):
        audit_report_update(actor=organisation.user("quality"), audit=updated, conclusion="Mine")
    updated.refresh_from_db()
    assert updated.conclusion == "Conforms."


def test_summary_cannot_change_before_the_audit_starts_or_after_the_report(organisation):
    audit = kit.audit(organisation, status="prepared")
    with pytest.raises(ValidationError, match="while the audit is in progress"):
        audit_report_update(actor=audit.lead_auditor, audit=audit, summary="Too early")
    audit.refresh_from_db()
    assert audit.summary == ""


def test_only_the_lead_auditor_may_issue_the_report_and_is_named(organisation, audited):
    audit = audited[0]
    kit.write_report(audit)
    other = factories.acknowledged(organisation.user("quality"), password=kit.SIGN.password)
    with pytest.raises(TransitionRefused, match="Only the lead auditor, Jordan Lee, may sign"):
        kit.issue(audit, actor=other)
    audit.refresh_from_db()
    assert audit.status == "in_progress" and not signatures_of(audit)
    assert_audited("audits.audit.report_refused", audit)


def test_the_report_needs_a_conclusion(organisation, audited):
    audit = audited[0]
    with pytest.raises(TransitionRefused, match="Write the audit conclusion"):
        kit.issue(audit)


def test_issuing_signs_dates_and_distributes_the_report(organisation, audited):
    audit, major, minor, owner = audited
    kit.write_report(audit)
    kit.issue(audit)
    audit.refresh_from_db()
    assert audit.status == "reported" and audit.reported_at is not None
    signature = [s for s in signatures_of(audit) if s.transition == "report"]
    assert len(signature) == 1 and signature[0].meaning == "approved" and signature[0].signer == audit.lead_auditor
    assert signature[0].is_valid
    recipients = {r.person.username: r.reason for r in ReportRecipient.objects.filter(audit=audit)}
    assert recipients[owner.username] == "auditee"
    # No top-management role in the demo organisation: the quality managers receive it.
    assert recipients["quality"] == "top management"
    people, basis = top_management(audit)
    assert "quality managers" in basis
    assert {p.username for p in people} <= set(recipients)
    for username in recipients:
        assert Notification.objects.filter(recipient__username=username, subject__contains=audit.number).exists()
    assert_audited("audits.report_distributed", audit, actor=audit.lead_auditor)
    data = report_data(organisation.user("quality"), audit)
    assert data["draft"] is False
    assert data["signature"]["signer"] == "Jordan Lee" and data["signature"]["meaning_label"] == "Approved"
    assert data["signature"]["signed_at_utc"].endswith("UTC")
    with pytest.raises(ValidationError):
        audit_report_update(actor=audit.lead_auditor, audit=audit, conclusion="Changed after signing")


def test_a_top_management_role_receives_the_report_instead(organisation, audited):
    from qualitas.accounts import services as accounts

    audit, *_ = audited
    system = factories.system()
    accounts.role_create(actor=system, code="top-management", name="Top management",
                         permissions={"audits": ["view"]})
    director = organisation.user("approver")
    accounts.role_assign(actor=system, user=director, role="top-management")
    people, basis = top_management(audit)
    assert [p.username for p in people] == ["approver"] and "top-management role" in basis
    kit.write_report(audit)
    kit.issue(audit)
    recipients = {r.person.username: r.reason for r in ReportRecipient.objects.filter(audit=audit)}
    assert recipients.get("approver") == "top management" and "quality" not in recipients


def test_draft_pdf_is_watermarked_and_unsigned(organisation, audited):
    from qualitas.audits.pdf_report import report_pdf

    audit, major, minor, _ = audited
    text = kit.pdf_text(report_pdf(organisation.user("quality"), audit))
    assert "Draft" in text and "not signed" in text
    assert major.number in text and minor.number in text
    assert_audited("audits.report_printed", audit)


def test_signed_pdf_lists_findings_with_clauses_and_the_signature(organisation, audited):
    from qualitas.audits.pdf_report import report_pdf

    audit, major, minor, _ = audited
    kit.write_report(audit)
    kit.issue(audit)
    audit.refresh_from_db()
    text = kit.pdf_text(report_pdf(organisation.user("quality"), audit))
    assert "(draft)" not in text
    for expected in (major.number, minor.number, "Major nonconformity", "Minor nonconformity", "ISO 9001 8.5.1",
                     "ISO 9001 7.5.3", "Jordan Lee", "Approved", "UTC", "conforms and is effectively"):
        assert expected in text, expected


# --- Pages -----------------------------------------------------------------------------------------------


def test_report_page_shows_findings_and_the_form_to_the_lead_auditor(client, organisation, audited):
    audit, major, *_ = audited
    client.force_login(audit.lead_auditor)
    page = client.get(f"/audits/{audit.pk}/report/")
    assert page.status_code == 200
    body = page.content.decode()
    assert major.number in body and "ISO 9001 8.5.1" in body and 'data-testid="report-form"' in body
    response = client.post(f"/audits/{audit.pk}/report/edit/", {
        "version": audit.version, "summary": "From the page", "conclusion": "Conforms."})
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.summary == "From the page"


def test_report_page_refuses_someone_else_with_the_reason(client, organisation, audited):
    audit = audited[0]
    client.force_login(organisation.user("quality"))
    page = client.get(f"/audits/{audit.pk}/report/")
    assert 'data-testid="report-form"' not in page.content.decode()
    response = client.post(f"/audits/{audit.pk}/report/edit/", {"version": audit.version, "summary": "x",
                                                                 "conclusion": "y"})
    assert response.status_code == 400 and "Only the lead auditor, Jordan Lee" in response.content.decode()
    audit.refresh_from_db()
    assert audit.summary == ""


def test_report_pdf_view(client, organisation, audited):
    audit = audited[0]
    client.force_login(organisation.user("employee"))
    response = client.get(f"/audits/{audit.pk}/report/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_report_pages_need_a_sign_in_and_the_audits_permission(client, organisation, audited):
    audit = audited[0]
    assert client.get(f"/audits/{audit.pk}/report/").status_code == 302
    client.force_login(factories.user())  # no role
    assert client.get(f"/audits/{audit.pk}/report/").status_code in (403, 404)


def test_report_section_on_the_audit_page(organisation, audited, rf):
    from django.template.loader import render_to_string

    audit = audited[0]
    request = rf.get("/")
    request.user = organisation.user("quality")
    html = render_to_string("audits/_report_section.html", {"audit": audit, "request": request})
    assert 'data-testid="report-section"' in html and "draft" in html and "Major nonconformity: 1" in html


# --- API ---------------------------------------------------------------------------------------------------


def test_api_report_json_update_issue_pdf_and_recipients(client, organisation, audited):
    audit, major, *_ = audited
    lead = factories.bearer(audit.lead_auditor)
    response = client.get(f"/api/v1/audits/{audit.pk}/report", **lead)
    assert response.status_code == 200 and response.json()["draft"] is True
    assert response.json()["findings"][0]["number"] == major.number
    response = client.patch(f"/api/v1/audits/{audit.pk}/report", {"version": audit.version, "conclusion": "Conforms."},
                            content_type="application/json", **lead)
    assert response.status_code == 200 and response.json()["conclusion"] == "Conforms."
    audit.refresh_from_db()
    wrong = client.post(f"/api/v1/audits/{audit.pk}/report/issue",
                        {"version": audit.version, "signature": {"password": "wrong"}},
                        content_type="application/json", **lead)
    assert wrong.status_code in (400, 403)
    other = factories.bearer(factories.acknowledged(organisation.user("quality"), password=kit.SIGN.password))
    refused = client.post(f"/api/v1/audits/{audit.pk}/report/issue",
                          {"version": audit.version, "signature": {"password": kit.SIGN.password}},
                          content_type="application/json", **other)
    assert refused.status_code == 400 and "Jordan Lee" in refused.json()["message"]
    issued = client.post(f"/api/v1/audits/{audit.pk}/report/issue",
                         {"version": audit.version, "signature": {"password": kit.SIGN.password}},
                         content_type="application/json", **lead)
    assert issued.status_code == 200, issued.content
    assert issued.json()["draft"] is False and issued.json()["signature"]["signer"] == "Jordan Lee"
    recipients = client.get(f"/api/v1/audits/{audit.pk}/report/recipients", **lead).json()
    assert {r["reason"] for r in recipients} == {"auditee", "top management"}
    pdf = client.get(f"/api/v1/audits/{audit.pk}/report.pdf", **lead)
    assert pdf.status_code == 200 and "Jordan Lee" in kit.pdf_text(pdf.content)


def test_api_patch_by_someone_else_is_forbidden(client, organisation, audited):
    audit = audited[0]
    response = client.patch(f"/api/v1/audits/{audit.pk}/report", {"version": audit.version, "summary": "x"},
                            content_type="application/json", **factories.bearer(organisation.user("quality")))
    assert response.status_code == 403 and "Jordan Lee" in response.json()["message"]


def test_record_export_carries_the_report(organisation, audited):
    from qualitas.core.audit.record_export import export_data

    audit = audited[0]
    _, data = export_data(organisation.user("quality"), "audits.audit", audit.pk)
    assert data["audit_report"]["number"] == audit.number
