"""Inspection pages with the Django client: registers, the item page (state, switches with reasons,
lot history, OC curve), lot entry → inspection page → verdict, the approval button and resumption."""

from __future__ import annotations

import pytest
from django.test import Client

from qualitas.inspections import selectors
from qualitas.inspections.models import Lot
from tests.inspections.conftest import judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_registers_list_items_plans_and_lots(client_for, qm, plan):
    judge(qm, plan)
    client = client_for(qm)
    items = client.get("/inspection/")
    assert items.status_code == 200 and "H-4711" in items.content.decode()
    assert "Castings" in client.get("/inspection/plans/").content.decode()
    lots = client.get("/inspection/lots/", {"status": "accepted"}).content.decode()
    assert "IL-" in lots and "Accepted" in lots


def test_receive_a_lot_inspect_it_and_see_the_verdict(client_for, qm, plan):
    client = client_for(qm)
    response = client.post("/inspection/lots/new/", {"item": plan.item_id, "number": "W-1", "size": "500",
                                                     "received_on": "2026-01-05", "production_steady": "on"})
    lot = Lot.objects.get(number="W-1")
    assert response.status_code == 302 and response["Location"] == f"/inspection/lots/{lot.pk}/"
    page = client.get(f"/inspection/lots/{lot.pk}/").content.decode()
    assert 'data-testid="code-letter">H<' in page and 'data-testid="results-form"' in page
    fields = {f"c{c.pk}": "0" for c in plan.characteristics.all()}
    fields[f"c{plan.characteristics.get(name='Porosity').pk}"] = "2"
    response = client.post(f"/inspection/lots/{lot.pk}/", {**fields, "action": "judge"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "rejected" and lot.nonconformity is not None
    page = client.get(f"/inspection/lots/{lot.pk}/").content.decode()
    assert 'data-testid="disposition-prompt"' in page and lot.nonconformity.number in page
    assert 'data-testid="results-form"' not in page


def test_an_incomplete_verdict_shows_the_reason_and_saves_nothing(client_for, qm, plan):
    from qualitas.inspections.testing import lot_factory

    lot = lot_factory(actor=qm, plan=plan)
    porosity = plan.characteristics.get(name="Porosity")
    response = client_for(qm).post(f"/inspection/lots/{lot.pk}/", {f"c{porosity.pk}": "1", "action": "judge"})
    assert response.status_code == 200
    assert "Record the results of every characteristic first: Cracks, Finish." in response.content.decode()
    assert not lot.results.exists()


def test_the_item_page_shows_the_state_the_switches_with_reasons_and_the_oc_curve(client_for, qm, plan):
    for counts in ({"Porosity": 2}, {"Cracks": 2}):
        judge(qm, plan, counts)
    page = client_for(qm).get(f"/inspection/items/{plan.item_id}/").content.decode()
    assert 'data-testid="inspection-state">Tightened<' in page
    assert "Normal → tightened: 2 lots not accepted within 5 consecutive lots" in page
    assert 'class="table-warning"' in page  # the lot that switched
    assert "<svg" in page and "In force: tightened inspection, n 80, Ac 1, Re 2" in page


def test_the_approval_button_records_the_approval(client_for, qm, inspector, plan):
    lot = judge(qm, plan)
    state = selectors.state_get(qm, lot.switching_state_id)
    assert 'data-testid="approve-reduced-form"' not in client_for(inspector).get(
        f"/inspection/items/{plan.item_id}/").content.decode()
    client = client_for(qm)
    assert 'data-testid="approve-reduced-form"' in client.get(f"/inspection/items/{plan.item_id}/").content.decode()
    response = client.post(f"/inspection/switching/{state.pk}/approve-reduced/", {"note": "Certified supplier"})
    assert response.status_code == 302
    state.refresh_from_db()
    assert state.reduced_approved and state.reduced_approved_by == qm
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="reduced-approval"' in page and "Certified supplier" in page


def test_resume_form_records_the_corrective_action(client_for, qm, plan):
    for _ in range(2):
        judge(qm, plan, {"Porosity": 2})
    for _ in range(5):
        lot = judge(qm, plan, {"Porosity": 2})
    client = client_for(qm)
    page = client.get(f"/inspection/items/{plan.item_id}/").content.decode()
    assert 'data-testid="discontinued"' in page
    refused = client.post("/inspection/lots/new/", {"item": plan.item_id, "number": "late", "size": "500",
                                                    "received_on": "2026-01-05"})
    assert "discontinued (ISO 2859-1 9.4" in refused.content.decode()
    response = client.post(f"/inspection/switching/{lot.switching_state_id}/resume/", {"reference": "SCAR-9"})
    assert response.status_code == 302
    assert selectors.state_get(qm, lot.switching_state_id).inspection == "tightened"


def test_plan_pages_add_and_edit_characteristics(client_for, qm, plan):
    client = client_for(qm)
    page = client.get(f"/inspection/plans/{plan.pk}/").content.decode()
    assert 'data-testid="characteristic-form"' in page
    response = client.post(f"/inspection/plans/{plan.pk}/characteristics/", {
        "version": plan.version, "name": "Thread", "kind": "attribute", "severity_class": "major"})
    assert response.status_code == 302
    plan.refresh_from_db()
    thread = plan.characteristics.get(name="Thread")
    response = client.post(f"/inspection/characteristics/{thread.pk}/edit/", {
        "version": plan.version, "name": "Thread M8", "kind": "attribute", "severity_class": "major",
        "active": "on"})
    assert response.status_code == 302 and plan.characteristics.filter(name="Thread M8").exists()
    stale = client.post(f"/inspection/characteristics/{thread.pk}/edit/", {
        "version": 1, "name": "Thread M10", "kind": "attribute", "severity_class": "major", "active": "on"})
    assert stale.status_code == 200 and "changed by someone else" in stale.content.decode()


def test_item_and_plan_forms(client_for, qm, site):
    client = client_for(qm)
    response = client.post("/inspection/items/new/", {"part_number": "N-1", "description": "Nut", "site": site.pk})
    assert response.status_code == 302
    item_id = int(response["Location"].rstrip("/").split("/")[-1])
    response = client.post(f"/inspection/plans/new/?item={item_id}", {
        "level": "II", "aql_major": "1.0", "switching_class": "major", "start_inspection": "tightened"})
    assert response.status_code == 302
    refused = client.post(f"/inspection/plans/new/?item={item_id}", {
        "level": "II", "aql_major": "1.0", "switching_class": "major", "start_inspection": "normal"})
    assert refused.status_code == 200 and "has a plan for any supplier already" in refused.content.decode()


def test_pages_need_the_view_right(client_for, make_user, plan):
    outsider = make_user(None, username="nobody")
    client = client_for(outsider)
    assert client.get(f"/inspection/items/{plan.item_id}/").status_code == 404
    assert client.get("/inspection/lots/new/").status_code == 403


def test_the_global_search_finds_items_and_lots(qm, plan):
    lot = judge(qm, plan, number="CL-77")
    hits = {hit.title for hit in selectors.search(qm, "H-4711", 10)} | {
        hit.title for hit in selectors.search(qm, "CL-77", 10)}
    assert "H-4711 Pump housing" in hits and f"{lot.reference} lot CL-77" in hits
