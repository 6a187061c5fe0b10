"""The demo's stakeholder directory: about 300 fictional people in 60 fictional
organisations, the demo process's target mix, and invitations to the demo workshop
whose answers leave a visible representation gap.

Everything is generated from a seeded random number generator, so every run builds the
same directory. Names are combinations of common first and last names of each region;
every address is on ``example.org`` (organisations) or ``example.com`` (independents).
The people are the unit of idempotency: a person is identified by their primary
address, and only people not yet in the directory are created (with their addresses,
affiliations, tags and place on the influence/interest grid). Organisations, the target
mix and invitations are likewise only added when missing, so a second run changes
nothing, and an organiser's later edits are kept.

Written with bulk inserts (a dozen queries for the whole directory) so that
``manage.py load_demo`` stays quick; the rules ``people.services`` enforces (a basis for
every record, the region derived from the country, lower-case addresses, one primary
address) are applied here by construction and checked by the database constraints.

The story the figures tell (``tests/demo/test_directory.py`` holds it): the demo
process aims at equal shares for six stakeholder groups and a regional mix, about 120
people are invited to the workshop at roughly the target, but industry accepts far more
often than civil society and community/labour, and invitees from Sub-Saharan Africa
mostly do not answer or decline (travel and visas), so the accepted mix misses the
target by more than ten points for those groups.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from consult.models import Profile, TargetShare
from consult.targets import equal_shares, set_target_mix, target_mix
from demo.consultation import PEOPLE as ACCOUNT_PEOPLE
from outreach.models import Invitation
from people import services as people_services
from people.models import Affiliation, AnalysisChange, Organisation, Person, PersonEmail, Tag
from people.vocabularies import Gender, Region, Sector, StakeholderGroup, ValueChainStage, region_of
from sessions.models import Participant, Session

SEED = 2050
GENERATED_PEOPLE = 296  # plus the four demo accounts of the consultation: 300
G = StakeholderGroup
R = Region
S = Sector
V = ValueChainStage

# --------------------------------------------------------------------------- names

# (region, countries, women's first names, men's first names, last names, family name first)
# fmt: off
NAME_POOLS: list[tuple[str, str, str, str, str, bool]] = [
    (R.LATIN_AMERICA, "CL PE BO AR MX CO",
     "Lucía, Valentina, Camila, Fernanda, Gabriela, Daniela, Rosa, Paola",
     "Mateo, Diego, Joaquín, Rodrigo, Tomás, Andrés, Felipe, Hernán",
     "Quispe, Mamani, Castillo, Herrera, Vargas, Morales, Zapata, Figueroa, Cárdenas, Salinas",
     False),
    (R.LATIN_AMERICA, "BR",
     "Ana, Beatriz, Juliana, Larissa, Mariana, Tatiane",
     "João, Rafael, Thiago, Bruno, Gustavo, Leandro",
     "Oliveira, Souza, Pereira, Carvalho, Ribeiro, Almeida, Barbosa, Teixeira",
     False),
    (R.SUB_SAHARAN_AFRICA, "CD CM SN CI",
     "Fatoumata, Aïcha, Mireille, Grâce, Nadège, Clarisse",
     "Jean-Pierre, Ibrahima, Didier, Moussa, Patrice, Serge",
     "Ilunga, Kabongo, Mbuyi, Diop, Ndiaye, Traoré, Fofana, Tshibangu, Mukendi, Kouassi",
     False),
    (R.SUB_SAHARAN_AFRICA, "GH NG",
     "Abena, Ngozi, Ama, Chiamaka, Efua, Funmilayo",
     "Kwame, Babajide, Kofi, Emeka, Yaw, Tunde",
     "Mensah, Adeyemi, Okafor, Owusu, Boateng, Eze, Asante, Okeke",
     False),
    (R.SUB_SAHARAN_AFRICA, "ZA ZM ZW KE TZ",
     "Thandiwe, Chipo, Nia, Zawadi, Wanjiru, Lindiwe, Mutale, Rudo",
     "Tendai, Jabari, Sipho, Mwangi, Chanda, Baraka, Themba, Kudzai",
     "Banda, Dlamini, Kamau, Nyathi, Otieno, Phiri, Mwale, Moyo, Njoroge, Mutasa",
     False),
    (R.ASIA, "CN",
     "Li Na, Xiaoling, Mei, Yan, Jing, Hui",
     "Wei, Jun, Hao, Lei, Qiang, Bo",
     "Zhang, Chen, Liu, Wang, Zhou, Huang, Lin, Xu",
     True),
    (R.ASIA, "IN",
     "Priya, Ananya, Kavita, Meera, Sunita, Divya",
     "Arjun, Rahul, Vikram, Sanjay, Rohan, Anil",
     "Sharma, Iyer, Patel, Reddy, Nair, Gupta, Mehta, Rao",
     False),
    (R.ASIA, "ID",
     "Siti, Dewi, Ayu, Rina, Putri, Wulan",
     "Budi, Agus, Eko, Rizky, Hendra, Dimas",
     "Santoso, Wijaya, Hidayat, Saputra, Kusuma, Pratama, Setiawan",
     False),
    (R.ASIA, "PH",
     "Maria Teresa, Kristine, Joy, Angelica",
     "Jose Miguel, Mark Anthony, Ramon, Paolo",
     "Santos, Reyes, Dela Cruz, Bautista, Villanueva, Mendoza",
     False),
    (R.ASIA, "JP",
     "Haruka, Yui, Aiko, Naomi",
     "Hiroshi, Kenji, Takumi, Daisuke",
     "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito",
     False),
    (R.EUROPE, "DE AT NL CH",
     "Anna, Katrin, Sophie, Lena, Femke, Julia",
     "Jonas, Lukas, Tobias, Pieter, Stefan, Jan",
     "Becker, Schneider, de Vries, Hoffmann, Jansen, Vogel, Bakker, Keller",
     False),
    (R.EUROPE, "FR BE IT ES PT",
     "Camille, Chiara, Elena, Marta, Inês, Claire",
     "Julien, Marco, Pablo, Nuno, Antoine, Luca",
     "Moreau, Rossi, García, Ferreira, Lefèvre, Bianchi, Navarro, Costa",
     False),
    (R.EUROPE, "SE FI NO",
     "Ingrid, Sanna, Maja, Elin",
     "Erik, Mikko, Oskar, Lars",
     "Lindqvist, Virtanen, Johansson, Nieminen, Berg, Halvorsen",
     False),
    (R.EUROPE, "PL",
     "Agnieszka, Katarzyna, Magdalena, Joanna",
     "Tomasz, Piotr, Marek, Paweł",
     "Nowak, Kowalczyk, Wójcik, Mazur, Krawczyk, Zając",
     False),
    (R.NORTH_AMERICA, "US CA",
     "Emily, Sarah, Jessica, Megan, Rachel, Alicia",
     "Michael, David, Ryan, Kevin, Brian, Marcus",
     "Thompson, Miller, Anderson, Campbell, Robinson, Tremblay, Walker, Bennett",
     False),
    (R.MENA, "MA EG TN JO AE SA",
     "Yasmine, Leila, Nour, Salma, Rania, Amal",
     "Karim, Youssef, Omar, Tarek, Hamza, Samir",
     "El Amrani, Haddad, Mansour, Benali, Khalil, Saleh, Nasser, Chraibi",
     False),
    (R.OCEANIA, "AU NZ",
     "Chloe, Olivia, Georgia, Hannah",
     "Liam, Jack, Mitchell, Callum",
     "Fraser, Harris, Kelly, O'Brien, Wilson, McKenzie",
     False),
    (R.OCEANIA, "PG FJ",
     "Mere, Salote, Vika, Losana",
     "Sione, Tevita, Joeli, Kasa",
     "Waqa, Naivalu, Tawake, Kaupa, Siune, Raka",
     False),
]

LANGUAGES = {
    "AR": ["es"], "BO": ["es", "qu"], "CL": ["es"], "CO": ["es"], "MX": ["es"],
    "PE": ["es", "qu"], "BR": ["pt"], "CD": ["fr", "sw"], "CM": ["fr"], "CI": ["fr"],
    "SN": ["fr", "wo"], "ZA": ["en", "zu"], "ZM": ["en", "bem"], "ZW": ["en", "sn"],
    "KE": ["en", "sw"], "TZ": ["sw", "en"], "GH": ["en"], "NG": ["en", "yo"], "CN": ["zh"],
    "IN": ["hi", "en"], "ID": ["id"], "PH": ["fil", "en"], "JP": ["ja"], "DE": ["de"],
    "AT": ["de"], "CH": ["de", "fr"], "NL": ["nl"], "FR": ["fr"], "BE": ["fr", "nl"],
    "IT": ["it"], "ES": ["es"], "PT": ["pt"], "SE": ["sv"], "FI": ["fi"], "NO": ["no"],
    "PL": ["pl"], "US": ["en"], "CA": ["en", "fr"], "MA": ["ar", "fr"], "TN": ["ar", "fr"],
    "EG": ["ar"], "JO": ["ar"], "AE": ["ar"], "SA": ["ar"], "AU": ["en"], "NZ": ["en"],
    "PG": ["en", "tpi"], "FJ": ["en", "fj"],
}
# fmt: on


@dataclass(frozen=True)
class NamePool:
    region: str
    countries: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    last_names: tuple[str, ...]
    family_name_first: bool


POOLS = [
    NamePool(
        region,
        tuple(countries.split()),
        tuple(women.split(", ")),
        tuple(men.split(", ")),
        tuple(lasts.split(", ")),
        family_first,
    )
    for region, countries, women, men, lasts, family_first in NAME_POOLS
]
POOL_OF_COUNTRY = {country: pool for pool in POOLS for country in pool.countries}

# --------------------------------------------------------------------------- organisations

NETWORK = "Battery value chain network"
# (name, group, country, sectors, value-chain stage). Fictional; the first four are the
# organisations the demo consultation's stakeholders declared (demo.consultation.PEOPLE).
# fmt: off
ORGANISATIONS: list[tuple[str, str, str, list[str], str]] = [
    ("Mining Watch Network", G.CIVIL_SOCIETY, "CD", [S.MINING], V.NOT_IN_CHAIN),
    ("Auto Components AG", G.INDUSTRY_DOWNSTREAM, "DE", [S.MOBILITY], V.DOWNSTREAM),
    ("Universidad de Santiago", G.RESEARCH, "CL", [S.MINING, S.MOBILITY], V.NOT_IN_CHAIN),
    ("Mineworkers' Union", G.COMMUNITY_LABOUR, "ZA", [S.MINING], V.UPSTREAM),
    # industry upstream
    ("Kasenga Copper and Cobalt", G.INDUSTRY_UPSTREAM, "CD", [S.MINING], V.UPSTREAM),
    ("Altiplano Lithium Resources", G.INDUSTRY_UPSTREAM, "BO", [S.MINING], V.UPSTREAM),
    ("Salar Norte Minerals", G.INDUSTRY_UPSTREAM, "CL", [S.MINING], V.UPSTREAM),
    ("Nickel Bay Processing", G.INDUSTRY_UPSTREAM, "ID", [S.MINING], V.MIDSTREAM),
    ("Uluguru Graphite", G.INDUSTRY_UPSTREAM, "TZ", [S.MINING], V.UPSTREAM),
    ("Copperbelt Smelting Partners", G.INDUSTRY_UPSTREAM, "ZM", [S.MINING], V.MIDSTREAM),
    ("Pilbara Ridge Rare Earths", G.INDUSTRY_UPSTREAM, "AU", [S.MINING], V.UPSTREAM),
    ("Jinhe Rare Earth Separation", G.INDUSTRY_UPSTREAM, "CN", [S.MINING], V.MIDSTREAM),
    ("Nordic Battery Metals Refinery", G.INDUSTRY_UPSTREAM, "FI", [S.MINING], V.MIDSTREAM),
    ("Draa Valley Cobalt", G.INDUSTRY_UPSTREAM, "MA", [S.MINING], V.UPSTREAM),
    # industry downstream
    ("Voltaris Battery Cells", G.INDUSTRY_DOWNSTREAM, "PL", [S.MOBILITY, S.ELECTRONICS], V.DOWNSTREAM),
    ("Rhine Valley Motors", G.INDUSTRY_DOWNSTREAM, "DE", [S.MOBILITY], V.DOWNSTREAM),
    ("Pearl Delta Electronics Assembly", G.INDUSTRY_DOWNSTREAM, "CN", [S.ELECTRONICS], V.DOWNSTREAM),
    ("Sunward Solar Modules", G.INDUSTRY_DOWNSTREAM, "IN", [S.RENEWABLE_ENERGY], V.DOWNSTREAM),
    ("Great Lakes EV Drivetrains", G.INDUSTRY_DOWNSTREAM, "US", [S.MOBILITY], V.DOWNSTREAM),
    ("Loop Metals Recycling", G.INDUSTRY_DOWNSTREAM, "NL", [S.MOBILITY, S.ELECTRONICS], V.RECYCLING),
    ("Second Life Battery Recovery", G.INDUSTRY_DOWNSTREAM, "CA", [S.MOBILITY], V.RECYCLING),
    ("Paulista Electric Buses", G.INDUSTRY_DOWNSTREAM, "BR", [S.MOBILITY], V.DOWNSTREAM),
    ("Kattegat Wind Components", G.INDUSTRY_DOWNSTREAM, "SE", [S.RENEWABLE_ENERGY], V.DOWNSTREAM),
    # civil society
    ("Andean Water Defence Collective", G.CIVIL_SOCIETY, "PE", [S.MINING], V.NOT_IN_CHAIN),
    ("Gold Coast Centre for Extractive Transparency", G.CIVIL_SOCIETY, "GH", [S.MINING], V.NOT_IN_CHAIN),
    ("Fair Circuits Coalition", G.CIVIL_SOCIETY, "BE", [S.ELECTRONICS], V.NOT_IN_CHAIN),
    ("Southern Africa Resource Justice Forum", G.CIVIL_SOCIETY, "ZW", [S.MINING], V.NOT_IN_CHAIN),
    ("Green Corridor Alliance", G.CIVIL_SOCIETY, "KE", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Northern Lands and Waters Observatory", G.CIVIL_SOCIETY, "CA", [S.MINING], V.NOT_IN_CHAIN),
    ("Clean Supply Chains Europe", G.CIVIL_SOCIETY, "FR", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Sahel Community Rights Association", G.CIVIL_SOCIETY, "SN", [S.MINING], V.NOT_IN_CHAIN),
    ("Nusantara Mining Advocacy Network", G.CIVIL_SOCIETY, "ID", [S.MINING], V.NOT_IN_CHAIN),
    # policy
    ("Copperbelt Provincial Mining Inspectorate", G.POLICY, "ZM", [S.MINING], V.NOT_IN_CHAIN),
    ("Andean Trade and Minerals Secretariat", G.POLICY, "PE", [S.MINING], V.NOT_IN_CHAIN),
    ("Office for Critical Raw Materials Policy", G.POLICY, "BE", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Interministerial Battery Regulation Task Force", G.POLICY, "FR", [S.MOBILITY], V.NOT_IN_CHAIN),
    ("Coral Coast Regional Resources Council", G.POLICY, "FJ", [S.MINING], V.NOT_IN_CHAIN),
    ("Highlands Mineral Development Authority", G.POLICY, "PG", [S.MINING], V.NOT_IN_CHAIN),
    ("Rift Valley County Mining Office", G.POLICY, "KE", [S.MINING], V.NOT_IN_CHAIN),
    ("Gulf Industrial Diversification Office", G.POLICY, "AE", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    # research
    ("Institute for Circular Materials", G.RESEARCH, "NL", [S.ELECTRONICS], V.NOT_IN_CHAIN),
    ("Sino-European Battery Research Centre", G.RESEARCH, "CN", [S.MOBILITY], V.NOT_IN_CHAIN),
    ("Pan-African Institute of Mining Studies", G.RESEARCH, "ZA", [S.MINING], V.NOT_IN_CHAIN),
    ("Atlantic Institute for Resource Studies", G.RESEARCH, "PT", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Institute of Materials Circularity", G.RESEARCH, "IN", [S.ELECTRONICS], V.NOT_IN_CHAIN),
    ("Great Plains Critical Minerals Lab", G.RESEARCH, "US", [S.MINING], V.NOT_IN_CHAIN),
    ("Maghreb Centre for Energy Transition Studies", G.RESEARCH, "TN", [S.RENEWABLE_ENERGY], V.NOT_IN_CHAIN),
    ("Southern Cross Mining Research Institute", G.RESEARCH, "AU", [S.MINING], V.NOT_IN_CHAIN),
    # finance
    ("Lakeside Impact Capital", G.FINANCE, "CH", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Greenstone Responsible Investment Partners", G.FINANCE, "US", [S.MINING], V.NOT_IN_CHAIN),
    ("Tropic Development Finance Bank", G.FINANCE, "CI", [S.RENEWABLE_ENERGY], V.NOT_IN_CHAIN),
    ("Polder Sustainable Metals Fund", G.FINANCE, "NL", [S.MINING], V.NOT_IN_CHAIN),
    ("Aotearoa Ethical Investment Trust", G.FINANCE, "NZ", [S.CROSS_SECTOR], V.NOT_IN_CHAIN),
    ("Levant Transition Finance", G.FINANCE, "JO", [S.RENEWABLE_ENERGY], V.NOT_IN_CHAIN),
    # community / labour
    ("Lualaba Artisanal Miners' Cooperative", G.COMMUNITY_LABOUR, "CD", [S.MINING], V.UPSTREAM),
    ("Baltic Metalworkers' Federation", G.COMMUNITY_LABOUR, "PL", [S.MOBILITY], V.DOWNSTREAM),
    ("Council of Salt Flat Communities", G.COMMUNITY_LABOUR, "AR", [S.MINING], V.UPSTREAM),
    ("Potosí Mining Cooperatives Union", G.COMMUNITY_LABOUR, "BO", [S.MINING], V.UPSTREAM),
    ("Luzon Electronics Workers' Association", G.COMMUNITY_LABOUR, "PH", [S.ELECTRONICS], V.DOWNSTREAM),
    ("Aswan Quarry Workers' Association", G.COMMUNITY_LABOUR, "EG", [S.MINING], V.UPSTREAM),
]

ROLES = {
    G.INDUSTRY_UPSTREAM: ("Head of sustainability", "Mine site manager", "Community relations manager",
                          "Supply chain due diligence officer", "Environmental engineer"),
    G.INDUSTRY_DOWNSTREAM: ("Head of responsible sourcing", "Supply chain analyst", "Procurement director",
                            "Battery passport project lead", "Sustainability officer"),
    G.CIVIL_SOCIETY: ("Programme director", "Campaigner", "Field researcher", "Advocacy officer",
                      "Legal adviser"),
    G.POLICY: ("Policy adviser", "Head of unit", "Mining inspector", "Trade negotiator",
               "Legal officer"),
    G.RESEARCH: ("Senior researcher", "Professor", "Doctoral researcher", "Research fellow",
                 "Lab director"),
    G.FINANCE: ("ESG analyst", "Portfolio manager", "Head of stewardship", "Investment officer"),
    G.COMMUNITY_LABOUR: ("Union organiser", "Community liaison", "Cooperative president",
                         "Health and safety representative", "Shop steward"),
}
DELEGATE_ROLES = {
    G.INDUSTRY_UPSTREAM: "Chief executive",
    G.INDUSTRY_DOWNSTREAM: "Vice-president, supply chain",
    G.CIVIL_SOCIETY: "Executive director",
    G.POLICY: "Director",
    G.RESEARCH: "Institute director",
    G.FINANCE: "Managing partner",
    G.COMMUNITY_LABOUR: "General secretary",
}

TAGS = (
    "due diligence", "traceability", "artisanal mining", "battery recycling", "human rights",
    "environmental impact", "tailings", "community consultation", "grievance mechanisms",
    "living wage", "gender equality", "water", "biodiversity", "circular economy",
    "standards and certification", "esg investment", "trade policy", "life-cycle assessment",
    "indigenous peoples' rights", "occupational health and safety",
)

LISTED_SOURCES = (
    "Responsible minerals forum 2026 attendee list",
    "Mobility roadmap 2050 kick-off webinar registrations",
    "Battery value chain network member list",
    "Regional advocacy forum 2025 participant list",
)

GENDER_WEIGHTS = {Gender.WOMAN: 46, Gender.MAN: 42, Gender.NON_BINARY: 3,
                  Gender.SELF_DESCRIBED: 1, Gender.UNDISCLOSED: 8}
# Independents (no organisation): where they are and how they describe themselves.
INDEPENDENT_REGIONS = {R.EUROPE: 25, R.SUB_SAHARAN_AFRICA: 17, R.LATIN_AMERICA: 15, R.ASIA: 18,
                       R.NORTH_AMERICA: 10, R.MENA: 10, R.OCEANIA: 3}
INDEPENDENT_GROUPS = {G.RESEARCH: 20, G.CIVIL_SOCIETY: 15, G.COMMUNITY_LABOUR: 10, G.OTHER: 25,
                      G.UNDISCLOSED: 15, G.FINANCE: 5, G.POLICY: 5, G.INDUSTRY_UPSTREAM: 5}
# fmt: on

# --------------------------------------------------------------------------- target and gap

TARGET_GROUPS = [
    G.INDUSTRY_UPSTREAM,
    G.INDUSTRY_DOWNSTREAM,
    G.CIVIL_SOCIETY,
    G.POLICY,
    G.RESEARCH,
    G.COMMUNITY_LABOUR,
]
TARGET_REGIONS = {
    R.EUROPE: 25,
    R.SUB_SAHARAN_AFRICA: 20,
    R.LATIN_AMERICA: 15,
    R.ASIA: 15,
    R.NORTH_AMERICA: 10,
    R.MENA: 10,
    R.OCEANIA: 5,
}
# Invitations to the workshop per group: (invited, in person, remote, declined); the
# others have not answered. Industry accepts, civil society and community/labour do not.
INVITATION_PLAN = {
    G.INDUSTRY_UPSTREAM: (24, 14, 6, 1),
    G.INDUSTRY_DOWNSTREAM: (24, 13, 7, 1),
    G.CIVIL_SOCIETY: (18, 2, 1, 8),
    G.POLICY: (14, 6, 3, 2),
    G.RESEARCH: (14, 5, 4, 2),
    G.FINANCE: (8, 4, 1, 1),
    G.COMMUNITY_LABOUR: (12, 2, 2, 4),
    G.OTHER: (4, 1, 0, 1),
    G.UNDISCLOSED: (4, 1, 1, 0),
}
# Invitees from Sub-Saharan Africa per group: a fifth (at the regional target), put
# last in line, so that they hold the unanswered and declined invitations.
SSA_SHARE_OF_INVITEES = 0.2
# The demo accounts of the consultation: their answers (they are active stakeholders).
ACCOUNT_ANSWERS = {
    "amara": Invitation.Answer.IN_PERSON,
    "lucas": Invitation.Answer.IN_PERSON,
    "ines": Invitation.Answer.REMOTE,
    "thabo": Invitation.Answer.REMOTE,
}


# --------------------------------------------------------------------------- generation


@dataclass
class PersonSpec:
    """One generated person, before it is in the database."""

    name: str
    email: str
    group: str
    country: str
    sector: str
    gender: str
    languages: list[str]
    tags: list[str]
    basis: str
    listed_source: str = ""
    consent_days_ago: int = 0
    do_not_contact: bool = False
    influence: int | None = None
    interest: int | None = None
    affiliations: list[tuple[int, str, bool]] = field(
        default_factory=list
    )  # org index, role, delegate


def slug(text: str) -> str:
    """ASCII, lower case, words joined by hyphens (for addresses)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, pool: NamePool, gender: str, used: set[str]) -> tuple[str, str, str]:
    """(first name, last name, name as written) not used before."""
    if gender == Gender.WOMAN:
        firsts = pool.women
    elif gender == Gender.MAN:
        firsts = pool.men
    else:
        firsts = pool.women + pool.men
    for _attempt in range(50):
        first, last = rng.choice(firsts), rng.choice(pool.last_names)
        name = f"{last} {first}" if pool.family_name_first else f"{first} {last}"
        if name not in used:
            used.add(name)
            return first, last, name
    raise RuntimeError("The name pools are too small for the directory.")  # pragma: no cover


