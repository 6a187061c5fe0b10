"""Background tasks of reports (Django's Tasks API; ``make run`` starts a worker,
production runs ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def build_report(*, report_id: int, generation: int) -> bool:
    """Build a workshop report's content, charts and PDF (``services.build``)."""
    return services.build(report_id=report_id, generation=generation)
