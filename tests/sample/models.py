from django.conf import settings
from django.db import models

from qualitas.core.regulated import RegulatedModel


class SampleRecord(RegulatedModel):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, default="draft")
    approved_at = models.DateTimeField(null=True, blank=True)

    REASON_REQUIRED_STATES = ("approved", "effective")
    SIGNATURE_EXCLUDE = ("approved_at",)

    class Meta:
        app_label = "sample"

    def __str__(self) -> str:
        return f"SR-{self.pk} {self.title}"