def _email(first: str, last: str, domain: str, used: set[str]) -> str:
    """firstname.lastname@domain, ASCII, numbered when taken."""
    local = f"{slug(first).replace('-', '')}.{slug(last).replace('-', '')}"
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def _analysis(rng: random.Random, group: str) -> tuple[int, int]:
    """A place on the influence/interest grid, leaning the way each group usually sits."""
    influence_base = {
        G.POLICY: 4,
        G.FINANCE: 4,
        G.INDUSTRY_DOWNSTREAM: 4,
        G.INDUSTRY_UPSTREAM: 3,
        G.COMMUNITY_LABOUR: 2,
        G.CIVIL_SOCIETY: 2,
    }
    interest_base = {
        G.CIVIL_SOCIETY: 5,
        G.COMMUNITY_LABOUR: 5,
        G.RESEARCH: 4,
        G.FINANCE: 2,
        G.POLICY: 3,
    }
    influence = influence_base.get(group, 3) + rng.choice((-1, 0, 0, 1))
    interest = interest_base.get(group, 3) + rng.choice((-1, 0, 0, 1))
    return min(max(influence, 1), 5), min(max(interest, 1), 5)


def _person(
    rng: random.Random,
    *,
    group: str,
    country: str,
    sector: str,
    domain: str,
    used_names: set[str],
    used_emails: set[str],
) -> PersonSpec:
    pool = POOL_OF_COUNTRY[country]
    gender = _weighted(rng, GENDER_WEIGHTS)
    first, last, name = _name(rng, pool, gender, used_names)
    languages = list(LANGUAGES[country])
    if "en" not in languages and rng.random() < 0.7:
        languages.append("en")
    spec = PersonSpec(
        name=name,
        email=_email(first, last, domain, used_emails),
        group=group,
        country=country,
        sector=sector,
        gender=gender,
        languages=sorted(languages),
        tags=sorted(rng.sample(TAGS, k=rng.randint(1, 3))),
        basis=Person.Basis.LISTED,
    )
    if rng.random() < 0.2:
        spec.basis = Person.Basis.CONSENT
        spec.consent_days_ago = rng.randint(1, 35)
    else:
        spec.listed_source = rng.choice(LISTED_SOURCES)
    spec.do_not_contact = rng.random() < 0.03
    if rng.random() < 0.34:
        spec.influence, spec.interest = _analysis(rng, group)
    return spec


