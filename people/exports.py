"""The stakeholder directory as CSV and XLSX: one row per person, the columns below.

Values are the stored codes (country as its ISO code, stakeholder group, sector and so
on as their keys), so a file exported here reads back the same; lists are joined with
"; ". Every text cell is made safe from running as a spreadsheet formula by
``people.spreadsheets``. Whoever calls these logs the export (``services.log_export``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from . import spreadsheets
from .models import Person

COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("emails", "emails"),
    ("organisations", "organisations"),
    ("group", "group"),
    ("country", "country"),
    ("region", "region"),
    ("sector", "sector"),
    ("gender", "gender"),
    ("languages", "languages"),
    ("tags", "tags"),
    ("basis", "basis"),
    ("do_not_contact", "do_not_contact"),
    ("influence", "influence"),
    ("interest", "interest"),
    ("source", "source"),
]

JOIN = "; "


def _organisation(affiliation) -> str:
    text = affiliation.organisation.name
    details = [d for d in (affiliation.role, _("delegate") if affiliation.is_delegate else "") if d]
    return f"{text} ({', '.join(details)})" if details else text


def row(person: Person) -> dict[str, Any]:
    """A person as an export row (from prefetched addresses, affiliations and tags)."""
    return {
        "id": person.pk,
        "name": person.name,
        "emails": JOIN.join(e.email for e in person.emails.all()),
        "organisations": JOIN.join(_organisation(a) for a in person.affiliations.all()),
        "group": person.stakeholder_group,
        "country": str(person.country.code or ""),
        "region": person.region,
        "sector": person.sector,
        "gender": person.gender,
        "languages": JOIN.join(person.languages or []),
        "tags": JOIN.join(t.name for t in person.tags.all()),
        "basis": person.basis,
        "do_not_contact": "yes" if person.do_not_contact else "no",
        "influence": "" if person.influence is None else person.influence,
        "interest": "" if person.interest is None else person.interest,
        "source": person.source,
    }


def rows(people: Iterable[Person]) -> Iterator[dict[str, Any]]:
    return (row(person) for person in people)


def as_csv(people: Iterable[Person]) -> str:
    return spreadsheets.as_csv(COLUMNS, rows(people))


def as_xlsx(people: Iterable[Person]) -> bytes:
    return spreadsheets.as_xlsx(COLUMNS, rows(people), title=_("Directory"))
