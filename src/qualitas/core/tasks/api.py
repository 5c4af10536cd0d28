import datetime as dt
from typing import Literal

from ninja import Router, Schema
from ninja.pagination import paginate

from qualitas.core.api_types import BodySchema, Pagination, PathId
from qualitas.core.readcache import remembered
from qualitas.core.tasks import selectors, services

router = Router(tags=["tasks"])


class TaskOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    status: str
    assignee_id: int
    assignee_name: str
    record_type: str
    record_id: str
    record_label: str
    url: str
    due: dt.date | None
    overdue: bool
    manual_completion: bool
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by_id: int | None
    completion_note: str

    @staticmethod
    def resolve_assignee_name(obj) -> str:
        return obj.assignee.display_name

    @staticmethod
    def resolve_url(obj) -> str:
        return services.task_url(obj)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()


class CompleteIn(BodySchema):
    note: str = ""


@router.get("/tasks", response=list[TaskOut], summary="Your tasks, earliest due first")
@remembered
@paginate(Pagination)
def list_tasks(request, status: Literal["open", "done", "cancelled", "all"] = "open"):
    return selectors.my_tasks(request.auth, status=status)


@router.post("/tasks/{task_id}/complete", response=TaskOut, summary="Mark one of your tasks done")
def complete_task(request, task_id: PathId, payload: CompleteIn | None = None):
    task = selectors.task_get(request.auth, task_id)
    return services.task_complete(actor=request.auth, task=task, note=payload.note if payload else "")
