from django.apps import AppConfig


class QnaConfig(AppConfig):
    name = "qna"
    verbose_name = "Q&A"

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import QnaKind

        register(QnaKind())
