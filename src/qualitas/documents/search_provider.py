from __future__ import annotations

from django.urls import reverse

from qualitas.core.permissions import has_perm
from qualitas.core.registry import SearchHit


def search_documents(user, query: str, limit: int):
    from qualitas.documents import selectors

    if not has_perm(user, "documents", "view"):
        return []
    return [
        SearchHit(
            title=f"{hit['document'].number} {hit['document'].title}",
            url=reverse("documents:revision", args=[hit["document"].pk, hit["revision"].pk]),
            module="Documents",
            kind=f"{hit['document'].doc_type.name} · rev {hit['revision'].label}",
            snippet=hit["snippet"],
            score=3.0 + hit["score"],
        )
        for hit in selectors.search(user, query, limit=limit)
    ]
