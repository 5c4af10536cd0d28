import datetime as dt

from ninja import Field, Router, Schema, Status

from qualitas.core import records
from qualitas.core.api_types import BodySchema, PathId
from qualitas.core.links import selectors, services
from qualitas.core.links.models import KINDS

router = Router(tags=["links"])


class LinkOut(Schema):
    id: int
    kind: str
    phrase: str
    record_type: str
    record_id: str
    label: str
    note: str
    created_at: dt.datetime


class LinkIn(BodySchema):
    source_type: str = Field(..., max_length=100)
    source_id: int = Field(..., ge=1, le=2**62)
    target_type: str = Field(..., max_length=100)
    target_id: int = Field(..., ge=1, le=2**62)
    kind: str = Field(..., max_length=20, description=", ".join(KINDS))
    note: str = Field("", max_length=500)


class LinkCreated(Schema):
    id: int
    kind: str


class RemoveIn(BodySchema):
    reason: str = Field(..., min_length=1, max_length=2000)


@router.get(
    "/records/{record_type}/{record_id}/links",
    response=list[LinkOut],
    summary="Records linked to this one (both directions, only those you may see)",
)
def record_links(request, record_type: str, record_id: PathId):
    instance = records.resolve(request.auth, record_type, record_id)
    return [
        {
            "id": row["link"].pk,
            "kind": row["link"].kind,
            "phrase": row["phrase"],
            "record_type": records.key_for(row["record"]),
            "record_id": str(row["record"].pk),
            "label": str(row["record"]),
            "note": row["link"].note,
            "created_at": row["link"].created_at,
        }
        for row in selectors.related(request.auth, instance)["rows"]
    ]


@router.post("/links", response={201: LinkCreated}, summary="Link two records (audited on both)")
def create_link(request, payload: LinkIn):
    source = records.resolve(request.auth, payload.source_type, payload.source_id)
    target = records.resolve(request.auth, payload.target_type, payload.target_id)
    link = services.link_create(actor=request.auth, source=source, target=target, kind=payload.kind, note=payload.note)
    return Status(201, {"id": link.pk, "kind": link.kind})


@router.post(
    "/links/{link_id}/remove", response=LinkCreated, summary="Remove a link with a reason (kept in the history)"
)
def remove_link(request, link_id: PathId, payload: RemoveIn):
    link = selectors.link_get(request.auth, link_id)
    records.resolve(request.auth, link.source_type, link.source_id)
    services.link_remove(actor=request.auth, link=link, reason=payload.reason)
    return {"id": link.pk, "kind": link.kind}
