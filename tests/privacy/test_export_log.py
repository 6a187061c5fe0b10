"""Exports of personal data are logged (who, when, what) and the log of a process is
visible to its organisers only."""

import pytest
from django.urls import reverse

from people.models import ExportLog
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = factories.make_user(organiser=True)
    process = make_process(owner=owner)
    event = factories.make_event(owner=owner, process=process)
    activity = factories.make_activity(session=factories.make_session(event=event), open=True,
                                       title="Which minerals first?")  # fmt: skip
    factories.make_participant(session=activity.session, display_name="Amara")
    consultation = make_consultation(process=process, title="Cobalt roadmap")
    other = make_process()
    return owner, process, activity, consultation, other


def test_exports_are_logged_in_the_process_log_and_shown_to_its_organisers(client, world):
    owner, process, activity, consultation, other = world
    client.force_login(owner)
    code = activity.session.code
    assert client.get(reverse("frontend:export_csv", args=[code, activity.pk])).status_code == 200
    assert client.get(reverse("frontend:export_json", args=[code, activity.pk])).status_code == 200
    url = reverse("consult:you_said_we_did", args=[process.slug, consultation.slug])
    assert client.get(url + "?format=csv").status_code == 200
    client.logout()
    assert client.get(url + "?format=xlsx").status_code == 200  # a public page: anyone

    entries = list(ExportLog.objects.order_by("id").values_list("user", "what", "scope"))
    scope = f"process:{process.pk}"
    assert entries == [
        (owner.pk, "activity export (csv): Which minerals first? · Plenary", scope),
        (owner.pk, "activity export (json): Which minerals first? · Plenary", scope),
        (owner.pk, "“you said, we did” (csv): Cobalt roadmap", scope),
        (None, "“you said, we did” (xlsx): Cobalt roadmap", scope),
    ]
    ExportLog.objects.create(what="elsewhere", rows=1, scope=f"process:{other.pk}")

    log_url = reverse("privacy_log:process_exports", args=[process.slug])
    assert client.get(log_url).status_code == 302  # anonymous: log in first
    client.force_login(make_member(password=None))
    assert client.get(log_url).status_code == 403
    client.force_login(owner)
    page = client.get(log_url).content.decode()
    assert "activity export (json): Which minerals first?" in page
    assert "someone not logged in" in page
    assert "elsewhere" not in page
    assert client.get(reverse("privacy_log:process_exports", args=["no-such"])).status_code == 404
