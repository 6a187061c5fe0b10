"""Directory test data, built through the services the product uses."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Permission, User

from people import services
from people.models import Organisation, Person
from tests.factories import make_user

_counter = itertools.count(1)


def make_manager(**extra) -> User:
    """A signed-in organiser who may see and manage the stakeholder directory."""
    user = make_user(**extra)
    user.user_permissions.add(
        Permission.objects.get(codename="manage_directory", content_type__app_label="people")
    )
    return User.objects.get(pk=user.pk)  # drop the permission cache


def make_organisation(**extra) -> Organisation:
    return services.create_organisation(
        name=extra.pop("name", f"Cobalt Institute {next(_counter)}"),
        country=extra.pop("country", ""),
        **extra,
    )


def make_person(*, emails=None, organisation: Organisation | None = None, role: str = "",
                **extra) -> Person:  # fmt: skip
    """A listed person with one address (unless ``emails`` says otherwise)."""
    n = next(_counter)
    basis = extra.pop("basis", Person.Basis.LISTED)
    if basis == Person.Basis.LISTED:
        extra.setdefault("listed_source", "Member list of the Responsible Minerals Forum")
    person = services.create_person(
        name=extra.pop("name", f"Person {n}"),
        basis=basis,
        emails=[f"person{n}@example.org"] if emails is None else emails,
        **extra,
    )
    if organisation is not None:
        services.add_affiliation(person=person, organisation=organisation, role=role)
    return person
