"""An internal audit in the browser (issue 14 acceptance): the quality manager plans an audit of a
process and is refused when putting the process owner on the team; a qualified auditor leads it,
answers the generated checklist and records a major and a minor finding; the major raises a linked
nonconformity; the signed report PDF lists both with their clauses and the lead auditor's
signature; the coverage view shows the audited clauses as audited this year."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PASSWORD = "qualitas-demo"  # noqa: S105 - the published demo password
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "audit-journey"  # gitignored
PROCESS = "CP-04"  # Machining and production, owned by the reviewer


@pytest.fixture
def audit_setup(demo_data):
    """A programme for this year, and the auditor qualified for ISO 9001 audits (a duty gate limited
    to the standard), through the services."""
    from django.utils import timezone

    from qualitas.accounts.models import Process, User
    from qualitas.audits import services as audits
    from qualitas.core.signatures import services as signing
    from qualitas.standards.models import Standard
    from qualitas.training import services as training

    people = {u.username: u for u in User.objects.filter(username__in=("quality", "auditor", "reviewer"))}
    iso9001 = Standard.objects.get(code="ISO 9001")
    today = timezone.localdate()
    requirement = training.requirement_create(
        actor=people["quality"], code="AUD-9001", title="Internal auditor ISO 9001", kind="qualification",
        method="classroom", validity_months=36, min_level=3, new_starter_days=0)
    for qualified in ("auditor", "reviewer"):  # the process owner is a qualified auditor too
        training.training_record(actor=people["quality"], person=people[qualified], requirement=requirement,
                                 completed_on=today - dt.timedelta(days=100), level=3)
    training.gate_create(actor=people["quality"], kind="duty", duty="auditor", record_type="audits.audit",
                         standard=iso9001, requirement=requirement, active_from=today,
                         rationale="Auditing against ISO 9001 needs the internal auditor qualification.")
    programme = audits.programme_create(actor=people["quality"], year=today.year, title=f"Audit programme {today.year}",
                                        standards=[iso9001], manager=people["quality"])
    if not signing.has_acknowledged_policy(people["auditor"]):
        signing.acknowledge_policy(actor=people["auditor"], password=PASSWORD)
    return people, programme, Process.objects.get(code=PROCESS), iso9001


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fill(scope, field, value):
    scope.locator(f"[name='{field}']").fill(value)


def _choose(scope, field, value):
    """Choose in a select, searchable (tom-select keeps the real <select> hidden) or not."""
    scope.locator(f"select[name='{field}']").select_option(value=str(value), force=True)


def _step(page, label, expected_status, *, password: bool = False):
    """Click a step of the workflow panel, confirm it in the step form, wait for the new status."""
    page.get_by_test_id("workflow").get_by_role("button", name=label).click()
    form = page.get_by_test_id("step-form")
    expect(form).to_be_visible()
    if password:
        form.get_by_label("Your password").fill(PASSWORD)
        form.get_by_role("button", name=re.compile("^Sign", re.I)).click()
    else:
        form.get_by_role("button", name=label).click()
    expect(page.get_by_test_id("workflow").get_by_test_id("status")).to_have_text(expected_status)


def sign_out(page):
    page.goto("/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))


def test_an_internal_audit_from_plan_to_signed_report(page, audit_setup, live_server):
    from qualitas.audits.models import Audit, Finding
    from qualitas.core.links.selectors import linked

    people, programme, process, iso9001 = audit_setup
    today = dt.date.today()

    # Plan the audit of the machining process.
    sign_in(page, "quality")
    page.goto("/audits/new/")
    _fill(page, "title", "Machining process audit")
    _choose(page, "programme", programme.pk)
    _choose(page, "process", process.pk)
    _choose(page, "standards", iso9001.pk)
    _fill(page, "scope", "Machining and production, both shifts, records of the last six months.")
    _fill(page, "planned_start", today.isoformat())
    _fill(page, "planned_end", today.isoformat())
    _fill(page, "agenda", "09:00 Opening meeting\n09:30 Shop floor\n15:00 Closing meeting")
    page.get_by_role("button", name=re.compile("Save|Create|Plan")).first.click()
    page.wait_for_url(re.compile(r"/audits/\d+/$"))
    audit = Audit.objects.get(title="Machining process audit")
    clauses = [f"{c.number}" for c in audit.clauses.all()]
    assert clauses, "a process audit takes the process's clauses as criteria"

    # The process owner may not audit their own process: refused, naming the reason.
    team = page.get_by_test_id("team-form")
    _choose(team, "team-person", people["reviewer"].pk)
    _choose(team, "team-role", "lead")
    team.get_by_role("button", name="Add to the team").click()
    expect(page.locator("body")).to_contain_text(re.compile(r"owns process CP-04"))
    _shot(page, "refused-owner")
    assert not audit.team.exists()

    # A qualified auditor leads it.
    team = page.get_by_test_id("team-form")
    _choose(team, "team-person", people["auditor"].pk)
    _choose(team, "team-role", "lead")
    team.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_test_id("team")).to_contain_text("Lead auditor")
    audit.refresh_from_db()
    assert audit.lead_auditor_id == people["auditor"].pk
    _step(page, "Mark prepared", "Prepared")
    sign_out(page)

    # The lead auditor starts the audit and answers the generated checklist.
    sign_in(page, "auditor")
    page.goto(f"/audits/{audit.pk}/")
    _step(page, "Start the audit", "In progress")
    page.goto(f"/audits/{audit.pk}/checklist/")
    questions = page.get_by_test_id("question")
    total = questions.count()
    assert total == audit.questions.count() > 0
    for index in range(total):
        answer = "Finding" if index < 2 else "Conforming"
        questions.nth(index).get_by_text(answer, exact=True).click()
        page.get_by_test_id("progress").get_by_text(f"{index + 1} of {total} answered").wait_for()
    _shot(page, "checklist")

    # A major and a minor finding, each against a clause of the audit.
    major_clause, minor_clause = list(audit.clauses.order_by("sort_key"))[:2] if audit.clauses.count() > 1 \
        else (audit.clauses.get(),) * 2
    for grade, title, clause in (("major", "No first-article inspection on the new lathe", major_clause),
                                 ("minor", "Work instruction WI-12 not at the machine", minor_clause)):
        page.goto(f"/audits/findings/new/?audit={audit.pk}")
        _choose(page, "grade", _grade(grade).pk)
        _fill(page, "title", title)
        _fill(page, "statement", f"{title}, against ISO 9001 {clause.number}.")
        _fill(page, "evidence", "Seen on the shop floor, shift 2.")
        _choose(page, "clauses", clause.pk)
        page.get_by_role("button", name=re.compile("Record|Save")).first.click()
        page.wait_for_url(re.compile(r"/audits/findings/\d+/$"))
    major = Finding.objects.get(audit=audit, grade__code="major")
    minor = Finding.objects.get(audit=audit, grade__code="minor")
    from qualitas.capa.models import Nonconformity

    raised = [Nonconformity.objects.get(pk=pk) for key, pk in linked(major) if key == "capa.nonconformity"]
    assert len(raised) == 1 and raised[0].source == "audit_finding"
    assert [key for key, _ in linked(minor)].count("capa.nonconformity") == 1  # a minor NC raises one too
    page.goto(f"/audits/findings/{major.pk}/")
    expect(page.locator("body")).to_contain_text(raised[0].number)
    _shot(page, "major-finding")

    # The report: conclusion, then signed by the lead auditor.
    page.goto(f"/audits/{audit.pk}/report/")
    report = page.get_by_test_id("report-form")
    _fill(report, "summary", "The machining process is planned and controlled with two exceptions.")
    _fill(report, "conclusion", "The QMS conforms for this process except for the findings raised.")
    report.get_by_role("button").first.click()
    expect(page.locator("body")).to_contain_text("summary and conclusion saved")
    _step(page, "Sign and issue the report", "Reported", password=True)
    _shot(page, "report")

    response = page.request.get(f"/audits/{audit.pk}/report/pdf/")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "report.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in (major.title, minor.title, f"9001 {major_clause.number}", f"9001 {minor_clause.number}",
                     people["auditor"].get_full_name(), "Approved"):
        assert expected in text, f"{expected!r} missing from the report PDF"
    assert "Draft" not in text

    # The coverage view: the audited clauses count as audited this year.
    page.goto(f"/audits/programmes/{programme.pk}/coverage/")
    section = page.get_by_test_id("coverage-iso-9001")
    for number in clauses:
        row = section.locator(f"tr[data-clause='{number}']")
        expect(row).to_have_attribute("data-state", "audited")
        expect(row).to_contain_text(str(today.year))
    _shot(page, "coverage")


def _grade(code):
    from qualitas.audits.models import FindingGrade

    return FindingGrade.objects.get(code=code)
