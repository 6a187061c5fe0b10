from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Documents the platform writes itself: the workshop report of a live session (a
    page and a PDF built by the tasks worker), later the process report."""

    name = "reports"
    verbose_name = _("Reports")
