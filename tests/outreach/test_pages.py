"""The invitation pages: the organisers' audience builder, texts, preview and list, and
what an invitee does with their personal link (answer, join a live session with their
profile pre-filled, register for a consultation with the address already verified,
opt out)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from consult.models import OutgoingMail, Profile
from outreach import services
from outreach.models import Invitation, InvitationText
from people import services as people_services
from sessions import selectors as live_selectors
from sessions.models import Participant
from tests.consult.factories import make_member
from tests.outreach.factories import everyone, make_person, make_process_world, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_process_world()


@pytest.fixture
def organiser(world) -> Client:
    client = Client()
    client.force_login(world.organiser)
    return client


def said(response) -> str:
    flashed = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode() + " " + flashed


def url(name: str, *args) -> str:
    return reverse(f"outreach:{name}", args=args)


def invited(world, person, obj) -> Invitation:
    services.create_invitations(
        process=world.process,
        by=world.organiser,
        target=target(obj),
        filters=everyone(query=person.name),
    )
    return Invitation.objects.get(person=person, **target(obj).fields())


# --------------------------------------------------------------------------- organisers


def test_the_audience_builder_shows_size_and_composition_then_invites(world, organiser):
    make_person(name="Paula", stakeholder_group="policy")
    make_person(name="Pedro", stakeholder_group="policy")
    make_person(name="Cira", stakeholder_group="civil_society")
    quiet = make_person(name="Quentin", stakeholder_group="policy")
    people_services.set_do_not_contact(person=quiet)
    page = organiser.get(url("new", world.process.slug),
                         {"target": f"event:{world.event.pk}", "group": "policy"})  # fmt: skip
    html = page.content.decode()
    assert page.status_code == 200
    assert "Paula" in html and "Pedro" in html and "Cira" not in html and "Quentin" not in html
    assert Invitation.objects.count() == 0  # looking sends nothing
    assert "Invite 2 people" in html
    assert "+50.0" in html and "-50.0" in html  # policy 100 % vs 50; civil society 0 vs 50

    done = organiser.post(url("new", world.process.slug),
                          {"target": f"event:{world.event.pk}", "group": "policy"})  # fmt: skip
    assert done.status_code == 302
    assert "2 invitations created" in said(done)
    assert set(Invitation.objects.values_list("person__name", flat=True)) == {"Paula", "Pedro"}
    again = organiser.post(url("new", world.process.slug),
                           {"target": f"event:{world.event.pk}", "group": "policy"})  # fmt: skip
    assert "2 people were already invited and were skipped" in said(again)
    assert Invitation.objects.count() == 2


def test_choosing_a_do_not_contact_person_is_refused_with_a_message(world, organiser):
    ana = make_person(name="Ana")
    quiet = make_person(name="Quentin Quiet")
    people_services.set_do_not_contact(person=quiet)
    data = {"target": f"event:{world.event.pk}", "person": [str(ana.pk), str(quiet.pk)]}
    shown = organiser.get(url("new", world.process.slug), data)
    assert "Quentin Quiet" in shown.content.decode()
    assert "Invite 1 person" not in shown.content.decode()  # no button while one is refused
    refused = organiser.post(url("new", world.process.slug), data)
    assert refused.status_code == 400
    assert "Quentin Quiet asked not to be contacted and cannot be invited." in said(refused)
    assert Invitation.objects.count() == 0


def test_a_target_of_another_process_is_refused(world, organiser):
    other = make_process_world()
    make_person()
    response = organiser.post(url("new", world.process.slug),
                              {"target": f"event:{other.event.pk}"})  # fmt: skip
    assert response.status_code == 400
    assert "Choose an event, live session or consultation of this process." in said(response)
    assert Invitation.objects.count() == 0


def test_texts_are_edited_on_a_page_with_clear_placeholder_errors(world, organiser):
    page = organiser.get(url("texts", world.process.slug))
    assert page.status_code == 200 and "Invitation: {what}" in page.content.decode()
    bad = organiser.post(
        url("texts", world.process.slug),
        {"default-subject": "Welcome {name}", "default-body": "Hi {name}, {lnk}"},
    )
    assert bad.status_code == 400
    assert "Unknown placeholder {lnk}. Use only {name}, {link} and {what}." in said(bad)
    assert InvitationText.objects.count() == 0
    ok = organiser.post(
        url("texts", world.process.slug),
        {
            "default-subject": "Welcome {name}",
            "default-body": "Hi {name}, {link}",
            "policy-subject": "Policy: {what}",
            "policy-body": "Minister {name}: {link}",
        },
    )
    assert ok.status_code == 302
    assert dict(InvitationText.objects.values_list("stakeholder_group", "subject")) == {
        "": "Welcome {name}",
        "policy": "Policy: {what}",
    }


def test_the_preview_renders_the_mail_for_one_chosen_person(world, organiser):
    services.save_texts(process=world.process, by=world.organiser,
                        texts={"": ("Default", "Hi {name}: {link}"),
                               "policy": ("For {name}", "Minister {name}, {what}: {link}")})  # fmt: skip
    make_person(name="Paula Policy", stakeholder_group="policy")
    page = organiser.get(url("preview", world.process.slug),
                         {"person": "paula", "target": f"session:{world.session.pk}"})  # fmt: skip
    html = page.content.decode()
    assert page.status_code == 200
    assert "For Paula Policy" in html and "their group's own text" in html
    assert "Minister Paula Policy, Plenary (Nairobi forum): http" in html
    missing = organiser.get(url("preview", world.process.slug),
                            {"person": "nobody", "target": f"event:{world.event.pk}"})  # fmt: skip
    assert missing.status_code == 400 and "No one in the directory matches" in said(missing)


def test_the_list_filters_counts_and_shows_bounced_and_opted_out(world, organiser):
    paula = make_person(name="Paula", stakeholder_group="policy")
    cira = make_person(name="Cira", stakeholder_group="civil_society")
    bea = make_person(name="Bea", stakeholder_group="civil_society")
    for person in (paula, cira, bea):
        invited(world, person, world.event)
    invited(world, paula, world.consultation)
    services.answer_invitation(invitation=Invitation.objects.get(person=cira), answer="declined")
    people_services.set_do_not_contact(person=paula)
    people_services.record_bounce(email=bea.emails.get().email, reason="550")
    page = organiser.get(url("list", world.process.slug))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("Opted out: no more mail") == 2 and html.count("Address bounced") == 1
    assert page.context["counts"]["total"] == 4
    assert page.context["counts"]["answer_declined"] == 1
    by_target = organiser.get(url("list", world.process.slug),
                              {"target": f"consultation:{world.consultation.pk}"})  # fmt: skip
    assert [r["invitation"].person.name for r in by_target.context["rows"]] == ["Paula"]
    by_answer = organiser.get(url("list", world.process.slug), {"answer": "none"})
    assert {r["invitation"].person.name for r in by_answer.context["rows"]} == {"Paula", "Bea"}
    by_group = organiser.get(url("list", world.process.slug), {"group": "civil_society"})
    assert by_group.context["counts"]["total"] == 2
    bad = organiser.get(url("list", world.process.slug), {"answer": "maybe"})
    assert bad.status_code == 400 and "maybe is not one of the choices." in said(bad)


def test_the_remind_action_asks_for_reminders_to_those_who_have_not_answered(world, organiser):
    ana, ben = make_person(), make_person()
    for person in (ana, ben):
        invited(world, person, world.event)
    Invitation.objects.update(sent_at="2026-01-01T10:00Z")
    services.answer_invitation(invitation=Invitation.objects.get(person=ben), answer="remote")
    response = organiser.post(url("remind", world.process.slug), {"target": ""})
    assert response.status_code == 302
    assert "1 reminder will be sent" in said(response)
    assert list(Invitation.objects.filter(reminder_due_at__isnull=False)
                .values_list("person", flat=True)) == [ana.pk]  # fmt: skip


# --------------------------------------------------------------------------- invitees


def test_the_invitee_answers_and_changes_the_answer(world):
    ana = make_person(name="Ana")
    invitation = invited(world, ana, world.event)
    client = Client()
    page = client.get(url("invitation", invitation.token))
    assert page.status_code == 200 and "Hello Ana" in page.content.decode()
    assert "Nairobi forum" in page.content.decode()
    for answer in ("in_person", "declined"):
        response = client.post(url("answer", invitation.token), {"answer": answer})
        assert response.status_code == 302
        invitation.refresh_from_db()
        assert invitation.answer == answer
    bad = client.post(url("answer", invitation.token), {"answer": "maybe"})
    assert bad.status_code == 400 and "maybe is not one of the choices." in said(bad)
    invitation.refresh_from_db()
    assert invitation.answer == "declined"
    assert client.get(url("invitation", "not-a-token")).status_code == 404


def test_joining_a_live_session_from_the_link_prefills_the_profile_and_links_the_person(world):
    org = people_services.create_organisation(name="Kenya Chamber of Mines")
    ana = make_person(name="Ana Wanjiru", stakeholder_group="policy", country="KE",
                      sector="mining", gender="woman")  # fmt: skip
    people_services.add_affiliation(person=ana, organisation=org)
    invitation = invited(world, ana, world.session)
    client = Client()
    page = client.get(url("join", invitation.token))
    form = page.context["form"]
    assert page.status_code == 200
    assert form.initial == {
        "display_name": "Ana Wanjiru",
        "stakeholder_group": "policy",
        "country": "KE",
        "sector": "mining",
        "gender": "woman",
        "organisation": "Kenya Chamber of Mines",
    }
    assert 'value="Ana Wanjiru"' in page.content.decode()
    response = client.post(
        url("join", invitation.token),
        {**form.initial, "sector": "renewable_energy"},  # corrected, not saved to the record
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:room", args=[world.session.code])
    participant = Participant.objects.get()
    assert participant.person == ana
    assert (participant.display_name, participant.stakeholder_group, participant.country,
            participant.sector, participant.organisation) == (
        "Ana Wanjiru", "policy", "KE", "renewable_energy", "Kenya Chamber of Mines")  # fmt: skip
    ana.refresh_from_db()
    assert ana.sector == "mining"
    # The browser holds the participant: the room opens, and the link leads back to it.
    cookie = client.cookies[live_selectors.participant_cookie_name(world.session.code)]
    assert cookie["httponly"]
    assert client.get(reverse("frontend:room", args=[world.session.code])).status_code == 200
    back = client.get(url("join", invitation.token))
    assert back.status_code == 302 and Participant.objects.count() == 1


def test_personal_links_count_towards_the_participants_one_address_may_create(world, settings):
    """Each visit without the room cookie creates a participant: one address creates at
    most JOIN_LIMITS["PARTICIPANTS_PER_ADDRESS"] in a session, as on the join page; the
    code comes from the invitation, so wrong codes tried from the address do not stop it."""
    settings.JOIN_LIMITS = {
        **settings.JOIN_LIMITS,
        "PARTICIPANTS_PER_ADDRESS": 2,
        "WRONG_CODES_PER_ADDRESS": 1,
    }
    assert Client().get("/j/NOSUCH", REMOTE_ADDR="198.51.100.7").status_code == 404
    invitation = invited(world, make_person(), world.session)
    for _ in range(2):
        joined = Client().post(url("join", invitation.token), {}, REMOTE_ADDR="198.51.100.7")
        assert joined.status_code == 302
    refused = Client().post(url("join", invitation.token), {}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Ask the facilitator" in said(refused)
    assert Participant.objects.count() == 2
    elsewhere = Client().post(url("join", invitation.token), {}, REMOTE_ADDR="203.0.113.20")
    assert elsewhere.status_code == 302 and Participant.objects.count() == 3


def test_a_session_not_open_yet_says_so_and_creates_nobody(world):
    waiting = make_process_world(session_status="draft")
    ana = make_person()
    invitation = invited(waiting, ana, waiting.session)
    page = Client().post(url("join", invitation.token), {"display_name": "Ana"})
    assert page.status_code == 400 and "has not started yet" in said(page)
    assert not Participant.objects.exists()


def test_registering_for_a_consultation_from_the_link_needs_no_confirmation_mail(world, settings):
    settings.EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"
    ana = make_person(name="Ana Wanjiru", stakeholder_group="policy", country="KE")
    address = ana.emails.get().email
    invitation = invited(world, ana, world.consultation)
    client = Client()
    page = client.get(url("register", invitation.token))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.fields["email"].disabled and form.fields["email"].initial == address
    assert form.fields["display_name"].initial == "Ana Wanjiru"
    response = client.post(
        url("register", invitation.token),
        {
            "email": "someone.else@example.org",  # ignored: the invitation's address is used
            "username": "ana",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "display_name": "Ana W.",
            "stakeholder_group": "policy",
            "country": "KE",
            "sector": "",
            "organisation": "",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "consult:consultation", args=[world.process.slug, world.consultation.slug]
    )
    user = User.objects.get(username="ana")
    assert user.email == address
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        (address, True)
    ]
    assert Profile.objects.get(user=user).display_name == "Ana W."
    ana.refresh_from_db()
    assert ana.user == user
    invitation.refresh_from_db()
    assert invitation.answer == Invitation.Answer.REMOTE
    assert OutgoingMail.objects.count() == 0  # no confirmation mail
    assert client.get(reverse("consult:consultation", args=[world.process.slug,
                      world.consultation.slug])).wsgi_request.user == user  # fmt: skip


def test_an_invitee_with_an_account_is_asked_to_log_in_then_linked(world):
    member = make_member()
    ana = make_person(name="Ana", emails=[member.email])
    invitation = invited(world, ana, world.consultation)
    client = Client()
    page = client.get(url("register", invitation.token))
    assert "An account already uses the address" in page.content.decode()
    assert "form" not in page.context or page.context.get("mode") == "log_in"
    assert User.objects.count() == 3 + 1  # the world's three and the member: none made
    client.force_login(member)
    done = client.post(url("register", invitation.token))
    assert done.status_code == 302
    ana.refresh_from_db()
    assert ana.user == member


def test_the_opt_out_link_asks_then_marks_do_not_contact(world):
    ana = make_person()
    invitation = invited(world, ana, world.event)
    client = Client(enforce_csrf_checks=True)
    page = client.get(url("opt_out", invitation.token))
    assert page.status_code == 200 and "Stop invitations" in page.content.decode()
    ana.refresh_from_db()
    assert not ana.do_not_contact
    # A mail client's one-click unsubscribe: a POST without a CSRF token.
    done = client.post(url("opt_out", invitation.token), {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more invitations" in done.content.decode()
    ana.refresh_from_db()
    assert ana.do_not_contact


def test_arriving_from_the_directory_keeps_its_filters_and_asks_what_to_invite_to(world, organiser):
    ana = make_person(name="Ana", stakeholder_group="policy")
    page = organiser.get(url("new", world.process.slug), {"group": "policy", "person": ana.pk})
    html = page.content.decode()
    assert page.status_code == 200 and page.context["audience"] is None
    assert '<option value="policy" selected>' in html
    assert f'name="person" value="{ana.pk}"' in html
    assert "Only the people chosen in the directory" in html
    assert Invitation.objects.count() == 0
