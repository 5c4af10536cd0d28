"""Document types available out of the box (created when missing; administrators adjust them)."""

from __future__ import annotations

DEFAULT_TYPES = [
    {"code": "MAN", "name": "Manual", "number_pattern": "MAN-{seq:03d}", "review_interval_months": 24},
    {"code": "POL", "name": "Policy", "number_pattern": "POL-{seq:03d}", "review_interval_months": 12},
    {"code": "SOP", "name": "Procedure (SOP)", "number_pattern": "SOP-{dept}-{seq:03d}", "review_interval_months": 24},
    {"code": "WI", "name": "Work instruction", "number_pattern": "WI-{dept}-{seq:03d}", "review_interval_months": 24},
    {
        "code": "FRM",
        "name": "Form or template",
        "number_pattern": "FRM-{dept}-{seq:03d}",
        "review_interval_months": 36,
        "revision_scheme": "alpha",
    },
    {
        "code": "SPEC",
        "name": "Specification",
        "number_pattern": "SPEC-{seq:04d}",
        "review_interval_months": 36,
        "revision_scheme": "alpha",
    },
    {
        "code": "EXT",
        "name": "External document",
        "number_pattern": "EXT-{seq:04d}",
        "review_interval_months": 12,
        "external": True,
        "allow_self_approval": True,
    },
]


def ensure_document_types() -> None:
    from qualitas.accounts.services import system_actor
    from qualitas.documents.models import DocumentType
    from qualitas.documents.services import doc_type_create

    for spec in DEFAULT_TYPES:
        if not DocumentType.objects.filter(code=spec["code"]).exists():
            doc_type_create(actor=system_actor(), **spec)


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "documents_documenttype" in connections[using].introspection.table_names():
        ensure_document_types()