def generate(count: int = GENERATED_PEOPLE) -> list[PersonSpec]:
    """The fictional people, always the same ones: members of each organisation first
    (the first one its delegate), then independents, up to ``count``."""
    rng = random.Random(SEED)
    used_names = {name for _username, name, *_rest in ACCOUNT_PEOPLE}
    used_emails: set[str] = set()
    people: list[PersonSpec] = []
    for index, (org_name, group, country, sectors, _stage) in enumerate(ORGANISATIONS):
        region = region_of(country)
        neighbours = [c for pool in POOLS if pool.region == region for c in pool.countries]
        domain = f"{slug(org_name)}.example.org"
        for member in range(rng.randint(3, 5)):
            # Most work in the organisation's country, some elsewhere in the region.
            where = country if rng.random() < 0.85 else rng.choice(neighbours)
            spec = _person(
                rng,
                group=group if rng.random() < 0.95 else G.UNDISCLOSED,
                country=where,
                sector=rng.choice(sectors),
                domain=domain,
                used_names=used_names,
                used_emails=used_emails,
            )
            delegate = member == 0
            role = DELEGATE_ROLES[group] if delegate else rng.choice(ROLES[group])
            spec.affiliations.append((index, role, delegate))
            people.append(spec)
    while len(people) < count:
        region = _weighted(rng, INDEPENDENT_REGIONS)
        pool = rng.choice([p for p in POOLS if p.region == region])
        spec = _person(
            rng,
            group=_weighted(rng, INDEPENDENT_GROUPS),
            country=rng.choice(pool.countries),
            sector=rng.choice([s for s in Sector.values if s]),
            domain="example.com",
            used_names=used_names,
            used_emails=used_emails,
        )
        people.append(spec)
    return people[:count]


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadResult:
    organisations_created: int
    people_created: int
    invitations_created: int
    participants_linked: int


