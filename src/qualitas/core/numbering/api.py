from ninja import Field, Router, Schema

from qualitas.core.api_types import PatchSchema
from qualitas.core.numbering import selectors, services
from qualitas.core.permissions import has_perm

router = Router(tags=["numbering"])


class SchemeOut(Schema):
    key: str
    pattern: str
    module: str
    reset: str
    description: str
    version: int


class SchemePatch(PatchSchema):
    pattern: str = Field(..., max_length=100)
    reason: str = Field(..., max_length=2000)
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")


@router.get("/numbering/schemes", response=list[SchemeOut], summary="Numbering schemes you administer")
def list_schemes(request):
    return [s for s in services.schemes(request.auth) if has_perm(request.auth, s.module, "administer")]


@router.patch("/numbering/schemes/{key}", response=SchemeOut, summary="Change a numbering pattern (audited)")
def update_scheme(request, key: str, payload: SchemePatch):
    scheme = selectors.scheme_get(request.auth, key[:100])
    return services.scheme_update(
        actor=request.auth, scheme=scheme, pattern=payload.pattern, reason=payload.reason, version=payload.version
    )
