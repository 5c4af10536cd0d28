"""Users, roles, sites, departments and processes: the organisation every module refers to."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Permission, RecordTypeSpec

ALL = ("view", "create", "edit", "approve", "administer")

MODULE = ModuleSpec(
    key="organisation",
    label="Organisation",
    permissions=(
        Permission("organisation", "Organisation (sites, departments, processes)",
                   grants={"quality-manager": ALL, "employee": ("view",)}),
        # Explicit: a "*" grant does not reach user administration; quality managers and auditors read
        # user accounts as records (their history and export) for audits.
        Permission("accounts", "Users and roles", explicit=True,
                   grants={"quality-manager": ("view",), "auditor": ("view",)}),
    ),
    navigation=(
        Nav("organisation", "Organisation", "organisation:processes", icon="diagram-3", order=80,
            permission="organisation"),
        Nav("administration", "Administration", "administration:users", icon="gear", order=1000,
            permission="accounts", permission_action="administer", section="admin"),
        Nav("jobs", "Scheduled jobs", "notifications:jobs", icon="clock-history", order=1010,
            permission="accounts", permission_action="administer", section="admin"),
    ),
    record_types=(
        RecordTypeSpec("accounts.Process", "Process", "qualitas.accounts.selectors:process_get",
                       url=lambda p: reverse("organisation:process", args=[p.pk]),
                       list_url_name="organisation:processes", api_list="/processes"),
        RecordTypeSpec("accounts.Site", "Site", "qualitas.accounts.selectors:site_get",
                       url=lambda s: reverse("organisation:sites"), list_url_name="organisation:sites",
                       api_list="/sites"),
        RecordTypeSpec("accounts.Department", "Department", "qualitas.accounts.selectors:department_get",
                       url=lambda d: reverse("organisation:sites"), list_url_name="organisation:sites",
                       api_list="/departments"),
        RecordTypeSpec("accounts.User", "User account", "qualitas.accounts.selectors:user_admin_get",
                       url=lambda u: reverse("administration:user", args=[u.pk]), permission="accounts",
                       list_url_name="administration:users", api_list="/users"),
    ),
    search="qualitas.accounts.search:search_organisation",
    api=("qualitas.accounts.api:router", "qualitas.accounts.api:users_router", "qualitas.accounts.api:roles_router"),
    urls=(
        ("", "qualitas.accounts.urls:auth_patterns"),
        ("organisation/", "qualitas.accounts.urls:organisation_patterns"),
        ("administration/", "qualitas.accounts.urls:administration_patterns"),
    ),
    on_migrate=("qualitas.accounts.roles:sync_builtin_roles_after_migrate",),
    audit_events=(
        "account.password_changed",
        "account.password_reset",
        "account.role_assigned",
        "account.role_assignment_saved",
        "account.role_assignment_deleted",
        "account.role_created",
        "account.role_removed",
        "account.role_synced",
        "account.system_created",
        "account.role_updated",
        "account.token_created",
        "account.token_revoked",
        "account.user_created",
        "account.user_deactivated",
        "account.user_reactivated",
        "account.unlocked",
        "account.user_updated",
        "account.totp_enrolled",
        "account.totp_disabled",
        "organisation.department_created",
        "organisation.department_updated",
        "organisation.process_created",
        "organisation.process_updated",
        "organisation.site_created",
        "organisation.site_updated",
    ),
)
