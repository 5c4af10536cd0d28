"""Global search over nonconformities, CAPAs and complaints the user can see."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from qualitas.capa import selectors
from qualitas.core.permissions import has_perm
from qualitas.core.registry import SearchHit


def search(actor, query: str, limit: int):
    if not has_perm(actor, "capa", "view"):
        return []
    hits = []
    for nc in selectors.nonconformities_visible(actor).filter(
        Q(number__icontains=query) | Q(title__icontains=query) | Q(description__icontains=query)
    )[:limit]:
        hits.append(SearchHit(f"{nc.number} {nc.title}", reverse("capa:nc-detail", args=[nc.pk]), "capa",
                              "Nonconformity", nc.description[:160], 1.0))
    for capa in selectors.capas_visible(actor).filter(
        Q(number__icontains=query) | Q(title__icontains=query) | Q(problem__icontains=query)
    )[:limit]:
        hits.append(SearchHit(f"{capa.number} {capa.title}", reverse("capa:capa-detail", args=[capa.pk]), "capa",
                              "CAPA", capa.problem[:160], 1.0))
    for complaint in selectors.complaints_visible(actor).filter(
        Q(number__icontains=query) | Q(customer__icontains=query) | Q(description__icontains=query)
    )[:limit]:
        hits.append(SearchHit(f"{complaint.number} {complaint.customer}",
                              reverse("capa:complaint-detail", args=[complaint.pk]), "capa", "Complaint",
                              complaint.description[:160], 0.9))
    return hits[:limit]
