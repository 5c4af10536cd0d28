"""What the accounts app plugs into the shell: navigation, API routers, search and demo data."""

from __future__ import annotations


def register() -> None:
    from qualitas.accounts.api import router, users_router
    from qualitas.accounts.search import search_organisation
    from qualitas.core.registry import Module, registry

    registry.add_module(
        Module(
            "organisation",
            "Organisation",
            "organisation:processes",
            icon="diagram-3",
            order=80,
            permission_module="organisation",
        )
    )
    registry.add_module(
        Module(
            "administration",
            "Administration",
            "administration:users",
            icon="gear",
            order=1000,
            permission_module="accounts",
            permission_action="administer",
            section="admin",
        )
    )
    registry.add_module(
        Module("jobs", "Scheduled jobs", "notifications:jobs", icon="clock-history", order=1010,
               permission_module="accounts", permission_action="administer", section="admin")
    )
    registry.add_api_router("", router)
    registry.add_api_router("", users_router)
    registry.add_search_provider("organisation", search_organisation)
    register_record_types()


def register_record_types() -> None:
    from django.urls import reverse

    from qualitas.accounts import selectors
    from qualitas.accounts.models import Department, Process, Site, User
    from qualitas.core import records

    records.register(
        records.RecordType(
            "accounts.process",
            Process,
            "organisation",
            "Process",
            selectors.process_get,
            url=lambda p: reverse("organisation:process", args=[p.pk]),
        )
    )
    records.register(
        records.RecordType(
            "accounts.site",
            Site,
            "organisation",
            "Site",
            selectors.site_get,
            url=lambda s: reverse("organisation:sites"),
        )
    )
    records.register(
        records.RecordType(
            "accounts.department",
            Department,
            "organisation",
            "Department",
            selectors.department_get,
            url=lambda d: reverse("organisation:sites"),
        )
    )
    records.register(
        records.RecordType(
            "accounts.user",
            User,
            "accounts",
            "User account",
            selectors.user_admin_get,
            url=lambda u: reverse("administration:user", args=[u.pk]),
        )
    )
