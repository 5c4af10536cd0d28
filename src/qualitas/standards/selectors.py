from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from qualitas.core.permissions import authorize
from qualitas.standards.models import Clause, Edition, HarmonizedClause


def edition_list(actor) -> QuerySet[Edition]:
    authorize(actor, "standards", "view")
    return Edition.objects.select_related("standard").annotate(clause_count=Count("clauses"))


def edition_get(actor, slug: str) -> Edition:
    for edition in edition_list(actor):
        if edition.slug == slug:
            return edition
    from django.http import Http404

    raise Http404("No such edition.")


def clause_list(actor, edition: Edition | None = None, query: str = "") -> QuerySet[Clause]:
    authorize(actor, "standards", "view")
    queryset = Clause.objects.select_related("edition__standard", "harmonized")
    if edition is not None:
        queryset = queryset.filter(edition=edition)
    if query:
        queryset = queryset.filter(title__icontains=query) | queryset.filter(number__startswith=query)
    return queryset.order_by("edition__standard__code", "sort_key")


def clause_get(actor, clause_id: int) -> Clause:
    return get_object_or_404(clause_list(actor), pk=clause_id)


def correspondence(actor) -> list[dict]:
    """The Annex SL table: each harmonized topic with the matching clause of every current edition."""
    authorize(actor, "standards", "view")
    editions = list(Edition.objects.filter(current=True).select_related("standard"))
    topics = HarmonizedClause.objects.prefetch_related(
        Prefetch("clauses", queryset=Clause.objects.select_related("edition__standard"))
    )
    table = []
    for topic in topics:
        by_edition = {clause.edition_id: clause for clause in topic.clauses.all()}
        table.append({"topic": topic, "clauses": [by_edition.get(edition.pk) for edition in editions]})
    return table


def current_editions(actor) -> list[Edition]:
    authorize(actor, "standards", "view")
    return list(Edition.objects.filter(current=True).select_related("standard"))
