"""Clause catalogues per standard and edition, and the Annex SL harmonized structure."""

from __future__ import annotations

from django.db import models


class Standard(models.Model):
    code = models.CharField(max_length=30, unique=True)  # "ISO 9001"
    title = models.CharField(max_length=300)
    discipline = models.CharField(max_length=30)  # quality, environment, ohs, …

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Edition(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="editions")
    year = models.CharField(max_length=10)
    current = models.BooleanField(default=True)
    harmonized_structure = models.BooleanField(default=True)

    class Meta:
        ordering = ["standard__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["standard", "year"], name="standards_edition_unique")]

    def __str__(self) -> str:
        return f"{self.standard.code}:{self.year}"

    @property
    def label(self) -> str:
        return str(self)

    @property
    def slug(self) -> str:
        return f"{self.standard.code.replace('ISO ', 'iso').replace(' ', '').lower()}-{self.year}"


class HarmonizedClause(models.Model):
    """A topic of the Annex SL harmonized structure shared by the management-system standards."""

    number = models.CharField(max_length=20, unique=True)
    topic = models.CharField(max_length=300)
    sort_key = models.CharField(max_length=60, db_index=True)

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.number} {self.topic}"


class Clause(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="clauses")
    number = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    depth = models.PositiveSmallIntegerField(default=1)
    sort_key = models.CharField(max_length=60, db_index=True)
    harmonized = models.ForeignKey(
        HarmonizedClause, null=True, blank=True, on_delete=models.SET_NULL, related_name="clauses"
    )
    summary = models.TextField(blank=True, help_text="What the clause asks for, in our own words.")

    class Meta:
        ordering = ["edition", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["edition", "number"], name="standards_clause_unique")]

    def __str__(self) -> str:
        return f"{self.edition} {self.number} {self.title}"

    @property
    def reference(self) -> str:
        return f"{self.edition} §{self.number}"


def sort_key(number: str) -> str:
    """ "10.2" sorts after "9.3": each part zero-padded."""
    return ".".join(part.zfill(3) for part in number.split("."))
