"""Refuse text no database can store, with a clear 400: NUL characters (PostgreSQL rejects them) and
lone UTF-16 surrogates (not valid Unicode). Django forms already refuse NUL the same way."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

MESSAGE = "The request contains a NUL character or an invalid Unicode surrogate, which no field accepts."


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


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and _has_bad_input(request):
            return JsonResponse({"message": MESSAGE, "errors": [{"field": None, "message": MESSAGE}]}, status=400)
        return self.get_response(request)
