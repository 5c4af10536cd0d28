from __future__ import annotations

from ninja import Field, Schema

from qualitas.accounts.models import Department, Process, Role, Site
from qualitas.core.api_types import BodySchema, Id, PatchSchema


class SiteOut(Schema):
    id: int
    version: int
    code: str
    name: str
    address: str
    country: str
    active: bool


class SiteIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=200)
    address: str = ""
    country: str = Field("", max_length=100)
    active: bool = True


class SitePatch(PatchSchema):
    model = Site

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000, description="Reason for the change (required for approved records).")
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = None
    country: str | None = Field(None, max_length=100)
    active: bool | None = None


class DepartmentOut(Schema):
    id: int
    version: int
    code: str
    name: str
    site_id: int | None
    manager_id: int | None
    active: bool


class DepartmentIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=200)
    site_id: Id | None = None
    manager_id: Id | None = None
    active: bool = True


class DepartmentPatch(PatchSchema):
    model = Department

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000, description="Reason for the change (required for approved records).")
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=200)
    site_id: Id | None = None
    manager_id: Id | None = None
    active: bool | None = None


class ClauseRef(Schema):
    id: int
    edition: str
    number: str
    title: str


class ProcessOut(Schema):
    id: int
    version: int
    code: str
    name: str
    category: str
    purpose: str
    owner_id: int | None
    site_id: int | None
    department_id: int | None
    inputs: list[str]
    outputs: list[str]
    clauses: list[ClauseRef]
    active: bool

    @staticmethod
    def resolve_inputs(obj) -> list[str]:
        return obj.input_list

    @staticmethod
    def resolve_outputs(obj) -> list[str]:
        return obj.output_list

    @staticmethod
    def resolve_clauses(obj) -> list[dict]:
        return [
            {"id": c.pk, "edition": str(c.edition), "number": c.number, "title": c.title} for c in obj.clauses.all()
        ]


class ProcessIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=200)
    category: str = "core"
    purpose: str = ""
    owner_id: Id | None = None
    site_id: Id | None = None
    department_id: Id | None = None
    inputs: list[str] = []
    outputs: list[str] = []
    clause_ids: list[Id] = []
    active: bool = True


class ProcessPatch(PatchSchema):
    model = Process

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000, description="Reason for the change (required for approved records).")
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = None
    purpose: str | None = None
    owner_id: Id | None = None
    site_id: Id | None = None
    department_id: Id | None = None
    inputs: list[str] | None = None
    outputs: list[str] | None = None
    clause_ids: list[Id] | None = None
    active: bool | None = None


class RoleRef(Schema):
    code: str
    name: str
    site_id: int | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    job_title: str
    department_id: int | None
    site_id: int | None
    manager_id: int | None
    is_active: bool
    roles: list[RoleRef]

    @staticmethod
    def resolve_roles(obj) -> list[dict]:
        return [{"code": a.role.code, "name": a.role.name, "site_id": a.site_id} for a in obj.role_assignments.all()]


Grants = dict[str, list[str]]
GRANTS_HELP = ('Actions per permission module: {"documents": ["view", "create"], "*": ["view"]}; "*" is every '
               "module except those granted explicitly (users and roles, the audit trail). Actions: view, create, "
               "edit, approve, administer.")


class RoleOut(Schema):
    id: int
    version: int
    code: str
    name: str
    description: str
    permissions: Grants
    builtin: bool
    active: bool
    changed_by_administrator: bool = Field(
        ..., description="A built-in role whose grants an administrator changed: `migrate` leaves it alone.")

    @staticmethod
    def resolve_changed_by_administrator(obj) -> bool:
        from qualitas.accounts.roles import changed_by_administrator

        return changed_by_administrator(obj)


class RoleIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9-]*$",
                      description="Lower-case letters, digits and hyphens; cannot be changed later.")
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    permissions: Grants = Field(default_factory=dict, description=GRANTS_HELP)
    reason: str = Field("", max_length=2000)


class RolePatch(PatchSchema):
    model = Role

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field(..., min_length=1, max_length=2000, description="Why the role changes (audited).")
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    permissions: Grants | None = Field(None, description=GRANTS_HELP + " Replaces the role's grants.")
    active: bool | None = None


class PasswordResetIn(BodySchema):
    reason: str = Field(..., min_length=1, max_length=2000, description="Why the password is reset (audited).")
    password: str = Field("", max_length=128, description="The new password; leave empty with generate=true.")
    generate: bool = Field(False, description="Generate a one-time password, returned once in the answer.")
    must_change: bool = Field(True, description="The user must choose their own password at the next sign-in.")


class PasswordResetOut(Schema):
    username: str
    must_change: bool
    password: str | None = Field(None, description="The generated password (only with generate=true; not stored).")
