import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from qualitas.core.api_types import Date, Pagination, PathId, QueryId
from qualitas.core.audit import selectors

router = Router(tags=["audit trail"])


class AuditEventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    source: str
    token_id: int | None
    client_address: str
    action: str
    event: str
    record_type: str
    record_id: str
    record_version: int | None
    record_label: str
    changes: dict
    reason: str
    content_hash: str
    hash: str

    @staticmethod
    def resolve_changes(obj) -> dict:
        return obj.changes_dict


@router.get("/audit/events", response=list[AuditEventOut], summary="The audit trail, filtered")
@paginate(Pagination)
def list_events(
    request,
    record_type: str = "",
    record_id: str = "",
    user_id: QueryId = None,
    since: Date | None = None,
    until: Date | None = None,
    action: str = "",
):
    return selectors.trail(
        request.auth,
        record_type=record_type,
        record_id=record_id,
        user_id=user_id,
        since=since,
        until=until,
        action=action,
    )


@router.get(
    "/records/{record_type}/{record_id}/export",
    response=dict,
    summary="The record with metadata, links, attachments, signatures and history (21 CFR 11.10(b))",
)
def record_export(request, record_type: str, record_id: PathId):
    from qualitas.core.audit.record_export import export_data

    return export_data(request.auth, record_type, record_id)[1]


@router.get("/records/{record_type}/{record_id}/history", response=list[AuditEventOut], summary="History of one record")
def record_history(request, record_type: str, record_id: PathId):
    return selectors.history(request.auth, record_type, record_id)
