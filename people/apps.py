from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """The stakeholder directory and vocabularies: the bottom of the dependency graph."""

    name = "people"
    label = "people"
    verbose_name = _("Stakeholder directory")
