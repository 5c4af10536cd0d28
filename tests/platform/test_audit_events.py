"""The audit event registry: stable, declared event names (STYLE rule 9). Renaming or adding an
event is a visible decision: update the module's audit_events and this snapshot together
(`python tests/platform/test_audit_events.py` rewrites the snapshot from the installed modules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitas.core.audit import events

SNAPSHOT = Path(__file__).with_name("audit_events.txt")


def current() -> list[str]:
    return [name for name in events.all_events() if not name.startswith(("sample.", "test.", "suggestions."))]


def test_the_declared_audit_events_match_the_snapshot():
    pinned = SNAPSHOT.read_text(encoding="utf-8").split()
    added, removed = sorted(set(current()) - set(pinned)), sorted(set(pinned) - set(current()))
    assert not added and not removed, f"audit events changed: added {added}, removed {removed}"


def test_every_workflow_transition_declares_its_event_and_its_refusal():
    from qualitas.core.workflow.engine import all_workflows

    for workflow in all_workflows():
        for transition in workflow.transitions:
            assert events.is_declared(f"{workflow.record_type}.{transition.name}")
            assert events.is_declared(f"{workflow.record_type}.{transition.name}_refused")


@pytest.mark.django_db
def test_an_undeclared_event_is_refused_and_nothing_is_recorded():
    from qualitas.core.audit.models import AuditEvent
    from qualitas.core.audit.services import record

    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="not declared"):
        record(None, "configure", "nobody.declared_this")
    assert AuditEvent.objects.count() == before


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualitas.config.settings")
    django.setup()
    SNAPSHOT.write_text("\n".join(current()) + "\n", encoding="utf-8")
    print(f"{len(current())} events written to {SNAPSHOT}")
