"""An event of a process links to the process's representation, targets, invitations
and export log, for the process's organisers; its facilitators see the event's figures."""

import pytest
from django.urls import reverse

from consult.models import ProcessRole
from tests import factories
from tests.consult.factories import make_process

pytestmark = pytest.mark.django_db


def test_links_for_organisers_and_for_facilitators(client):
    organiser = factories.make_user(organiser=True)
    process = make_process(owner=organiser)
    event = factories.make_event(owner=organiser, process=process)
    client.force_login(organiser)
    page = client.get(reverse("frontend:event", args=[event.pk])).content.decode()
    for url in (
        reverse("representation:event_page", args=[process.slug, event.pk]),
        reverse("representation:process_page", args=[process.slug]),
        reverse("representation:targets", args=[process.slug]),
        reverse("outreach:list", args=[process.slug]),
        reverse("privacy_log:process_exports", args=[process.slug]),
    ):
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200

    facilitator = factories.make_user(organiser=True)
    other = factories.make_event(owner=facilitator, process=process)
    client.force_login(facilitator)
    page = client.get(reverse("frontend:event", args=[other.pk])).content.decode()
    assert reverse("representation:event_page", args=[process.slug, other.pk]) in page
    assert reverse("outreach:list", args=[process.slug]) not in page
    ProcessRole.objects.create(process=process, user=facilitator, role="organiser")
    page = client.get(reverse("frontend:event", args=[other.pk])).content.decode()
    assert reverse("outreach:list", args=[process.slug]) in page
