"""API for actions: list/filter, create (optionally on a parent record), edit, complete with
evidence, reopen and cancel with a reason."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Site
from qualitas.actions import selectors, services
from qualitas.actions.models import Action
from qualitas.core import records
from qualitas.core.api_types import BodySchema, Date, Id, Pagination, PatchSchema, PathId
from qualitas.core.api_types import active_user as _user

router = Router(tags=["actions"])


class ActionOut(Schema):
    id: int
    number: str
    title: str
    description: str
    kind: str
    status: str
    owner_id: int
    owner_name: str = Field(..., alias="owner.display_name")
    due_date: dt.date | None
    overdue: bool = Field(..., alias="is_overdue")
    parent_type: str
    parent_id: str
    parent_label: str
    site_id: int | None
    evidence: str
    completed_at: dt.datetime | None
    version: int


class ActionIn(BodySchema):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=20000)
    kind: str = Field("corrective", max_length=20)
    owner_id: Id
    due_date: Date | None = None
    site_id: Id | None = None
    parent_type: str = Field("", max_length=100, description="Record type key, e.g. capa.capa")
    parent_id: Id | None = None


class ActionPatch(PatchSchema):
    model = Action

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=20000)
    kind: str | None = Field(None, max_length=20)
    owner_id: Id | None = None
    due_date: Date | None = None


class CompleteIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    evidence: str = Field(..., min_length=1, max_length=20000)


class ReasonIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field(..., min_length=1, max_length=5000)


@router.get("/actions", response=list[ActionOut], summary="List actions (filter by status, owner, kind, parent)")
@paginate(Pagination)
def list_actions(
    request,
    status: str = "",
    owner_id: Id | None = None,
    kind: str = "",
    parent_type: str = "",
    parent_id: Id | None = None,
    overdue: bool = False,
):
    parent = records.resolve(request.auth, parent_type, parent_id) if parent_type and parent_id else None
    return selectors.action_list(
        request.auth, status=status[:20], owner_id=owner_id, kind=kind[:20], parent=parent, overdue=overdue
    )


@router.get("/actions/{action_id}", response=ActionOut, summary="One action")
def get_action(request, action_id: PathId):
    return selectors.action_get(request.auth, action_id)


@router.post("/actions", response={201: ActionOut}, summary="Raise an action (optionally on a parent record)")
def create_action(request, payload: ActionIn):
    parent = None
    if payload.parent_type or payload.parent_id:
        if not (payload.parent_type and payload.parent_id):
            raise ValidationError({"parent_id": "Give both parent_type and parent_id, or neither."})
        parent = records.resolve(request.auth, payload.parent_type, payload.parent_id)
    site = Site.objects.filter(pk=payload.site_id).first() if payload.site_id else None
    if payload.site_id and site is None:
        raise ValidationError({"site_id": "Unknown site."})
    action = services.action_create(
        actor=request.auth,
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        owner=_user(payload.owner_id),
        due_date=payload.due_date,
        parent=parent,
        site=site,
    )
    return Status(201, action)


@router.patch("/actions/{action_id}", response=ActionOut, summary="Edit an open action (audited)")
def update_action(request, action_id: PathId, payload: ActionPatch):
    action = selectors.action_get(request.auth, action_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"))
    return services.action_update(actor=request.auth, action=action, version=version, reason=reason, **data)


@router.post("/actions/{action_id}/complete", response=ActionOut, summary="Mark done with implementation evidence")
def complete_action(request, action_id: PathId, payload: CompleteIn):
    action = selectors.action_get(request.auth, action_id)
    return services.action_complete(
        actor=request.auth, action=action, evidence=payload.evidence, version=payload.version
    )


@router.post("/actions/{action_id}/reopen", response=ActionOut, summary="Reopen a done action (reason required)")
def reopen_action(request, action_id: PathId, payload: ReasonIn):
    action = selectors.action_get(request.auth, action_id)
    return services.action_reopen(actor=request.auth, action=action, reason=payload.reason, version=payload.version)


@router.post("/actions/{action_id}/cancel", response=ActionOut, summary="Cancel an open action (reason required)")
def cancel_action(request, action_id: PathId, payload: ReasonIn):
    action = selectors.action_get(request.auth, action_id)
    return services.action_cancel(actor=request.auth, action=action, reason=payload.reason, version=payload.version)
