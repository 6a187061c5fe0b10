"""Background tasks: Django's Tasks API stored in the database (django-tasks-db), the
periodic enqueueing (consult.periodic) and a real worker process taking a real job."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from consult.models import RepresentationSettings
from consult.periodic import due_tasks, enqueue_due_tasks
from sessions.retention import erase_expired_guest_profiles
from tests.consult.factories import make_process
from tests.factories import make_event, make_participant, make_session
from tests.servers import ROOT, database_url

RETENTION = "sessions.retention.erase_expired_guest_profiles"


def test_the_database_backend_runs_every_task():
    assert isinstance(task_backends["default"], DatabaseBackend)
    assert settings.PERIODIC_TASKS == {RETENTION: 24 * 3600}


@pytest.mark.django_db
def test_a_periodic_task_is_enqueued_once_per_period():
    now = timezone.now()
    assert enqueue_due_tasks(now=now) == [RETENTION]
    job = DBTaskResult.objects.get()
    assert (job.task_path, job.status) == (RETENTION, "READY")

    # Waiting for a worker: not enqueued again, even after the period.
    assert enqueue_due_tasks(now=now) == []
    assert due_tasks(now=now + dt.timedelta(days=3)) == []

    # Done: due again once a day has passed since it was enqueued.
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert due_tasks(now=now + dt.timedelta(hours=23)) == []
    assert enqueue_due_tasks(now=now + dt.timedelta(hours=24, seconds=1)) == [RETENTION]
    assert DBTaskResult.objects.filter(status="READY").count() == 1


@pytest.mark.django_db
def test_the_command_enqueues_what_is_due():
    out = StringIO()
    call_command("enqueue_due_tasks", stdout=out)
    call_command("enqueue_due_tasks", stdout=out)
    assert out.getvalue() == f"queued {RETENTION}\n"
    assert DBTaskResult.objects.filter(task_path=RETENTION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_takes_the_queued_job_and_runs_it():
    process = make_process()
    RepresentationSettings.objects.create(process=process, retention_days=30)
    event = make_event(process=process, starts_on=dt.date(2020, 3, 1), ends_on=dt.date(2020, 3, 2))
    guest = make_participant(
        session=make_session(event=event), display_name="Thabo", stakeholder_group="policy"
    )
    result = erase_expired_guest_profiles.enqueue()
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"

    # The library's own worker command, as `make run` and production start it; --batch:
    # run what is queued, then exit.
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
         "--no-startup-delay", "--interval", "0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr

    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == "SUCCESSFUL", job.traceback
    assert job.return_value == 1
    assert len(job.worker_ids) == 1
    assert f"id={result.id}" in worker.stdout + worker.stderr
    guest.refresh_from_db()
    assert (guest.display_name, guest.stakeholder_group) == ("", "")
    # Nothing left for a second worker.
    assert not DBTaskResult.objects.ready().exists()
