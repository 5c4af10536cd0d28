"""The training API: positions, holdings, requirements, curricula, assignments, records and the matrix."""

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Department, Process, Site
from qualitas.core.api_types import Id, Pagination, PathId, QueryId, active_user, referenced
from qualitas.training import schemas, selectors, services

router = Router(tags=["training"])


def _site(pk):
    return referenced(Site, pk, "site_id")


def _department(pk):
    return referenced(Department, pk, "department_id")


def _processes(ids) -> list:
    found = list(Process.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"process_ids": "Unknown process."})
    return found


def _document(pk):
    from qualitas.documents.models import Document

    return referenced(Document, pk, "document_id")


def _requirements(request, ids) -> list:
    found = list(selectors.requirements_visible(request.auth).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"requirement_ids": "Unknown requirement."})
    return found


# --- Positions ---------------------------------------------------------------------------------------------


@router.get("/training/positions", response=list[schemas.PositionOut], summary="List positions (job roles)")
@paginate(Pagination)
def list_positions(request, site_id: QueryId = None, active: bool | None = True):
    return selectors.position_list(request.auth, site_id=site_id, active=active)


@router.get("/training/positions/{position_id}", response=schemas.PositionOut, summary="One position")
def get_position(request, position_id: PathId):
    return selectors.position_get(request.auth, position_id)


@router.post("/training/positions", response={201: schemas.PositionOut}, summary="Create a position")
def create_position(request, payload: schemas.PositionIn):
    position = services.position_create(
        actor=request.auth, code=payload.code, name=payload.name, site=_site(payload.site_id),
        department=_department(payload.department_id), description=payload.description,
        processes=_processes(payload.process_ids),
    )
    return Status(201, position)


