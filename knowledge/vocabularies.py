"""The fixed lists a good-practice case is described by: its type (in the two groups of
the programme's mapping template), its maturity and the minerals it concerns. Sectors,
value-chain stages, regions and countries are the directory's
(``people.vocabularies``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    PRIVATE_VALUE_CHAIN = "private_value_chain", _("Private sector: value-chain initiative")
    PRIVATE_SECTORAL = "private_sectoral", _("Private sector: sectoral initiative")
    PUBLIC_POLICY_EU = "public_policy_eu", _("Public policy: EU")
    PUBLIC_POLICY_NATIONAL = "public_policy_national", _("Public policy: member state")
    COMPANY_MANAGEMENT = "company_management", _("Company: management system")
    COMPANY_TECHNOLOGY = "company_technology", _("Company: technology")
    COMPANY_REPORTING = "company_reporting", _("Company: reporting system")


# The mapping matrix's column groups, as in the programme's template.
CASE_TYPE_GROUPS: list[tuple[str, object, list[str]]] = [
    (
        "initiatives",
        _("Large-scale initiatives"),
        [
            CaseType.PRIVATE_VALUE_CHAIN,
            CaseType.PRIVATE_SECTORAL,
            CaseType.PUBLIC_POLICY_EU,
            CaseType.PUBLIC_POLICY_NATIONAL,
        ],
    ),
    (
        "companies",
        _("Individual companies"),
        [CaseType.COMPANY_MANAGEMENT, CaseType.COMPANY_TECHNOLOGY, CaseType.COMPANY_REPORTING],
    ),
]


class Maturity(models.TextChoices):
    ESTABLISHED = "established", _("Established practice")
    EMERGING = "emerging", _("Emerging practice")
    UNRESOLVED = "unresolved", _("Approach to a still unresolved challenge")


class Mineral(models.TextChoices):
    COBALT = "cobalt", _("Cobalt")
    LITHIUM = "lithium", _("Lithium")
    NICKEL = "nickel", _("Nickel")
    GRAPHITE = "graphite", _("Graphite")
    COPPER = "copper", _("Copper")
    MANGANESE = "manganese", _("Manganese")
    RARE_EARTHS = "rare_earths", _("Rare earth elements")
    TIN = "tin", _("Tin")
    TANTALUM = "tantalum", _("Tantalum")
    TUNGSTEN = "tungsten", _("Tungsten")
    GOLD = "gold", _("Gold")
    BAUXITE = "bauxite", _("Bauxite and aluminium")
    IRON = "iron", _("Iron ore")
    OTHER = "other", _("Other minerals")


class Horizon(models.IntegerChoices):
    H2030 = 2030, "2030"
    H2040 = 2040, "2040"
    H2050 = 2050, "2050"
