"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging

FORBIDDEN = 403


def _escaped(value: object) -> str:
    """One line whatever the client sent: control characters become escapes (log injection)."""
    return str(value).encode("unicode_escape").decode("ascii")


def _user(request) -> str:
    for attribute in ("user", "auth"):  # the session's user, or the API token's (django-ninja)
        user = getattr(request, attribute, None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.get_username()
    return "anonymous"


def _reason(record: logging.LogRecord) -> str:
    exception = record.exc_info[1] if record.exc_info else None
    if exception is not None and str(exception):
        return str(exception)
    # Django's own refusals log "Forbidden (<reason>): <path>" (CSRF) or "Forbidden: <path>".
    if isinstance(record.args, tuple) and len(record.args) == 2 and str(record.msg).startswith("Forbidden ("):
        return str(record.args[0])
    return "permission denied"


class ForbiddenOneLine(logging.Filter):
    """A 403 is an ordinary outcome (someone asked for what their role does not allow), recorded in the
    audit trail as security.permission_denied: the log gets one WARNING line saying who asked for what
    and why it was refused, instead of Django's traceback of the PermissionDenied. Other records,
    5xx with their tracebacks included, pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != FORBIDDEN or getattr(record, "one_line", False):
            return True  # (a filter attached twice, e.g. after a test reconfigured logging, runs once)
        record.one_line = True
        request = getattr(record, "request", None)
        method = getattr(request, "method", None) or "-"
        path = getattr(request, "path", None) or "-"
        args = (_escaped(method), _escaped(path), _escaped(_user(request)), _escaped(_reason(record)))
        record.msg, record.args = "Forbidden: %s %s user=%s reason=%s", args
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
