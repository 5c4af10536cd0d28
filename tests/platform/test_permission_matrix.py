"""The role × scope permission matrix of the record-generic endpoints (STYLE rule 13).

For every registered record type (qualitas.core.records.all_types()), one record of the demo
organisation is requested by users holding each built-in role on the record's site and on the other
site. The expected outcome comes from the permission system (qualitas.core.permissions.has_perm for
the type's module at the record's site): a user who may see the record gets 200 from every endpoint;
anyone else gets 403 or 404, and exactly what a request for a record that does not exist gets, so
the answer never discloses that the record exists. Workflow steps the user may not perform are
refused (400 or 403) and change nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from qualitas.accounts.roles import BUILTIN_ROLES
from qualitas.core import records
from qualitas.core.permissions import has_perm
from qualitas.core.testing import factories
from qualitas.core.testing.matrix import may_view, pick_instance, record_site_id
from qualitas.core.workflow import engine

pytestmark = pytest.mark.django_db

ROLES = [role["code"] for role in BUILTIN_ROLES]
SCOPES = ("SPR", "RVD")
TYPES = [record_type.key for record_type in records.all_types()]

# Record types the demo organisation has no record of, on purpose. Every other type must have one
# (test_every_record_type_has_a_record_to_test), so a new module cannot slip out of the matrix.
WITHOUT_RECORDS = {
    # The core's own test record (tests/sample): no demo data and no pages; tests/core covers it.
    "sample.samplerecord",
}

# Deviations from the rule found by the matrix: real product bugs, reported, to be fixed in the module.
KNOWN_BUGS: dict = {}  # (record type, role) -> reason, for a product bug found and not yet fixed
# The HTML twins of the API routes, the PDF, the record's page and the downloads are checked for
# these roles when the record is visible, and for every role when it is not (that answer is cheap):
# the matrix stays within seconds while every endpoint meets every outcome.
FULL_CHECK_ROLES = ("administrator", "employee")

# Record-generic HTML pages and API routes ({key}, {pk} of the record).
PAGES = ["/records/{key}/{pk}/export.json"]
HEAVY_PAGES = [
    "/records/{key}/{pk}/history/",
    "/records/{key}/{pk}/export.pdf",
    "/links/{key}/{pk}/",
    "/files/{key}/{pk}/",
    "/signatures/{key}/{pk}/",
]
WORKFLOW_PAGES = ["/workflow/{key}/{pk}/"]
API = [
    "/records/{key}/{pk}/export",
    "/records/{key}/{pk}/history",
    "/records/{key}/{pk}/attachments",
    "/records/{key}/{pk}/links",
    "/records/{key}/{pk}/signatures",
]
WORKFLOW_API = ["/records/{key}/{pk}/transitions"]
MISSING_PK = 2**31 - 7


def expected_visible(user, record_type, instance) -> bool:
    return may_view(user, record_type, instance)


def record_page(record_type, instance) -> str | None:
    """The record's own page, when its URL is one (not a register the record merely appears on)."""
    if record_type.url is None:
        return None
    url = record_type.url(instance)
    try:
        match = resolve(url)
    except Resolver404:
        return None
    return url if (match.args or match.kwargs) else None


class Requests:
    def __init__(self, user):
        self.user = user
        self.browser = Client()
        self.browser.force_login(user)
        self.headers = factories.bearer(user, name="matrix")
        self.api = Client()

    def page(self, path):
        return self.browser.get(path)

    def get(self, path):
        return self.api.get(f"/api/v1{path}", **self.headers)

    def post(self, path, data):
        return self.api.post(f"/api/v1{path}", data, content_type="application/json", **self.headers)


def attachment_of(instance):
    from qualitas.core.files.models import Attachment

    return Attachment.objects.filter(record_type=records.key_for(instance), record_id=str(instance.pk)).first()


