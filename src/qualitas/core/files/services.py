"""Attachments: checked by content against an allow-list, stored under generated names, hashed,
served only through a permission-checked view, and audited."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from qualitas.core import records
from qualitas.core.audit import covered
from qualitas.core.audit.services import record
from qualitas.core.files import sniff
from qualitas.core.files.models import Attachment
from qualitas.core.permissions import authorize

logger = logging.getLogger(__name__)


class AttachmentCorrupted(Exception):
    """The stored bytes no longer match the SHA-256 recorded at upload."""


def max_upload_bytes() -> int:
    try:
        megabytes = int(os.environ.get("QUALITAS_MAX_UPLOAD_MB", "25"))
    except ValueError:
        megabytes = 25
    return megabytes * 1024 * 1024


def display_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or "file"
    return name[:255]


def _check_edit(actor, instance) -> None:
    record_type = records.type_for(instance)
    if record_type is None:
        raise ValidationError("Files can only be attached to registered records.")
    records.resolve(actor, record_type.key, instance.pk)
    authorize(actor, record_type.module, "edit", getattr(instance, "site_id", None))


def attachment_add(*, actor, instance, uploaded_file, description: str = "") -> Attachment:
    _check_edit(actor, instance)
    limit = max_upload_bytes()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError({"file": f"The file is larger than the {limit // (1024 * 1024)} MB limit."})
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than the {limit // (1024 * 1024)} MB limit."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    name = display_name(getattr(uploaded_file, "name", ""))
    content_type = sniff.detect(data, name)
    if content_type is None:
        allowed = ", ".join(sorted(set(sniff.ALLOWED.values())))
        raise ValidationError(
            {"file": f"{name}: this kind of file is not accepted (its content is not one of: {allowed})."}
        )
    digest = hashlib.sha256(data).hexdigest()
    token = uuid.uuid4().hex
    stored_name = f"attachments/{token[:2]}/{token[2:4]}/{token}"
    saved = default_storage.save(stored_name, ContentFile(data))
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                record_type=records.key_for(instance),
                record_id=str(instance.pk),
                original_name=name,
                stored_name=saved,
                content_type=content_type,
                size=len(data),
                sha256=digest,
                description=(description or "")[:500],
                uploaded_by=actor,
            )
            record(
                actor,
                "attach",
                "files.attached",
                instance=instance,
                changes={"attachment": [None, f"{name} ({len(data)} bytes, sha256 {digest[:16]}…)"]},
            )
            covered.record_row(actor, "attach", "files.attachment_saved", attachment)
    except Exception:
        default_storage.delete(saved)  # no orphan file when the row or the event cannot be written
        raise
    return attachment


@transaction.atomic
def attachment_withdraw(*, actor, attachment: Attachment, reason: str) -> Attachment:
    instance = records.resolve(actor, attachment.record_type, attachment.record_id)
    _check_edit(actor, instance)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the attachment is withdrawn."})
    if attachment.withdrawn_at:
        raise ValidationError("The attachment is already withdrawn.")
    before = covered.row_state(attachment)
    attachment.withdrawn_at = timezone.now()
    attachment.withdrawn_by = actor
    attachment.withdrawal_reason = reason.strip()
    attachment.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    record(
        actor,
        "attach",
        "files.withdrawn",
        instance=instance,
        reason=reason.strip(),
        changes={"attachment": [attachment.original_name, "withdrawn"]},
    )
    covered.record_row(actor, "attach", "files.attachment_saved", attachment, before=before, reason=reason.strip())
    return attachment


def attachment_open(attachment: Attachment) -> bytes:
    """The stored bytes, verified against the SHA-256 taken at upload."""
    with default_storage.open(attachment.stored_name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        logger.error("attachment %s (%s) does not match its SHA-256", attachment.pk, attachment.stored_name)
        raise AttachmentCorrupted(f"{attachment.original_name} was altered in storage and is not served.")
    return data
