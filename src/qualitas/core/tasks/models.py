"""Tasks: a step a record asks of one person by a due date (review, approve, acknowledge, act)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Task(models.Model):
    OPEN, DONE, CANCELLED = "open", "done", "cancelled"
    STATUS_CHOICES = [(OPEN, "Open"), (DONE, "Done"), (CANCELLED, "Cancelled")]
    KIND_CHOICES = [("review", "Review"), ("approve", "Approval"), ("acknowledge", "Acknowledgment"),
                    ("action", "Action")]

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default="action")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks")
    # The record the task belongs to (empty for a stand-alone task), with its module for permissions.
    record_type = models.CharField(max_length=100, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    record_label = models.CharField(max_length=300, blank=True)
    record_url = models.CharField(max_length=500, blank=True)
    module = models.CharField(max_length=50, blank=True, help_text="Permission module of the record.")
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=OPEN)
    # False: only the underlying step closes the task (the approval, the acknowledgment), not a button.
    manual_completion = models.BooleanField(default=True)
    key = models.CharField(max_length=200, null=True, blank=True,
                           help_text="Identifies the open task for idempotent creation, e.g. ack:doc:12:user:5.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=models.Q(status="open"), name="tasks_open_key_unique"),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due"], name="tasks_assignee_status_idx"),
            models.Index(fields=["record_type", "record_id"], name="tasks_record_idx"),
            models.Index(fields=["status", "due"], name="tasks_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.status == self.OPEN and self.due is not None and self.due < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()
