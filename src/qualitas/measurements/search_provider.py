"""Characteristics in the global search, and unacknowledged signals in the owner's tasks."""

from __future__ import annotations

from django.urls import reverse

from qualitas.core.permissions import has_perm
from qualitas.core.registry import SearchHit, TaskItem


def search_characteristics(user, query: str, limit: int):
    from qualitas.measurements import selectors

    if not has_perm(user, "measurements", "view") or not query.strip():
        return []
    return [
        SearchHit(
            title=f"{c.number} {c.name}",
            url=reverse("measurements:detail", args=[c.pk]),
            module="Measurements & SPC",
            kind=f"{c.get_kind_display()} · {c.get_chart_type_display().split(' (')[0]} chart",
            snippet=c.description[:200],
            score=2.0,
        )
        for c in selectors.characteristic_list(user, query=query[:200])[:limit]
    ]


def open_signal_tasks(user):
    """One task per owned characteristic with unacknowledged signals (not one per signal)."""
    from qualitas.measurements import selectors

    by_characteristic: dict[int, list] = {}
    for event in selectors.open_signals_for(user).order_by("detected_at")[:1000]:
        by_characteristic.setdefault(event.characteristic_id, []).append(event)
    for events in by_characteristic.values():
        characteristic = events[0].characteristic
        count = len(events)
        yield TaskItem(
            title=f"Acknowledge {count} out-of-control signal{'s' if count > 1 else ''} on {characteristic.number} "
                  f"{characteristic.name}",
            url=reverse("measurements:detail", args=[characteristic.pk]) + "#signals",
            module="Measurements & SPC",
            kind="Out-of-control signal",
            due=events[0].detected_at,
            record=characteristic.number,
        )
