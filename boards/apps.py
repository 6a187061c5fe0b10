from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Idea boards"

    def ready(self) -> None:
        # The idea-board kind registers here: from sessions.kinds import register.
        pass
