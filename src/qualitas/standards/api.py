from ninja import Router, Schema

from qualitas.standards import selectors

router = Router(tags=["standards"])


class EditionOut(Schema):
    slug: str
    standard: str
    title: str
    year: str
    current: bool
    clause_count: int

    @staticmethod
    def resolve_standard(obj) -> str:
        return obj.standard.code

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.standard.title


class ClauseOut(Schema):
    id: int
    edition: str
    number: str
    title: str
    parent: str | None
    harmonized: str | None

    @staticmethod
    def resolve_edition(obj) -> str:
        return str(obj.edition)

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.number.rsplit(".", 1)[0] if "." in obj.number else None

    @staticmethod
    def resolve_harmonized(obj) -> str | None:
        return obj.harmonized.number if obj.harmonized_id else None


class CorrespondenceOut(Schema):
    harmonized: str
    topic: str
    clauses: dict[str, str | None]


@router.get("/standards", response=list[EditionOut], summary="Editions in the clause library")
def list_editions(request):
    return selectors.edition_list(request.auth)


@router.get(
    "/standards/correspondence",
    response=list[CorrespondenceOut],
    summary="Annex SL correspondence between the current editions",
)
def correspondence(request):
    editions = selectors.current_editions(request.auth)
    return [
        {
            "harmonized": row["topic"].number,
            "topic": row["topic"].topic,
            "clauses": {
                str(edition): (clause.number if clause else None)
                for edition, clause in zip(editions, row["clauses"], strict=True)
            },
        }
        for row in selectors.correspondence(request.auth)
    ]


@router.get("/standards/{slug}/clauses", response=list[ClauseOut], summary="Clauses of one edition")
def list_clauses(request, slug: str):
    edition = selectors.edition_get(request.auth, slug)
    return selectors.clause_list(request.auth, edition)
