from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Idea boards"

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import IdeaBoard

        register(IdeaBoard())
