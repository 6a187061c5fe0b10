from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Invitations from the directory to events, live sessions and consultations."""

    name = "outreach"
    label = "outreach"
    verbose_name = _("Invitations")

    def ready(self) -> None:
        from people.engagement import register_source

        from .engagement import invitation_engagement

        register_source("invitations", invitation_engagement)
