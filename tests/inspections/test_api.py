"""The inspection API in-process: items, plans, characteristics, lots (receipt, results, verdict), the
switching state with its history, approvals and resumption; bad input is a 4xx that changes nothing."""

from __future__ import annotations

import pytest

from qualitas.inspections.models import Item, Lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, qm):
    return api_client.as_user(qm)


def _setup(api, site):
    item = api.post("/inspection/items", {"part_number": "B-100", "description": "Bracket", "supplier": "Acme Forge",
                                          "site_id": site.pk})
    assert item.status_code == 201, item.content
    plan = api.post("/inspection/plans", {"item_id": item.json()["id"], "aql_major": "1.0", "aql_minor": "4.0"})
    assert plan.status_code == 201, plan.content
    plan = plan.json()
    for name, severity_class in (("Hole position", "major"), ("Paint", "minor")):
        response = api.post(f"/inspection/plans/{plan['id']}/characteristics",
                            {"version": plan["version"], "name": name, "severity_class": severity_class})
        assert response.status_code == 201, response.content
        plan["version"] += 1
    return item.json(), api.get(f"/inspection/plans/{plan['id']}").json()


def _lot(api, item, plan, number, counts):
    lot = api.post("/inspection/lots", {"item_id": item["id"], "number": number, "size": 500})
    assert lot.status_code == 201, lot.content
    lot = lot.json()
    results = [{"characteristic_id": c["id"], "nonconforming": counts.get(c["name"], 0)}
               for c in plan["characteristics"]]
    assert api.post(f"/inspection/lots/{lot['id']}/results", {"results": results}).status_code == 200
    verdict = api.post(f"/inspection/lots/{lot['id']}/verdict")
    assert verdict.status_code == 200, verdict.content
    return verdict.json()


def test_receive_record_and_judge_through_the_api(api, site):
    item, plan = _setup(api, site)
    assert plan["version"] == 3 and [c["name"] for c in plan["characteristics"]] == ["Hole position", "Paint"]
    lot = api.post("/inspection/lots", {"item_id": item["id"], "number": "F-1", "size": 500}).json()
    assert (lot["code_letter"], lot["inspection"], lot["status"], lot["supplier"]) == ("H", "normal", "received",
                                                                                       "Acme Forge")
    assert [(c["severity_class"], c["n"], c["ac"], c["re"]) for c in lot["classes"]] == [("major", 50, 1, 2),
                                                                                         ("minor", 50, 5, 6)]
    results = [{"characteristic_id": c["id"], "nonconforming": 2 if c["name"] == "Hole position" else 0}
               for c in plan["characteristics"]]
    recorded = api.post(f"/inspection/lots/{lot['id']}/results", {"results": results}).json()
    assert [r["nonconforming"] for r in recorded["results"]] == [2, 0]
    judged = api.post(f"/inspection/lots/{lot['id']}/verdict").json()
    assert (judged["status"], judged["next_inspection"]) == ("rejected", "normal")
    assert judged["nonconformity_id"]
    nc = api.get(f"/nonconformities/{judged['nonconformity_id']}").json()
    assert (nc["source"], nc["lot"], nc["severity"]) == ("inspection", "F-1", "major")
    assert api.get("/inspection/lots", item_id=item["id"]).json()["count"] == 1


def test_switching_history_approval_and_resumption(api, site):
    item, plan = _setup(api, site)
    for number, counts in (("1", {}), ("2", {"Hole position": 2}), ("3", {"Hole position": 2})):
        last = _lot(api, item, plan, number, counts)
    assert last["next_inspection"] == "tightened"
    state_id = last["switching_state_id"]
    history = api.get(f"/inspection/switching/{state_id}/history").json()
    assert history["state"]["inspection"] == "tightened"
    assert history["switches"][0]["reason"] == "normal → tightened: 2 lots not accepted within 5 consecutive lots"
    assert [lot["number"] for lot in history["lots"]] == ["3", "2", "1"]
    refused = api.post(f"/inspection/switching/{state_id}/approve-reduced", {"note": "good supplier"})
    assert refused.status_code == 400 and "normal inspection" in refused.content.decode()
    refused = api.post(f"/inspection/switching/{state_id}/resume", {"reference": "SCAR-1"})
    assert refused.status_code == 400 and "not discontinued" in refused.content.decode()
    for number in ("4", "5", "6", "7", "8"):
        last = _lot(api, item, plan, number, {"Hole position": 2})
    assert last["next_inspection"] == "discontinued"
    refused = api.post("/inspection/lots", {"item_id": item["id"], "number": "9", "size": 500})
    assert refused.status_code == 400 and "discontinued" in refused.content.decode()
    resumed = api.post(f"/inspection/switching/{state_id}/resume", {"reference": "SCAR-1", "note": "New tooling"})
    assert resumed.status_code == 200 and resumed.json()["inspection"] == "tightened"
    assert api.get("/inspection/switching", item_id=item["id"]).json()["items"][0]["corrective_action"] == "SCAR-1"


def test_reduced_approval_through_the_api(api, site):
    item, plan = _setup(api, site)
    last = _lot(api, item, plan, "1", {})
    approved = api.post(f"/inspection/switching/{last['switching_state_id']}/approve-reduced", {"note": "ok"})
    assert approved.status_code == 200 and approved.json()["reduced_approved_at"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/inspection/lots", {"item_id": 999999, "number": "X", "size": 10}, 404),
        ("/inspection/lots", {"item_id": 1, "number": "X", "size": 0}, 422),
        ("/inspection/lots", {"item_id": 1, "number": "X", "size": "ten"}, 422),
        ("/inspection/plans", {"item_id": 1, "aql_major": "0.5"}, 422),
        ("/inspection/plans", {"item_id": 1, "aql_major": "1.0", "level": "IV"}, 422),
        ("/inspection/items", {"part_number": "", "description": "x"}, 422),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(api, site, path, body, status):
    _setup(api, site)
    body = dict(body)
    if body.get("item_id") == 1:
        body["item_id"] = Item.objects.get().pk
    before = (Item.objects.count(), Lot.objects.count())
    assert api.post(path, body).status_code == status
    assert (Item.objects.count(), Lot.objects.count()) == before


def test_results_must_fit_the_sample(api, site):
    item, plan = _setup(api, site)
    lot = api.post("/inspection/lots", {"item_id": item["id"], "number": "F-1", "size": 500}).json()
    characteristic = plan["characteristics"][0]["id"]
    response = api.post(f"/inspection/lots/{lot['id']}/results",
                        {"results": [{"characteristic_id": characteristic, "nonconforming": 51}]})
    assert response.status_code == 400 and "sample size 50" in response.content.decode()
    response = api.post(f"/inspection/lots/{lot['id']}/verdict")
    assert response.status_code == 400 and "Record the results" in response.content.decode()


def test_an_employee_reads_but_does_not_receive(api_client, api, employee, site):
    item, _plan = _setup(api, site)
    reader = api_client.as_user(employee)
    assert reader.get(f"/inspection/items/{item['id']}").status_code == 200
    assert reader.post("/inspection/lots", {"item_id": item["id"], "number": "Z", "size": 50}).status_code == 403
