"""The module kit: one module.py per app, checked at start-up, wired into navigation, URLs, the API,
search, record export and the built-in roles (tests/throwaway is a module added only by its folder,
its module.py and one INSTALLED_APPS line)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.management import call_command
from django.test import Client

from qualitas.accounts.models import Role
from qualitas.accounts.roles import builtin_permissions, sync_builtin_roles
from qualitas.core import modules, records
from qualitas.core.audit.models import AuditEvent
from qualitas.core.checks import check_module_specs, check_spec
from qualitas.core.modules import ModuleSpec, Nav, Permission, RecordTypeSpec, Source
from qualitas.core.registry import registry

pytestmark = pytest.mark.django_db


def test_every_installed_app_of_qualitas_declares_a_module():
    from django.apps import apps

    apps_with_spec = {spec.app for spec in modules.all_specs()}
    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("qualitas.")}
    assert ours <= apps_with_spec, f"apps without a module.py: {sorted(ours - apps_with_spec)}"


def test_the_system_check_passes_for_the_installed_modules():
    assert check_module_specs() == []
    call_command("check", verbosity=0)  # `qualitas check` raises SystemCheckError on any error


def broken_spec() -> ModuleSpec:
    return ModuleSpec(
        key="broken",
        label="Broken",
        permissions=(Permission("broken", "Broken module", grants={"janitor": ("view",), "employee": ("peek",)}),),
        navigation=(Nav("broken", "Broken", "broken:nowhere", permission="broken"),),
        record_types=(RecordTypeSpec("throwaway.Suggestion", "Broken record",
                                     "tests.throwaway.selectors:suggestion_get", url=None,
                                     list_url_name="broken:list"),),
        demo_after=("ghost",),
        audit_events=("no dots",),
        sources=(Source("broken_source", "Broken", record_types=("nowhere.thing",), raises=("miracle",)),),
    )


def test_a_broken_spec_fails_the_check_naming_the_module_and_the_field():
    spec = modules.install(broken_spec(), app="throwaway")
    try:
        messages = [error.msg for error in check_spec(spec)]
        with pytest.raises(Exception, match="broken"):
            call_command("check", verbosity=0)
    finally:
        modules.uninstall("broken")
        modules.install(modules.get_spec("suggestions") or _reinstall_suggestions())
    text = "\n".join(messages)
    assert "Module 'broken', navigation['broken']: URL name 'broken:nowhere' does not resolve" in text
    assert "grants['janitor']: 'janitor' is not a built-in role" in text
    assert "grants['employee']: unknown actions ['peek']" in text
    assert "record_types['throwaway.Suggestion']: needs a url(record)" in text
    assert "list_url_name 'broken:list' does not resolve" in text
    assert "demo_after: 'ghost' is not an installed module" in text
    assert "audit_events: 'no dots' is not an event name" in text
    assert "record type 'nowhere.thing' is not registered" in text
    assert "raises 'miracle'" in text
    assert check_module_specs() == []


def _reinstall_suggestions():
    from tests.throwaway.module import MODULE

    return modules.install(MODULE, app="throwaway")


def test_the_throwaway_module_is_in_navigation_search_api_and_record_export(make_user, site):
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-kit")
    suggestion = suggestion_create(actor=manager, title="Label the torque wrenches", site=site)
    client = Client()
    client.force_login(manager)

    home = client.get("/").content.decode()
    assert 'data-module="suggestions"' in home
    assert client.get("/suggestions/").status_code == 200
    assert "Label the torque wrenches" in client.get("/search/", {"q": "torque"}).content.decode()
    api = client.get("/api/v1/suggestions")
    assert api.status_code == 200 and api.json()[0]["title"] == "Label the torque wrenches"
    export = client.get(f"/api/v1/records/throwaway.suggestion/{suggestion.pk}/export")
    assert export.status_code == 200, export.content
    assert {"history", "links", "attachments", "signatures"} <= set(export.json())
    assert records.get_type("throwaway.suggestion").list_url_name == "suggestions:list"
    assert "/api/v1/suggestions" in client.get("/api/v1/openapi.json").json()["paths"]


def test_a_module_s_grants_reach_the_built_in_roles(make_user):
    employee = Role.objects.get(code="employee")
    assert employee.permissions.get("suggestions") == ["view", "create"]
    assert builtin_permissions("employee")["capa"] == ["view", "create"]


def test_migrate_brings_unchanged_built_in_roles_up_to_date_and_leaves_changed_ones_alone(admin_user):
    spec = modules.get_spec("suggestions")
    widened = replace(spec, permissions=(replace(spec.permissions[0], grants={
        **spec.permissions[0].grants, "auditor": ("view", "create"), "author": ("view", "create")}),))
    author = Role.objects.get(code="author")
    from qualitas.accounts.services import role_update

    role_update(actor=admin_user, role=author, permissions={**author.permissions, "capa": ["view"]},
                reason="Authors only read nonconformities here")
    modules.install(widened, app="throwaway")
    try:
        report = sync_builtin_roles()
        again = sync_builtin_roles()
    finally:
        modules.install(spec, app="throwaway")
    auditor, author = Role.objects.get(code="auditor"), Role.objects.get(code="author")
    assert auditor.permissions["suggestions"] == ["view", "create"]
    assert "suggestions" not in author.permissions and author.permissions["capa"] == ["view"]
    assert any("Auditor" in line and "Updated" in line for line in report)
    assert any("Author was changed by an administrator and is left alone" in line for line in report)
    event = AuditEvent.objects.filter(event="account.role_synced", record_id=str(auditor.pk)).latest("sequence")
    assert event.reason == "Default grants of the installed modules"
    assert again == [line for line in report if "left alone" in line]  # nothing more to do, but it says so


def test_navigation_api_and_urls_come_from_the_specs():
    from django.urls import reverse

    keys = {entry.key for spec in modules.all_specs() for entry in spec.navigation}
    assert keys == set(registry.modules)
    for spec in modules.all_specs():
        for entry in spec.navigation:
            reverse(entry.url_name)
    routers = {id(modules.resolve(router)) for spec in modules.all_specs() for router in spec.api}
    assert routers == {id(router) for _, router in registry.api_routers}


def test_demo_loaders_run_after_the_modules_they_build_on():
    order = [spec.key for spec in modules.demo_order()]
    assert order.index("documents") < order.index("capa") < order.index("measurements")


# --- Integration through the core: sources and raising ------------------------------------------------


def test_capa_names_no_producers_its_sources_come_from_the_modules():
    from qualitas.capa.models import capa_sources, nc_sources

    offered = dict(nc_sources())
    assert {"internal", "other", "complaint", "process_signal"} <= set(offered)
    assert not {"audit", "supplier", "risk", "management_review"} & (set(offered) | set(dict(capa_sources())))
    assert offered["process_signal"] == "Process signal (SPC)"  # the label the measurements module gives


def test_one_core_service_raises_an_action_from_a_record_of_any_module(make_user, site):
    from qualitas.actions.models import Action
    from qualitas.core.links.selectors import links_of
    from qualitas.core.raising import raisable, raise_from
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-raise")
    suggestion = suggestion_create(actor=manager, title="Add a second gauge rack", site=site)
    assert raisable(suggestion) == ["action"]
    action = raise_from(actor=manager, record=suggestion, raising="action", title="Order a gauge rack", owner=manager)
    assert isinstance(action, Action) and action.site_id == site.pk
    assert links_of(suggestion).filter(source_id=str(action.pk)).exists() or links_of(action).exists()


def test_raising_what_a_record_does_not_offer_is_refused_and_creates_nothing(make_user, site):
    from django.core.exceptions import ValidationError

    from qualitas.capa.models import Nonconformity
    from qualitas.core.raising import raise_from
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-refuse")
    suggestion = suggestion_create(actor=manager, title="Paint the floor markings", site=site)
    with pytest.raises(ValidationError, match="cannot be raised from a Suggestion"):
        raise_from(actor=manager, record=suggestion, raising="nonconformity", title="x", description="y")
    with pytest.raises(ValidationError, match="Unknown kind"):
        raise_from(actor=manager, record=suggestion, raising="miracle")
    assert not Nonconformity.objects.exists()


# --- Linked records: visibility resolved in bulk, hidden ones named only by type --------------------------


def test_linked_records_resolve_in_one_query_per_type_and_hidden_ones_are_not_named(make_user, site, other_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qualitas.core.links.selectors import export_section, related
    from qualitas.core.links.services import link_create
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-links")
    local = make_user("employee", username="emp-local", site=site)
    hub = suggestion_create(actor=manager, title="Hub", site=site)
    for n in range(6):
        link_create(actor=manager, source=hub, target=suggestion_create(actor=manager, title=f"Here {n}", site=site),
                    kind="relates_to")
    secret = suggestion_create(actor=manager, title="Elsewhere secret", site=other_site)
    link_create(actor=manager, source=hub, target=secret, kind="relates_to")

    related(local, hub)  # the user's role assignments are cached on the first call
    with CaptureQueriesContext(connection) as few:
        panel = related(local, hub)
    assert len(panel["rows"]) == 6 and panel["hidden"] == 1
    for n in range(6, 12):
        link_create(actor=manager, source=hub, target=suggestion_create(actor=manager, title=f"Here {n}", site=site),
                    kind="relates_to")
    with CaptureQueriesContext(connection) as many:
        assert len(related(local, hub)["rows"]) == 12
    assert len(many) == len(few), "the Related panel looks up each link"

    rows = export_section(hub, local)
    hidden = [row for row in rows if row["record"] == "a record you cannot see"]
    assert len(hidden) == 1 and hidden[0]["record_id"] is None and hidden[0]["record_type_label"] == "Suggestion"
    assert "Elsewhere secret" not in str(rows)
    assert "Elsewhere secret" in str(export_section(hub, manager))


def test_the_related_panel_offers_what_a_record_can_raise_and_the_form_raises_it(make_user, site):
    from qualitas.actions.models import Action
    from qualitas.core.links.selectors import links_of
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-panel")
    suggestion = suggestion_create(actor=manager, title="Fix the dock door", site=site)
    client = Client()
    client.force_login(manager)
    panel = client.get(f"/links/throwaway.suggestion/{suggestion.pk}/").content.decode()
    assert 'data-testid="raise"' in panel
    assert f"/actions/new/?raised_from=throwaway.suggestion%3A{suggestion.pk}" in panel
    assert "/quality/nonconformities/new/" not in panel  # a suggestion raises actions only

    url = f"/actions/new/?raised_from=throwaway.suggestion:{suggestion.pk}"
    assert "Fix the dock door" in client.get(url).content.decode()
    response = client.post(url, {"title": "Repair the dock door seal", "kind": "corrective", "owner": manager.pk,
                                 "description": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    action = Action.objects.get(title="Repair the dock door seal")
    assert links_of(action).exists() and links_of(suggestion).exists()


def test_the_api_refuses_a_nonconformity_from_a_record_that_does_not_offer_one(api_client, make_user, site):
    from qualitas.capa.models import Nonconformity, Severity
    from tests.throwaway.services import suggestion_create

    manager = make_user("quality-manager", username="qm-api-raise")
    suggestion = suggestion_create(actor=manager, title="Sweep daily", site=site)
    response = api_client.as_user(manager).post("/nonconformities", {
        "title": "Dirty floor", "description": "Found during the walk", "severity": Severity.objects.first().code,
        "raised_from_type": "throwaway.suggestion", "raised_from_id": suggestion.pk,
    })
    assert response.status_code == 400 and "cannot be raised from a Suggestion" in response.json()["message"]
    assert not Nonconformity.objects.exists()


def test_the_throwaway_module_is_in_the_generated_permission_matrix_and_query_count_check():
    from tests.platform import test_permission_matrix, test_query_counts

    assert "throwaway.suggestion" in test_permission_matrix.TYPES
    assert "throwaway.suggestion" in test_query_counts.listed("page")
    assert "throwaway.suggestion" in test_query_counts.listed("api")


def test_the_nonconformity_form_shows_the_source_the_record_s_module_declares(make_user, site):
    from qualitas.measurements.services import characteristic_create

    manager = make_user("quality-manager", username="qm-source")
    characteristic = characteristic_create(actor=manager, name="Bore", chart_type="imr", subgroup_size=1,
                                           site=site, lsl=1, usl=2)
    client = Client()
    client.force_login(manager)
    page = client.get(f"/quality/nonconformities/new/?raised_from=measurements.characteristic:{characteristic.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and "Set by the record this is raised from." in html
    assert 'value="process_signal" selected' in html
