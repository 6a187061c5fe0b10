from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsensusConfig(AppConfig):
    name = "consensus"
    verbose_name = _("Common ground")

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import ConsensusKind

        register(ConsensusKind())
