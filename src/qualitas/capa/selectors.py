"""Reads of the improvement loop, always scoped to what the actor may see (capa "view", by site).
People who report a nonconformity or own a record always see it."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from qualitas.capa.models import (
    Capa,
    Complaint,
    Disposition,
    EffectivenessCheck,
    Nonconformity,
    SatisfactionEntry,
    Severity,
)
from qualitas.core.permissions import has_perm, sites_for, visible_to

MODULE = "capa"


def _scoped(actor, queryset: QuerySet, *, own: Q | None = None) -> QuerySet:
    """What the actor may see: their sites' records, plus their own (`own`: conditions on the row's
    own columns or an Exists, never a join to many rows, so no DISTINCT is needed: a DISTINCT over
    every column sorts the whole table before the first page)."""
    if has_perm(actor, MODULE, "view"):
        scoped = visible_to(actor, queryset, MODULE)
        if own is None or sites_for(actor, MODULE, "view") is None:
            return scoped  # every site: their own records are among them
        return scoped | queryset.filter(own)
    if own is not None:
        return queryset.filter(own)
    return queryset.none()


def severities(actor, *, active_only: bool = True) -> QuerySet[Severity]:
    qs = Severity.objects.all()
    return qs.filter(active=True) if active_only else qs


def nonconformities_visible(actor) -> QuerySet[Nonconformity]:
    base = Nonconformity.objects.select_related("severity", "site", "process", "owner")
    return _scoped(actor, base, own=Q(created_by=actor) | Q(owner=actor))


def nonconformity_list(
    actor,
    *,
    query: str = "",
    status: str = "",
    severity: str = "",
    source: str = "",
    site_id=None,
    process_id=None,
    category: str = "",
    open_only: bool = False,
) -> QuerySet[Nonconformity]:
    ncs = nonconformities_visible(actor)
    if query:
        ncs = ncs.filter(
            Q(number__icontains=query)
            | Q(title__icontains=query)
            | Q(product__icontains=query)
            | Q(lot__icontains=query)
        )
    if status:
        ncs = ncs.filter(status=status)
    if open_only:
        ncs = ncs.filter(status__in=("open", "investigation"))
    if severity:
        ncs = ncs.filter(severity__code=severity)
    if source:
        ncs = ncs.filter(source=source)
    if category:
        ncs = ncs.filter(category=category)
    if site_id:
        ncs = ncs.filter(site_id=site_id)
    if process_id:
        ncs = ncs.filter(process_id=process_id)
    return ncs


def nonconformity_get(actor, pk) -> Nonconformity:
    nc = nonconformities_visible(actor).filter(pk=pk).first()
    if nc is None:
        raise Http404("No such nonconformity.")
    return nc


def disposition_get(actor, pk) -> Disposition:
    disposition = Disposition.objects.select_related("nonconformity", "proposed_by").filter(pk=pk).first()
    if disposition is None:
        raise Http404("No such disposition.")
    nonconformity_get(actor, disposition.nonconformity_id)
    return disposition


WORD = re.compile(r"[a-z0-9]{3,}")
STOP = {"the", "and", "for", "with", "was", "were", "not", "are", "from", "that", "this", "has", "had", "out", "into"}


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if w not in STOP}


def similar_nonconformities(
    actor,
    *,
    title: str = "",
    description: str = "",
    process_id=None,
    product: str = "",
    category: str = "",
    exclude_id=None,
    limit: int = 5,
) -> list[tuple[Nonconformity, float, list[str]]]:
    """Earlier nonconformities like this one (same process, product or category, similar words),
    best first, with the reasons they match — shown when a new one is raised (recurrence check)."""
    words = _words(f"{title} {description}")
    candidates = nonconformities_visible(actor)
    if exclude_id:
        candidates = candidates.exclude(pk=exclude_id)
    filters = Q()
    if process_id:
        filters |= Q(process_id=process_id)
    if product:
        filters |= Q(product__iexact=product)
    if category:
        filters |= Q(category__iexact=category)
    for word in sorted(words, key=len, reverse=True)[:6]:
        filters |= Q(title__icontains=word)
    if not filters:
        return []
    scored = []
    for nc in candidates.filter(filters).order_by("-detected_on")[:200]:
        reasons, score = [], 0.0
        if process_id and nc.process_id == process_id:
            reasons.append("same process")
            score += 1
        if product and nc.product.lower() == product.lower():
            reasons.append("same product")
            score += 1.5
        if category and nc.category.lower() == category.lower():
            reasons.append("same category")
            score += 1
        other = _words(f"{nc.title} {nc.description}")
        if words and other:
            overlap = len(words & other) / len(words | other)
            if overlap >= 0.1:
                reasons.append(f"similar text ({overlap:.0%})")
                score += 3 * overlap
        if reasons:
            scored.append((nc, score, reasons))
    scored.sort(key=lambda item: (-item[1], -item[0].pk))
    return scored[:limit]


def capas_visible(actor) -> QuerySet[Capa]:
    base = Capa.objects.select_related("owner", "site", "process")
    on_team = Capa.team.through.objects.filter(capa_id=OuterRef("pk"), user_id=actor.pk)
    return _scoped(actor, base, own=Q(owner=actor) | Q(Exists(on_team)))


class CapaQuerySet(QuerySet):
    """CAPAs that learn the nonconformities linked to them in one query per page, not per CAPA
    (`linked_nonconformity_ids`, read by the API schema)."""

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache and isinstance(self._result_cache[0], Capa):
            attach_nonconformity_ids(self._result_cache)


def attach_nonconformity_ids(capas) -> None:
    from qualitas.core.links.models import Link

    ids = {str(capa.pk): capa for capa in capas}
    found: dict[str, set[int]] = {pk: set() for pk in ids}
    links = Link.objects.filter(removed_at__isnull=True).filter(
        Q(source_type="capa.capa", source_id__in=ids, target_type="capa.nonconformity")
        | Q(target_type="capa.capa", target_id__in=ids, source_type="capa.nonconformity")
    )
    for link in links.only("source_type", "source_id", "target_type", "target_id"):
        if link.source_type == "capa.capa":
            found[link.source_id].add(int(link.target_id))
        else:
            found[link.target_id].add(int(link.source_id))
    for pk, capa in ids.items():
        capa.linked_nonconformity_ids = sorted(found[pk])


def capa_list(actor, *, query: str = "", status: str = "", open_only: bool = False, owner_id=None) -> QuerySet[Capa]:
    capas = capas_visible(actor)
    capas.__class__ = CapaQuerySet
    if query:
        capas = capas.filter(Q(number__icontains=query) | Q(title__icontains=query))
    if status:
        capas = capas.filter(status=status)
    if open_only:
        capas = capas.exclude(status__in=("closed", "cancelled"))
    if owner_id:
        capas = capas.filter(owner_id=owner_id)
    return capas


def capa_get(actor, pk) -> Capa:
    capa = capas_visible(actor).filter(pk=pk).first()
    if capa is None:
        raise Http404("No such CAPA.")
    return capa


def effectiveness_check_get(actor, pk) -> EffectivenessCheck:
    check = EffectivenessCheck.objects.select_related("capa").filter(pk=pk).first()
    if check is None:
        raise Http404("No such effectiveness check.")
    capa_get(actor, check.capa_id)
    return check


def linked_records(instance, record_type: str) -> list:
    """The records of `record_type` linked to `instance` (either direction), as model instances."""
    from qualitas.core.links.selectors import linked
    from qualitas.core.records import get_type

    model = get_type(record_type).model
    ids = [int(pk) for key, pk in linked(instance) if key == record_type and str(pk).isdigit()]
    return list(model.objects.filter(pk__in=ids).order_by("pk"))


def complaints_visible(actor) -> QuerySet[Complaint]:
    return _scoped(actor, Complaint.objects.select_related("owner", "site"), own=Q(owner=actor))


def complaint_list(actor, *, query: str = "", status: str = "", open_only: bool = False) -> QuerySet[Complaint]:
    complaints = complaints_visible(actor)
    if query:
        complaints = complaints.filter(
            Q(number__icontains=query) | Q(customer__icontains=query) | Q(product__icontains=query)
        )
    if status:
        complaints = complaints.filter(status=status)
    if open_only:
        complaints = complaints.exclude(status__in=("closed", "rejected"))
    return complaints


def complaint_get(actor, pk) -> Complaint:
    complaint = complaints_visible(actor).filter(pk=pk).first()
    if complaint is None:
        raise Http404("No such complaint.")
    return complaint


def satisfaction_list(actor) -> QuerySet[SatisfactionEntry]:
    return _scoped(actor, SatisfactionEntry.objects.select_related("site"))


def satisfaction_get(actor, pk) -> SatisfactionEntry:
    entry = satisfaction_list(actor).filter(pk=pk).first()
    if entry is None:
        raise Http404("No such satisfaction entry.")
    return entry
