from __future__ import annotations

from django.conf import settings
from django.db import models


class Attachment(models.Model):
    """A file on a record. Immutable: never replaced or deleted; it may be withdrawn with a reason."""

    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    # The stored row the audit trail vouches for (qualitas.core.audit.covered), and `sha256` the file;
    # keep this list stable.
    AUDIT_HASHED_FIELDS = (
        "record_type", "record_id", "original_name", "stored_name", "content_type", "size", "sha256", "description",
        "uploaded_by_id", "uploaded_at", "withdrawn_at", "withdrawn_by_id", "withdrawal_reason",
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="attachment_record_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def kind_label(self) -> str:
        from qualitas.core.files.sniff import ALLOWED

        return ALLOWED.get(self.content_type, self.content_type)
