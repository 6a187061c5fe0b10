"""Periodic background work: enqueue tasks of Django's Tasks API when they are due.

The Tasks API has no scheduler. ``settings.PERIODIC_TASKS`` maps a task's import path
to its period in seconds; ``enqueue_due_tasks`` enqueues each task that is due, that
is, none of its jobs is waiting or running and none was enqueued within the period.
A failed job is therefore tried again one period after it was enqueued. ``manage.py
serve`` calls it every minute; in production run ``manage.py enqueue_due_tasks`` from
cron or a systemd timer (docs/operations.md). Two schedulers checking at the same
moment may both enqueue a task: periodic tasks must be idempotent (the retention job
is), so that costs one extra run at worst.

It reads the jobs of the database tasks backend (``django_tasks_db``) and imports the
tasks by path, so ``consult`` names no app above it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def due_tasks(*, now: dt.datetime) -> list[str]:
    """The import paths of the periodic tasks due at ``now``."""
    due = []
    for path, period in settings.PERIODIC_TASKS.items():
        jobs = DBTaskResult.objects.filter(task_path=path)
        pending = jobs.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        recent = jobs.filter(enqueued_at__gt=now - dt.timedelta(seconds=period))
        if not pending.exists() and not recent.exists():
            due.append(path)
    return due


def enqueue_due_tasks(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic task that is due; returns their import paths."""
    due = due_tasks(now=now or timezone.now())
    for path in due:
        import_string(path).enqueue()
    return due
