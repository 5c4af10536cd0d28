"""Helpers every module's views share to report a service's refusal on a form or as a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.regulated import StaleVersion


def form_errors(form, exc: Exception) -> None:
    """Put a service's refusal on the form: field errors next to their fields, the rest on top."""
    if isinstance(exc, StaleVersion | PermissionDenied):
        form.add_error(None, str(exc) or "You do not have permission for this.")
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(exc, "messages", [str(exc)]))


def apply(request, write, success: str) -> bool:
    """Run a service for a small POST form; report the outcome as a message on the next page."""
    try:
        write()
    except (ValidationError, PermissionDenied, StaleVersion) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return False
    messages.success(request, success)
    return True
