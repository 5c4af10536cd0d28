from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from qualitas.core import records
from qualitas.core.files import selectors, services
from qualitas.core.permissions import has_perm


def _panel(request, record_type: str, record_id: int, error: str = "", status: int = 200):
    instance, attachments = selectors.attachments_of(request.user, record_type, record_id, include_withdrawn=True)
    module = records.get_type(record_type).module
    return render(
        request,
        "files/_panel.html",
        {
            "attachments": attachments,
            "record_type": record_type,
            "record_id": instance.pk,
            "error": error,
            "can_attach": has_perm(request.user, module, "edit", getattr(instance, "site_id", None)),
            "max_mb": services.max_upload_bytes() // (1024 * 1024),
        },
        status=status,
    )


@login_required
def panel(request, record_type: str, record_id: int):
    return _panel(request, record_type, record_id)


@login_required
@require_POST
def upload(request, record_type: str, record_id: int):
    instance = records.resolve(request.user, record_type, record_id)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _panel(request, record_type, record_id, "Choose a file to attach.")
    try:
        services.attachment_add(
            actor=request.user,
            instance=instance,
            uploaded_file=uploaded,
            description=request.POST.get("description", ""),
        )
    except ValidationError as exc:
        return _panel(request, record_type, record_id, " ".join(exc.messages))
    except PermissionDenied as exc:
        return _panel(request, record_type, record_id, str(exc) or "You may not attach files here.")
    return _panel(request, record_type, record_id)


@login_required
@require_POST
def withdraw(request, attachment_id: int):
    attachment = selectors.attachment_get(request.user, attachment_id)
    try:
        services.attachment_withdraw(actor=request.user, attachment=attachment, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _panel(request, attachment.record_type, attachment.record_id, " ".join(exc.messages))
    return _panel(request, attachment.record_type, attachment.record_id)


def download_response(attachment) -> HttpResponse:
    try:
        data = services.attachment_open(attachment)
    except services.AttachmentCorrupted as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def download(request, attachment_id: int):
    return download_response(selectors.attachment_get(request.user, attachment_id))
