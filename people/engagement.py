"""A person's engagement history, built from what the platform already records (never
typed twice): invitations and answers, live sessions joined with what they did there,
comments, validation answers and the answers they received.

The directory knows no app above it, so each app that records engagement registers a
source from its ``ready()``::

    register_source("live", live_engagement)

A source takes the people asked about and returns their ``Entry`` rows in a fixed
number of queries, whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .models import Organisation, Person


@dataclass(frozen=True)
class Entry:
    person_id: int
    when: dt.datetime | dt.date | None
    what: str  # translated, e.g. "Joined the live session"
    where: str  # e.g. "Lithium roadmap workshop · Day 1"
    detail: str = ""  # e.g. "3 votes, 2 notes"
    url: str = ""
    person_name: str = ""  # filled in where several people's entries are listed together


Source = Callable[[list[Person]], Iterable[Entry]]
_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


def _sort_key(entry: Entry) -> dt.datetime:
    when = entry.when
    if when is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if not isinstance(when, dt.datetime):
        return dt.datetime.combine(when, dt.time.min, tzinfo=dt.UTC)
    return when


def history_of_people(people: list[Person]) -> list[Entry]:
    """Every entry of these people, newest first."""
    if not people:
        return []
    entries = [e for name in sorted(_sources) for e in _sources[name](people)]
    return sorted(entries, key=_sort_key, reverse=True)


def history(person: Person) -> list[Entry]:
    return history_of_people([person])


def organisation_history(organisation: Organisation) -> list[Entry]:
    """The entries of the organisation's people, each with the person's name."""
    people = list(Person.objects.filter(affiliations__organisation=organisation))
    names = {p.pk: p.name for p in people}
    return [replace(e, person_name=names[e.person_id]) for e in history_of_people(people)]
