"""The measurements API in-process: authentication, permissions, validation, optimistic locking,
instrument posts recorded with their token (P11-H), charts, capability, limits and signals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualitas.accounts.models import ApiToken
from qualitas.core.audit.models import AuditEvent
from qualitas.measurements import services
from qualitas.measurements.models import Measurement, SignalEvent, Subgroup
from tests.conftest import bearer
from tests.measurements.conftest import PASSWORD, START, entries, piston_rings

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, headers=None):
        self.client, self.headers = Client(), headers or {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path, data=None):
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", **self.headers)

    def patch(self, path, data=None):
        return self.client.patch(f"/api/v1{path}", data, content_type="application/json", **self.headers)


@pytest.fixture
def quality_api(people):
    return Api(bearer(people["quality"]))


def items(rows, first=1):
    return [
        {"subgroup": f"S{number:03d}", "taken_at": (START + dt.timedelta(hours=number - 1)).isoformat(),
         "values": row}
        for number, row in enumerate(rows, start=first)
    ]


def test_anonymous_calls_are_refused(rings):
    api = Api()
    assert api.get("/characteristics").status_code == 401
    assert api.post(f"/characteristics/{rings.pk}/measurements", items(piston_rings()[:1])).status_code == 401
    assert api.post("/stats/chart", {"kind": "imr", "data": [1, 2, 3]}).status_code == 401


def test_users_without_the_module_get_403_and_other_sites_404(rings, make_user, other_site):
    assert Api(bearer(make_user())).get("/characteristics").status_code == 403
    elsewhere = Api(bearer(make_user("quality-manager", site=other_site)))
    assert elsewhere.get("/characteristics").json()["items"] == []
    assert elsewhere.get(f"/characteristics/{rings.pk}").status_code == 404
    assert elsewhere.post(f"/characteristics/{rings.pk}/measurements", items(piston_rings()[:1])).status_code == 404


def test_create_read_and_change_a_characteristic(quality_api, people, springfield):
    created = quality_api.post("/characteristics", {
        "name": "Shaft diameter", "unit": "mm", "lsl": 9.98, "usl": 10.02, "chart_type": "imr", "subgroup_size": 1,
        "site_id": springfield.pk,
    })
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["owner_id"], body["frozen_limits_id"], body["version"]) == (
        "CH-0001", people["quality"].pk, None, 1)
    assert quality_api.get(f"/characteristics/{body['id']}").json()["name"] == "Shaft diameter"
    changed = quality_api.patch(f"/characteristics/{body['id']}", {"version": 1, "usl": 10.03})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = quality_api.patch(f"/characteristics/{body['id']}", {"version": 1, "usl": 10.04})
    assert stale.status_code == 409
    assert stale.json()["errors"] == [{"field": "version", "message": "current version is 2"}]
    listed = quality_api.get("/characteristics", q="shaft").json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    "payload, status",
    [
        ({"name": "X", "lsl": 2, "usl": 1}, 400),
        ({"name": "X", "chart_type": "xbar-q"}, 422),
        ({"name": ""}, 422),
        ({"name": "X", "usl": 1e300}, 422),
        ({"name": "X", "owner_id": 10**12}, 400),
    ],
)
def test_bad_characteristics_are_refused_with_reasons(quality_api, payload, status):
    response = quality_api.post("/characteristics", payload)
    assert response.status_code == status, response.content
    assert response.json()["message"]


def test_an_instrument_posts_measurements_recorded_with_its_token(rings, people):
    headers = bearer(people["quality"], name="CMM-01")
    token = ApiToken.objects.get(name="CMM-01")
    response = Api(headers).post(f"/characteristics/{rings.pk}/measurements", items(piston_rings()[:25]))
    assert response.status_code == 201, response.content
    assert response.json() | {"completed": None} == {
        "subgroups_created": 25, "values_recorded": 125, "completed": None, "signals": []}
    assert set(Measurement.objects.values_list("source", "api_token_id", "source_name").distinct()) == {
        ("api", token.pk, f"API token CMM-01 ({token.prefix}…)")}
    assert Subgroup.objects.filter(api_token=token).count() == 25
    event = AuditEvent.objects.get(event="measurements.recorded")
    assert (event.source, event.token_id) == ("api", token.pk)


def test_a_bulk_post_is_all_or_nothing_and_lists_the_items_that_are_wrong(rings, quality_api):
    batch = items(piston_rings()[:4])
    batch[1]["values"] = [74.0] * 7
    batch[3] = {"count": 3, "size": 50}
    response = quality_api.post(f"/characteristics/{rings.pk}/measurements", batch)
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == [
        "Nothing was recorded: 2 problems found.",
        "Item 2: subgroup S002 would hold 7 values; it holds 5 (correct a value instead of adding one).",
        "Item 4: this characteristic takes measured values, not counts.",
    ]
    assert not Subgroup.objects.exists()


@pytest.mark.parametrize("body", [
    [], [{"values": []}], [{"value": "NaN"}], [{"values": [1e300] * 5}], [{"subgroup": "x" * 101, "value": 1}],
    {"values": [1, 2]}, [{"values": [1, 2, 3, 4, 5], "taken_at": "yesterday"}],
])
def test_malformed_measurements_get_4xx(rings, quality_api, body):
    response = quality_api.post(f"/characteristics/{rings.pk}/measurements", body)
    assert response.status_code in (400, 422), (response.status_code, response.content)
    assert not Subgroup.objects.exists()


def test_corrections_through_the_api(rings, people, quality_api):
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries(piston_rings()[:2]))
    value = Measurement.objects.get(subgroup__key="S002", position=1)
    assert quality_api.patch(f"/measurements/{value.pk}", {"value": 73.99}).status_code == 422
    response = quality_api.patch(f"/measurements/{value.pk}", {"value": 73.99, "reason": "Re-measured", "version": 1})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert quality_api.patch(f"/measurements/{value.pk}", {"value": 1, "reason": "x", "version": 1}).status_code == 409
    subgroup = value.subgroup
    excluded = quality_api.post(f"/subgroups/{subgroup.pk}/exclusion",
                                {"excluded": True, "reason": "Setup part", "version": subgroup.version})
    assert excluded.status_code == 200 and excluded.json()["excluded"] is True
    moved = quality_api.patch(f"/subgroups/{subgroup.pk}",
                              {"lot": "L-77", "reason": "Wrong lot typed", "version": excluded.json()["version"]})
    assert moved.json()["lot"] == "L-77"
    listed = quality_api.get(f"/characteristics/{rings.pk}/measurements").json()
    assert [s["subgroup"] for s in listed["items"]] == ["S001", "S002"]
    assert listed["items"][1]["measurements"][0]["value"] == 73.99


def test_freeze_chart_capability_and_signals(rings, people, quality_api):
    quality_api.post(f"/characteristics/{rings.pk}/measurements", items(piston_rings()[:25]))
    wrong = quality_api.post(f"/characteristics/{rings.pk}/limits", {"first": 25, "password": "nope"})
    assert wrong.status_code == 400
    frozen = quality_api.post(f"/characteristics/{rings.pk}/limits", {"first": 25, "password": PASSWORD})
    assert frozen.status_code == 201, frozen.content
    limits = frozen.json()
    assert limits["status"] == "active" and limits["known"]["mu"] == pytest.approx(74.00118, abs=1e-5)
    posted = quality_api.post(f"/characteristics/{rings.pk}/measurements", items(piston_rings()[25:], first=26))
    signalled = {s["subgroup"] for s in posted.json()["signals"] if "nelson-1" in s["rules"]}
    assert signalled == {"S037", "S038", "S039"}
    chart = quality_api.get(f"/characteristics/{rings.pk}/chart", last=15).json()
    assert {"chart", "charts", "sigma"} <= set(chart) and chart["limits"]["basis"] == "frozen"
    assert chart["charts"][0]["ucl"] == pytest.approx(74.01431, abs=1e-5)
    assert [p["subgroup"] for p in chart["points"]][:2] == ["S026", "S027"]
    assert [s["point"] for s in chart["charts"][0]["signals"] if "nelson-1" in s["rules"]] == [12, 13, 14]
    capability = quality_api.get(f"/characteristics/{rings.pk}/capability", last=25).json()
    assert capability["n"] == 125 and capability["cpk"] > 0 and "ci" in capability
    event = SignalEvent.objects.get(subgroup__key="S038", chart="xbar")
    acked = quality_api.post(f"/signals/{event.pk}/acknowledge", {"note": "Boring bar replaced"})
    assert acked.status_code == 200 and acked.json()["acknowledged_by_id"] == people["quality"].pk
    history = quality_api.get(f"/characteristics/{rings.pk}/limits").json()
    assert [item["status"] for item in history] == ["active"]
    pdf = quality_api.client.get(f"/api/v1/characteristics/{rings.pk}/chart.pdf", **quality_api.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_freezing_needs_the_approve_right(rings, people):
    author = Api(bearer(people["author"]))
    response = author.post(f"/characteristics/{rings.pk}/limits", {"first": 25, "password": PASSWORD})
    assert response.status_code == 403


item_strategy = st.fixed_dictionaries({}, optional={
    "subgroup": st.text(max_size=110),
    "taken_at": st.one_of(st.datetimes().map(lambda d: d.isoformat()),
                          st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()), st.text(max_size=20)),
    "lot": st.text(max_size=5),
    "value": st.one_of(st.none(), st.floats(allow_nan=False), st.integers()),
    "values": st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=7),
    "count": st.one_of(st.none(), st.integers(min_value=-5, max_value=10**10)),
    "size": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.lists(item_strategy, max_size=6))
def test_any_measurement_post_is_answered_without_a_server_error(rings, quality_api, body):
    before = Measurement.objects.count() + Subgroup.objects.count()
    response = quality_api.post(f"/characteristics/{rings.pk}/measurements", body)
    assert response.status_code in (201, 400, 422), response.content
    if response.status_code != 201:
        assert Measurement.objects.count() + Subgroup.objects.count() == before
