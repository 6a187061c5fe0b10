from django_countries.data import COUNTRIES

from people.vocabularies import NO_REGION, REGION_OF_COUNTRY, Region, region_of


def test_every_country_has_exactly_one_region_but_the_uninhabited():
    missing = set(COUNTRIES) - set(REGION_OF_COUNTRY) - NO_REGION
    assert missing == set()
    assert set(REGION_OF_COUNTRY.values()) == {r for r in Region.values if r}


def test_region_of_known_unknown_and_lower_case():
    assert region_of("CL") == Region.LATIN_AMERICA
    assert region_of("cn") == Region.ASIA
    assert region_of("CD") == Region.SUB_SAHARAN_AFRICA
    assert region_of("MA") == Region.MENA
    assert region_of("DE") == Region.EUROPE
    assert region_of("CA") == Region.NORTH_AMERICA
    assert region_of("AU") == Region.OCEANIA
    assert region_of("") == Region.UNKNOWN
    assert region_of("AQ") == Region.UNKNOWN
    assert region_of("ZZ") == Region.UNKNOWN
