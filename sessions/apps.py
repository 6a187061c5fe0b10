from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "sessions"
    # ``sessions`` is django.contrib.sessions' label; ours must differ (see DESIGN.md).
    label = "live"
    verbose_name = _("Live sessions")

    def ready(self) -> None:
        from people.engagement import register_source

        from .engagement import live_engagement
        from .wire import defer_autobahn_debug_formatting, fast_path_enabled

        register_source("live", live_engagement)
        fast_path_enabled()  # checked (and warned about) once, at start-up
        defer_autobahn_debug_formatting()
