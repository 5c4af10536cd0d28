"""The training matrix of the demo data: the contract of GET /api/v1/training/matrix, its statuses
recomputed independently from what the API says about holdings, requirements, curricula,
assignments and records, and query counts that do not grow with the number of people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db
STATUSES = {"current", "due", "overdue", "expired", "in-progress", "not-required"}


def fetch_all(api, path, **params):
    """Every row of a paginated list endpoint."""
    rows, offset = [], 0
    while True:
        page = api.get(path, limit=500, offset=offset, **params)
        assert page.status_code == 200, page.content
        body = page.json()
        rows += body["items"]
        offset += 500
        if offset >= body["count"]:
            return rows


def expected_statuses(api, people_ids, today) -> dict:
    """The status of every (person, requirement), worked out from the API's holdings, requirements,
    curricula, assignments and records with the rules of the module docstring, written out again here."""
    requirements = {r["id"]: r for r in fetch_all(api, "/training/requirements")}
    curricula = fetch_all(api, "/training/curricula")
    positions = {p["id"]: p for p in fetch_all(api, "/training/positions")}
    holdings = [h for h in fetch_all(api, "/training/holdings") if h["current"]]
    users = {}
    for person_id in people_ids:
        response = api.get(f"/users/{person_id}")
        assert response.status_code == 200, response.content
        users[person_id] = response.json()
    held = {person: {h["position_id"] for h in holdings if h["person_id"] == person} for person in people_ids}

    def reached(person, rule) -> bool:
        kind, target = rule["kind"], rule["target_id"]
        if kind == "person":
            return person == target
        if kind == "position":
            return target in held[person]
        if kind == "department":
            return users[person]["department_id"] == target or any(
                positions[p]["department_id"] == target for p in held[person])
        return any(target in positions[p]["process_ids"] for p in held[person])

    applies = {(p, r): False for p in people_ids for r in requirements}
    for requirement in requirements.values():
        for rule in requirement["applies_to"]:
            for person in people_ids:
                applies[person, requirement["id"]] |= reached(person, rule)
    for curriculum in curricula:
        for rule in curriculum["applies_to"]:
            for person in people_ids:
                if reached(person, rule):
                    for requirement_id in curriculum["requirement_ids"]:
                        if requirement_id in requirements:
                            applies[person, requirement_id] = True
    open_ = {}
    for a in fetch_all(api, "/training/assignments", status="open"):
        open_[a["person_id"], a["requirement_id"]] = a
    records: dict = {}
    for r in fetch_all(api, "/training/records"):
        records.setdefault((r["person_id"], r["requirement_id"]), []).append(r)
    effective = {}
    for requirement in requirements.values():
        if requirement["kind"] == "document":
            revisions = api.get(f"/documents/{requirement['document_id']}/revisions").json()
            revision = next((x for x in revisions if x["status"] == "effective"), None)
            if revision is not None:
                effective[requirement["id"]] = (revision["id"], dt.date.fromisoformat(revision["effective_date"]))

    def counts(requirement, record) -> bool:
        if record["level"] < requirement["min_level"]:
            return False
        if requirement["kind"] != "document" or requirement["id"] not in effective:
            return True
        revision_id, since = effective[requirement["id"]]
        if record["revision_id"] is not None:
            return record["revision_id"] == revision_id
        return dt.date.fromisoformat(record["completed_on"]) >= since

    expected = {}
    for (person, requirement_id), applicable in applies.items():
        requirement = requirements[requirement_id]
        if not applicable:
            expected[person, requirement_id] = "not-required"
            continue
        counting = [r for r in records.get((person, requirement_id), []) if counts(requirement, r)]
        latest = max(counting, key=lambda r: (r["completed_on"], r["id"]), default=None)
        assignment = open_.get((person, requirement_id))
        if latest and latest["expires_on"] and today > dt.date.fromisoformat(latest["expires_on"]) + dt.timedelta(
                days=requirement["grace_days"]):
            status = "expired"
        elif assignment and assignment["status"] == "in_progress":
            status = "in-progress"
        elif assignment and assignment["due"] and today > dt.date.fromisoformat(assignment["due"]):
            status = "overdue"
        elif assignment:
            status = "due"
        elif latest:
            status = "current"
        else:
            status = "due"
        expected[person, requirement_id] = status
    return expected


def test_the_matrix_api_has_the_documented_shape(full_demo, api_client):
    api = api_client.as_user(full_demo.user("quality"))
    response = api.get("/training/matrix")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"people", "requirements", "cells"}
    assert body["people"] and body["requirements"]
    assert all(set(p) == {"id", "name", "positions"} for p in body["people"])
    assert all(set(r) == {"id", "code", "title", "kind"} for r in body["requirements"])
    assert all(set(c) == {"person", "requirement", "status", "due", "completed", "expires"} for c in body["cells"])
    assert {c["status"] for c in body["cells"]} <= STATUSES
    pairs = {(c["person"], c["requirement"]) for c in body["cells"]}
    assert pairs == {(p["id"], r["id"]) for p in body["people"] for r in body["requirements"]}
    assert len(pairs) == len(body["cells"])
    sam = next(p for p in body["people"] if p["name"] == "Sam Taylor")
    assert [p["name"] for p in sam["positions"]] == ["CNC operator"]
    assert len(body["requirements"]) >= 38  # about forty in the demo


def test_the_demo_matrix_matches_statuses_computed_from_the_api_s_assignments(full_demo, api_client):
    api = api_client.as_user(full_demo.user("quality"))
    body = api.get("/training/matrix").json()
    people = [p["id"] for p in body["people"]]
    expected = expected_statuses(api, people, timezone.localdate())
    found = {(c["person"], c["requirement"]): c["status"] for c in body["cells"]}
    columns = {r["id"] for r in body["requirements"]}
    mismatches = {key: (found[key], status) for key, status in expected.items()
                  if key[1] in columns and found[key] != status}
    assert mismatches == {}
    # A requirement left out of the columns applies to nobody shown.
    assert all(status == "not-required" for (p, r), status in expected.items() if r not in columns)
    # The demo shows every status, including a few overdue and expired cells.
    shown = {status for status in found.values()}
    assert shown == STATUSES
    names = {p["id"]: p["name"] for p in body["people"]}
    codes = {r["id"]: r["code"] for r in body["requirements"]}
    overdue = {(names[p], codes[r]) for (p, r), s in found.items() if s == "overdue"}
    expired = {(names[p], codes[r]) for (p, r), s in found.items() if s == "expired"}
    assert ("Kofi Mensah", "C-FIRE") in overdue and ("Kofi Mensah", "Q-FORK") in expired
    assert 3 <= len(overdue) <= 40 and 2 <= len(expired) <= 10


def test_the_matrix_filters_by_site_position_and_department(full_demo, api_client):
    from qualitas.accounts.models import Department, Site
    from qualitas.training.models import Position

    api = api_client.as_user(full_demo.user("quality"))
    rvd = Site.objects.get(code="RVD")
    at_rvd = api.get("/training/matrix", site_id=rvd.pk).json()
    assert {p["name"] for p in at_rvd["people"]} >= {"Ana Costa", "Ben Carter", "Dmitri Petrov"}
    assert "Sam Taylor" not in {p["name"] for p in at_rvd["people"]}
    inspector = Position.objects.get(code="INS", site=rvd)
    by_position = api.get("/training/matrix", position_id=inspector.pk).json()
    assert [p["name"] for p in by_position["people"]] == ["Ben Carter"]
    qa = Department.objects.get(site__code="SPR", code="QA")
    by_department = api.get("/training/matrix", department_id=qa.pk).json()
    assert "Priya Nair" in {p["name"] for p in by_department["people"]}
    paged = api.get("/training/matrix", limit=2, offset=1).json()
    assert len(paged["people"]) == 2 and set(paged) == {"people", "requirements", "cells"}
    assert api.get("/training/matrix", site_id=2**31).status_code == 400
    assert api.get("/training/matrix", limit=0).status_code == 422


def test_a_site_scoped_viewer_sees_only_the_people_of_their_site(full_demo, api_client):
    body = api_client.as_user(full_demo.scoped("auditor", "RVD")).get("/training/matrix").json()
    sites = {p.site.code for p in _users([p["id"] for p in body["people"]]) if p.site_id}
    assert sites == {"RVD"}
    assert api_client.as_user(full_demo.user("employee")).get("/training/matrix").status_code == 403


def _users(ids):
    from qualitas.accounts.models import User

    return list(User.objects.filter(pk__in=ids).select_related("site"))


# --- Query counts ------------------------------------------------------------------------------------------------


def _more_people(quality, n: int = 3) -> None:
    """n more operators at Springfield, holding the CNC operator position (their training is assigned)."""
    from qualitas.accounts.models import Department, Site
    from qualitas.training import services
    from qualitas.training.models import Position

    spr = Site.objects.get(code="SPR")
    position = Position.objects.get(code="CNC", site=spr)
    for _ in range(n):
        person = factories.user("employee", site=spr, department=Department.objects.get(site=spr, code="PROD"),
                                first_name="Extra", last_name=factories.unique("Operator"))
        services.holding_start(actor=quality, person=person, position=position,
                               start_date=timezone.localdate() - dt.timedelta(days=50))


def _count(fetch) -> int:
    fetch()  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def test_the_matrix_page_query_count_does_not_grow_with_the_number_of_people(full_demo):
    quality = full_demo.user("quality")
    client = Client()
    client.force_login(quality)
    before = _count(lambda: client.get("/training/matrix/"))
    _more_people(quality)
    after = _count(lambda: client.get("/training/matrix/"))
    assert after == before
    page = client.get("/training/matrix/").content.decode()
    assert "Extra" in page and 'class="cell st-overdue"' in page


def test_the_matrix_endpoint_query_count_does_not_grow_with_the_number_of_people(full_demo):
    quality = full_demo.user("quality")
    headers = factories.bearer(quality)
    client = Client()
    before = _count(lambda: client.get("/api/v1/training/matrix", **headers))
    _more_people(quality)
    after = _count(lambda: client.get("/api/v1/training/matrix", **headers))
    assert after == before
