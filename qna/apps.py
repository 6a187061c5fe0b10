from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QnaConfig(AppConfig):
    name = "qna"
    verbose_name = _("Q&A")

    def ready(self) -> None:
        from sessions.kinds import register

        from .kinds import QnaKind

        register(QnaKind())
