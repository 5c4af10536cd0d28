"""The demo's qualification gate (P11-I) and the matrix page's query count at 5 and 50 people.

(The demo matrix recomputed independently from the API's holdings, assignments and records is
tests/training/test_matrix.py::test_the_demo_matrix_matches_statuses_computed_from_the_api_s_assignments.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db


def test_the_demo_gate_is_in_force_and_refuses_the_person_whose_training_expired(full_demo, api_client):
    from qualitas.documents.models import Revision
    from qualitas.training import gates
    from qualitas.training.models_gates import Gate

    gate = Gate.objects.get(requirement__code="C-DOC-APPR")
    assert gate.in_force(timezone.localdate()) and (gate.kind, gate.meaning) == ("sign", "approved")
    revision = Revision.objects.filter(document__doc_type__code="SOP").first()
    reason = gates.may_sign(actor=full_demo.user("reviewer"), instance=revision, meaning="approved")
    assert reason.startswith("Signing as approver needs current training: C-DOC-APPR Approving controlled documents")
    assert "(expired on " in reason
    for username in ("approver", "quality", "controller"):
        assert gates.may_sign(actor=full_demo.user(username), instance=revision, meaning="approved") is None
    body = api_client.as_user(full_demo.user("quality")).get("/training/matrix").json()
    requirement = next(r["id"] for r in body["requirements"] if r["code"] == "C-DOC-APPR")
    person = full_demo.user("reviewer").pk
    assert next(c["status"] for c in body["cells"] if (c["person"], c["requirement"]) == (person, requirement)) \
        == "expired"
    listed = api_client.as_user(full_demo.user("quality")).get("/training/gates", in_force=True, kind="sign").json()
    assert [g["requirement_code"] for g in listed["items"]] == ["C-DOC-APPR"]


def _people(n: int, position, actor) -> None:
    from qualitas.training import services

    for _ in range(n):
        person = factories.user("employee", site=position.site, first_name="Op", last_name=factories.unique("Op"))
        services.holding_start(actor=actor, person=person, position=position,
                               start_date=timezone.localdate() - dt.timedelta(days=40))


def _queries(client) -> int:
    client.get("/training/matrix/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/training/matrix/")
    assert response.status_code == 200
    return len(queries)


def test_the_matrix_page_query_count_is_the_same_at_5_and_50_people(people, operator_position):
    from qualitas.training import services
    from tests.training.conftest import course

    quality = people["quality"]
    for code, fields in (("C-A", {}), ("C-B", {"validity_months": 12}), ("Q-C", {"kind": "qualification",
                                                                                  "method": "qualification"})):
        requirement = course(people, code=code, **fields)
        services.applies_to_add(actor=quality, kind="position", target=operator_position, requirement=requirement)
    client = Client()
    client.force_login(quality)
    _people(5, operator_position, quality)
    at_5 = _queries(client)
    _people(45, operator_position, quality)
    at_50 = _queries(client)
    assert at_50 == at_5
    shown = client.get("/api/v1/training/matrix", {"limit": 500}).json()["people"]
    assert sum(1 for p in shown if p["name"].startswith("Op ")) == 50
