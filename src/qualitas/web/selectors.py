"""Reads that span modules: "My tasks" and the global search, both fed by the registry."""

from __future__ import annotations

import logging
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


def search(user, query: str, limit: int = 20) -> list[SearchHit]:
    query = query.strip()
    if len(query) < 2:
        return []
    hits: list[SearchHit] = []
    for provider in registry.search_providers.values():
        hits.extend(provider(user, query, limit))
    hits.sort(key=lambda hit: (-hit.score, hit.title))
    return hits[:limit]
