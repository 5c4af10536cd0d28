"""The built-in roles and their synchronisation with the installed modules' default grants.

A role here holds only what no module owns (the "*" wildcard); each module's module.py declares what
its permission modules grant every built-in role. After `migrate`, `sync_builtin_roles` creates a
missing role and brings an unchanged one up to the installed modules' grants (audited); a role an
administrator has changed since the last synchronisation is left alone, and the sync says so."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

ALL = ["view", "create", "edit", "approve", "administer"]

BUILTIN_ROLES: list[dict] = [
    {
        "code": "administrator",
        "name": "Administrator",
        "description": "Configures the system: users, roles, sites and settings. Full access.",
        "permissions": {"*": ALL},
    },
    {
        "code": "quality-manager",
        "name": "Quality manager",
        "description": "Runs the management system: approves, configures quality modules, sees everything.",
        "permissions": {"*": ["view", "create", "edit", "approve"]},
    },
    {
        "code": "document-controller",
        "name": "Document controller",
        "description": "Administers document types, numbering, distribution and the document archive.",
        "permissions": {"*": ["view"]},
    },
    {
        "code": "author",
        "name": "Author",
        "description": "Drafts and revises documents and records.",
        "permissions": {"*": ["view"]},
    },
    {
        "code": "reviewer-approver",
        "name": "Reviewer/Approver",
        "description": "Reviews and approves documents and records by electronic signature.",
        "permissions": {"*": ["view"]},
    },
    {
        "code": "auditor",
        "name": "Auditor",
        "description": "Plans and performs audits; reads everything, records findings.",
        "permissions": {"*": ["view"]},
    },
    {
        "code": "employee",
        "name": "Employee",
        "description": "Reads and acknowledges documents, reports nonconformities, hazards and suggestions.",
        "permissions": {},
    },
]


def builtin_permissions(code: str) -> dict[str, list[str]]:
    """The permissions of built-in role `code`: its own plus every installed module's default grants."""
    from qualitas.core.modules import role_grants

    base = next(role["permissions"] for role in BUILTIN_ROLES if role["code"] == code)
    merged = {module: list(actions) for module, actions in base.items()}
    merged.update(role_grants().get(code, {}))
    return merged


def _same(a: dict | None, b: dict | None) -> bool:
    def norm(p):
        return {k: sorted(v) for k, v in (p or {}).items() if v}

    return a is not None and b is not None and norm(a) == norm(b)


def changed_by_administrator(role) -> bool:
    """A built-in role whose grants differ from the defaults last applied: `migrate` leaves it alone."""
    return bool(role.builtin and role.defaults is not None and not _same(role.permissions, role.defaults))


def sync_builtin_roles() -> list[str]:
    """Create missing built-in roles and update unchanged ones to the installed modules' grants.
    Returns one line per role it created, updated or left alone (for `migrate` to print)."""
    from qualitas.accounts.models import Role
    from qualitas.accounts.services import role_create, role_sync_defaults, system_actor

    report = []
    system = None
    for spec in BUILTIN_ROLES:
        wanted = builtin_permissions(spec["code"])
        role = Role.objects.filter(code=spec["code"]).first()
        if role is None or (role.builtin and not _same(role.defaults, wanted)):
            system = system or system_actor()
        if role is None:
            role_create(actor=system, code=spec["code"], name=spec["name"], description=spec["description"],
                        permissions=wanted, builtin=True)
            report.append(f"Created built-in role {spec['name']}.")
        elif not role.builtin or _same(role.defaults, wanted):
            continue
        elif role.defaults is None or _same(role.permissions, role.defaults):
            role_sync_defaults(actor=system, role=role, permissions=wanted)
            report.append(f"Updated built-in role {role.name} to the installed modules' default grants.")
        else:
            report.append(
                f"Built-in role {role.name} was changed by an administrator and is left alone; the installed "
                f"modules would grant {wanted}."
            )
    for line in report:
        logger.info(line)
    return report


def sync_builtin_roles_after_migrate(sender, using="default", verbosity=1, **kwargs) -> None:
    from django.db import connections

    if "accounts_role" in connections[using].introspection.table_names():
        for line in sync_builtin_roles():
            if verbosity >= 1:
                print(f"  {line}")  # noqa: T201 - migrate's own output
