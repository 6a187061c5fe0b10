from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthesisConfig(AppConfig):
    """Balanced results, common ground and themes: from many voices to a fair synthesis
    (docs/synthesis.md)."""

    name = "synthesis"
    verbose_name = _("Synthesis")
