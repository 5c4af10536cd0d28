"""The improvement loop: nonconformity → CAPA with root cause analysis → actions → effectiveness
check (a failure reopens) → closure with an approval signature, with links, audit and the 8D report."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qualitas.accounts.models import User
from qualitas.actions import services as actions
from qualitas.capa import analysis, services
from qualitas.capa.models import Capa, Severity
from qualitas.capa.selectors import linked_records
from qualitas.core.audit.models import AuditEvent
from qualitas.core.audit.verify import verify
from qualitas.core.links.selectors import linked
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.selectors import valid_signatures
from qualitas.core.tasks.models import Task
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import TransitionRefused

pytestmark = pytest.mark.django_db
PASSWORD = "qualitas-demo"
SIGN = signing.Credentials(PASSWORD)

WHYS = [
    {"problem": "Bore oversize", "whys": ["Insert worn", "No tool-life limit"], "cause": "No tool-life management"},
    {"problem": "Escaped to customer", "whys": ["Check every 50 parts", "Frequency not reviewed"], "cause": ""},
]
FISHBONE = {"method": ["No tool-life limit"], "machine": ["Spindle runout"]}
CAUSES = [
    {
        "statement": "No tool-life management",
        "category": "method",
        "origin": "5-Why 1",
        "verified": True,
        "verification": "Trial with fresh insert",
    }
]


def _nc(people, **fields):
    data = {
        "title": "Bore diameter above tolerance",
        "description": "Bore 40.06 mm, spec 40.00 ± 0.05.",
        "severity": Severity.objects.get(code="major"),
        "category": "Dimensional",
        "product": "HP-40",
    }
    data.update(fields)
    return services.nonconformity_create(actor=people["quality"], **data)


def _capa_in_verification(people):
    quality, author = people["quality"], people["author"]
    nc = _nc(people)
    capa = services.capa_create(
        actor=quality,
        title="Stop oversize bores",
        owner=author,
        nonconformities=[nc],
        problem="Bores oversize on HP-40",
        effectiveness_criterion="No recurrence in 3 months",
    )
    engine.perform(actor=author, instance=capa, transition="investigate")
    services.capa_analysis_update(actor=author, capa=capa, why_chains=WHYS, fishbone=FISHBONE, root_causes=CAUSES)
    first = actions.action_create(actor=author, title="Tool-life limits", owner=author, parent=capa)
    second = actions.action_create(actor=author, title="Review frequency", owner=author, kind="preventive", parent=capa)
    engine.perform(actor=author, instance=capa, transition="implement")
    for action in (first, second):
        actions.action_complete(actor=author, action=action, evidence=f"{action.title} done")
    engine.perform(actor=author, instance=capa, transition="implemented")
    capa.refresh_from_db()
    return nc, capa


def test_the_closed_loop_with_a_failed_then_passed_effectiveness_check(people):
    quality, author, approver = people["quality"], people["author"], people["approver"]
    nc, capa = _capa_in_verification(people)
    assert capa.status == "verification" and capa.effectiveness_due is not None
    assert Task.objects.filter(record_type="capa.capa", record_id=str(capa.pk), kind="review", status="open").exists()

    with pytest.raises(TransitionRefused, match="passed effectiveness check"):
        engine.perform(actor=approver, instance=capa, transition="close", credentials=SIGN)

    failed = services.effectiveness_check_record(
        actor=quality, capa=capa, passed=False, result="Recurred in week 2", credentials=SIGN
    )
    capa.refresh_from_db()
    assert capa.status == "implementation", "a failed check reopens the CAPA"
    assert valid_signatures(failed, "verified")
    reopen = AuditEvent.objects.filter(record_type="capa.capa", record_id=str(capa.pk), event="capa.capa.reopen").get()
    assert "Recurred in week 2" in reopen.reason

    extra = actions.action_create(actor=author, title="In-process gauging", owner=author, parent=capa)
    with pytest.raises(TransitionRefused, match="still open"):
        engine.perform(actor=author, instance=capa, transition="implemented")
    actions.action_complete(actor=author, action=extra, evidence="Gauge installed")
    engine.perform(actor=author, instance=capa, transition="implemented")
    services.effectiveness_check_record(actor=quality, capa=capa, passed=True, result="No recurrence", credentials=SIGN,
                                        early_justification="Capability study on 500 parts already conclusive")
    capa.refresh_from_db()

    with pytest.raises(PermissionDenied):
        engine.perform(actor=author, instance=capa, transition="close", credentials=SIGN)
    owned_by_approver = services.capa_update(actor=quality, capa=capa, owner=approver)
    with pytest.raises(TransitionRefused, match="segregation"):
        engine.perform(actor=approver, instance=owned_by_approver, transition="close", credentials=SIGN)
    capa = services.capa_update(actor=quality, capa=owned_by_approver, owner=author)
    with pytest.raises(signing.SignatureRefused):
        engine.perform(actor=approver, instance=capa, transition="close", credentials=signing.Credentials("wrong"))
    engine.perform(actor=approver, instance=capa, transition="close", credentials=SIGN)
    capa.refresh_from_db()
    assert capa.status == "closed" and capa.closed_at is not None
    assert [s.meaning for s in valid_signatures(capa)] == ["approved"]
    assert ("capa.nonconformity", str(nc.pk)) in linked(capa)
    assert ("capa.capa", str(capa.pk)) in linked(nc)
    events = set(
        AuditEvent.objects.filter(record_type="capa.capa", record_id=str(capa.pk)).values_list("event", flat=True)
    )
    assert {
        "capa.capa_opened",
        "capa.analysis_updated",
        "capa.capa.investigate",
        "capa.capa.implement",
        "capa.capa.implemented",
        "capa.capa.reopen",
        "capa.capa.close",
        "links.linked",
    } <= events
    assert verify().ok


def test_a_change_to_the_analysis_after_closing_invalidates_nothing_silently(people):
    _, capa = _capa_in_verification(people)
    with pytest.raises(ValidationError, match="before the effectiveness check"):
        services.capa_analysis_update(actor=people["author"], capa=capa, root_causes=[])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("why_chains", [{"problem": "x", "whys": []}], "at least one"),
        ("why_chains", "not a list", "list"),
        ("fishbone", {"money": ["x"]}, "Unknown categories"),
        ("root_causes", [{"statement": "x", "category": "method", "verified": True}], "how it was verified"),
        ("root_causes", [{"statement": "x", "category": "luck"}], "category"),
    ],
)
def test_root_cause_analysis_is_validated_data(people, field, value, message):
    capa = services.capa_create(actor=people["quality"], title="T", problem="P")
    before = Capa.objects.get(pk=capa.pk).version
    with pytest.raises(ValidationError, match=message):
        services.capa_analysis_update(actor=people["quality"], capa=capa, **{field: value})
    assert Capa.objects.get(pk=capa.pk).version == before


def test_analysis_is_normalised_and_categories_counted():
    assert analysis.clean_why_chains([{"problem": " a  b ", "whys": [" c "]}]) == [
        {"problem": "a b", "whys": ["c"], "cause": ""}
    ]
    assert analysis.clean_fishbone({"method": ["", "x"], "machine": []}) == {"method": ["x"]}


def test_nonconformity_close_needs_evaluation_disposition_and_capa(people):
    quality, approver, reviewer = people["quality"], people["approver"], people["reviewer"]
    nc = _nc(people)
    engine.perform(actor=quality, instance=nc, transition="investigate")
    with pytest.raises(TransitionRefused, match="evaluation"):
        engine.perform(actor=approver, instance=nc, transition="close", credentials=SIGN)
    with pytest.raises(ValidationError, match="explain in more detail"):
        services.nonconformity_evaluate(actor=quality, nonconformity=nc, capa_required=False, evaluation="no")
    services.nonconformity_evaluate(
        actor=quality, nonconformity=nc, capa_required=True, evaluation="Repeat of last month's problem"
    )
    containment = actions.action_create(
        actor=quality, title="Sort stock", owner=reviewer, kind="containment", parent=nc
    )
    with pytest.raises(TransitionRefused, match="still open"):
        engine.perform(actor=approver, instance=nc, transition="close", credentials=SIGN)
    actions.action_complete(actor=reviewer, action=containment, evidence="Sorted")
    with pytest.raises(TransitionRefused, match="approved disposition"):
        engine.perform(actor=approver, instance=nc, transition="close", credentials=SIGN)
    disposition = services.disposition_propose(
        actor=quality, nonconformity=nc, decision="rework", cost=Decimal("250.50")
    )
    with pytest.raises(TransitionRefused, match="segregation"):
        engine.perform(actor=quality, instance=disposition, transition="approve", credentials=SIGN)
    engine.perform(actor=approver, instance=disposition, transition="approve", credentials=SIGN)
    nc.refresh_from_db()
    assert nc.cost_of_poor_quality == Decimal("250.50")
    with pytest.raises(TransitionRefused, match="raise or link a CAPA"):
        engine.perform(actor=approver, instance=nc, transition="close", credentials=SIGN)
    services.capa_create(actor=quality, title="CAPA", nonconformities=[nc])
    nc.refresh_from_db()
    engine.perform(actor=approver, instance=nc, transition="close", credentials=SIGN)
    nc.refresh_from_db()
    assert nc.status == "closed" and valid_signatures(nc, "approved")
    assert verify().ok


def test_similar_nonconformities_are_found_when_a_new_one_is_raised(people):
    first = _nc(people, title="Bore diameter oversize on HP-40 pistons", process=None)
    _nc(people, title="Label printed with wrong part number", category="Labelling", product="VB-12")
    hits = services_similar(people, "Bore oversize found again", product="HP-40")
    assert hits and hits[0][0].pk == first.pk
    assert "same product" in hits[0][2]


def services_similar(people, title, **fields):
    from qualitas.capa.selectors import similar_nonconformities

    return similar_nonconformities(people["quality"], title=title, **fields)


def test_employee_reports_but_cannot_evaluate(people):
    employee = people["employee"]
    mine = services.nonconformity_create(
        actor=employee,
        title="Guard missing",
        description="On press 4",
        severity=Severity.objects.get(code="minor"),
        nc_type="system",
    )
    other = _nc(people)
    from qualitas.capa.selectors import nonconformities_visible

    assert mine in nonconformities_visible(employee)
    with pytest.raises(PermissionDenied):
        services.nonconformity_evaluate(actor=employee, nonconformity=mine, capa_required=False, evaluation="fine")
    assert other.pk != mine.pk


def test_complaint_lifecycle_and_raised_nonconformity(people):
    quality, approver = people["quality"], people["approver"]
    complaint = services.complaint_create(
        actor=quality, customer="Contoso", description="Leak at test rig", product="VB-12"
    )
    assert Task.objects.filter(record_type="capa.complaint", kind="acknowledge", status="open").count() == 1
    engine.perform(actor=quality, instance=complaint, transition="acknowledge")
    assert not Task.objects.filter(record_type="capa.complaint", kind="acknowledge", status="open").exists()
    nc = services.complaint_raise_nonconformity(
        actor=quality, complaint=complaint, title="Leak", severity=Severity.objects.get(code="major")
    )
    assert nc.source == "complaint" and ("capa.complaint", str(complaint.pk)) in linked(nc)
    engine.perform(actor=quality, instance=complaint, transition="investigate")
    with pytest.raises(TransitionRefused, match="response"):
        engine.perform(actor=quality, instance=complaint, transition="respond")
    complaint = services.complaint_update(
        actor=quality,
        complaint=complaint,
        investigation="Seal damaged",
        response="Replaced",
        responded_on=complaint.received_on,
    )
    engine.perform(actor=quality, instance=complaint, transition="respond")
    engine.perform(actor=approver, instance=complaint, transition="close")
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert not Task.objects.filter(record_type="capa.complaint", status="open").exists()


def test_satisfaction_scores_are_bounded_and_hash_stably(people):
    with pytest.raises(ValidationError, match="between 0"):
        services.satisfaction_record(actor=people["quality"], customer="A", score=11, scale_max=10)
    services.satisfaction_record(actor=people["quality"], customer="A", score="7.4", scale_max=10)
    assert verify().ok, "7.4 stored as 7.40 must hash the same"


# --- API -------------------------------------------------------------------------------------------------------


def test_api_closing_requires_a_passed_check_and_a_signature(people, api_client):
    _, capa = _capa_in_verification(people)
    client = api_client.as_user(people["approver"])
    refused = client.post(f"/capas/{capa.pk}/close", {"signature": {"password": PASSWORD}, "version": capa.version})
    assert refused.status_code == 400 and "effectiveness" in refused.json()["message"]
    checker = api_client.as_user(people["quality"])
    bad = checker.post(
        f"/capas/{capa.pk}/effectiveness-checks", {"passed": True, "result": "ok", "signature": {"password": "wrong"}}
    )
    assert bad.status_code in (400, 403) and not capa.effectiveness_checks.exists()
    ok = checker.post(
        f"/capas/{capa.pk}/effectiveness-checks",
        {"passed": True, "result": "No recurrence", "signature": {"password": PASSWORD},
         "early_justification": "Capability study on 500 parts already conclusive"},
    )
    assert ok.status_code == 201, ok.content
    client = api_client.as_user(people["approver"])
    capa.refresh_from_db()
    closed = client.post(f"/capas/{capa.pk}/close", {"signature": {"password": PASSWORD}, "version": capa.version})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    pdf = client.client.get(f"/api/v1/capas/{capa.pk}/8d.pdf", **client.headers)
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        capa.number,
        "Escaped to customer",
        "Spindle runout",
        "Tool-life limits",
        "PASSED",
        "Electronic signatures",
        people["approver"].display_name,
        "Approved",
        "Verified",
    ):
        assert expected in text, expected


def test_api_nonconformity_and_capa_round_trip(people, api_client):
    client = api_client.as_user(people["quality"])
    created = client.post(
        "/nonconformities", {"title": "Scratch", "description": "On face", "severity": "minor", "category": "Surface"}
    )
    assert created.status_code == 201, created.content
    nc_id = created.json()["id"]
    assert client.post("/nonconformities", {"title": "x", "description": "y", "severity": "huge"}).status_code == 400
    capa = client.post("/capas", {"title": "Fix scratches", "problem": "Scratches", "nonconformity_ids": [nc_id]})
    assert capa.status_code == 201 and capa.json()["nonconformity_ids"] == [nc_id]
    capa_id = capa.json()["id"]
    analysis_ = client.client.put(
        f"/api/v1/capas/{capa_id}/analysis",
        {"why_chains": WHYS, "fishbone": FISHBONE, "root_causes": CAUSES, "version": capa.json()["version"]},
        content_type="application/json",
        **client.headers,
    )
    assert analysis_.status_code == 200 and len(analysis_.json()["why_chains"]) == 2
    stale = client.patch(f"/capas/{capa_id}", {"version": 1, "title": "Renamed"})
    assert stale.status_code == 409
    assert client.get("/capas/999999").status_code == 404
    anonymous = Client().get("/api/v1/capas")
    assert anonymous.status_code == 401


def test_pareto_of_the_demo_matches_counts_from_the_api(capa_demo, api_client):
    client = api_client.as_user(User.objects.get(username="quality"))
    dashboard = client.get("/improvement/dashboard").json()
    counts: Counter = Counter()
    offset = 0
    while True:
        page = client.get("/nonconformities", limit=100, offset=offset).json()
        counts.update(nc["category"] or "Uncategorised" for nc in page["items"] if nc["status"] != "cancelled")
        offset += 100
        if offset >= page["count"]:
            break
    pareto = dashboard["pareto_categories"]
    assert dict(zip(pareto["categories"], pareto["counts"], strict=True)) == dict(counts)
    assert pareto["counts"] == sorted(pareto["counts"], reverse=True)
    assert abs(pareto["cumulative_percent"][-1] - 100) < 1e-9
    assert 25 <= sum(counts.values()) <= 35
    capas = client.get("/capas", limit=100).json()
    assert capas["count"] == 8 and {c["status"] for c in capas["items"]} == {
        "open",
        "investigation",
        "implementation",
        "verification",
        "closed",
        "cancelled",
    }
    assert verify().ok


def test_pages_render_for_the_quality_manager(capa_demo, make_user):
    client = Client()
    client.force_login(User.objects.get(username="quality"))
    capa = Capa.objects.filter(status="closed").first()
    nc = linked_records(capa, "capa.nonconformity")[0]
    for url in [
        "/quality/",
        "/quality/nonconformities/",
        "/quality/capas/",
        "/quality/complaints/",
        "/quality/satisfaction/",
        f"/quality/capas/{capa.pk}/",
        f"/quality/capas/{capa.pk}/8d/",
        f"/quality/nonconformities/{nc.pk}/",
        "/quality/nonconformities/new/",
        "/quality/capas/new/",
        "/actions/",
        "/quality/nonconformities/similar/?title=bore+oversize",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    for export in ("csv", "xlsx", "pdf"):
        assert client.get(f"/quality/nonconformities/?export={export}").status_code == 200
    assert client.get("/quality/?format=pdf")["Content-Type"] == "application/pdf"
    outsider = Client()
    outsider.force_login(make_user(None, username="visitor"))
    assert outsider.get(f"/quality/capas/{capa.pk}/").status_code == 404
    assert outsider.get("/quality/").status_code == 403


def test_severities_are_configured_by_administrators_only(people, api_client):
    quality = people["quality"]
    created = api_client.as_user(people["admin"]).post(
        "/severities", {"code": "observation", "name": "Observation", "rank": 1, "disposition_signature": False}
    )
    assert created.status_code == 201, created.content
    minor = Severity.objects.get(code="minor")
    changed = api_client.as_user(quality).patch("/severities/minor", {"version": minor.version, "rank": 5})
    assert changed.status_code == 200 and changed.json()["rank"] == 5  # quality managers administer capa
    refused = api_client.as_user(people["author"]).patch("/severities/minor", {"version": 2, "rank": 1})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(event="capa.severity_updated", record_id=str(minor.pk)).exists()


def test_api_capa_raised_from_a_complaint_is_linked(people, api_client):
    client = api_client.as_user(people["quality"])
    complaint = client.post("/complaints", {"customer": "Fabrikam", "description": "Noise from pump"}).json()
    capa = client.post(
        "/capas",
        {
            "title": "Pump noise",
            "source": "complaint",
            "raised_from_type": "capa.complaint",
            "raised_from_id": complaint["id"],
        },
    )
    assert capa.status_code == 201, capa.content
    assert ("capa.complaint", str(complaint["id"])) in linked(Capa.objects.get(pk=capa.json()["id"]))
    half = client.post("/capas", {"title": "x", "raised_from_type": "capa.complaint"})
    assert half.status_code == 400


def test_records_are_linked_by_their_number_in_the_related_panel(people):
    nc = _nc(people)
    capa = services.capa_create(actor=people["quality"], title="Link me", problem="P")
    client = Client()
    client.force_login(people["quality"])
    response = client.post(
        f"/links/capa.capa/{capa.pk}/add/",
        {"kind": "addresses", "target_type": "capa.nonconformity", "target_id": nc.number.lower()},
    )
    assert response.status_code == 200 and nc.number in response.content.decode()
    assert ("capa.nonconformity", str(nc.pk)) in linked(capa)
    unknown = client.post(
        f"/links/capa.capa/{capa.pk}/add/",
        {"kind": "addresses", "target_type": "capa.nonconformity", "target_id": "NC-1999-9999"},
    )
    assert "No such record" in unknown.content.decode()
