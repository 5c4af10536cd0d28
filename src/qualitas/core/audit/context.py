"""Who is acting and from where: set once per request, command or job; read by `record()`."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AuditContext:
    source: str = "system"
    client_address: str = ""
    token_id: int | None = None


_DEFAULT = AuditContext()
_current: contextvars.ContextVar[AuditContext] = contextvars.ContextVar("qualitas_audit", default=_DEFAULT)  # noqa: B039 - frozen


def current() -> AuditContext:
    return _current.get()


@contextmanager
def acting(source: str, client_address: str = "", token_id: int | None = None):
    token = _current.set(AuditContext(source=source, client_address=client_address, token_id=token_id))
    try:
        yield
    finally:
        _current.reset(token)


def mark_api(token_id: int | None) -> None:
    """Called by API authentication: the request is an API call (with this token)."""
    _current.set(replace(_current.get(), source="api", token_id=token_id))


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:64]


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from qualitas.core.audit.kept import keeping

        source = "api" if request.path.startswith("/api/") else "web"
        with acting(source, client_address(request)), keeping():
            return self.get_response(request)
