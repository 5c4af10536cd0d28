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
            kind="Document",
            detail=detail(hit),
            snippet=hit["snippet"],
            score=3.0 + hit["score"],
        )
        for hit in selectors.search(user, query, limit=limit)
    ]


def detail(hit: dict) -> str:
    """"Procedure (SOP) · rev 3 effective", or "rev 1 draft, not yet in force", and where the words were
    found when that is another revision."""
    revision, matched = hit["revision"], hit["matched_revision"]
    text = f"{hit['document'].doc_type.name} · rev {revision.label} {revision.get_status_display().lower()}"
    if not hit["in_force"] and revision.status != "obsolete":
        text += ", not yet in force"
    if hit["found_elsewhere"]:
        text += f" · found in rev {matched.label} ({matched.get_status_display().lower()})"
    return text
