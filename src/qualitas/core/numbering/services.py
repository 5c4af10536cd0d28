"""Gap-free, human-readable identifiers (NC-2026-0007, SOP-QA-012).

`next_number()` runs inside the caller's transaction and locks the counter row, so two concurrent
callers never get the same number, and a rolled-back caller gives its number back (no gaps).
"""

from __future__ import annotations

import datetime as dt
import re
import string

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qualitas.core.numbering.models import NumberCounter, NumberingScheme
from qualitas.core.permissions import authorize
from qualitas.core.regulated import record_create, record_update

DATE_TOKENS = {"year", "yy", "month"}
_defaults: dict[str, dict] = {}


def pattern_fields(pattern: str) -> list[str]:
    try:
        return [field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None]
    except ValueError as exc:
        raise ValidationError({"pattern": f"The pattern is not valid: {exc}."}) from exc


def validate_pattern(pattern: str) -> None:
    fields = pattern_fields(pattern)
    if "seq" not in fields:
        raise ValidationError({"pattern": "The pattern needs {seq} (e.g. {seq:04d})."})
    for field in fields:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", field):
            raise ValidationError({"pattern": f"Unknown token {{{field}}}: use lower-case names like {{site}}."})
    try:
        format_number(pattern, 1, dt.date(2026, 1, 1), {f: "X" for f in fields if f not in DATE_TOKENS | {"seq"}})
    except (ValueError, KeyError) as exc:
        raise ValidationError({"pattern": f"The pattern is not valid: {exc}."}) from exc


def format_number(pattern: str, seq: int, when: dt.date, tokens: dict) -> str:
    values = {"year": when.year, "yy": f"{when.year % 100:02d}", "month": f"{when.month:02d}", "seq": seq}
    values.update({key: str(value) for key, value in tokens.items()})
    return pattern.format(**values)


def ensure_scheme(key: str, pattern: str, module: str, *, reset: str = "yearly", description: str = "") -> None:
    """Declare a default scheme (idempotent; an administrator's pattern is never overwritten).
    Stored lazily on first use, so it is safe to call from AppConfig.ready()."""
    validate_pattern(pattern)
    _defaults[key] = {"pattern": pattern, "module": module, "reset": reset, "description": description}


def _scheme(key: str) -> NumberingScheme:
    scheme = NumberingScheme.objects.filter(key=key).first()
    if scheme is not None:
        return scheme
    if key not in _defaults:
        raise ValidationError(f"No numbering scheme {key!r}.")
    try:
        with transaction.atomic():
            return record_create(None, NumberingScheme(key=key, **_defaults[key]), event="numbering.scheme_created")
    except (IntegrityError, ValidationError):
        # Created at the same moment by another caller: its row is visible (or its insert made ours fail).
        return NumberingScheme.objects.get(key=key)


def _scope(scheme: NumberingScheme, when: dt.date, tokens: dict) -> str:
    fields = pattern_fields(scheme.pattern)
    parts = [f"{name}={tokens[name]}" for name in sorted(tokens) if name in fields]
    if scheme.reset == "yearly":
        parts.insert(0, f"year={when.year}")
    return ";".join(parts)[:200]


def next_number(key: str, *, when: dt.date | None = None, **tokens) -> str:
    """The next identifier of scheme `key`. Call inside the transaction that creates the record."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that uses the number.")
    scheme = _scheme(key)
    when = when or timezone.localdate()
    missing = [f for f in pattern_fields(scheme.pattern) if f not in DATE_TOKENS | {"seq"} and f not in tokens]
    if missing:
        raise ValidationError(f"The numbering pattern {scheme.pattern} needs {', '.join(missing)}.")
    scope = _scope(scheme, when, tokens)
    counter = NumberCounter.objects.select_for_update().filter(scheme=scheme, scope=scope).first()
    if counter is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(scheme=scheme, scope=scope, last=0)
        except IntegrityError:
            pass  # created by a concurrent caller; lock it below
        counter = NumberCounter.objects.select_for_update().get(scheme=scheme, scope=scope)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(scheme.pattern, counter.last, when, tokens)


@transaction.atomic
def scheme_update(*, actor, scheme: NumberingScheme, pattern: str, reason: str, version=None) -> NumberingScheme:
    authorize(actor, scheme.module, "administer")
    validate_pattern(pattern)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the numbering changes."})
    return record_update(
        actor,
        scheme,
        event="numbering.scheme_updated",
        changes={"pattern": pattern},
        expected_version=version,
        reason=reason,
        action="configure",
        require_reason=True,
    )


def schemes(actor):
    return NumberingScheme.objects.all()
