"""The one NinjaAPI instance: authentication, JSON error format and router registration."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.views import openapi_view
from ninja.security import APIKeyCookie, HttpBearer

from qualitas.core.middleware import too_big
from qualitas.core.regulated import StaleVersion


class BearerToken(HttpBearer):
    """`Authorization: Bearer qlt_…` for scripts, integrations and instruments (P11-H)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        from qualitas.accounts import services, tokens

        api_token = tokens.resolve(token)
        if api_token is None:
            return None
        from qualitas.core import lockout

        if lockout.is_locked(api_token.user):
            raise PermissionDenied(
                "This account is locked after too many failed attempts; its API tokens work again once an "
                "administrator unlocks it."
            )
        services.token_touch(api_token)
        from qualitas.core.audit.context import mark_api

        mark_api(api_token.pk)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # anonymous: 401, not a CSRF 403
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def docs_for_signed_in_users(view):
    """The OpenAPI document is public (clients and schemathesis need it); the interactive docs,
    which can send requests, are for signed-in users. Swagger UI sets inline styles, so its page
    alone allows them."""
    if getattr(view, "func", None) is openapi_view:
        return login_required(csp_update({"style-src": [UNSAFE_INLINE]})(view))
    return view


def field_errors(error: DjangoValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


def _field_name(location) -> str | None:
    """("body", "payload", "code") -> "code"; ("query", "limit") -> "limit"."""
    parts = [str(part) for part in location]
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    else:
        parts = parts[1:]
    return ".".join(parts) or None


def create_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Qualitas API",
        version="1",
        description=(
            "JSON API of the Qualitas eQMS. Authenticate with the browser session or with "
            "`Authorization: Bearer <token>` (create one with `qualitas token create USERNAME`). "
            'Errors are `{"message": …, "errors": [{"field": …, "message": …}]}`.'
        ),
        auth=[BearerToken(), SessionAuth(csrf=True)],
        docs_decorator=docs_for_signed_in_users,
        urls_namespace="api",
    )

    def error(request, status: int, message: str, errors: list | None = None):
        return api.create_response(request, {"message": message, "errors": errors or []}, status=status)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request, exc: NinjaValidationError):
        errors = [
            {"field": _field_name(item.get("loc", [])), "message": item.get("msg", "Invalid value.")}
            for item in exc.errors
        ]
        return error(request, 422, "The request is not valid.", errors)

    @api.exception_handler(DjangoValidationError)
    def on_domain_validation_error(request, exc: DjangoValidationError):
        errors = field_errors(exc)
        return error(request, 400, errors[0]["message"] if len(errors) == 1 else "The request is not valid.", errors)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return error(request, 401, "Authentication required: sign in or send a valid bearer token.")

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        from qualitas.core.audit.services import log_permission_denied

        log_permission_denied(request, str(exc))
        return error(request, 403, str(exc) or "You do not have permission to do this.")

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return error(request, 404, "Not found.")

    @api.exception_handler(StaleVersion)
    def on_stale_version(request, exc: StaleVersion):
        return error(
            request, 409, str(exc), [{"field": "version", "message": f"current version is {exc.instance.version}"}]
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        return error(request, exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return too_big()

    @api.exception_handler(SuspiciousOperation)
    def on_malformed(request, exc):
        return error(request, 400, f"The request is malformed: {exc}")

    from qualitas.core.registry import registry

    for prefix, router in registry.api_routers:
        api.add_router(prefix, router)
    return api
