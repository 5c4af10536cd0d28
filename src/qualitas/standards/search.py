from __future__ import annotations

from django.urls import reverse

from qualitas.core.permissions import has_perm
from qualitas.core.registry import SearchHit
from qualitas.standards.models import Clause


def search_clauses(user, query: str, limit: int):
    if not has_perm(user, "standards", "view"):
        return []
    matches = Clause.objects.select_related("edition__standard").filter(title__icontains=query)
    if query[:1].isdigit():
        matches = matches | Clause.objects.select_related("edition__standard").filter(number=query)
    return [
        SearchHit(
            title=f"{clause.edition} §{clause.number} {clause.title}",
            url=reverse("standards:edition", args=[clause.edition.slug]) + f"#clause-{clause.number}",
            module="Standards",
            kind="Clause",
            score=2.0 if clause.number == query else 1.0,
        )
        for clause in matches.order_by("sort_key")[:limit]
    ]
