"""Shared by the permission-matrix modules: one world of test data per module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction


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