@router.patch("/training/positions/{position_id}", response=schemas.PositionOut, summary="Edit a position (audited)")
def update_position(request, position_id: PathId, payload: schemas.PositionPatch):
    position = selectors.position_get(request.auth, position_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    processes = _processes(data.pop("process_ids")) if "process_ids" in data else None
    if "site_id" in data:
        data["site"] = _site(data.pop("site_id"))
    if "department_id" in data:
        data["department"] = _department(data.pop("department_id"))
    return services.position_update(actor=request.auth, position=position, version=version, reason=reason,
                                    processes=processes, **data)


# --- Holdings ----------------------------------------------------------------------------------------------


@router.get("/training/holdings", response=list[schemas.HoldingOut], summary="Who holds which position")
@paginate(Pagination)
def list_holdings(request, person_id: QueryId = None, position_id: QueryId = None, current: bool | None = None):
    return selectors.holding_list(request.auth, person_id=person_id, position_id=position_id, current=current)


@router.get("/training/holdings/{holding_id}", response=schemas.HoldingOut, summary="One position held")
def get_holding(request, holding_id: PathId):
    return selectors.holding_get(request.auth, holding_id)


@router.post("/training/holdings", response={201: schemas.HoldingOut},
             summary="A person takes a position (its training is assigned)")
def create_holding(request, payload: schemas.HoldingIn):
    holding = services.holding_start(
        actor=request.auth, person=active_user(payload.person_id, "person_id"),
        position=selectors.position_get(request.auth, payload.position_id), start_date=payload.start_date,
        site=_site(payload.site_id),
    )
    return Status(201, holding)


@router.patch("/training/holdings/{holding_id}", response=schemas.HoldingOut,
              summary="Correct the start date, or record the day the person leaves (ends its assignments)")
def update_holding(request, holding_id: PathId, payload: schemas.HoldingPatch):
    holding = selectors.holding_get(request.auth, holding_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "start_date" in data:
        holding = services.holding_update(actor=request.auth, holding=holding, version=version, reason=reason,
                                          start_date=data["start_date"])
        version = holding.version
    if "end_date" in data or "end_reason" in data:
        holding = services.holding_end(actor=request.auth, holding=holding, end_date=data.get("end_date"),
                                       reason=data.get("end_reason") or reason, version=version)
    return holding


# --- Requirements and curricula ----------------------------------------------------------------------------


def _target(request, kind: str, pk: int):
    if kind == "position":
        return selectors.position_get(request.auth, pk)
    if kind == "department":
        return _department(pk)
    if kind == "process":
        return referenced(Process, pk, "target_id")
    return active_user(pk, "target_id")


@router.get("/training/requirements", response=list[schemas.RequirementOut], summary="List training requirements")
@paginate(Pagination)
def list_requirements(request, kind: str = "", active: bool | None = True, document_id: QueryId = None):
    return selectors.requirement_list(request.auth, kind=kind[:20], active=active, document_id=document_id)


@router.get("/training/requirements/{requirement_id}", response=schemas.RequirementOut, summary="One requirement")
def get_requirement(request, requirement_id: PathId):
    return selectors.requirement_get(request.auth, requirement_id)


@router.post("/training/requirements", response={201: schemas.RequirementOut}, summary="Create a requirement")
def create_requirement(request, payload: schemas.RequirementIn):
    data = payload.dict()
    data["document"] = _document(data.pop("document_id"))
    data["site"] = _site(data.pop("site_id"))
    requirement = services.requirement_create(actor=request.auth, **data)
    return Status(201, selectors.requirement_get(request.auth, requirement.pk))


@router.patch("/training/requirements/{requirement_id}", response=schemas.RequirementOut,
              summary="Edit a requirement (audited; assignments follow)")
def update_requirement(request, requirement_id: PathId, payload: schemas.RequirementPatch):
    requirement = selectors.requirement_get(request.auth, requirement_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "document_id" in data:
        data["document"] = _document(data.pop("document_id"))
    if "site_id" in data:
        data["site"] = _site(data.pop("site_id"))
    services.requirement_update(actor=request.auth, requirement=requirement, version=version, reason=reason, **data)
    return selectors.requirement_get(request.auth, requirement_id)


@router.post("/training/requirements/{requirement_id}/applies-to", response={201: schemas.AppliesOut},
             summary="Apply a requirement to a position, department, process or person (assigns it)")
def apply_requirement(request, requirement_id: PathId, payload: schemas.AppliesIn):
    requirement = selectors.requirement_get(request.auth, requirement_id)
    entry = services.applies_to_add(actor=request.auth, requirement=requirement, kind=payload.kind,
                                    target=_target(request, payload.kind, payload.target_id))
    return Status(201, entry)


@router.get("/training/curricula", response=list[schemas.CurriculumOut], summary="List curricula")
@paginate(Pagination)
def list_curricula(request, active: bool | None = True):
    return selectors.curriculum_list(request.auth, active=active)


@router.get("/training/curricula/{curriculum_id}", response=schemas.CurriculumOut, summary="One curriculum")
def get_curriculum(request, curriculum_id: PathId):
    return selectors.curriculum_get(request.auth, curriculum_id)


@router.post("/training/curricula", response={201: schemas.CurriculumOut}, summary="Create a curriculum")
def create_curriculum(request, payload: schemas.CurriculumIn):
    curriculum = services.curriculum_create(
        actor=request.auth, code=payload.code, title=payload.title, description=payload.description,
        site=_site(payload.site_id), requirements=_requirements(request, payload.requirement_ids),
    )
    return Status(201, selectors.curriculum_get(request.auth, curriculum.pk))


@router.patch("/training/curricula/{curriculum_id}", response=schemas.CurriculumOut,
              summary="Edit a curriculum (audited; assignments follow)")
def update_curriculum(request, curriculum_id: PathId, payload: schemas.CurriculumPatch):
    curriculum = selectors.curriculum_get(request.auth, curriculum_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    requirements = _requirements(request, data.pop("requirement_ids")) if "requirement_ids" in data else None
    if "site_id" in data:
        data["site"] = _site(data.pop("site_id"))
    services.curriculum_update(actor=request.auth, curriculum=curriculum, version=version, reason=reason,
                               requirements=requirements, **data)
    return selectors.curriculum_get(request.auth, curriculum_id)


@router.post("/training/curricula/{curriculum_id}/applies-to", response={201: schemas.AppliesOut},
             summary="Apply a curriculum to a position, department, process or person")
def apply_curriculum(request, curriculum_id: PathId, payload: schemas.AppliesIn):
    curriculum = selectors.curriculum_get(request.auth, curriculum_id)
    entry = services.applies_to_add(actor=request.auth, curriculum=curriculum, kind=payload.kind,
                                    target=_target(request, payload.kind, payload.target_id))
    return Status(201, entry)


@router.post("/training/applies-to/{entry_id}/remove", response={204: None},
             summary="Stop applying a requirement or curriculum (open assignments end)")
def remove_applicability(request, entry_id: PathId, payload: schemas.RemoveIn):
    services.applies_to_remove(actor=request.auth, entry=selectors.applicability_get(request.auth, entry_id),
                               reason=payload.reason)
    return Status(204, None)


# --- Assignments and records -------------------------------------------------------------------------------


@router.get("/training/assignments", response=list[schemas.AssignmentOut], summary="List training assignments")
@paginate(Pagination)
def list_assignments(request, person_id: QueryId = None, requirement_id: QueryId = None, status: str = "",
                     overdue: bool = False):
    return selectors.assignment_list(request.auth, person_id=person_id, requirement_id=requirement_id,
                                     status=status[:20], overdue=overdue)


@router.get("/training/assignments/{assignment_id}", response=schemas.AssignmentOut, summary="One assignment")
def get_assignment(request, assignment_id: PathId):
    return selectors.assignment_get(request.auth, assignment_id)


@router.patch("/training/assignments/{assignment_id}", response=schemas.AssignmentOut,
              summary="Move the due date of an open assignment (reason required)")
def update_assignment(request, assignment_id: PathId, payload: schemas.AssignmentPatch):
    assignment = selectors.assignment_get(request.auth, assignment_id)
    data = payload.dict(exclude_unset=True)
    return services.assignment_update(actor=request.auth, assignment=assignment, due=data.get("due"),
                                      reason=payload.reason, version=payload.version)


@router.post("/training/assignments/{assignment_id}/end", response=schemas.AssignmentOut,
             summary="End an open assignment that is not needed (reason required)")
def end_assignment(request, assignment_id: PathId, payload: schemas.EndIn):
    assignment = selectors.assignment_get(request.auth, assignment_id)
    return services.assignment_end(actor=request.auth, assignment=assignment, reason=payload.reason,
                                   version=payload.version)


@router.get("/training/records", response=list[schemas.RecordOut], summary="List training records")
@paginate(Pagination)
def list_records(request, person_id: QueryId = None, requirement_id: QueryId = None):
    return selectors.record_list(request.auth, person_id=person_id, requirement_id=requirement_id)


@router.get("/training/records/{record_id}", response=schemas.RecordOut, summary="One training record")
def get_record(request, record_id: PathId):
    return selectors.record_get(request.auth, record_id)


@router.post("/training/records", response={201: schemas.RecordOut},
             summary="Record training (completes the person's open assignment)")
def create_record(request, payload: schemas.RecordIn):
    entry = services.training_record(
        actor=request.auth, person=active_user(payload.person_id, "person_id"),
        requirement=selectors.requirement_get(request.auth, payload.requirement_id),
        completed_on=payload.completed_on, level=payload.level, expires_on=payload.expires_on,
        trainer=payload.trainer, evidence=payload.evidence, notes=payload.notes,
    )
    return Status(201, entry)


@router.patch("/training/records/{record_id}", response=schemas.RecordOut,
              summary="Correct a training record (reason required)")
def correct_record(request, record_id: PathId, payload: schemas.RecordPatch):
    entry = selectors.record_get(request.auth, record_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason")
    return services.record_correct(actor=request.auth, training_record=entry, version=version, reason=reason, **data)


# --- The matrix ----------------------------------------------------------------------------------------------


class MatrixFilters(Schema):
    site_id: Id | None = None
    department_id: Id | None = None
    position_id: Id | None = None
    process_id: Id | None = None
    offset: int = Field(0, ge=0, le=10**9)
    limit: int | None = Field(None, ge=1, le=1000, description="People per page (default: all).")


@router.get("/training/matrix", response=schemas.MatrixOut,
            summary="The training matrix: people × requirements with a status per cell")
def training_matrix(request, filters: Query[MatrixFilters]):
    grid = selectors.training_matrix(
        request.auth, site=_site(filters.site_id), department=_department(filters.department_id),
        position=selectors.position_get(request.auth, filters.position_id) if filters.position_id else None,
        process=referenced(Process, filters.process_id, "process_id"), offset=filters.offset, limit=filters.limit,
    )
    return grid.as_data()
