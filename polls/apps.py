from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = "Polls"

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import POLL_KINDS
        from .vision import VISION_KINDS

        for kind in (*POLL_KINDS, *VISION_KINDS):
            register(kind)
