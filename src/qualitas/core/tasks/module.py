"""Tasks assigned to people, with reminders and escalation."""

from datetime import timedelta

from qualitas.core.modules import Job, ModuleSpec

MODULE = ModuleSpec(
    key="tasks",
    label="Tasks",
    tasks="qualitas.core.tasks.selectors:open_task_items",
    jobs=(Job("tasks.reminders", "qualitas.core.tasks.reminders:send_reminders_and_escalations",
              every=timedelta(minutes=15)),),
    api=("qualitas.core.tasks.api:router",),
    urls=(("tasks/", "qualitas.core.tasks.urls"),),
    audit_events=(
        "task.cancelled",
        "task.completed",
        "task.created",
        "task.escalated",
    ),
)
