from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = _("Polls")

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import POLL_KINDS
        from .vision import VISION_KINDS

        for kind in (*POLL_KINDS, *VISION_KINDS):
            register(kind)
