"""Refusals that outlive the transaction they happen in (P11-P, P11-S).

A wrong signature password is audited and counts toward the lockout. When the signature is checked
inside a service's transaction, the refusal (an exception) rolls that transaction back, and with it
the audit event and the failure count, so guessing would leave no trace. `keep(write)` records the
refusal at once and, for the duration of a request (`keeping()`, opened by the audit middleware),
remembers it; when the request is over, a refusal whose event did not survive is written again,
outside any transaction of the request. A refusal that survived (the caller caught it and
committed) is not written twice.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("qualitas_kept", default=None)


def keep(write: Callable[[], object]) -> None:
    """Run `write` (it records one AuditEvent and returns it) and make sure it is kept."""
    event = write()
    pending = _pending.get()
    if pending is not None and transaction.get_connection().in_atomic_block:
        pending.append((event.pk, event.hash, write))


@contextmanager
def keeping() -> Iterator[None]:
    token = _pending.set([])
    try:
        yield
    finally:
        pending = _pending.get() or []
        _pending.reset(token)
        _write_again_what_was_rolled_back(pending)


def _write_again_what_was_rolled_back(pending: list) -> None:
    from qualitas.core.audit.models import AuditEvent

    for pk, event_hash, write in pending:
        if not AuditEvent.objects.filter(pk=pk, hash=event_hash).exists():
            with transaction.atomic():
                write()
