"""Electronic signatures (P11-G, P11-P)."""

from qualitas.core.modules import ModuleSpec, Panel
from qualitas.core.signatures.models import MEANINGS

MODULE = ModuleSpec(
    key="signatures",
    label="Electronic signatures",
    api=("qualitas.core.signatures.api:router",),
    urls=(("signatures/", "qualitas.core.signatures.urls"),),
    panels=(Panel("signatures", "Signatures", "signatures:panel", order=300),),
    audit_events=(
        "signature.policy_acknowledged",
        "signature.refused",
        "signature.signature_saved",
        *(f"signature.{meaning}" for meaning, _ in MEANINGS),
    ),
)
