"""The audits dashboard: programme progress (planned vs done per month), findings by grade, clause
and process, overdue responses, repeat findings, and the management-review summary."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from qualitas.audits import dashboard
from qualitas.audits.models import Finding
from qualitas.audits.services_checklists import finding_respond
from qualitas.core.testing import factories
from tests.audits import test_report_kit as kit

YEAR = 2031  # far from the demo's and from today's audits, so the counts are this test's own
JAN, MAR = dt.date(YEAR, 1, 15), dt.date(YEAR, 3, 10)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def viewer(organisation):
    return organisation.user("quality")


def test_progress_counts_planned_by_start_and_done_by_report_month(organisation, viewer):
    kit.audit(organisation, planned_start=JAN, status="reported", reported_at=_at(dt.date(YEAR, 2, 3)))
    kit.audit(organisation, planned_start=JAN, status="closed", reported_at=_at(JAN))
    kit.audit(organisation, planned_start=MAR, status="planned")
    kit.audit(organisation, planned_start=MAR, status="cancelled")
    data = dashboard.progress(viewer, year=YEAR, today=dt.date(YEAR, 6, 1))
    assert data["planned"][:4] == [2, 0, 1, 0]
    assert data["done"][:4] == [1, 1, 0, 0]
    assert data["cumulative_planned"][-1] == 3 and data["cumulative_done"][-1] == 2
    assert data["planned_total"] == 3 and data["done_of_planned"] == 2 and data["percent_done"] == 66.7
    assert data["cancelled"] == 1 and data["late"] == 1  # the March audit is past its end, not reported


def test_findings_by_grade_clause_and_process(organisation, viewer):
    audit = kit.audit(organisation, planned_start=dt.date(YEAR, 4, 1), standards=("ISO 9001", "ISO 14001"))
    kit.finding(organisation, audit, grade_code="major", clauses=[kit.clause("ISO 9001", "8.5.1")])
    kit.finding(organisation, audit, grade_code="minor",
                clauses=[kit.clause("ISO 9001", "8.5.1"), kit.clause("ISO 14001", "6.1.2")])
    kit.finding(organisation, audit, grade_code="observation", clauses=[])
    data = dashboard.dashboard_data(viewer, year=YEAR, today=dt.date(YEAR, 6, 1))
    findings = data["findings"]
    assert findings["total"] == 3 and findings["nonconformities"] == 2
    grades = {g["code"]: g["count"] for g in findings["by_grade"]}
    assert (grades["major"], grades["minor"], grades["observation"], grades["ofi"]) == (1, 1, 1, 0)
    clauses = {c["clause"]: c["count"] for c in findings["by_clause"]}
    assert clauses == {"ISO 9001 8.5.1": 2, "ISO 14001 6.1.2": 1}
    assert findings["by_clause"][0]["clause"] == "ISO 9001 8.5.1"
    assert findings["by_process"] == [{"label": "CP-04 Machining and production", "count": 3}]
    # Another year's dashboard does not count them.
    other = dashboard.dashboard_data(viewer, year=YEAR + 1, today=dt.date(YEAR, 6, 1))
    assert other["findings"]["total"] == 0


def test_overdue_responses_are_due_before_today_and_not_responded(organisation, viewer):
    audit = kit.audit(organisation, planned_start=dt.date(YEAR, 4, 1))
    late = kit.finding(organisation, audit, grade_code="major", title="Late")
    answered = kit.finding(organisation, audit, grade_code="minor", title="Answered")
    on_time = kit.finding(organisation, audit, grade_code="minor", title="On time")
    today = timezone.localdate()
    past = today - dt.timedelta(days=5)
    Finding.objects.filter(pk__in=[late.pk, answered.pk]).update(response_due=past)  # test data: due in the past
    answered.refresh_from_db()
    finding_respond(actor=organisation.user("quality"), finding=answered,
                    response="Drawing replaced; cause: no withdrawal step.", version=answered.version)
    rows = dashboard.overdue_responses(viewer, today=today)
    numbers = [r["number"] for r in rows]
    assert late.number in numbers and answered.number not in numbers and on_time.number not in numbers
    row = next(r for r in rows if r["number"] == late.number)
    assert row["days_overdue"] == 5 and row["audit"] == audit.number


def test_repeat_findings_same_clause_or_process_in_two_audits_within_three_years(organisation, viewer):
    today = timezone.localdate()
    first = kit.audit(organisation, planned_start=today - dt.timedelta(days=400))
    second = kit.audit(organisation, planned_start=today - dt.timedelta(days=10))
    old = kit.audit(organisation, planned_start=today - dt.timedelta(days=1500))
    clause = kit.clause("ISO 9001", "8.7")
    kit.finding(organisation, first, grade_code="minor", clauses=[clause])
    kit.finding(organisation, second, grade_code="major", clauses=[clause])
    kit.finding(organisation, second, grade_code="observation", clauses=[kit.clause("ISO 9001", "9.1.3")])
    kit.finding(organisation, first, grade_code="observation", clauses=[kit.clause("ISO 9001", "9.1.3")])
    stale = kit.finding(organisation, old, grade_code="minor", clauses=[kit.clause("ISO 9001", "10.2")])
    kit.finding(organisation, second, grade_code="minor", clauses=[kit.clause("ISO 9001", "10.2")])
    Finding.objects.filter(pk=stale.pk).update(created_at=_at(today - dt.timedelta(days=1500)))
    data = dashboard.repeat_findings(viewer, today=today)
    clauses = {r["clause"]: r for r in data["by_clause"]}
    assert set(clauses["ISO 9001 8.7"]["audits"]) == {first.number, second.number}
    assert "ISO 9001 9.1.3" not in clauses  # observations are not nonconformities
    assert "ISO 9001 10.2" not in clauses  # the first one is older than 3 years
    processes = {r["process"]: r for r in data["by_process"]}
    assert set(processes["CP-04 Machining and production"]["audits"]) >= {first.number, second.number}
    assert old.number not in processes["CP-04 Machining and production"]["audits"]


def test_summary_for_management_review_is_json_safe(organisation, viewer):
    reported = kit.audit(organisation, planned_start=dt.date(YEAR, 2, 1), status="reported",
                         reported_at=_at(dt.date(YEAR, 2, 5)))
    kit.audit(organisation, planned_start=dt.date(YEAR, 5, 1), status="planned")
    data = dashboard.summary(viewer, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    json.dumps(data)
    assert data["audits"]["planned"] == 2 and data["audits"]["done"] == 1
    assert data["audits"]["done_list"][0]["number"] == reported.number
    assert set(data) == {"period", "as_of", "audits", "findings", "nonconformities", "repeat_findings"}
    assert set(data["nonconformities"]) >= {"open", "overdue_responses", "raised_in_improvement"}


def test_summary_counts_open_findings_and_the_nonconformities_they_raised(organisation, viewer):
    audit = kit.audit(organisation, auditees=[organisation.user("reviewer")])
    before = dashboard.summary(viewer, start=timezone.localdate(), end=timezone.localdate())
    kit.finding(organisation, audit, grade_code="major")
    after = dashboard.summary(viewer, start=timezone.localdate(), end=timezone.localdate())
    assert after["findings"]["by_grade"]["major"] == before["findings"]["by_grade"]["major"] + 1
    assert after["nonconformities"]["open"] == before["nonconformities"]["open"] + 1
    raised_before = before["nonconformities"]["raised_in_improvement"]
    raised = after["nonconformities"]["raised_in_improvement"]
    assert raised["source"] == "audit_finding" and raised["total"] == raised_before["total"] + 1


def test_summary_refuses_a_period_that_ends_before_it_starts(viewer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        dashboard.summary(viewer, start=dt.date(YEAR, 5, 1), end=dt.date(YEAR, 4, 1))


# --- Page and API ------------------------------------------------------------------------------------


def test_dashboard_page_with_charts(client, organisation, viewer):
    kit.audit(organisation, planned_start=JAN, status="reported", reported_at=_at(JAN))
    client.force_login(organisation.user("employee"))
    response = client.get(f"/audits/dashboard/?year={YEAR}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and f"Audits dashboard {YEAR}" in body and 'data-testid="repeats"' in body
    assert 'data-testid="kpi-planned">1<' in body


def test_dashboard_page_refuses_a_bad_year_and_people_without_access(client, organisation):
    client.force_login(organisation.user("employee"))
    assert client.get("/audits/dashboard/?year=abc").status_code == 400
    assert client.get("/audits/dashboard/?year=99999").status_code == 400
    client.force_login(factories.user())
    assert client.get("/audits/dashboard/").status_code == 403


def test_api_dashboard_and_summary(client, organisation, viewer):
    kit.audit(organisation, planned_start=JAN, status="planned")
    headers = factories.bearer(viewer)
    response = client.get(f"/api/v1/audit-dashboard?year={YEAR}", **headers)
    assert response.status_code == 200 and response.json()["progress"]["planned"][0] == 1
    response = client.get(f"/api/v1/audit-dashboard/summary?start={YEAR}-01-01&end={YEAR}-12-31", **headers)
    assert response.status_code == 200 and response.json()["audits"]["planned"] == 1
    assert client.get("/api/v1/audit-dashboard/summary?start=2031-05-01&end=2031-04-01",
                      **headers).status_code == 400
    assert client.get("/api/v1/audit-dashboard?year=1800", **headers).status_code == 422
    assert client.get("/api/v1/audit-dashboard", **factories.bearer(factories.user())).status_code == 403
