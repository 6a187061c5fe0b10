"""Fixed lists a participant declares their stakeholder profile from.

Every list allows "prefer not to say" (stored as the empty string).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

PREFER_NOT_TO_SAY = ""


class StakeholderGroup(models.TextChoices):
    UNDISCLOSED = "", _("Prefer not to say")
    INDUSTRY_UPSTREAM = "industry_upstream", _("Industry: upstream (mining, processing)")
    INDUSTRY_DOWNSTREAM = "industry_downstream", _("Industry: downstream (manufacturing, retail)")
    CIVIL_SOCIETY = "civil_society", _("Civil society / NGO")
    POLICY = "policy", _("Government / policy maker")
    RESEARCH = "research", _("Research / academia")
    FINANCE = "finance", _("Finance / investors")
    COMMUNITY_LABOUR = "community_labour", _("Community / labour")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    UNDISCLOSED = "", _("Prefer not to say")
    RENEWABLE_ENERGY = "renewable_energy", _("Renewable energy")
    MOBILITY = "mobility", _("Mobility")
    ELECTRONICS = "electronics", _("Electric and electronic equipment")
    MINING = "mining", _("Mining and processing")
    CROSS_SECTOR = "cross_sector", _("Cross-sector")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    UNDISCLOSED = "", _("Prefer not to say")
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    SELF_DESCRIBED = "other", _("Other")
