from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = "Consultation"

    def ready(self) -> None:
        from people.engagement import register_source

        from .engagement import consultation_engagement

        register_source("consultation", consultation_engagement)
