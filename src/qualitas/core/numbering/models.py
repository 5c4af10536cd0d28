from __future__ import annotations

from django.db import models

from qualitas.core.regulated import RegulatedModel


class NumberingScheme(RegulatedModel):
    """How identifiers of one record type are formed, e.g. "NC-{year}-{seq:04d}" (configurable, audited)."""

    RESETS = [("yearly", "Every year"), ("never", "Never")]

    key = models.CharField(max_length=100, unique=True)
    pattern = models.CharField(max_length=100)
    module = models.CharField(max_length=50, help_text="Permission module whose administrators may change it.")
    reset = models.CharField(max_length=10, choices=RESETS, default="yearly")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.pattern}"


class NumberCounter(models.Model):
    """The last number issued in one scope (scheme + period + keyword tokens)."""

    scheme = models.ForeignKey(NumberingScheme, on_delete=models.PROTECT, related_name="counters")
    scope = models.CharField(max_length=200)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "scope"], name="numbering_counter_scope_unique")]

    def __str__(self) -> str:
        return f"{self.scheme.key} [{self.scope}] = {self.last}"
