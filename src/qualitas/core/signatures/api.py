import datetime as dt

from ninja import Router, Schema

from qualitas.core.api_types import BodySchema, PathId
from qualitas.core.signatures import selectors, services

router = Router(tags=["signatures"])


class SignatureOut(Schema):
    id: int
    record_type: str
    record_id: str
    record_version: int
    signer_id: int
    signer_name: str
    meaning: str
    meaning_label: str
    signed_at: dt.datetime
    comment: str
    content_hash: str
    valid: bool

    @staticmethod
    def resolve_meaning_label(obj) -> str:
        return obj.get_meaning_display()

    @staticmethod
    def resolve_valid(obj) -> bool:
        return obj.is_valid


class PolicyIn(BodySchema):
    password: str


class PolicyOut(Schema):
    acknowledged: bool
    version: str


@router.get(
    "/records/{record_type}/{record_id}/signatures",
    response=list[SignatureOut],
    summary="Signatures of a record, each marked valid or invalid against the current content",
)
def record_signatures(request, record_type: str, record_id: PathId):
    return selectors.signatures_for_record(request.auth, record_type, record_id)


@router.get("/signatures/policy", response=PolicyOut, summary="Whether you have acknowledged the signature policy")
def policy_status(request):
    from qualitas.core.signatures.models import POLICY_VERSION

    return {"acknowledged": services.has_acknowledged_policy(request.auth), "version": POLICY_VERSION}


@router.post("/signatures/policy", response=PolicyOut, summary="Acknowledge the electronic signature policy")
def acknowledge(request, payload: PolicyIn):
    ack = services.acknowledge_policy(actor=request.auth, password=payload.password)
    return {"acknowledged": True, "version": ack.policy_version}