@transaction.atomic
def load(*, owner, session: Session) -> LoadResult:
    """Add the demo directory, the target mix and the workshop invitations to the demo
    process (``session``'s), creating only what is missing."""
    event = session.event
    process = event.process
    now = timezone.now()
    specs = generate()

    organisations, organisations_created = _organisations()
    by_email, people_created = _people(specs, organisations, owner=owner, now=now)
    accounts = _accounts(organisations)
    _targets(process=process, owner=owner)

    invited = set(Invitation.objects.filter(event=event).values_list("person_id", flat=True))
    plan = invitation_plan(specs)
    invitations = []
    for email, answer in plan:
        person = by_email[email]
        if person.pk not in invited:
            invitations.append(
                Invitation(process=process, event=event, person=person, answer=answer)
            )
            invited.add(person.pk)
    for username, person in accounts.items():
        if person.pk not in invited:
            invitations.append(
                Invitation(
                    process=process, event=event, person=person, answer=ACCOUNT_ANSWERS[username]
                )
            )
    Invitation.objects.bulk_create(invitations)

    # Participants who joined the demo session with an account get that account's
    # directory record (never matched by name).
    linked = 0
    for participant in Participant.objects.filter(
        session__event=event, person__isnull=True, user__directory_person__isnull=False
    ).select_related("user__directory_person"):
        participant.person = participant.user.directory_person
        participant.save(update_fields=["person"])
        linked += 1
    return LoadResult(
        organisations_created=organisations_created,
        people_created=people_created,
        invitations_created=len(invitations),
        participants_linked=linked,
    )


