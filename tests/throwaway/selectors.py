from django.http import Http404

from qualitas.core.permissions import visible_to
from qualitas.core.registry import SearchHit
from tests.throwaway.models import Suggestion


def suggestions_visible(actor):
    return visible_to(actor, Suggestion.objects.select_related("site"), "suggestions")


def suggestion_get(actor, pk) -> Suggestion:
    suggestion = suggestions_visible(actor).filter(pk=pk).first()
    if suggestion is None:
        raise Http404("No such suggestion.")
    return suggestion


def search(actor, query: str, limit: int):
    return [
        SearchHit(str(s), f"/suggestions/{s.pk}/", "suggestions", "Suggestion", score=1.0)
        for s in suggestions_visible(actor).filter(title__icontains=query)[:limit]
    ]
