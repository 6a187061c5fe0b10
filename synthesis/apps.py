from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthesisConfig(AppConfig):
    """Balanced results, common ground and themes: from many voices to a fair synthesis
    (docs/synthesis.md)."""

    name = "synthesis"
    verbose_name = _("Synthesis")

    def ready(self) -> None:
        # Links the consultation's pages show (consult/extensions.py); each in one line.
        from . import balanced_rounds, consult_themes

        consult_themes.register_links()
        balanced_rounds.register_links()
