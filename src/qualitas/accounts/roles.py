"""The built-in roles. Created when missing after migrations; never overwritten once they exist,
so an administrator's adjustments survive upgrades."""

from __future__ import annotations

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
        "permissions": {
            "documents-archive": ["view"],
            "*": ["view", "create", "edit", "approve"],
            "organisation": ALL,
            "standards": ALL,
            "documents": ALL,
            "capa": ALL,
            "actions": ALL,
            "audits": ALL,
            "measurements": ALL,
            "audit": ["view"],
        },
    },
    {
        "code": "document-controller",
        "name": "Document controller",
        "description": "Administers document types, numbering, distribution and the document archive.",
        "permissions": {
            "documents-archive": ["view"],
            "*": ["view"],
            "documents": ["view", "create", "edit", "administer"],
            "capa": ["view", "create"],
            "actions": ["view", "create", "edit"],
        },
    },
    {
        "code": "author",
        "name": "Author",
        "description": "Drafts and revises documents and records.",
        "permissions": {
            "documents-archive": ["view"],
            "*": ["view"],
            "documents": ["view", "create", "edit"],
            "capa": ["view", "create", "edit"],
            "actions": ["view", "create", "edit"],
        },
    },
    {
        "code": "reviewer-approver",
        "name": "Reviewer/Approver",
        "description": "Reviews and approves documents and records by electronic signature.",
        "permissions": {
            "documents-archive": ["view"],
            "*": ["view"],
            "documents": ["view", "approve"],
            "capa": ["view", "create", "approve"],
            "actions": ["view", "create", "edit"],
        },
    },
    {
        "code": "auditor",
        "name": "Auditor",
        "description": "Plans and performs audits; reads everything, records findings.",
        "permissions": {
            "documents-archive": ["view"],
            "*": ["view"],
            "audits": ["view", "create", "edit"],
            "capa": ["view", "create"],
            "actions": ["view", "create", "edit"],
            "audit": ["view"],
        },
    },
    {
        "code": "employee",
        "name": "Employee",
        "description": "Reads and acknowledges documents, reports nonconformities, hazards and suggestions.",
        "permissions": {
            "organisation": ["view"],
            "standards": ["view"],
            "documents": ["view"],
            "capa": ["view", "create"],
            "actions": ["view", "edit"],
            "measurements": ["view", "create"],
        },
    },
]


def ensure_builtin_roles() -> None:
    from qualitas.accounts.models import Role
    from qualitas.accounts.services import role_create

    for spec in BUILTIN_ROLES:
        if not Role.objects.filter(code=spec["code"]).exists():
            role_create(
                actor=None,
                code=spec["code"],
                name=spec["name"],
                description=spec["description"],
                permissions=spec["permissions"],
                builtin=True,
            )


def ensure_builtin_roles_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "accounts_role" in connections[using].introspection.table_names():
        ensure_builtin_roles()
