"""Factories: users with roles, sites, processes, documents, nonconformities, CAPAs, actions,
characteristics, change requests and attachments, each built through the module's real service
(audited, numbered, validated exactly as in production; nothing is written behind the services).

Every factory takes the acting user first (`actor`, None for the system where the service allows
it) and sensible defaults for everything else, so a test names only what it is about.
"""

from __future__ import annotations

import itertools

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test credential, passes the validators

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A name not used before in this test session ("user-17")."""
    return f"{prefix}-{next(_serial)}"


def system():
    """The system account (what jobs, imports and the demo act as)."""
    from qualitas.accounts.services import system_actor

    return system_actor()


def user(role: str | None = None, *, username: str | None = None, site=None, password: str | None = PASSWORD,
         actor=None, **fields):
    """A user account, holding `role` (a built-in role code) on `site` (every site when None)."""
    from qualitas.accounts import services

    actor = actor or system()
    account = services.user_create(actor=actor, username=username or unique("user"), password=password, **fields)
    if role:
        services.role_assign(actor=actor, user=account, role=role, site=site)
    return account


def role_assign(account, role: str, *, site=None, actor=None):
    from qualitas.accounts import services

    return services.role_assign(actor=actor or system(), user=account, role=role, site=site)


def site(*, code: str | None = None, name: str = "", actor=None, **fields):
    from qualitas.accounts import services

    code = code or unique("S")
    return services.site_create(actor=actor or system(), code=code, name=name or f"Site {code}", **fields)


def process(*, actor=None, code: str | None = None, name: str = "Test process", category: str = "core", **fields):
    from qualitas.accounts import services

    return services.process_create(
        actor=actor or system(), code=code or unique("P"), name=name, category=category, **fields)


def acknowledged(account, password: str = PASSWORD):
    """`account` with the electronic-signature policy acknowledged (needed before signing)."""
    from qualitas.core.signatures import services as signing

    if not signing.has_acknowledged_policy(account):
        signing.acknowledge_policy(actor=account, password=password)
    return account


def document(*, actor, title: str = "Cleaning of coolant tanks", doc_type: str = "SOP",
             content: str = "# Cleaning\n\nDrain and wipe the tank.", **fields):
    """A document with its first revision in draft."""
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    ensure_document_types()
    return services.document_create(
        actor=actor, doc_type=DocumentType.objects.get(code=doc_type), title=title, content=content, **fields
    )


def change_request(*, actor, document, what: str = "Add the torque values", why: str = "Operators ask for them"):
    from qualitas.documents import services

    return services.change_request_create(actor=actor, document=document, what=what, why=why)


def nonconformity(*, actor, title: str = "Bore diameter above tolerance", severity: str = "major",
                  description: str = "Bore 40.06 mm, spec 40.00 ± 0.05.", **fields):
    from qualitas.capa import services
    from qualitas.capa.models import Severity

    services.ensure_default_severities()
    return services.nonconformity_create(
        actor=actor, title=title, description=description, severity=Severity.objects.get(code=severity), **fields
    )


def capa(*, actor, title: str = "Tool-life management for boring inserts", **fields):
    from qualitas.capa import services

    return services.capa_create(actor=actor, title=title, **fields)


def complaint(*, actor, customer: str = "Northwind Pumps", description: str = "Housings leak at the seal.",
              **fields):
    from qualitas.capa import services

    return services.complaint_create(actor=actor, customer=customer, description=description, **fields)


def action(*, actor, owner=None, title: str = "Replace the worn insert", **fields):
    from qualitas.actions import services

    return services.action_create(actor=actor, owner=owner or actor, title=title, **fields)


def characteristic(*, actor, name: str = "Piston ring inside diameter", **fields):
    from qualitas.measurements import services

    defaults = {"unit": "mm", "lsl": 73.95, "usl": 74.05, "target": 74.0, "subgroup_size": 5,
                "chart_type": "xbar-r", "owner": actor}
    return services.characteristic_create(actor=actor, name=name, **(defaults | fields))


def attachment(*, actor, instance, name: str = "evidence.pdf", data: bytes = b"%PDF-1.4\n% test evidence\n%%EOF\n",
               description: str = ""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qualitas.core.files import services

    return services.attachment_add(
        actor=actor, instance=instance, uploaded_file=SimpleUploadedFile(name, data), description=description
    )


def bearer(account, name: str = "test") -> dict:
    """Test-client headers authenticating as `account` with a new API token."""
    from qualitas.accounts import services

    _, plain = services.token_create(actor=system(), user=account, name=name)
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