def _organisations() -> tuple[list[Organisation], int]:
    """The demo organisations in ``ORGANISATIONS`` order, creating the missing ones
    (an organisation is one name, in any case, in one country)."""
    existing = {
        (org.name.lower(), str(org.country)): org
        for org in Organisation.objects.annotate(lower_name=Lower("name")).filter(
            lower_name__in=[name.lower() for name, *_rest in ORGANISATIONS]
        )
    }
    missing = [
        Organisation(
            name=name,
            stakeholder_group=group,
            country=country,
            sectors=[str(sector) for sector in sectors],
            value_chain_stage=stage,
            website=f"https://{slug(name)}.example.org",
            networks=[NETWORK] if group.startswith("industry") or index % 3 == 0 else [],
        )
        for index, (name, group, country, sectors, stage) in enumerate(ORGANISATIONS)
        if (name.lower(), country) not in existing
    ]
    for org in Organisation.objects.bulk_create(missing):
        existing[(org.name.lower(), str(org.country))] = org
    ordered = [existing[(name.lower(), country)] for name, _g, country, *_r in ORGANISATIONS]
    return ordered, len(missing)


def _people(
    specs: list[PersonSpec], organisations: list[Organisation], *, owner, now: dt.datetime
) -> tuple[dict[str, Person], int]:
    """Create the people not yet in the directory (by primary address) with their
    addresses, affiliations, tags and analysis; return every generated person by address."""
    emails = [spec.email for spec in specs]
    known = {
        address.email: address.person
        for address in PersonEmail.objects.filter(email__in=emails).select_related("person")
    }
    new_specs = [spec for spec in specs if spec.email not in known]
    people = [
        Person(
            name=spec.name,
            stakeholder_group=spec.group,
            country=spec.country,
            region=region_of(spec.country),
            sector=spec.sector,
            gender=spec.gender,
            languages=spec.languages,
            basis=spec.basis,
            listed_source=spec.listed_source,
            consented_at=(
                now - dt.timedelta(days=spec.consent_days_ago)
                if spec.basis == Person.Basis.CONSENT
                else None
            ),
            consent_text_version=(
                settings.TERMS_VERSION if spec.basis == Person.Basis.CONSENT else ""
            ),
            do_not_contact=spec.do_not_contact,
            do_not_contact_at=now if spec.do_not_contact else None,
            influence=spec.influence,
            interest=spec.interest,
        )
        for spec in new_specs
    ]
    Person.objects.bulk_create(people)
    PersonEmail.objects.bulk_create(
        PersonEmail(person=person, email=spec.email, is_primary=True)
        for spec, person in zip(new_specs, people, strict=True)
    )
    Affiliation.objects.bulk_create(
        Affiliation(
            person=person, organisation=organisations[index], role=role, is_delegate=delegate
        )
        for spec, person in zip(new_specs, people, strict=True)
        for index, role, delegate in spec.affiliations
    )
    AnalysisChange.objects.bulk_create(
        AnalysisChange(
            person=person, influence=person.influence, interest=person.interest, changed_by=owner
        )
        for person in people
        if person.influence is not None
    )
    needed = sorted({tag for spec in new_specs for tag in spec.tags})
    Tag.objects.bulk_create([Tag(name=name) for name in needed], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=needed).values_list("name", "id"))
    Person.tags.through.objects.bulk_create(
        Person.tags.through(person_id=person.pk, tag_id=tag_ids[tag])
        for spec, person in zip(new_specs, people, strict=True)
        for tag in spec.tags
    )
    known.update((spec.email, person) for spec, person in zip(new_specs, people, strict=True))
    return known, len(people)


