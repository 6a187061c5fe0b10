from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge repository")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A live activity's results page is public once its results are evidence of an
        # accepted case (sessions may not import knowledge: it asks through this check).
        from sessions.evidence import register_results_reader

        from .evidence import is_public_evidence

        register_results_reader(is_public_evidence)
