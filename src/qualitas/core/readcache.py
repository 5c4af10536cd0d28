"""Answers to reads, remembered until the next audited change (issue 12: 50 people at shift start).

A register, a record page or an API list is read far more often than anything in it changes. Every
change to a regulated record, and every change of who may see what, appends to the audit trail in
the same transaction and so moves the trail's head (qualitas.core.counts relies on the same rule).
A view marked `@remembered` is answered once per person, address and head; the same read again, by
the same person in the same session (or with the same API token), before anything audited changed,
gets the same bytes back for the price of one head lookup instead of its queries and rendering.

What goes into the key, and why:
- the head's sequence and hash, read *before* the view runs, so an answer is never older than the
  head it is filed under (a view that writes moves the head: its answer is never served again);
- who asks: the user with their row's version (a changed profile) and, for pages, whether their
  session passed the two-factor step, or the API token's id, so no answer crosses people; a page
  served again carries a CSRF token masked from the asking browser's own secret, not the one it
  was rendered with;
- the full path with its query, the htmx headers and Accept (a fragment is not the page),
  today's date (overdue is a matter of the date) and the language;
- the unread-notification count of pages, which the top bar shows and which changes unaudited.

Nothing is remembered inside a transaction, for anonymous requests, for an answer other than a
plain 200 (a redirect, an error, a file stream), one that sets a cookie, one that is bigger than
MAX_BYTES, or while the session holds flash messages. Per process and bounded (LIMIT answers and
BUDGET_BYTES in all, least recently used first out). QUALITAS_READ_CACHE=0 turns it off (the
benchmark's cold comparison).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

LIMIT = 2048  # answers per process
BUDGET_BYTES = 64 * 1024 * 1024  # and their size in all
MAX_BYTES = 512 * 1024  # one answer
_KEY_ATTRIBUTE = "_qualitas_remember_as"
_HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "Accept")

_answers: OrderedDict = OrderedDict()
_size = {"bytes": 0}
_lock = threading.Lock()


@dataclass(frozen=True)
class _Answer:
    content: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    csrf_token: bytes | None = None  # the page's CSRF token, replaced by the asker's own on replay


# Where a page carries its CSRF token (the body's hx-headers and the forms), as rendered by Django.
_CSRF_TOKEN = re.compile(rb'(?:"X-CSRFToken": "|name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{64})"')


def enabled() -> bool:
    return getattr(settings, "READ_CACHE", True)


def _head():
    from qualitas.core.audit.models import AuditHead

    return AuditHead.objects.filter(pk=1).values_list("sequence", "hash").first()


def _asker(request) -> tuple | None:
    """Who asks, as part of the key; None: not an answer to remember (anonymous, or flash messages)."""
    auth = getattr(request, "auth", None)  # django-ninja: the user a token or the session authenticated
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token = getattr(request, "api_token", None)
    if token is not None:
        return (user.pk, user.version, "token", token.pk)
    session = getattr(request, "session", None)
    if session is None or session.get("_messages") or request.COOKIES.get("messages"):
        return None
    from qualitas.core.notifications.selectors import unread_count

    verified = user.is_verified() if hasattr(user, "is_verified") else False  # two-factor step passed
    return (user.pk, user.version, "session", verified, unread_count(user))


def _key(request) -> tuple | None:
    if not enabled() or request.method != "GET" or connection.in_atomic_block:
        return None
    asker = _asker(request)
    if asker is None:
        return None
    fragment = tuple(request.headers.get(name, "") for name in _HTMX_HEADERS)  # a part of the page, or all of it
    return (asker, request.get_full_path(), fragment, _head(), timezone.localdate(), translation.get_language())


def _replay(request, answer: _Answer) -> HttpResponse:
    content = answer.content
    if answer.csrf_token is not None:  # a token masked from this browser's own secret (sets the cookie if new)
        content = content.replace(answer.csrf_token, get_token(request).encode())
    response = HttpResponse(content, content_type=answer.content_type)
    for name, value in answer.headers:
        response[name] = value
    response["X-Qualitas-Read-Cache"] = "hit"
    return response


# Headers of the answer worth keeping; the rest (cookies, Vary, security headers) the middleware
# sets again on every response, cached or not.
_KEPT_HEADERS = ("Content-Disposition", "Content-Language")


def remember(request, response) -> None:
    """File `response` under the key the `@remembered` view computed for `request` (middleware)."""
    key = getattr(request, _KEY_ATTRIBUTE, None)
    if key is None or response.status_code != 200 or response.streaming or response.cookies:
        return
    if getattr(response, "is_rendered", True) is False:
        return
    content = response.content
    if len(content) > MAX_BYTES:
        return
    tokens = set(_CSRF_TOKEN.findall(content))
    if len(tokens) > 1 or (not tokens and b"csrfmiddlewaretoken" in content):
        return  # a token this cache would not know to replace
    headers = tuple((name, response[name]) for name in _KEPT_HEADERS if response.has_header(name))
    content_type = response.get("Content-Type", "text/html; charset=utf-8")
    answer = _Answer(content, content_type, headers, tokens.pop() if tokens else None)
    with _lock:
        previous = _answers.pop(key, None)
        _size["bytes"] += len(content) - (len(previous.content) if previous else 0)
        _answers[key] = answer
        while len(_answers) > LIMIT or _size["bytes"] > BUDGET_BYTES:
            _, dropped = _answers.popitem(last=False)
            _size["bytes"] -= len(dropped.content)


def remembered(view):
    """Mark a read-only GET view (a Django view or a django-ninja operation) as remembered.

    Put it outermost (above @paginate): a remembered answer skips the view and its serialisation."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = _key(request)
        if key is not None:
            with _lock:
                answer = _answers.get(key)
                if answer is not None:
                    _answers.move_to_end(key)
            if answer is not None:
                return _replay(request, answer)
            setattr(request, _KEY_ATTRIBUTE, key)
        return view(request, *args, **kwargs)

    wrapper.qualitas_remembered = True
    return wrapper


class ReadCacheMiddleware:
    """Files the answers of `@remembered` views once they are complete (after django-ninja has
    serialised an operation's result, after a template response is rendered)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _KEY_ATTRIBUTE, None) is not None:
            remember(request, response)
        return response


def forget() -> None:
    with _lock:
        _answers.clear()
        _size["bytes"] = 0
