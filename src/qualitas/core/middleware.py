"""The gate in front of the JSON API (/api/): every refusal is JSON, never Django's HTML page.

- Text no database can store is a 400: NUL characters (PostgreSQL rejects them) and lone UTF-16
  surrogates (not valid Unicode). Django forms already refuse NUL the same way.
- A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (file uploads excepted) is a 413.
- A body on POST/PUT/PATCH must say what it is: JSON (`application/json`) or a form/upload; JSON
  sent as `text/plain` (which a cross-site form can send without a preflight) is a 415.
- Any other error page Django renders under /api/ (400, 403, 404, 500...) is turned into the API's
  `{"message": …, "errors": [...]}` with the same status.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

MESSAGE = "The request contains a NUL character or an invalid Unicode surrogate, which no field accepts."
NOT_AN_OBJECT = "The request body must be a JSON object."
TOO_BIG = "The request body is larger than the {limit} bytes the API accepts."
UNSUPPORTED_TYPE = (
    "Send a JSON body with Content-Type: application/json (uploads: multipart/form-data); got {content_type!r}."
)
BODY_METHODS = ("POST", "PUT", "PATCH")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _bad_text(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


def _bad_value(value, depth: int = 0) -> bool:
    if depth > 50:
        return True
    if isinstance(value, str):
        return _bad_text(value)
    if isinstance(value, dict):
        return any(_bad_text(str(key)) or _bad_value(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_bad_value(item, depth + 1) for item in value)
    return False


def _has_bad_input(request) -> bool:
    if _bad_text(request.path) or any(
        _bad_text(key) or any(_bad_text(value) for value in values) for key, values in request.GET.lists()
    ):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        try:
            form = request.POST
        except MultiPartParserError:
            return False  # a malformed upload: the API answers it with its own 4xx
        return any(_bad_text(key) or any(_bad_text(v) for v in values) for key, values in form.lists())
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and content_type.startswith("application/json"):
        body = request.body
        if b"\x00" in body:
            return True
        try:
            return _bad_value(json.loads(body or b"null"))
        except (ValueError, RecursionError):
            return False  # not JSON: the API answers 422 itself
    return False


def _is_object(body: bytes) -> bool:
    """Every API body is a JSON object (or a list of them, e.g. subgroups of measurements): a bare
    string or number is refused, never read as "no change". Schemas refuse a list where they want an
    object (`api_types.BodySchema`)."""
    try:
        return isinstance(json.loads(body), dict | list)
    except (ValueError, RecursionError):
        return True  # not JSON at all: the API answers 422 with the parser's reason


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _body_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def refusal(message: str, status: int) -> JsonResponse:
    return JsonResponse({"message": message, "errors": [{"field": None, "message": message}]}, status=status)


def too_big() -> JsonResponse:
    return refusal(TOO_BIG.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE), 413)


def _refusal(request) -> JsonResponse | None:
    content_type = request.META.get("CONTENT_TYPE", "")
    length = _body_length(request)
    is_form = content_type.lower().startswith(FORM_TYPES)
    if request.method in BODY_METHODS and length:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not is_form and limit is not None and length > limit:
            return too_big()
        if not is_form and not _is_json(content_type):
            return refusal(UNSUPPORTED_TYPE.format(content_type=content_type), 415)
    try:
        if _has_bad_input(request):
            return refusal(MESSAGE, 400)
        if request.method in BODY_METHODS and length and not is_form and not _is_object(request.body):
            return refusal(NOT_AN_OBJECT, 422)
    except RequestDataTooBig:
        return too_big()
    except SuspiciousOperation as error:  # too many form fields, a malformed multipart body...
        return refusal(f"The request is malformed: {error}", 400)
    return None


def _as_json_error(response):
    """Django's own error pages (HTML) become the API's JSON error with the same status."""
    if response.status_code < 400 or _is_json(response.get("Content-Type", "")):
        return response
    try:
        message = HTTPStatus(response.status_code).phrase + "."
    except ValueError:
        message = "The request failed."
    replacement = refusal(message, response.status_code)
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if header in response:
            replacement[header] = response[header]
    return replacement


class RejectNulMiddleware:
    """The API's input gate (the name is historical: it began with NUL characters)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        refused = _refusal(request)
        if refused is not None:
            return refused
        return _as_json_error(self.get_response(request))
