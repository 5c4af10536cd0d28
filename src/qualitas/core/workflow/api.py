from ninja import Field, Router, Schema

from qualitas.core import records
from qualitas.core.api_types import BodySchema, PathId
from qualitas.core.signatures.services import Credentials
from qualitas.core.workflow import engine

router = Router(tags=["workflow"])


class OptionOut(Schema):
    name: str
    label: str
    target: str
    allowed: bool
    reason: str
    signature: str | None
    reason_required: bool


class StateOut(Schema):
    record_type: str
    record_id: int
    version: int
    state: str
    state_label: str
    transitions: list[OptionOut]


class StepIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you are acting on; 409 if it changed.")
    reason: str = Field("", max_length=2000)
    password: str = Field("", max_length=512, description="Required when the step needs a signature.")
    otp: str = Field("", max_length=8, description="Authentication code when two-factor is enrolled.")
    comment: str = Field("", max_length=2000, description="Signature comment.")


def _state(actor, instance) -> dict:
    workflow = engine.workflow_for(instance)
    state = workflow.state_of(instance)
    return {
        "record_type": records.key_for(instance),
        "record_id": instance.pk,
        "version": instance.version,
        "state": state,
        "state_label": workflow.label_of(state),
        "transitions": [
            {
                "name": o.transition.name,
                "label": o.transition.label,
                "target": o.transition.target,
                "allowed": o.allowed,
                "reason": o.reason,
                "signature": o.transition.signature,
                "reason_required": o.transition.reason_required,
            }
            for o in engine.options(actor, instance)
        ],
    }


@router.get(
    "/records/{record_type}/{record_id}/transitions",
    response=StateOut,
    summary="Current state and the steps available to you",
)
def available(request, record_type: str, record_id: PathId):
    return _state(request.auth, records.resolve(request.auth, record_type, record_id))


@router.post(
    "/records/{record_type}/{record_id}/transitions/{name}",
    response=StateOut,
    summary="Perform a workflow step (with reason and signature when required)",
)
def perform(request, record_type: str, record_id: PathId, name: str, payload: StepIn):
    instance = records.resolve(request.auth, record_type, record_id)
    credentials = Credentials(payload.password, payload.otp, payload.comment) if payload.password else None
    instance = engine.perform(
        actor=request.auth,
        instance=instance,
        transition=name,
        expected_version=payload.version,
        reason=payload.reason,
        credentials=credentials,
    )
    return _state(request.auth, instance)
