"""The audit record: planning (numbering, criteria, defaults), editing, the register with its filters
and paging, the page with its sections, the workflow through the engine, the plan PDF and sending it
to the auditees, the search and "My tasks" — through the services, the pages and the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qualitas.core.testing import assert_audited
from tests.audits.test_audit_record_kit import audit, clause, process, programme, signer, standard, today

pytestmark = pytest.mark.django_db


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_planning_numbers_the_audit_takes_the_process_clauses_and_audits_the_criteria(organisation):
    quality = organisation.user("quality")
    record = audit(organisation, start=dt.date(today().year, 5, 4))
    assert record.number.startswith(f"AUD-{today().year}-") and record.status == "planned"
    # The process's ISO 9001 clauses (8.1, 8.5) are the criteria when none are chosen.
    assert sorted(c.number for c in record.clauses.all()) == ["8.1", "8.5"]
    assert record.site_id == process("CP-04").site_id  # a process audit is of the process's site
    event = assert_audited("audits.audit_created", record, quality)
    assert event.changes_dict["clauses"] == [None, ["ISO 9001:2015 §8.1", "ISO 9001:2015 §8.5"]]
    second = audit(organisation, start=dt.date(today().year, 6, 1))
    assert int(second.number.rsplit("-", 1)[1]) == int(record.number.rsplit("-", 1)[1]) + 1


def test_bad_plans_are_refused_with_a_reason_and_nothing_is_saved(organisation):
    from qualitas.audits.models import Audit

    before = Audit.objects.count()
    with pytest.raises(ValidationError, match="not of a standard in the audit's scope"):
        audit(organisation, clauses=[clause("ISO 14001", "6.1.2")])
    with pytest.raises(ValidationError, match="end before it starts"):
        audit(organisation, planned_end=today() - dt.timedelta(days=30))
    with pytest.raises(ValidationError, match="supplier"):
        audit(organisation, kind="supplier", subject="supplier", process=None)
    prog = programme(organisation)
    with pytest.raises(ValidationError, match="outside the programme's year"):
        audit(organisation, programme=prog, start=dt.date(prog.year + 1, 2, 1))
    with pytest.raises(PermissionDenied):
        audit(organisation, actor=organisation.user("employee"))
    assert Audit.objects.count() == before


def test_editing_changes_scope_and_criteria_audited_and_a_closed_audit_is_not_edited(organisation):
    from qualitas.audits import services
    from qualitas.audits.models import Audit

    quality = organisation.user("quality")
    record = audit(organisation)
    services.audit_update(actor=quality, audit=record, version=record.version, scope="Milling only.",
                          standards=[standard("ISO 9001"), standard("ISO 45001")],
                          clauses=[clause("ISO 9001", "8.5"), clause("ISO 45001", "8.1")])
    record.refresh_from_db()
    assert record.scope == "Milling only." and record.is_combined and record.version == 2
    event = assert_audited("audits.audit_updated", record, quality, scope=["Turning and milling, all shifts.",
                                                                            "Milling only."])
    assert event.changes_dict["standards"] == [["ISO 9001"], ["ISO 45001", "ISO 9001"]]
    from qualitas.core.regulated import StaleVersion

    with pytest.raises(StaleVersion):
        services.audit_update(actor=quality, audit=record, version=1, scope="Stale")
    Audit.objects.filter(pk=record.pk).update(status="closed")
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="closed audit is not changed"):
        services.audit_update(actor=quality, audit=record, version=record.version, scope="Later")


def test_the_register_filters_pages_and_the_detail_page_has_every_section(organisation):
    quality = organisation.user("quality")
    for i in range(3):
        audit(organisation, title=f"Audit number {i}", start=dt.date(today().year, 3 + i, 1))
    audit(organisation, title="Supplier visit", kind="supplier", subject="supplier", supplier="Precision Castings",
          process=None, start=dt.date(today().year - 1, 4, 1))
    client = browser(organisation.user("employee"))
    page = client.get("/audits/list/", {"kind": "supplier"})
    assert page.status_code == 200 and "Supplier visit" in page.content.decode()
    assert "Audit number 0" not in page.content.decode()
    page = client.get("/audits/list/", {"year": today().year})
    assert "Audit number 2" in page.content.decode() and "Supplier visit" not in page.content.decode()
    page = client.get("/audits/list/", {"status": "planned", "q": "number 1"})
    assert "Audit number 1" in page.content.decode() and "Audit number 2" not in page.content.decode()

    from qualitas.audits.models import Audit

    record = Audit.objects.get(title="Audit number 0")
    text = browser(quality).get(f"/audits/{record.pk}/").content.decode()
    for part in ('data-testid="audit-scope"', 'data-testid="team"', 'data-testid="auditees"', 'id="impartiality"',
                 f"/workflow/audits.audit/{record.pk}/", 'data-testid="plan-send"', "ISO 9001 8.5"):
        assert part in text, part
    text = client.get(f"/audits/{record.pk}/").content.decode()
    assert 'data-testid="team-form"' not in text and 'data-testid="plan-send"' not in text  # the employee reads


def test_the_plan_form_plans_and_edits_an_audit(organisation):
    quality = organisation.user("quality")
    client = browser(quality)
    start = dt.date(today().year, 11, 2)
    response = client.post("/audits/new/", {
        "title": "Inspection process audit", "kind": "internal", "subject": "process",
        "process": process("CP-05").pk, "standards": [standard("ISO 9001").pk], "scope": "Final inspection.",
        "method": "remote", "planned_start": start, "planned_end": start, "response_days": 20,
        "lead_auditor": organisation.user("auditor").pk,
    })
    # The auditor works in quality assurance, the department of CP-05: refused, shown on the form.
    assert response.status_code == 200
    assert "works in Quality assurance, the department of process CP-05" in response.content.decode()
    response = client.post("/audits/new/", {
        "title": "Inspection process audit", "kind": "internal", "subject": "process",
        "process": process("CP-05").pk, "standards": [standard("ISO 9001").pk], "scope": "Final inspection.",
        "method": "remote", "planned_start": start, "planned_end": start, "response_days": 20,
        "lead_auditor": organisation.user("author").pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    from qualitas.audits.models import Audit

    record = Audit.objects.get(title="Inspection process audit")
    assert (record.method, record.lead_auditor, record.response_days) == ("remote", organisation.user("author"), 20)
    response = client.post(f"/audits/{record.pk}/edit/", {
        "version": record.version, "title": "Inspection and release", "kind": "internal", "subject": "process",
        "process": process("CP-05").pk, "standards": [standard("ISO 9001").pk],
        "clauses": [clause("ISO 9001", "8.6").pk], "scope": "Final inspection.", "method": "on_site",
        "planned_start": start, "planned_end": start, "response_days": 20, "agenda": "09:00 Opening\n10:00 Floor",
    })
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.title, [c.number for c in record.clauses.all()]) == ("Inspection and release", ["8.6"])


def test_the_api_plans_reads_changes_and_lists_audits(organisation, api_client):
    qm = api_client.as_user(organisation.user("quality"))
    start = dt.date(today().year, 10, 5).isoformat()
    response = qm.post("/audits", {"title": "Combined audit", "process_id": process("CP-04").pk,
                                   "standard_ids": [standard(c).pk for c in ("ISO 9001", "ISO 14001")],
                                   "clause_ids": [clause("ISO 9001", "8.5").pk, clause("ISO 14001", "8.1").pk],
                                   "scope": "Machining", "planned_start": start, "planned_end": start,
                                   "lead_auditor_id": organisation.user("auditor").pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["standards"] == ["ISO 14001", "ISO 9001"] and body["team"][0]["role"] == "lead"
    assert body["lead_auditor_id"] == organisation.user("auditor").pk
    pk = body["id"]
    response = qm.patch(f"/audits/{pk}", {"version": body["version"], "method": "hybrid", "clause_ids": []})
    assert response.status_code == 200 and response.json()["method"] == "hybrid"
    assert response.json()["clause_ids"] == []
    assert qm.patch(f"/audits/{pk}", {"version": 1, "method": "remote"}).status_code == 409
    response = qm.post("/audits", {"title": "Bad", "scope": "x", "planned_start": start, "planned_end": start,
                                   "clause_ids": [clause("ISO 45001", "8.1").pk], "process_id": process().pk})
    assert response.status_code == 400 and "not of a standard" in response.json()["message"]
    listed = qm.get("/audits", kind="internal", year=today().year).json()
    assert pk in [a["id"] for a in listed["items"]]
    assert qm.get("/audits", status="closed").json()["count"] == 0
    employee = api_client.as_user(organisation.user("employee"))
    assert employee.get(f"/audits/{pk}").status_code == 200
    assert employee.patch(f"/audits/{pk}", {"version": 2, "method": "remote"}).status_code == 403


def test_the_workflow_runs_through_the_engine_and_prepare_checks_the_team(organisation, api_client):
    record = audit(organisation)
    lead = api_client.as_user(organisation.user("auditor"))
    response = lead.post(f"/audits/{record.pk}/transitions/prepare", {"version": record.version})
    assert response.status_code == 400 and "Name the lead auditor first" in response.json()["message"]
    assert_audited("audits.audit.prepare_refused", record)
    from qualitas.audits import services

    services.team_add(actor=organisation.user("quality"), audit=record, person=organisation.user("auditor"),
                      role="lead")
    record.refresh_from_db()
    response = lead.post(f"/audits/{record.pk}/transitions/prepare", {"version": record.version})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "prepared"
    response = lead.post(f"/audits/{record.pk}/transitions/start", {"version": response.json()["version"]})
    assert response.json()["status"] == "in_progress" and response.json()["actual_start"] == today().isoformat()
    response = lead.post(f"/audits/{record.pk}/transitions/cancel", {"version": response.json()["version"],
                                                                   "reason": "x"})
    assert response.status_code == 403  # cancelling needs the approve right
    qm = api_client.as_user(organisation.user("quality"))
    response = qm.post(f"/audits/{record.pk}/transitions/cancel", {"version": record.version + 3, "reason": ""})
    assert response.status_code in (400, 409)
    record.refresh_from_db()
    response = qm.post(f"/audits/{record.pk}/transitions/cancel", {"version": record.version,
                                                                 "reason": "Merged with the combined audit."})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_the_plan_pdf_lists_scope_criteria_team_auditees_agenda_and_is_sent_to_the_auditees(organisation, api_client):
    from qualitas.audits import services
    from qualitas.core.notifications.models import Notification

    quality = organisation.user("quality")
    record = audit(organisation, lead=organisation.user("auditor"),
                   agenda="09:00 Opening meeting\n10:00 Walk through cell 4\n15:00 Closing meeting")
    with pytest.raises(ValidationError, match="auditees"):
        services.plan_send(actor=quality, audit=record)
    services.auditee_add(actor=quality, audit=record, person=organisation.user("reviewer"), function="Process owner")
    services.auditee_add(actor=quality, audit=record, person=organisation.user("employee"), function="Operator")
    body = browser(quality).get(f"/audits/{record.pk}/plan.pdf")
    assert body.status_code == 200 and body["Content-Type"] == "application/pdf"
    text = pdf_text(body.content)
    for part in (f"Audit plan {record.number}", "Turning and milling, all shifts.", "Operational planning and control",
                 "Jordan Lee", "Lead auditor", "Riley Brooks", "Process owner", "Walk through cell 4", "On-site"):
        assert part in text, part
    assert_audited("audits.plan_printed", record, quality)
    assert api_client.as_user(quality).get(f"/audits/{record.pk}/plan.pdf").status_code == 200

    response = browser(organisation.user("auditor")).post(f"/audits/{record.pk}/plan/send/")
    assert response.status_code == 302
    notes = Notification.objects.filter(subject__startswith=f"Audit plan {record.number}")
    assert sorted(n.recipient.username for n in notes) == ["employee", "reviewer"]
    assert notes[0].url == f"/audits/{record.pk}/plan.pdf"
    assert_audited("audits.plan_sent", record, organisation.user("auditor"),
                   **{"plan sent to": [None, ["Riley Brooks", "Sam Taylor"]]})
    auditees = api_client.as_user(quality).get(f"/audits/{record.pk}/auditees").json()
    assert [(a["person"], a["function"]) for a in auditees] == [("Riley Brooks", "Process owner"),
                                                                ("Sam Taylor", "Operator")]
    response = api_client.as_user(quality).post(f"/audits/{record.pk}/plan/send")
    assert response.status_code == 200 and response.json()["sent_to"] == ["Riley Brooks", "Sam Taylor"]


def test_search_and_my_tasks(organisation):
    from qualitas.audits import providers, services

    record = audit(organisation, title="Machining audit for the search", lead=organisation.user("auditor"))
    hits = providers.search(organisation.user("employee"), "for the search", 10)
    assert [h.url for h in hits] == [f"/audits/{record.pk}/"]
    assert providers.search(organisation.user("employee"), "", 10) == []
    tasks = list(providers.tasks(organisation.user("auditor")))
    assert [t.title for t in tasks if t.record == record.number] == [
        f"Prepare the audit (team, plan, auditees): {record.number} Machining audit for the search"]
    services.team_add(actor=organisation.user("quality"), audit=record, person=signer(organisation, "author"),
                      role="auditor")
    assert not [t for t in providers.tasks(organisation.user("author")) if t.record == record.number]
    page = browser(organisation.user("auditor")).get("/")  # the home page lists every provider's tasks
    assert page.status_code == 200 and record.number in page.content.decode()
