"""Reads of the stakeholder directory: who may see it, filtered lists of people."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Affiliation, Organisation, Person, PersonEmail

User = AbstractBaseUser | AnonymousUser

# The influence/interest grid (1-5 each) in four quadrants; 3 to 5 counts as high.
HIGH = 3
QUADRANTS = {
    "manage_closely": (_("Manage closely (high influence, high interest)"), True, True),
    "keep_satisfied": (_("Keep satisfied (high influence, low interest)"), True, False),
    "keep_informed": (_("Keep informed (low influence, high interest)"), False, True),
    "monitor": (_("Monitor (low influence, low interest)"), False, False),
}


def can_manage_directory(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("people.manage_directory")
    )


def quadrant_of(*, influence: int | None, interest: int | None) -> str:
    """The grid quadrant of a placement ("" when not placed)."""
    if influence is None or interest is None:
        return ""
    for key, (_label, high_influence, high_interest) in QUADRANTS.items():
        if (influence >= HIGH) == high_influence and (interest >= HIGH) == high_interest:
            return key
    return ""


@dataclass(frozen=True)
class PeopleFilter:
    """What an organiser filters the directory (or an audience) by; empty means any."""

    query: str = ""
    stakeholder_group: str = ""
    region: str = ""
    country: str = ""
    sector: str = ""
    value_chain_stage: str = ""
    tag: str = ""
    quadrant: str = ""
    organisation: int | None = None
    contactable_only: bool = False


def filter_people(f: PeopleFilter, qs: QuerySet[Person] | None = None) -> QuerySet[Person]:
    qs = Person.objects.all() if qs is None else qs
    if f.query:
        qs = qs.filter(
            Q(name__icontains=f.query)
            | Q(emails__email__icontains=f.query)
            | Q(affiliations__organisation__name__icontains=f.query)
        ).distinct()
    for field in ("stakeholder_group", "region", "country", "sector"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    if f.value_chain_stage:
        qs = qs.filter(affiliations__organisation__value_chain_stage=f.value_chain_stage).distinct()
    if f.tag:
        qs = qs.filter(tags__name=f.tag.strip().lower())
    if f.organisation:
        qs = qs.filter(affiliations__organisation_id=f.organisation)
    if f.quadrant in QUADRANTS:
        _label, high_influence, high_interest = QUADRANTS[f.quadrant]
        qs = qs.filter(influence__isnull=False, interest__isnull=False)
        qs = qs.filter(influence__gte=HIGH) if high_influence else qs.filter(influence__lt=HIGH)
        qs = qs.filter(interest__gte=HIGH) if high_interest else qs.filter(interest__lt=HIGH)
    if f.contactable_only:
        # Not "do not contact", and an address that has not bounced.
        usable = PersonEmail.objects.filter(person=OuterRef("pk"), bounced_at__isnull=True)
        qs = qs.filter(do_not_contact=False).filter(Exists(usable))
    return qs


def people_list(f: PeopleFilter) -> QuerySet[Person]:
    """A page of the directory: people with their addresses and organisations, in a
    fixed number of queries however many rows."""
    return filter_people(f).prefetch_related(
        Prefetch("emails", queryset=PersonEmail.objects.order_by("-is_primary", "id")),
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation")),
        "tags",
    )


def primary_email(person: Person) -> str:
    """The person's primary address (from prefetched emails when there are)."""
    emails = list(person.emails.all())
    return emails[0].email if emails else ""


def organisations_list(query: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs


# --------------------------------------------------------------------------- organiser pages
# Added for the directory's organiser pages (people/views.py).


def person_page(pk: int) -> Person | None:
    """One person with everything the directory holds about them, in a fixed number of
    queries: addresses, organisations, tags and the history of their grid placement."""
    from .models import AnalysisChange

    return (
        Person.objects.filter(pk=pk)
        .select_related("user")
        .prefetch_related(
            Prefetch("emails", queryset=PersonEmail.objects.order_by("-is_primary", "id")),
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation")),
            "tags",
            Prefetch(
                "analysis_history", queryset=AnalysisChange.objects.select_related("changed_by")
            ),
        )
        .first()
    )


def merge_candidates(person: Person, query: str, limit: int = 20) -> list[Person]:
    """People matching a search (name, address, organisation), other than ``person``."""
    if not query.strip():
        return []
    qs = people_list(PeopleFilter(query=query.strip())).exclude(pk=person.pk)
    return list(qs[:limit])


def organisations_with_counts(query: str = "") -> QuerySet[Organisation]:
    from django.db.models import Count

    # A query with GROUP BY leaves out the model's ordering: say it again.
    return (
        organisations_list(query)
        .annotate(people_count=Count("affiliations"))
        .order_by("name", "id")
    )


def organisation_people(organisation: Organisation) -> QuerySet[Affiliation]:
    """An organisation's people with their role, each with their addresses."""
    return (
        Affiliation.objects.filter(organisation=organisation)
        .select_related("person")
        .prefetch_related(
            Prefetch("person__emails", queryset=PersonEmail.objects.order_by("-is_primary", "id"))
        )
        .order_by("person__name", "person_id")
    )


def export_logs():
    """Every export of personal data, newest first, with who made it."""
    from .models import ExportLog

    return ExportLog.objects.select_related("user")


def grid_people(f: PeopleFilter) -> QuerySet[Person]:
    """The people to place on the influence/interest grid (filtered like the directory)."""
    return filter_people(f).order_by("name", "id")
