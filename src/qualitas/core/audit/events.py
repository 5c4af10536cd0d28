"""The registry of audit event names (STYLE rule 9): every event a module records is declared.

Modules declare theirs in module.py (`audit_events`); a workflow declares one event per transition
and one for its refusals when it is registered. `record()` refuses an undeclared name while the
suite runs (so a new event is a visible decision) and logs it in production, where losing an audit
event would be worse than recording one with an unregistered name. The snapshot test pins the list.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

_by_owner: dict[str, set[str]] = {}


def register(owner: str, names) -> None:
    _by_owner.setdefault(owner, set()).update(names)


def register_module(key: str, names) -> None:
    register(f"module:{key}", names)


def unregister_module(key: str) -> None:
    _by_owner.pop(f"module:{key}", None)


def register_workflow(record_type: str, transition_names) -> None:
    names = set()
    for name in transition_names:
        names.update({f"{record_type}.{name}", f"{record_type}.{name}_refused"})
    _by_owner[f"workflow:{record_type}"] = names


def is_declared(name: str) -> bool:
    return any(name in names for names in _by_owner.values())


def all_events() -> list[str]:
    return sorted(set().union(*_by_owner.values())) if _by_owner else []


def owner_of(name: str) -> str | None:
    return next((owner for owner, names in _by_owner.items() if name in names), None)


def check_declared(name: str) -> None:
    if is_declared(name):
        return
    import os

    from django.conf import settings

    if log := os.environ.get("QUALITAS_AUDIT_EVENT_LOG"):  # collecting names for a new declaration
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")
        return

    if getattr(settings, "TESTING", False):
        raise ValueError(f"Audit event {name!r} is not declared: add it to the module's audit_events in module.py.")
    logger.warning("Audit event %r is not declared by any module.", name)
