from ninja import Router, Schema

from tests.throwaway import selectors

router = Router(tags=["suggestions (test module)"])


class SuggestionOut(Schema):
    id: int
    title: str
    site: str | None


@router.get("/suggestions", response=list[SuggestionOut], summary="List suggestions (test module)")
def suggestion_list(request):
    return [{"id": s.pk, "title": s.title, "site": s.site.code if s.site else None}
            for s in selectors.suggestions_visible(request.user)]