def _accounts(organisations: list[Organisation]) -> dict[str, Person]:
    """Directory records for the consultation's demo accounts, linked to the accounts
    through their verified addresses, in the organisations they declared."""
    User = get_user_model()
    by_name = {(org.name, str(org.country)): org for org in organisations}
    people: dict[str, Person] = {}
    for username, _name, _group, country, organisation in ACCOUNT_PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        person = Person.objects.filter(user=user).first()
        if person is None:
            profile = Profile.objects.get(user=user)
            person = people_services.create_person(
                name=profile.display_name,
                basis=Person.Basis.CONSENT,
                consented_at=profile.consented_at,
                consent_text_version=profile.terms_version or settings.TERMS_VERSION,
                emails=[user.email],
                stakeholder_group=profile.stakeholder_group,
                country=str(profile.country),
                sector=profile.sector,
                languages=["en"],
                source="Registered for the demo consultation",
            )
            people_services.link_account(user=user, verified_emails=[user.email])
            org = by_name.get((organisation, country))
            if org is not None:
                people_services.add_affiliation(person=person, organisation=org)
            person.refresh_from_db()
        people[username] = person
    return people


def _targets(*, process, owner) -> None:
    """Equal shares for six groups and a regional mix, unless the process has them."""
    mix = target_mix(process)
    if TargetShare.Dimension.GROUP not in mix:
        set_target_mix(
            process=process,
            by=owner,
            dimension=TargetShare.Dimension.GROUP,
            shares=equal_shares([str(g) for g in TARGET_GROUPS]),
        )
    if TargetShare.Dimension.REGION not in mix:
        set_target_mix(
            process=process,
            by=owner,
            dimension=TargetShare.Dimension.REGION,
            shares={str(region): share for region, share in TARGET_REGIONS.items()},
        )


