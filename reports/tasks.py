"""Background tasks of reports (Django's Tasks API; ``make run`` starts a worker,
production runs ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def build_report(*, report_id: int, generation: int) -> bool:
    """Build a workshop report's content, charts and PDF (``services.build``)."""
    return services.build(report_id=report_id, generation=generation)


@task()
def build_process_report(*, report_id: int, generation: int) -> bool:
    """Build a process or programme report's content, PDF and XLSX
    (``services.build_process_report``)."""
    return services.build_process_report(report_id=report_id, generation=generation)


@task()
def build_certificates(*, batch_id: int, generation: int) -> bool:
    """Build the organisers' PDF of an event's certificates of participation
    (``certificates.build_certificates``)."""
    from . import certificates  # it imports WeasyPrint

    return certificates.build_certificates(batch_id=batch_id, generation=generation)
