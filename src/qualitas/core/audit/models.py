"""The append-only, hash-chained audit trail (21 CFR 11.10(e), P11-A/P11-E).

Rows are inserted only by `qualitas.core.audit.services.record`; database triggers refuse UPDATE and
DELETE. Each event's hash covers its own fields and the previous event's hash, so removing or
editing any event breaks the chain from there on; `content_hash` is the hash of the record's state
after the change, so a change made to the record itself behind the application's back shows too.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models

ACTIONS = [
    ("create", "Create"),
    ("update", "Update"),
    ("transition", "Status change"),
    ("sign", "Signature"),
    ("sign-failure", "Failed signature"),
    ("link", "Link"),
    ("unlink", "Unlink"),
    ("attach", "Attachment"),
    ("login", "Sign-in"),
    ("logout", "Sign-out"),
    ("login-failure", "Failed sign-in"),
    ("permission-denied", "Permission denied"),
    ("export", "Export"),
    ("acknowledge", "Acknowledgment"),
    ("configure", "Configuration"),
    ("job", "Scheduled job"),
]

SOURCES = [
    ("web", "Web"),
    ("api", "API"),
    ("cli", "Command line"),
    ("job", "Scheduled job"),
    ("import", "Import"),
    ("system", "System"),
]


class AuditEvent(models.Model):
    sequence = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=SOURCES)
    token_id = models.BigIntegerField(null=True, blank=True)
    client_address = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, choices=ACTIONS)
    event = models.CharField(max_length=100)
    record_type = models.CharField(max_length=100, blank=True, db_index=True)
    record_id = models.CharField(max_length=64, blank=True)
    record_version = models.IntegerField(null=True, blank=True)
    record_label = models.CharField(max_length=300, blank=True)
    changes = models.TextField(blank=True, default="")
    reason = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["record_type", "record_id", "sequence"], name="audit_record_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event} {self.record_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    @property
    def changes_dict(self) -> dict:
        return json.loads(self.changes) if self.changes else {}

    @property
    def change_rows(self) -> list[dict]:
        return [{"field": field, "old": values[0], "new": values[1]} for field, values in self.changes_dict.items()]


class AuditHead(models.Model):
    """The last sequence number and hash: a one-row table locked to append to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.sequence}"
