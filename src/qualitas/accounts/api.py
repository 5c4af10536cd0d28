"""API for the organisation (sites, departments, processes), users (read; password reset and unlock
by administrators) and roles."""

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qualitas.accounts import selectors, services
from qualitas.accounts.models import Department, Site, User
from qualitas.accounts.schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    PasswordResetIn,
    PasswordResetOut,
    ProcessIn,
    ProcessOut,
    ProcessPatch,
    RoleIn,
    RoleOut,
    RolePatch,
    SiteIn,
    SiteOut,
    SitePatch,
    UserOut,
)
from qualitas.core.api_types import BodySchema, Pagination, PathId, QueryId
from qualitas.standards.models import Clause

router = Router(tags=["organisation"])
users_router = Router(tags=["users"])
roles_router = Router(tags=["roles"])


def _resolve(model, pk, field):
    if pk is None:
        return None
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        raise ValidationError({field: f"No {model._meta.verbose_name} with id {pk}."})
    return instance


def _resolve_refs(data: dict) -> dict:
    refs = {
        "site_id": (Site, "site"),
        "manager_id": (User, "manager"),
        "owner_id": (User, "owner"),
        "department_id": (Department, "department"),
    }
    for key, (model, field) in refs.items():
        if key in data:
            data[field] = _resolve(model, data.pop(key), field)
    if "clause_ids" in data:
        ids = data.pop("clause_ids") or []
        clauses = list(Clause.objects.filter(pk__in=ids))
        if len(clauses) != len(set(ids)):
            raise ValidationError({"clause_ids": "Unknown clause id."})
        data["clauses"] = clauses
    for key in ("inputs", "outputs"):
        if key in data and isinstance(data[key], list):
            data[key] = "\n".join(item.strip() for item in data[key] if item.strip())
    return data


# --- Sites --------------------------------------------------------------------------------------------


@router.get("/sites", response=list[SiteOut], summary="List sites")
@paginate(Pagination)
def list_sites(request, include_inactive: bool = False):
    return selectors.site_list(request.auth, include_inactive=include_inactive)


@router.get("/sites/{site_id}", response=SiteOut, summary="Get a site")
def get_site(request, site_id: PathId):
    return selectors.site_get(request.auth, site_id)


@router.post("/sites", response={201: SiteOut}, summary="Create a site")
def create_site(request, payload: SiteIn):
    return Status(201, services.site_create(actor=request.auth, **payload.dict()))


@router.patch("/sites/{site_id}", response=SiteOut, summary="Update a site")
def update_site(request, site_id: PathId, payload: SitePatch):
    site = selectors.site_get(request.auth, site_id)
    return services.site_update(actor=request.auth, site=site, **payload.dict(exclude_unset=True))


# --- Departments ----------------------------------------------------------------------------------------


@router.get("/departments", response=list[DepartmentOut], summary="List departments")
@paginate(Pagination)
def list_departments(request, site_id: QueryId = None):
    return selectors.department_list(request.auth, site_id=site_id)


@router.get("/departments/{department_id}", response=DepartmentOut, summary="Get a department")
def get_department(request, department_id: PathId):
    return selectors.department_get(request.auth, department_id)


@router.post("/departments", response={201: DepartmentOut}, summary="Create a department")
def create_department(request, payload: DepartmentIn):
    return Status(201, services.department_create(actor=request.auth, **_resolve_refs(payload.dict())))


@router.patch("/departments/{department_id}", response=DepartmentOut, summary="Update a department")
def update_department(request, department_id: PathId, payload: DepartmentPatch):
    department = selectors.department_get(request.auth, department_id)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    return services.department_update(actor=request.auth, department=department, **data)


# --- Processes --------------------------------------------------------------------------------------------


@router.get("/processes", response=list[ProcessOut], summary="List processes")
@paginate(Pagination)
def list_processes(request, site_id: QueryId = None, clause_id: QueryId = None):
    return selectors.process_list(request.auth, site_id=site_id, clause_id=clause_id)


@router.get("/processes/{process_id}", response=ProcessOut, summary="Get a process")
def get_process(request, process_id: PathId):
    return selectors.process_get(request.auth, process_id)


@router.post("/processes", response={201: ProcessOut}, summary="Create a process")
def create_process(request, payload: ProcessIn):
    process = services.process_create(actor=request.auth, **_resolve_refs(payload.dict()))
    return Status(201, process)


@router.patch("/processes/{process_id}", response=ProcessOut, summary="Update a process")
def update_process(request, process_id: PathId, payload: ProcessPatch):
    process = selectors.process_get(request.auth, process_id)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    return services.process_update(actor=request.auth, process=process, **data)


# --- Users (read) -----------------------------------------------------------------------------------------


@users_router.get("/users", response=list[UserOut], summary="List users")
@paginate(Pagination)
def list_users(request, q: str = "", include_inactive: bool = False):
    users = selectors.user_list(request.auth, include_inactive=include_inactive, query=q)
    return selectors.with_roles(users)


@users_router.get("/users/me", response=UserOut, summary="The authenticated user")
def me(request):
    return request.auth


@users_router.get("/users/{user_id}", response=UserOut, summary="Get a user")
def get_user(request, user_id: PathId):
    return selectors.user_get(request.auth, user_id)


class UnlockIn(BodySchema):
    reason: str = Field("", max_length=500)


class UnlockOut(Schema):
    username: str
    locked: bool


@users_router.post("/users/{user_id}/unlock", response=UnlockOut,
                   summary="Lift the lockout after failed sign-ins or signatures (administrators; audited)")
def unlock_user(request, user_id: PathId, payload: UnlockIn):
    from qualitas.core import lockout

    subject = selectors.user_get(request.auth, user_id)
    services.user_unlock(actor=request.auth, user=subject, reason=payload.reason)
    return {"username": subject.username, "locked": lockout.is_locked(subject)}


@users_router.post("/users/{user_id}/password-reset", response=PasswordResetOut,
                   summary="Set or generate a new password for a user (administrators; audited)")
def reset_password(request, user_id: PathId, payload: PasswordResetIn):
    subject = selectors.user_get(request.auth, user_id)
    plain = services.user_password_reset(actor=request.auth, user=subject, reason=payload.reason,
                                         password=payload.password, generate=payload.generate,
                                         must_change=payload.must_change)
    return {"username": subject.username, "must_change": payload.must_change, "password": plain}


# --- Roles ------------------------------------------------------------------------------------------------


@roles_router.get("/roles", response=list[RoleOut], summary="List roles and their grants")
@paginate(Pagination)
def list_roles(request):
    return selectors.role_list(request.auth)


@roles_router.get("/roles/{role_id}", response=RoleOut, summary="Get a role")
def get_role(request, role_id: PathId):
    return selectors.role_get(request.auth, role_id)


@roles_router.post("/roles", response={201: RoleOut}, summary="Create a role (administrators; audited)")
def create_role(request, payload: RoleIn):
    return Status(201, services.role_create(actor=request.auth, **payload.dict()))


@roles_router.patch("/roles/{role_id}", response=RoleOut,
                    summary="Change a role's name, description, grants or activity (administrators; reason required)")
def update_role(request, role_id: PathId, payload: RolePatch):
    role = selectors.role_get(request.auth, role_id)
    return services.role_update(actor=request.auth, role=role, **payload.dict(exclude_unset=True))
