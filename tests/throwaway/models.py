from django.db import models

from qualitas.core.regulated import RegulatedModel


class Suggestion(RegulatedModel):
    title = models.CharField(max_length=200)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        app_label = "throwaway"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"SUG-{self.pk} {self.title}"
