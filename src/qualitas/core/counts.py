"""How many records a long list holds, remembered until the next audited change.

A register says how many records there are in all (the API's `count`, "Page 1 of 2,001"). Counting
the 100,000 documents a person may see reads every one of them, tens of milliseconds on each page
view, while the page itself is read from an index in a fraction of a millisecond.

Every change to a regulated record, and every change of who may see what (roles and their
assignments, sites, deactivation), appends to the audit trail in the same transaction and so moves
the trail's head (its sequence number and hash, one row). A count is remembered under the exact SQL
of the list (the person's scope and filters are in it) together with the head it was counted at:
after any audited change anywhere, every remembered count is counted again. The head is read before
the count, so a count is never older than the head it is filed under; the hash tells apart two
histories that reached the same sequence number (one of them rolled back). Nothing is remembered
inside a transaction (it may see its own uncommitted rows). Per process and bounded; the rows of
the page are always read fresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from django.db import connections

LIMIT = 4096  # remembered counts per process (a key is one list's SQL for one scope)

_counts: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _head(using: str):
    from qualitas.core.audit.models import AuditHead

    return AuditHead.objects.using(using).filter(pk=1).values_list("sequence", "hash").first()


def remembered(queryset, count: Callable[[], int]) -> int:
    """`count()` of `queryset`, or the same number counted since the last audited change."""
    using = queryset.db
    if connections[using].in_atomic_block:
        return count()
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    key = (using, sql, tuple(params), _head(using))
    with _lock:
        if key in _counts:
            _counts.move_to_end(key)
            return _counts[key]
    value = count()
    with _lock:
        _counts[key] = value
        while len(_counts) > LIMIT:
            _counts.popitem(last=False)
    return value


def forget() -> None:
    with _lock:
        _counts.clear()
