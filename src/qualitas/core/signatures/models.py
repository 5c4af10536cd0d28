"""Electronic signatures (21 CFR 11.50, 11.70, 11.200) and the signature-policy attestation (11.10(j))."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MEANINGS = [
    ("authored", "Authored"),
    ("reviewed", "Reviewed"),
    ("approved", "Approved"),
    ("verified", "Verified"),
    ("responsible", "Responsible"),
    ("released", "Released"),
    ("read-and-understood", "Read and understood"),
    ("rejected", "Rejected"),
    ("trained", "Trained"),  # a person completes a training (a quiz passed, a session attended)
    ("assessed", "Assessed as competent"),  # a qualified assessor signs an on-the-job assessment
    ("training-impact", "Training impact decided"),  # what retraining a document change needs
]

POLICY_VERSION = "1"
POLICY_TEXT = (
    "I understand that my electronic signature in Qualitas is the legally binding equivalent of my handwritten "
    "signature. I will not share my password or second factor, I will sign only records I have reviewed, and "
    "each signature states its meaning (for example authored, reviewed, approved). Signatures are bound to "
    "the exact content signed and are recorded in the audit trail with my name, the date and time, and the "
    "meaning."
)


class Signature(models.Model):
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    record_version = models.PositiveIntegerField()
    record_label = models.CharField(max_length=300)
    content_hash = models.CharField(max_length=64, help_text="Hash of the signed content (without workflow state).")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    signer_name = models.CharField(max_length=300, help_text="Printed name at the time of signing.")
    signer_username = models.CharField(max_length=150)
    meaning = models.CharField(max_length=30, choices=MEANINGS)
    signed_at = models.DateTimeField()
    comment = models.TextField(blank=True)
    transition = models.CharField(max_length=50, blank=True)
    manifest_hash = models.CharField(max_length=64, help_text="Binds signer, meaning, time and content.")

    # The stored row the audit trail vouches for (qualitas.core.audit.covered); keep this list stable.
    AUDIT_HASHED_FIELDS = (
        "record_type", "record_id", "record_version", "record_label", "content_hash", "signer_id", "signer_name",
        "signer_username", "meaning", "signed_at", "comment", "transition", "manifest_hash",
    )

    class Meta:
        ordering = ["signed_at", "pk"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="signature_record_idx")]

    def __str__(self) -> str:
        return f"{self.signer_name} – {self.get_meaning_display()} – {self.record_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Signatures cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Signatures cannot be deleted.")

    # Set by selectors.signatures_of(); True until checked.
    is_valid: bool = True
    invalid_reason: str = ""


class PolicyAcknowledgement(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signature_policy_acks")
    policy_version = models.CharField(max_length=20)
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "policy_version"], name="signature_policy_ack_unique")]

    def __str__(self) -> str:
        return f"{self.user} acknowledged policy v{self.policy_version}"
