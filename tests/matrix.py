"""Shared by the permission-matrix modules: one world of test data per module, the
cases (a route and method, a role, the outcome), and running one case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.urls import URLPattern


def module_world(build: Callable[[], Any]):
    """A module-scoped ``world`` fixture: ``build()`` runs once inside a transaction that
    is rolled back after the module; each case runs in its own savepoint."""

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                yield build()
            finally:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    return world


def login(client: Client, world: Any, role: str) -> None:
    """Sign ``client`` in as ``role`` with the session cookie the module's world made for
    it (``world.cookies``); a role without one (anonymous) is signed out."""
    client.cookies.clear()
    if role in world.cookies:
        client.cookies["sessionid"] = world.cookies[role]


def route_names(namespace: str, urlpatterns) -> set[str]:
    """The "namespace:name" of every route (not include) in ``urlpatterns``."""
    return {f"{namespace}:{p.name}" for p in urlpatterns if isinstance(p, URLPattern)}


def assert_rows_for_every_route(routes, matrix) -> dict[str, set[str]]:
    """Every route (names like "app:name") has rows in ``matrix`` (cases with ``route``
    and ``method``) and no row names a route that is gone; the methods covered per
    route, for the module's own further checks."""
    covered: dict[str, set[str]] = {}
    for case in matrix:
        covered.setdefault(case.route, set()).add(case.method)
    missing = sorted(set(routes) - set(covered))
    assert not missing, f"routes with no rows in the permission matrix: {missing}"
    stale = sorted(set(covered) - set(routes))
    assert not stale, f"rows for routes that no longer exist: {stale}"
    return covered


@dataclass(frozen=True)
class Outcome:
    """What one role gets from one route and method: the status, what it says (in the
    page or a message), where it redirects, and its effect on the ``Tables``."""

    status: int
    effect: dict[str, Any] = field(default_factory=dict)
    says: str = ""
    location: str = ""


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    role: str
    outcome: Outcome

    @property
    def id(self) -> str:
        return f"{self.route} {self.method} {self.role} -> {self.outcome.status}"


class Matrix(list):
    """A module's cases; ``rows`` adds one route and method for every role."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        super().__init__()
        self.roles = roles

    def rows(self, route: str, method: str, **outcomes: Outcome) -> None:
        assert set(outcomes) == set(self.roles), f"{route} {method}: a role is missing"
        self.extend(Case(route, method, role, outcomes[role]) for role in self.roles)


# Name -> a read of the rows a case may change (compared before and after it).
Tables = Mapping[str, Callable[[], list]]


def assert_effect(before: dict, after: dict, effect: dict[str, Any]) -> None:
    """``effect``: name -> +n rows, "changed" (in place: as many rows, not the same) or
    "may" (not checked); every other table is unchanged."""
    for key, old in before.items():
        new, want = after[key], effect.get(key)
        if want == "may":
            continue
        if want is None:
            assert new == old, f"{key} changed: {old!r} -> {new!r}"
        elif want == "changed":
            assert new != old and len(new) == len(old), f"{key} did not change in place"
        else:
            assert len(new) - len(old) == want, f"{key}: {len(old)} -> {len(new)} rows"


def perform(client: Client, case: Case, *, address: str, data: dict, tables: Tables) -> None:
    """Request ``address`` as the client is (its cookies set by the caller) and check the
    case's outcome: status, words, redirect and effect."""
    before = {key: read() for key, read in tables.items()}
    if case.method == "GET":
        response = client.get(address)
    elif case.method == "POST":
        response = client.post(address, data)
    else:
        response = client.generic(case.method, address)
    expected = case.outcome
    text = response.content.decode(errors="replace") + " ".join(
        str(m) for m in get_messages(response.wsgi_request)
    )
    assert response.status_code == expected.status, text[:2000]
    if expected.says:
        assert expected.says in text, text[:2000]
    if expected.location:
        assert expected.location in response["Location"]
    assert_effect(before, {key: read() for key, read in tables.items()}, expected.effect)
