from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepresentationConfig(AppConfig):
    """Target mix pages and who was invited, accepted, joined and contributed, by
    stakeholder group, region and gender, against it."""

    name = "representation"
    label = "representation"
    verbose_name = _("Representation")

    def ready(self) -> None:
        from sessions.panels import register_panel

        from .panel import build

        register_panel(
            "representation",
            build,
            title=_("Who is here: representation"),
            script="representation/panel.js",
            style="representation/panel.css",
        )
