from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from qualitas.accounts.models import Process
from qualitas.core.permissions import has_perm, visible_to
from qualitas.core.registry import SearchHit


def search_organisation(user, query: str, limit: int):
    if not has_perm(user, "organisation", "view"):
        return []
    processes = visible_to(user, Process.objects.all(), "organisation").filter(
        Q(code__icontains=query) | Q(name__icontains=query) | Q(purpose__icontains=query)
    )
    return [
        SearchHit(
            title=f"{process.code} {process.name}",
            url=reverse("organisation:process", args=[process.pk]),
            module="Organisation",
            kind="Process",
            snippet=process.purpose[:160],
            score=2.0 if query.lower() in process.name.lower() else 1.0,
        )
        for process in processes[:limit]
    ]
