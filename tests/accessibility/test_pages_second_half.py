"""The second half of the pages of test_pages.py (its module docstring says what is
checked), in a module of its own so that both test workers run page checks at once."""

from __future__ import annotations

import pytest

from tests.accessibility.test_pages import (  # noqa: F401 (the module's fixtures)
    CHECKS,
    HALF,
    Check,
    browsers,
    check_page,
    world,
)

# As in test_pages.py: the mark makes pytest-django set up the test database (also when
# this module runs alone).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.mark.parametrize("check", CHECKS[HALF:], ids=lambda check: check.id)
def test_page(world, browsers, check: Check):  # noqa: F811 (the fixtures, imported)
    check_page(world, browsers, check)
