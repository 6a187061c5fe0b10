from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = _("Idea boards")

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import IdeaBoard

        register(IdeaBoard())
