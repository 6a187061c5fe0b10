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
