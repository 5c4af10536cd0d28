"""API tokens: `qlt_<prefix>_<secret>`; the prefix finds the row, the SHA-256 of the whole token
is compared in constant time. Tokens carry 256 bits of randomness, so a fast hash is appropriate."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

TOKEN_PREFIX = "qlt"  # noqa: S105 - a label, not a secret


def generate() -> tuple[str, str, str]:
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resolve(token: str):
    """The active ApiToken for `token`, or None. Revoked, expired and deactivated users' tokens fail."""
    from qualitas.accounts.models import ApiToken

    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    api_token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if api_token is None or not hmac.compare_digest(api_token.key_hash, digest(token)):
        return None
    now = timezone.now()
    if api_token.revoked_at or (api_token.expires_at and api_token.expires_at <= now):
        return None
    if not api_token.user.is_active:
        return None
    return api_token
