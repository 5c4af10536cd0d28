"""The Training panel on document and revision pages: the training impact decided on the change (and the
form to decide or change it, signed), who still has to train on the revision and who has."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures.services import Credentials
from qualitas.training import impact
from qualitas.training.models_impact import IMPACT_KINDS

TEMPLATE = "training/impact_panel.html"


def _revision_for(actor, record_type: str, record_id: int):
    from qualitas.documents import selectors as documents

    if record_type == "documents.revision":
        return documents.revision_get(actor, record_id)
    if record_type == "documents.document":
        return impact.revision_for_document(documents.document_get(actor, record_id))
    return None


def _context(actor, revision, **extra) -> dict:
    context = impact.impact_view(actor, revision) if revision is not None else {"revision": None}
    context.update({"kinds": IMPACT_KINDS, **extra})
    return context


@login_required
def panel(request, record_type: str, record_id: int):
    if not record_type.startswith("documents."):
        return render(request, TEMPLATE, {"revision": None, "not_a_document": True})
    return render(request, TEMPLATE, _context(request.user, _revision_for(request.user, record_type, record_id)))


@login_required
@require_POST
def decide(request, revision_id: int):
    from qualitas.documents.selectors import revision_get

    revision = revision_get(request.user, revision_id)
    form = {"kind": request.POST.get("kind", ""), "reason": request.POST.get("reason", "")}
    try:
        impact.impact_decide(actor=request.user, revision=revision, kind=form["kind"], reason=form["reason"],
                             credentials=Credentials(request.POST.get("password", ""), request.POST.get("otp", "")),
                             version=_version(request.POST.get("version")))
    except (ValidationError, PermissionDenied, StaleVersion) as exc:
        return render(request, TEMPLATE, _context(request.user, revision, error=_message(exc), form=form))
    except Http404:
        raise
    return render(request, TEMPLATE, _context(request.user, revision, saved=True))


def _version(value):
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