def check_endpoints(requests: Requests, record_type, instance, *, full: bool) -> list[str]:
    """Every generic endpoint for `instance`; returns the deviations from the rule."""
    visible = expected_visible(requests.user, record_type, instance)
    workflow = engine.has_workflow(instance)
    key, pk = record_type.key, instance.pk
    heavy = full or not visible
    pages = PAGES + (HEAVY_PAGES if heavy else []) + (WORKFLOW_PAGES if workflow else [])
    calls = [(requests.page, path) for path in pages]
    calls += [(requests.get, path) for path in API + (WORKFLOW_API if workflow else [])]
    page = record_page(record_type, instance) if heavy else None
    problems = []
    for send, template in calls:
        path = template.format(key=key, pk=pk)
        status = send(path).status_code
        if visible and status != 200:
            problems.append(f"{path}: {status}, expected 200")
        elif not visible:
            missing = send(template.format(key=key, pk=MISSING_PK)).status_code
            if status not in (403, 404) or status != missing:
                problems.append(f"{path}: {status} (missing record: {missing}), expected the same 403/404")
    if page is not None:
        status = requests.page(page).status_code
        if status != (200 if visible else 404) and not (not visible and status == 403):
            problems.append(f"{page}: {status}, expected {200 if visible else '404/403'}")
    attachment = attachment_of(instance) if heavy else None
    if attachment is not None:
        for send, path in ((requests.page, f"/files/{attachment.pk}/download/"),
                           (requests.get, f"/attachments/{attachment.pk}/download")):
            status = send(path).status_code
            if status != (200 if visible else 404) and not (not visible and status == 403):
                problems.append(f"{path}: {status}, expected {200 if visible else '404/403'}")
    return problems


def check_transitions(requests: Requests, record_type, instance) -> list[str]:
    """Steps the user may not perform are refused and leave the record as it was; the steps offered
    are only those the user's roles cover."""
    if not engine.has_workflow(instance):
        return []
    workflow = engine.workflow_for(instance)
    state = workflow.state_of(instance)
    site = record_site_id(instance)
    module = record_type.module
    visible = expected_visible(requests.user, record_type, instance)
    base = f"/records/{record_type.key}/{instance.pk}/transitions"
    problems = []
    if visible:
        offered = requests.get(base).json()["transitions"]
        for option in offered:
            permission = workflow.transition(option["name"]).permission
            if not has_perm(requests.user, module, permission, site):
                problems.append(f"{base}: offers {option['name']} without the {permission} right")
    forbidden = [t for t in workflow.transitions if state in t.source and not has_perm(requests.user, module,
                                                                                       t.permission, site)]
    elsewhere = [t for t in workflow.transitions if state not in t.source]
    attempts = forbidden[:1] + elsewhere[:1] if visible else workflow.transitions[:1]
    for transition in attempts:
        before = type(instance).objects.get(pk=instance.pk)
        response = requests.post(f"{base}/{transition.name}", {"version": instance.version, "reason": "matrix"})
        after = type(instance).objects.get(pk=instance.pk)
        allowed = (400, 403) if visible else (404, 403)
        if response.status_code not in allowed:
            problems.append(f"POST {base}/{transition.name}: {response.status_code}, expected one of {allowed}")
        if (after.version, workflow.state_of(after)) != (before.version, workflow.state_of(before)):
            problems.append(f"POST {base}/{transition.name}: the record changed")
    return problems


@pytest.mark.parametrize(
    "key,role",
    [
        pytest.param(key, role, marks=[pytest.mark.xfail(reason=KNOWN_BUGS[key, role], strict=True)]
                     if (key, role) in KNOWN_BUGS else [])
        for key in TYPES
        for role in ROLES
    ],
)
def test_record_endpoints_follow_the_permission_system(full_demo, key, role):
    record_type = records.get_type(key)
    instance = pick_instance(record_type)
    if instance is None:
        pytest.skip(f"no {key} record in the demo organisation (see WITHOUT_RECORDS)")
    problems = []
    for scope in SCOPES:
        requests = Requests(full_demo.scoped(role, scope))
        found = check_endpoints(requests, record_type, instance, full=role in FULL_CHECK_ROLES)
        found += check_transitions(requests, record_type, instance)
        problems += [f"{role}@{scope}: {problem}" for problem in found]
    assert not problems, f"{key} #{instance.pk} (site {record_site_id(instance)}):\n" + "\n".join(problems)


def test_every_record_type_has_a_record_to_test(full_demo):
    missing = sorted(key for key in TYPES if pick_instance(records.get_type(key)) is None)
    assert set(missing) <= WITHOUT_RECORDS, f"record types with no demo record to test: {missing}"
    assert WITHOUT_RECORDS <= set(TYPES), "WITHOUT_RECORDS names a type that is no longer registered"


def test_the_matrix_sees_both_answers(full_demo):
    """The session organisation gives the matrix both outcomes: some role/site pairs see a sited
    record, some do not (otherwise the matrix would prove nothing about scopes)."""
    outcomes = set()
    for key in TYPES:
        record_type = records.get_type(key)
        instance = pick_instance(record_type)
        if instance is not None and record_site_id(instance) is not None:
            for role in ROLES:
                for scope in SCOPES:
                    outcomes.add(expected_visible(full_demo.scoped(role, scope), record_type, instance))
    assert outcomes == {True, False}