def invitation_plan(specs: list[PersonSpec]) -> list[tuple[str, str]]:
    """(address, answer) of the generated people invited to the workshop, following
    ``INVITATION_PLAN``; people who asked not to be contacted are never invited."""
    rng = random.Random(SEED + 1)
    plan: list[tuple[str, str]] = []
    account_answers = [
        (group, ACCOUNT_ANSWERS[username]) for username, _n, group, _c, _o in ACCOUNT_PEOPLE
    ]
    for group, (count, in_person, remote, declined) in INVITATION_PLAN.items():
        candidates = [s for s in specs if s.group == group and not s.do_not_contact]
        africa = [s for s in candidates if region_of(s.country) == R.SUB_SAHARAN_AFRICA]
        others = [s for s in candidates if region_of(s.country) != R.SUB_SAHARAN_AFRICA]
        # The demo accounts of this group are invited too (``load``): fewer generated.
        for account_group, answer in account_answers:
            if account_group == group:
                count -= 1
                in_person -= answer == Invitation.Answer.IN_PERSON
                remote -= answer == Invitation.Answer.REMOTE
        n_africa = min(len(africa), round(count * SSA_SHARE_OF_INVITEES))
        chosen = rng.sample(others, min(len(others), count - n_africa)) + rng.sample(
            africa, n_africa
        )
        answers = (
            [Invitation.Answer.IN_PERSON] * in_person
            + [Invitation.Answer.REMOTE] * remote
            + [Invitation.Answer.DECLINED] * declined
        )
        answers += [Invitation.Answer.NONE] * (len(chosen) - len(answers))
        plan += [(spec.email, str(answer)) for spec, answer in zip(chosen, answers, strict=False)]
    return plan
