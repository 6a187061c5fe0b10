"""The projector's high-contrast option: ``?contrast=high`` marks the page for the
high-contrast rules of screen.css, and the console and presenter view link to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_projector_in_high_contrast_and_the_links_to_it(client):
    session = factories.make_session()
    screen = reverse("frontend:screen", args=[session.code])
    assert (
        'class="page screen contrast-high"'
        in client.get(f"{screen}?contrast=high").content.decode()
    )
    for plain in (screen, f"{screen}?contrast=low", f"{screen}?contrast=HIGH"):
        assert 'class="page screen"' in client.get(plain).content.decode()
    client.force_login(session.event.owner)
    for page in ("frontend:console", "frontend:present"):
        html = client.get(reverse(page, args=[session.code])).content.decode()
        assert f'href="{screen}?contrast=high"' in html
        assert "Projector view in high contrast" in html
