from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "sessions"
    # ``sessions`` is django.contrib.sessions' label; ours must differ (see DESIGN.md).
    label = "live"
    verbose_name = "Live sessions"
