from django.apps import AppConfig


class QnaConfig(AppConfig):
    name = "qna"
    verbose_name = "Q&A"

    def ready(self) -> None:
        # The Q&A kind registers here: from sessions.kinds import register.
        pass
