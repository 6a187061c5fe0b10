from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Consultation")

    def ready(self) -> None:
        from people.engagement import register_source

        from .engagement import consultation_engagement

        register_source("consultation", consultation_engagement)

        from django.contrib.auth.signals import user_logged_in

        from .language import remember_on_login

        user_logged_in.connect(remember_on_login, dispatch_uid="consult.language.remember")
