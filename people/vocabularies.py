"""The stakeholder vocabularies every part of the platform declares and counts people by.

Every list allows "prefer not to say" (stored as the empty string). A person's region is
never asked: it follows from their country (``region_of``).
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


class Region(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    EUROPE = "europe", _("Europe")
    LATIN_AMERICA = "latin_america", _("Latin America and the Caribbean")
    SUB_SAHARAN_AFRICA = "sub_saharan_africa", _("Sub-Saharan Africa")
    ASIA = "asia", _("Asia")
    NORTH_AMERICA = "north_america", _("North America")
    MENA = "mena", _("Middle East and North Africa")
    OCEANIA = "oceania", _("Oceania")


class ValueChainStage(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    UPSTREAM = "upstream", _("Upstream: mining and processing")
    MIDSTREAM = "midstream", _("Refining, smelting and trading")
    DOWNSTREAM = "downstream", _("Downstream: manufacturing and retail")
    RECYCLING = "recycling", _("Recycling")
    NOT_IN_CHAIN = "not_in_chain", _("Not in the value chain")


# ISO 3166-1 alpha-2 codes per region (after the World Bank's regions, with the
# Caucasus and Central Asia in Asia and Turkey in Europe). Uninhabited territories
# (Antarctica, Bouvet Island, the French Southern Territories) have no region.
_REGION_COUNTRIES: dict[str, str] = {
    Region.EUROPE: (
        "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS "
        "IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK"
    ),
    Region.NORTH_AMERICA: "BM CA GL PM US",
    Region.LATIN_AMERICA: (
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN "
        "HT JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    Region.MENA: "AE BH DJ DZ EG EH IL IQ IR JO KW LB LY MA OM PS QA SA SY TN YE",
    Region.SUB_SAHARAN_AFRICA: (
        "AO BF BI BJ BW CD CF CG CI CM CV ER ET GA GH GM GN GQ GW KE KM LR LS MG ML MR MU "
        "MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TZ UG YT ZA ZM ZW"
    ),
    Region.ASIA: (
        "AF AM AZ BD BN BT CC CN CX GE HK ID IN IO JP KG KH KP KR KZ LA LK MM MN MO MV MY "
        "NP PH PK SG TH TJ TL TM TW UZ VN"
    ),
    Region.OCEANIA: (
        "AS AU CK FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
}
REGION_OF_COUNTRY: dict[str, str] = {
    code: region for region, codes in _REGION_COUNTRIES.items() for code in codes.split()
}
NO_REGION = frozenset({"AQ", "BV", "TF"})


def region_of(country: str) -> str:
    """The region of an ISO country code ("" when unknown or not given)."""
    return REGION_OF_COUNTRY.get(str(country or "").upper(), Region.UNKNOWN)
