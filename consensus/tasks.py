"""Background tasks of the consensus kind (Django's Tasks API; ``make run`` starts a
worker, production runs ``manage.py db_worker``)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from sessions.models import Activity
from sessions.room_events import tally_changed

from . import analysis


@task()
def recompute_analysis(*, activity_id: int) -> bool:
    """Compute an activity's analysis again and tell its room (the tally carries it)."""
    if not analysis.refresh(activity_id=activity_id):
        return False
    session_id = (
        Activity.objects.filter(pk=activity_id).values_list("session_id", flat=True).first()
    )
    if session_id is not None:
        transaction.on_commit(lambda: tally_changed(session_id, activity_id))
    return True
