from __future__ import annotations

from qualitas.core import records
from qualitas.core.regulated import signed_content_hash
from qualitas.core.signatures.models import PolicyAcknowledgement, Signature


def signatures_of(instance) -> list[Signature]:
    """The record's signatures, each marked valid only while the signed content is unchanged and the
    manifestation (name, meaning, time, comment) still matches the manifest hash taken at signing (P11-L)."""
    from qualitas.core.signatures.services import manifest_of

    current = signed_content_hash(instance)
    result = list(
        Signature.objects.filter(record_type=records.key_for(instance), record_id=str(instance.pk)).select_related(
            "signer"
        )
    )
    for signature in result:
        if signature.manifest_hash != manifest_of(signature):
            signature.invalid_reason = "signature altered (it no longer matches its manifest hash)"
        elif signature.content_hash != current:
            signature.invalid_reason = "content changed after signing"
        signature.is_valid = not signature.invalid_reason
    return result


def valid_signatures(instance, meaning: str | None = None) -> list[Signature]:
    return [s for s in signatures_of(instance) if s.is_valid and (meaning is None or s.meaning == meaning)]


def signatures_for_record(actor, record_type: str, record_id) -> list[Signature]:
    return signatures_of(records.resolve(actor, record_type, record_id))


def policy_attestations(actor):
    from qualitas.core.permissions import authorize

    authorize(actor, "accounts", "administer")
    return PolicyAcknowledgement.objects.select_related("user").order_by("-acknowledged_at")
