"""A person's engagement history is built from what the platform records: live
participations with what they did, comments, validation answers, answers received."""

import pytest
from django.utils import timezone

from consult import services as consult_services
from people import engagement
from people.services import create_person
from sessions import services as live_services
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import make_activity, make_participant

pytestmark = pytest.mark.django_db


def test_history_from_live_sessions_and_consultations():
    process = make_process(owner=make_member(password=None))
    member = make_member(group="civil_society", password=None)
    person = create_person(name="Amara Okafor", basis="consent", consented_at=timezone.now(),
                           consent_text_version="2026-11")  # fmt: skip
    person.user = member
    person.save()
    stranger = create_person(name="Nobody", basis="listed", listed_source="x")

    poll = make_activity(open=True, title="Which minerals?")
    linked = make_participant(session=poll.session, person=person)
    live_services.perform_command(
        participant=linked, activity_id=poll.pk, action="vote", data=0, key="k1"
    )
    by_account = make_participant(session=make_activity(open=True).session, user=member)

    consultation = make_consultation(process=process, status="open", title="Cobalt roadmap")
    section = consultation.sections.first()
    comment = consult_services.add_comment(section=section, author=member, body="More on ASM")
    consult_services.add_comment(section=section, author=member, body="And audits")
    consult_services.set_disposition(
        comment=comment, by=process.owner, decision="accepted", response="Added to section 2"
    )

    entries = engagement.history(person)
    whats = sorted(e.what for e in entries)
    assert whats.count("Joined a live session") == 2
    assert "Commented on a consultation" in whats
    live = [e for e in entries if e.what == "Joined a live session"]
    assert sorted(e.detail for e in live) == [
        f"1 action in {poll.kind_label}",
        "no votes, notes or questions",
    ]
    comments = next(e for e in entries if e.what == "Commented on a consultation")
    assert (comments.where, comments.detail) == ("Cobalt roadmap", "2 comments")
    answered = next(e for e in entries if e.what.startswith("Received answers"))
    assert (answered.where, answered.detail) == ("Cobalt roadmap", "1 answer")
    assert all(e.person_id == person.pk for e in entries)
    assert by_account.session.title in " ".join(e.where for e in live)
    assert engagement.history(stranger) == []


def test_person_and_organisation_pages_show_the_history(client):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from outreach.models import Invitation
    from people.models import Affiliation, Organisation
    from tests.factories import make_user

    manager = make_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_directory"))
    client.force_login(manager)
    person = create_person(name="Wei Zhang", basis="listed", listed_source="Forum list")
    org = Organisation.objects.create(name="Ganzhou Refining")
    Affiliation.objects.create(person=person, organisation=org)
    poll = make_activity(open=True)
    make_participant(session=poll.session, person=person)
    process = make_process(owner=make_member(password=None))
    Invitation.objects.create(process=process, person=person, event=poll.session.event,
                              answer="remote", answered_at=timezone.now())  # fmt: skip

    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert "Engagement history" in page
    assert "Joined a live session" in page and "Answered an invitation" in page
    assert "Attending remotely" in page
    page = client.get(reverse("people:organisation", args=[org.pk])).content.decode()
    assert "Joined a live session" in page and "Wei Zhang" in page
