"""One lockout for sign-in and signing (P11-P, P11-S): failed e-signature attempts count toward the
same limit as failed sign-ins (QUALITAS_LOGIN_FAILURE_LIMIT, django-axes, by username). A locked
account can neither sign in, nor sign, nor use its API tokens until the cool-off passes or an
administrator unlocks it (accounts.services.user_unlock, audited)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpRequest

from qualitas.core.audit import context


def _request(path: str = "/signatures/") -> HttpRequest:
    """Axes keeps its counts per request; a signature is checked inside a service, so the request is
    rebuilt from the audit context (client address) of the call being made."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = context.current().client_address or "127.0.0.1"
    request.META["HTTP_USER_AGENT"] = "qualitas-signature"
    request.path = request.path_info = path
    request.method = "POST"
    return request


def is_locked(user) -> bool:
    return AxesProxyHandler.is_locked(_request(), credentials={"username": user.username})


def count_failure(user) -> None:
    """A failed signature (wrong password or code) is a failed authentication of `user`."""
    AxesProxyHandler.user_login_failed(sender=__name__, credentials={"username": user.username}, request=_request())


def failures(user) -> int:
    return AxesProxyHandler.get_failures(_request(), credentials={"username": user.username})


def reset(user) -> int:
    return AxesProxyHandler.reset_attempts(username=user.username)
