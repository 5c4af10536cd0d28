from __future__ import annotations

from django.http import Http404

from qualitas.core import records
from qualitas.core.files.models import Attachment


def attachments_of(actor, record_type: str, record_id, include_withdrawn: bool = False):
    instance = records.resolve(actor, record_type, record_id)
    attachments = Attachment.objects.filter(record_type=record_type, record_id=str(instance.pk))
    if not include_withdrawn:
        attachments = attachments.filter(withdrawn_at__isnull=True)
    return instance, attachments.select_related("uploaded_by")


def attachment_get(actor, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    records.resolve(actor, attachment.record_type, attachment.record_id)  # 404 when the record is hidden
    return attachment


def export_section(instance, actor=None) -> list[dict]:
    """The record's attachments for the generic record export (P11-B)."""
    return [
        {
            "name": a.original_name,
            "type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "uploaded_by": a.uploaded_by.display_name,
            "uploaded_at": a.uploaded_at.isoformat(),
            "withdrawn": bool(a.withdrawn_at),
        }
        for a in Attachment.objects.filter(record_type=records.key_for(instance), record_id=str(instance.pk))
    ]
