"""Signing: re-authentication, the policy attestation, and the signature bound to the content.

Call `verify_signer()` BEFORE opening the transaction that changes the record: a failed attempt must
be logged even though the change is refused, and an event written inside a transaction that then
rolls back would vanish.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualitas.core import hooks
from qualitas.core.audit import canonical, covered, kept
from qualitas.core.audit.services import record
from qualitas.core.records import key_for
from qualitas.core.regulated import is_regulated, signed_content_hash
from qualitas.core.signatures.models import MEANINGS, POLICY_VERSION, PolicyAcknowledgement, Signature

__all__ = ["MEANINGS", "Credentials", "SignatureRefused", "sign", "verify_signer"]


class SignatureNotQualified(PermissionDenied):
    """The signer may not sign with this meaning (a qualification gate: qualitas.core.hooks.MAY_SIGN)."""


class SignatureRefused(ValidationError):
    """Wrong password or code, no policy attestation: nothing is signed (HTTP 400 / form error)."""


@dataclass(frozen=True)
class Credentials:
    password: str
    otp: str = ""
    comment: str = ""


def has_acknowledged_policy(user) -> bool:
    return PolicyAcknowledgement.objects.filter(user=user, policy_version=POLICY_VERSION).exists()


LOCKED = "This account is locked after too many failed attempts; an administrator can unlock it. Nothing was signed."


def _refuse(actor, problem: dict, *, instance=None, meaning: str = "", failed_authentication: bool = False,
            error: Exception | None = None):
    """Audit the refusal, count a wrong password or code toward the account's lockout, and raise."""
    from qualitas.core import lockout

    def write():
        if failed_authentication:
            lockout.count_failure(actor)
        with transaction.atomic():
            return record(
                actor,
                "sign-failure",
                "signature.refused",
                instance=instance,
                record_type="" if instance is not None else "accounts.user",
                record_id="" if instance is not None else actor.pk,
                record_label="" if instance is not None else actor.username,
                changes={"meaning": [None, meaning], "reason": [None, next(iter(problem.values()))]},
            )

    kept.keep(write)  # even when the service's transaction around this check rolls back
    raise error or SignatureRefused(problem)


def acknowledge_policy(*, actor, password: str) -> PolicyAcknowledgement:
    """The signature policy is accepted with the password, like a signature (P11-S): a wrong
    password is audited and counts toward the lockout (outside the write's transaction, so the
    refusal is kept); a locked account cannot accept it."""
    from qualitas.core import lockout

    if lockout.is_locked(actor):
        _refuse(actor, {"password": LOCKED}, meaning="policy")
    if not actor.check_password(password or ""):
        _refuse(actor, {"password": "The password is not correct."}, meaning="policy", failed_authentication=True)
    with transaction.atomic():
        ack, created = PolicyAcknowledgement.objects.get_or_create(
            user=actor, policy_version=POLICY_VERSION, defaults={"acknowledged_at": timezone.now()}
        )
        if created:
            record(
                actor,
                "acknowledge",
                "signature.policy_acknowledged",
                record_type="accounts.user",
                record_id=actor.pk,
                record_label=actor.username,
                changes={"signature policy": [None, f"version {POLICY_VERSION} acknowledged"]},
            )
    return ack


def _otp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_otp(user) -> bool:
    return _otp_device(user) is not None


def verify_signer(actor, credentials: Credentials | None, *, instance=None, meaning: str = "") -> None:
    """Re-authenticate the signer (P11-S); log and refuse a wrong password or code, which counts
    toward the account's lockout (the same as a failed sign-in); a locked account cannot sign."""
    from qualitas.core import lockout

    problem = None
    failed_authentication = False
    if getattr(actor, "is_system", False):
        problem = {"password": "The system cannot sign: an electronic signature is a person's."}
    elif gate := hooks.refusal(hooks.MAY_SIGN, actor=actor, instance=instance, meaning=meaning):
        _refuse(actor, {"meaning": gate}, instance=instance, meaning=meaning, error=SignatureNotQualified(gate))
    elif lockout.is_locked(actor):
        problem = {"password": LOCKED}
    elif credentials is None or not credentials.password:
        problem = {"password": "Enter your password to sign."}
    elif not actor.is_active:
        problem = {"password": "This account is deactivated."}
    elif not has_acknowledged_policy(actor):
        problem = {"password": "Acknowledge the electronic signature policy (on your profile) before signing."}
    elif not actor.check_password(credentials.password):
        problem = {"password": "The password is not correct. Nothing was signed."}
        failed_authentication = True
    else:
        device = _otp_device(actor)
        if device is not None:
            allowed = device.verify_is_allowed()[0]
            if not (allowed and credentials.otp and device.verify_token(credentials.otp.strip())):
                problem = {"otp": "The authentication code is not valid. Nothing was signed."}
                failed_authentication = True
    if problem is None:
        return
    _refuse(actor, problem, instance=instance, meaning=meaning, failed_authentication=failed_authentication)


def manifest_of(signature: Signature) -> str:
    """The hash binding the manifestation (who, meaning, when, comment) to the signed content."""
    return canonical.sha256(
        canonical.dumps(
            [
                signature.record_type,
                signature.record_id,
                signature.record_version,
                signature.content_hash,
                signature.signer_id,
                signature.signer_name,
                signature.meaning,
                canonical.to_primitive(signature.signed_at),
                signature.comment,
            ]
        )
    )


def sign(
    *, actor, instance, meaning: str, credentials: Credentials | None, transition: str = "", verified: bool = False
) -> Signature:
    """Sign `instance` as `actor` with `meaning`. Pass verified=True only when verify_signer() has
    just been called for this same action (the workflow runner does)."""
    if meaning not in dict(MEANINGS):
        raise ValidationError({"meaning": f"Unknown signature meaning {meaning!r}."})
    if not is_regulated(instance):
        raise ValidationError("Only regulated records can be signed.")
    if not verified:
        verify_signer(actor, credentials, instance=instance, meaning=meaning)
    with transaction.atomic():
        signature = Signature(
            record_type=key_for(instance),
            record_id=str(instance.pk),
            record_version=instance.version,
            record_label=str(instance)[:300],
            content_hash=signed_content_hash(instance),
            signer=actor,
            signer_name=actor.display_name,
            signer_username=actor.username,
            meaning=meaning,
            signed_at=timezone.now(),
            comment=(credentials.comment if credentials else "")[:2000],
            transition=transition,
        )
        signature.manifest_hash = manifest_of(signature)
        signature.save(force_insert=True)
        record(
            actor,
            "sign",
            f"signature.{meaning}",
            instance=instance,
            changes={"signature": [None, f"{signature.get_meaning_display()} by {signature.signer_name}"]},
            reason=signature.comment,
        )
        covered.record_row(actor, "sign", "signature.signature_saved", signature)
        hooks.send(hooks.SIGNATURE, actor=actor, instance=instance, signature=signature)
    return signature
