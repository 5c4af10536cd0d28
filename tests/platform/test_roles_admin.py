"""Role and user administration: creating roles and changing their grants (with a reason, on a
version, audited), in the services, the pages and the API; the migrate-time sync leaving edited
built-in roles alone; password reset (set or generated, must change at next sign-in) and unlock."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qualitas.accounts import services
from qualitas.accounts.models import Role, User
from qualitas.accounts.roles import builtin_permissions, changed_by_administrator, sync_builtin_roles
from qualitas.core import lockout
from qualitas.core.audit.models import AuditEvent
from qualitas.core.permissions import has_perm
from qualitas.core.regulated import StaleVersion
from qualitas.core.testing import PASSWORD, assert_audited

pytestmark = pytest.mark.django_db

GRANTS = {"documents": ["view", "create"], "capa": ["view"]}


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _role(admin_user, code="line-lead", **permissions) -> Role:
    return services.role_create(actor=admin_user, code=code, name=code.replace("-", " ").title(),
                                permissions=permissions or GRANTS, reason="Line leads raise nonconformities")


# --- Services -----------------------------------------------------------------------------------------


def test_an_administrator_creates_a_role_whose_grants_apply_and_is_audited(admin_user, make_user):
    role = _role(admin_user)
    assert role.permissions == GRANTS and not role.builtin
    event = assert_audited("account.role_created", role, actor=admin_user)
    assert event.reason == "Line leads raise nonconformities"
    holder = make_user()
    services.role_assign(actor=admin_user, user=holder, role=role)
    assert has_perm(holder, "documents", "create") and not has_perm(holder, "documents", "approve")


def test_role_codes_and_names_are_unique_and_grants_are_checked(admin_user):
    _role(admin_user)
    with pytest.raises(ValidationError, match="exists already"):
        services.role_create(actor=admin_user, code="LINE-LEAD", name="Other", permissions={})
    with pytest.raises(ValidationError, match="exists already"):
        services.role_create(actor=admin_user, code="other", name="line lead", permissions={})
    with pytest.raises(ValidationError, match="Unknown module"):
        services.role_create(actor=admin_user, code="x", name="X", permissions={"nonsense": ["view"]})
    with pytest.raises(ValidationError, match="must be among"):
        services.role_create(actor=admin_user, code="y", name="Y", permissions={"capa": ["delete"]})
    assert not Role.objects.filter(code__in=["other", "x", "y"]).exists()


def test_changing_grants_needs_a_reason_and_the_version_and_is_audited(admin_user):
    role = _role(admin_user)
    with pytest.raises(ValidationError, match="reason"):
        services.role_update(actor=admin_user, role=role, version=role.version, permissions={"capa": ["view"]})
    role.refresh_from_db()
    assert role.permissions == GRANTS and role.version == 1
    with pytest.raises(StaleVersion):
        services.role_update(actor=admin_user, role=role, version=7, reason="r", permissions={"capa": ["view"]})
    services.role_update(actor=admin_user, role=role, version=1, reason="Line leads no longer draft documents",
                         permissions={"capa": ["view", "create"]})
    role.refresh_from_db()
    assert role.permissions == {"capa": ["view", "create"]} and role.version == 2
    event = assert_audited("account.role_updated", role, actor=admin_user)
    assert event.reason == "Line leads no longer draft documents"
    assert "capa" in str(event.changes_dict)


def test_only_administrators_create_or_change_roles(admin_user, quality_manager):
    role = _role(admin_user)
    with pytest.raises(PermissionDenied):
        services.role_create(actor=quality_manager, code="mine", name="Mine", permissions={"*": ["view"]})
    with pytest.raises(PermissionDenied):
        services.role_update(actor=quality_manager, role=role, version=1, reason="r", permissions={"*": ["view"]})
    role.refresh_from_db()
    assert role.permissions == GRANTS and not Role.objects.filter(code="mine").exists()


def test_no_change_may_leave_nobody_able_to_administer(admin_user):
    administrator = Role.objects.get(code="administrator")
    before = dict(administrator.permissions), administrator.version
    with pytest.raises(ValidationError, match="no active user could administer"):
        services.role_update(actor=admin_user, role=administrator, version=administrator.version,
                             reason="Tidy up", permissions={"*": ["view"]})
    with pytest.raises(ValidationError, match="no active user could administer"):
        services.role_update(actor=admin_user, role=administrator, version=administrator.version,
                             reason="Tidy up", active=False)
    administrator.refresh_from_db()
    assert (administrator.permissions, administrator.version) == before
    assert has_perm(User.objects.get(pk=admin_user.pk), "accounts", "administer")


def test_a_built_in_role_changed_by_an_administrator_is_left_alone_by_the_sync(admin_user):
    auditor = Role.objects.get(code="auditor")
    assert auditor.permissions == builtin_permissions("auditor")
    narrowed = {key: actions for key, actions in auditor.permissions.items() if key != "capa"}
    services.role_update(actor=admin_user, role=auditor, version=auditor.version, reason="Auditors skip CAPA",
                         permissions=narrowed)
    assert changed_by_administrator(auditor)
    report = sync_builtin_roles()
    auditor.refresh_from_db()
    assert auditor.permissions == narrowed and auditor.version == 2
    assert not any("Auditor" in line for line in report)
    assert not AuditEvent.objects.filter(event="account.role_synced", record_id=str(auditor.pk),
                                         sequence__gt=assert_audited("account.role_updated", auditor).sequence)


# --- Pages --------------------------------------------------------------------------------------------


def test_the_role_pages_create_a_role_and_change_its_grants_with_a_reason(admin_user):
    browser = _browser(admin_user)
    listing = browser.get("/administration/roles/").content.decode()
    assert "New role" in listing and "Edit Administrator" in listing
    response = browser.post("/administration/roles/new/", {
        "code": "line-lead", "name": "Line lead", "description": "Shift leads",
        "grant:capa:view": "on", "grant:capa:create": "on"})
    role = Role.objects.get(code="line-lead")
    assert response.status_code == 302 and response.url == f"/administration/roles/{role.pk}/"
    assert role.permissions == {"capa": ["view", "create"]}

    page = browser.get(f"/administration/roles/{role.pk}/").content.decode()
    assert 'name="grant:capa:create"' in page and "account.role_created" in page
    form = {"name": "Line lead", "description": "Shift leads", "active": "on", "version": role.version,
            "grant:capa:view": "on", "grant:documents:view": "on"}
    refused = browser.post(f"/administration/roles/{role.pk}/", form)
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    role.refresh_from_db()
    assert role.permissions == {"capa": ["view", "create"]}

    saved = browser.post(f"/administration/roles/{role.pk}/", {**form, "reason": "Leads read procedures"})
    assert saved.status_code == 302
    role.refresh_from_db()
    assert role.permissions == {"documents": ["view"], "capa": ["view"]} and role.version == 2
    assert assert_audited("account.role_updated", role, actor=admin_user).reason == "Leads read procedures"

    stale = browser.post(f"/administration/roles/{role.pk}/", {**form, "version": 1, "reason": "again"})
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()


def test_role_pages_are_for_administrators_only(quality_manager, admin_user):
    role = _role(admin_user)
    browser = _browser(quality_manager)
    assert browser.get("/administration/roles/").status_code == 403
    assert browser.get("/administration/roles/new/").status_code == 403
    assert browser.post(f"/administration/roles/{role.pk}/", {
        "name": "X", "version": 1, "reason": "r", "grant:*:administer": "on"}).status_code == 403
    role.refresh_from_db()
    assert role.permissions == GRANTS


# --- API ----------------------------------------------------------------------------------------------


def test_the_api_creates_and_changes_roles(api_client, admin_user):
    api = api_client.as_user(admin_user)
    created = api.post("/roles", {"code": "line-lead", "name": "Line lead", "permissions": GRANTS,
                                  "reason": "New shift structure"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["permissions"] == GRANTS and body["version"] == 1 and body["changed_by_administrator"] is False
    role_id = body["id"]

    assert api.patch(f"/roles/{role_id}", {"version": 1, "permissions": {"capa": ["view"]}}).status_code == 422
    blank = api.patch(f"/roles/{role_id}", {"version": 1, "reason": "  ", "permissions": {"capa": ["view"]}})
    assert blank.status_code == 400 and "reason" in blank.content.decode()
    unknown = api.patch(f"/roles/{role_id}", {"version": 1, "reason": "r", "permissions": {"capa": ["fly"]}})
    assert unknown.status_code == 400
    changed = api.patch(f"/roles/{role_id}", {"version": 1, "reason": "Leads only read CAPA",
                                              "permissions": {"capa": ["view"]}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["permissions"] == {"capa": ["view"]} and changed.json()["version"] == 2
    assert api.patch(f"/roles/{role_id}", {"version": 1, "reason": "r", "name": "Lead"}).status_code == 409
    event = AuditEvent.objects.filter(event="account.role_updated", record_id=str(role_id)).latest("sequence")
    assert event.reason == "Leads only read CAPA" and event.actor_id == admin_user.pk

    auditor = Role.objects.get(code="auditor")
    narrowed = {key: actions for key, actions in auditor.permissions.items() if key != "capa"}
    edited = api.patch(f"/roles/{auditor.pk}", {"version": auditor.version, "reason": "Auditors skip CAPA",
                                                "permissions": narrowed})
    assert edited.status_code == 200 and edited.json()["changed_by_administrator"] is True


def test_the_roles_api_refuses_non_administrators(api_client, quality_manager, employee, admin_user):
    role = _role(admin_user)
    manager = api_client.as_user(quality_manager)
    assert manager.get("/roles").status_code == 200  # reading user administration is granted to them
    assert manager.post("/roles", {"code": "mine", "name": "Mine"}).status_code == 403
    assert manager.patch(f"/roles/{role.pk}", {"version": 1, "reason": "r", "permissions": {}}).status_code == 403
    assert api_client.as_user(employee).get("/roles").status_code == 403
    role.refresh_from_db()
    assert role.permissions == GRANTS and not Role.objects.filter(code="mine").exists()


# --- Password reset and unlock ----------------------------------------------------------------------------


def test_an_administrator_sets_a_new_password_that_must_pass_the_validators(admin_user, employee):
    with pytest.raises(ValidationError):
        services.user_password_reset(actor=admin_user, user=employee, reason="Forgot it", password="short")
    with pytest.raises(ValidationError, match="reason"):
        services.user_password_reset(actor=admin_user, user=employee, reason=" ", password="a-fresh-passphrase-42")
    employee.refresh_from_db()
    assert employee.check_password(PASSWORD) and not employee.password_change_required

    assert services.user_password_reset(actor=admin_user, user=employee, reason="Ticket 4711",
                                        password="a-fresh-passphrase-42") is None
    employee.refresh_from_db()
    assert employee.check_password("a-fresh-passphrase-42") and employee.password_change_required
    event = assert_audited("account.password_reset", employee, actor=admin_user)
    assert event.reason == "Ticket 4711"
    assert "a-fresh-passphrase-42" not in event.changes and employee.password not in event.changes


def test_a_generated_password_is_returned_once_and_works(admin_user, employee):
    plain = services.user_password_reset(actor=admin_user, user=employee, reason="Locked out of email",
                                         generate=True, must_change=False)
    employee.refresh_from_db()
    assert plain and len(plain) >= 16 and employee.check_password(plain) and not employee.password_change_required
    assert plain not in AuditEvent.objects.filter(event="account.password_reset").latest("sequence").changes


def test_password_resets_are_for_administrators_and_not_for_their_own_account(admin_user, quality_manager,
                                                                                employee):
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=quality_manager, user=employee, reason="r", generate=True)
    with pytest.raises(ValidationError, match="your own password"):
        services.user_password_reset(actor=admin_user, user=admin_user, reason="r", generate=True)
    assert _browser(quality_manager).post(f"/administration/users/{employee.pk}/password/", {
        "generate": "on", "must_change": "on", "reason": "r"}).status_code == 403
    employee.refresh_from_db()
    assert employee.check_password(PASSWORD)


def test_the_user_must_change_a_reset_password_at_the_next_sign_in(admin_user, employee):
    browser = _browser(admin_user)
    response = browser.post(f"/administration/users/{employee.pk}/password/", {
        "generate": "on", "must_change": "on", "reason": "Forgot it"})
    assert response.status_code == 200
    plain = response.context["plain"]
    assert plain in response.content.decode()

    user = Client()
    assert user.post("/accounts/login/", {"username": "emp1", "password": plain}).status_code == 302
    home = user.get("/")
    assert home.status_code == 302 and home.url == "/profile/password/"
    assert user.get("/api/v1/users/me").status_code == 403
    page = user.get("/profile/password/").content.decode()
    assert 'data-testid="password-change-required"' in page
    changed = user.post("/profile/password/", {"old_password": plain, "new_password1": "my-own-passphrase-77",
                                               "new_password2": "my-own-passphrase-77"})
    assert changed.status_code == 302
    employee.refresh_from_db()
    assert not employee.password_change_required and employee.check_password("my-own-passphrase-77")
    assert user.get("/").status_code == 200
    assert_audited("account.password_changed", employee, actor=employee)


def test_the_reset_form_shows_why_a_password_is_refused(admin_user, employee):
    response = _browser(admin_user).post(f"/administration/users/{employee.pk}/password/", {
        "password": "password", "must_change": "on", "reason": "Ticket 1"})
    assert response.status_code == 400
    assert "too common" in response.content.decode() or "too short" in response.content.decode()
    employee.refresh_from_db()
    assert employee.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(event="account.password_reset").exists()


def test_the_api_resets_a_password(api_client, admin_user, employee):
    api = api_client.as_user(admin_user)
    assert api.post(f"/users/{employee.pk}/password-reset", {"generate": True}).status_code == 422
    response = api.post(f"/users/{employee.pk}/password-reset", {"generate": True, "reason": "Ticket 9"})
    assert response.status_code == 200, response.content
    body = response.json()
    employee.refresh_from_db()
    assert body["must_change"] is True and employee.check_password(body["password"])
    assert api.post(f"/users/{employee.pk}/password-reset", {"password": "123", "reason": "r"}).status_code == 400


def test_locked_users_are_marked_in_the_list_and_unlocked_with_an_audit_event(admin_user, employee):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "emp1", "password": "wrong-password"})
    assert lockout.is_locked(employee)
    browser = _browser(admin_user)
    listing = browser.get("/administration/users/").content.decode()
    assert f'/administration/users/{employee.pk}/#unlock" data-testid="locked"' in listing
    response = browser.post(f"/administration/users/{employee.pk}/unlock/", {"reason": "Verified by phone"})
    assert response.status_code == 302 and not lockout.is_locked(employee)
    event = assert_audited("account.unlocked", employee, actor=admin_user)
    assert event.reason == "Verified by phone"
    assert 'data-testid="locked"' not in browser.get("/administration/users/").content.decode()
