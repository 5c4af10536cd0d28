"""Reads that span modules: "My tasks" and the global search, both fed by the registry."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

from django.utils import timezone

from qualitas.core.registry import SearchHit, TaskItem, registry

logger = logging.getLogger(__name__)


def _due_sort_key(task: TaskItem):
    due = task.due
    if due is None:
        return (1, date.max)
    if isinstance(due, datetime):
        due = timezone.localtime(due).date() if timezone.is_aware(due) else due.date()
    return (0, due)


def my_tasks(user) -> list[TaskItem]:
    tasks: list[TaskItem] = []
    for provider in registry.task_providers.values():
        tasks.extend(provider(user))
    return sorted(tasks, key=_due_sort_key)


def module_label(key: str) -> str:
    """The label people know a module by ("Improvement"), for a provider registered under its key."""
    from qualitas.core.modules import get_spec

    spec = get_spec(key)
    return spec.label if spec is not None else ""


def search(user, query: str, limit: int = 20) -> list[SearchHit]:
    query = query.strip()
    if len(query) < 2:
        return []
    hits: list[SearchHit] = []
    for key, provider in registry.search_providers.items():
        label = module_label(key)
        hits.extend(replace(hit, module=label) if label and hit.module != label else hit
                    for hit in provider(user, query, limit))
    hits.sort(key=lambda hit: (-hit.score, hit.title))
    return hits[:limit]
