"""What document control plugs into the shell and the core."""

from __future__ import annotations

import datetime as dt


def register() -> None:
    from django.urls import reverse

    from qualitas.core import records
    from qualitas.core.jobs.registry import register_job
    from qualitas.core.permissions import register_permission_module
    from qualitas.core.registry import Module, registry
    from qualitas.documents import search_provider, selectors, services, states  # noqa: F401
    from qualitas.documents.api import router
    from qualitas.documents.models import ChangeRequest, Document, Revision

    register_permission_module("documents", "Document control")
    register_permission_module(
        "documents-archive", "Document archive (superseded and obsolete revisions)", explicit=True
    )
    registry.add_module(
        Module(
            "documents",
            "Documents",
            "documents:list",
            icon="file-earmark-text",
            order=10,
            permission_module="documents",
        )
    )
    registry.add_api_router("", router)
    registry.add_search_provider("documents", search_provider.search_documents)
    records.register(
        records.RecordType(
            "documents.document",
            Document,
            "documents",
            "Document",
            selectors.document_get,
            url=lambda d: reverse("documents:detail", args=[d.pk]),
        )
    )
    records.register(
        records.RecordType(
            "documents.revision",
            Revision,
            "documents",
            "Document revision",
            selectors.revision_get,
            url=lambda r: reverse("documents:revision", args=[r.document_id, r.pk]),
        )
    )
    records.register(
        records.RecordType(
            "documents.changerequest",
            ChangeRequest,
            "documents",
            "Change request",
            lambda actor, pk: selectors.change_request_get(actor, pk),
            url=lambda c: reverse("documents:detail", args=[c.document_id]),
        )
    )
    register_job("documents.effective_dates", services.make_due_revisions_effective, every=dt.timedelta(minutes=15))
    register_job("documents.periodic_review", services.periodic_review_reminders, every=dt.timedelta(hours=6))
    registry.add_demo_loader("documents", _demo, order=20)


def _demo() -> None:
    from qualitas.documents.demo import load

    load()
