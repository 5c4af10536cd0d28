from __future__ import annotations

from django.conf import settings
from django.db import models

# kind: (phrase on the source, phrase on the target)
KINDS = {
    "raised_from": ("raised from", "raised"),
    "caused_by": ("caused by", "causes"),
    "addresses": ("addresses", "addressed by"),
    "supersedes": ("supersedes", "superseded by"),
    "evidence_for": ("is evidence for", "evidenced by"),
    "verifies": ("verifies", "verified by"),
    "relates_to": ("relates to", "relates to"),
}
KIND_CHOICES = [(key, phrases[0]) for key, phrases in KINDS.items()]


class Link(models.Model):
    """A typed link between two records of any kind: the thread of the closed loop
    (finding → nonconformity → CAPA → document change → retraining). Removed links stay, marked."""

    source_type = models.CharField(max_length=100)
    source_id = models.CharField(max_length=64)
    source_label = models.CharField(max_length=300)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.TextField(blank=True)

    # The stored row the audit trail vouches for (qualitas.core.audit.covered); keep this list stable.
    AUDIT_HASHED_FIELDS = (
        "source_type", "source_id", "source_label", "target_type", "target_id", "target_label", "kind", "note",
        "created_by_id", "created_at", "removed_at", "removed_by_id", "removal_reason",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="link_source_idx"),
            models.Index(fields=["target_type", "target_id"], name="link_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "target_type", "target_id", "kind"],
                condition=models.Q(removed_at__isnull=True),
                name="link_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_label} {KINDS[self.kind][0]} {self.target_label}"
