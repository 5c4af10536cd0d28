import datetime as dt
from typing import Literal

from ninja import Router, Schema
from ninja.pagination import paginate

from qualitas.core.api_types import Pagination, PatchSchema, PathId
from qualitas.core.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    url: str
    kind: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    emailed_at: dt.datetime | None


class MarkedOut(Schema):
    marked: int


class PreferenceIn(PatchSchema):
    delivery: Literal["immediate", "digest"]
    email: bool


class PreferenceOut(Schema):
    delivery: str
    email: bool


@router.get("/notifications", response=list[NotificationOut], summary="Your notifications, newest first")
@paginate(Pagination)
def list_notifications(request, unread: bool = False):
    return selectors.notification_list(request.auth, unread_only=unread)


@router.post("/notifications/read-all", response=MarkedOut, summary="Mark all your notifications as read")
def mark_all_read(request):
    return {"marked": services.notifications_mark_all_read(actor=request.auth)}


@router.get("/notifications/preferences", response=PreferenceOut, summary="How you receive notifications")
def get_preferences(request):
    return services.preference_for(request.auth)


@router.put("/notifications/preferences", response=PreferenceOut, summary="Set how you receive notifications")
def put_preferences(request, payload: PreferenceIn):
    return services.preference_update(actor=request.auth, user=request.auth, **payload.dict())


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark a notification read")
def mark_read(request, notification_id: PathId):
    notification = selectors.notification_get(request.auth, notification_id)
    return services.notification_mark_read(actor=request.auth, notification=notification)
