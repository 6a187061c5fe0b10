"""Invitations through the services: audiences and their composition against the
target mix, exclusions, texts per group and their placeholders, creating invitations
once, mailing them once through the outbox (throttled), reminders, opting out."""

from __future__ import annotations

import datetime as dt
import email
from decimal import Decimal

import pytest
from django.core import mail as django_mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError as ManagementError
from django.utils import timezone

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import OutgoingMail
from outreach import selectors, services
from outreach.models import Invitation, InvitationText
from outreach.selectors import AudienceFilter
from people import services as people_services
from people.models import Person
from people.selectors import PeopleFilter
from sessions import services as live
from sessions.kinds import CommandError
from sessions.models import Session
from tests.consult.factories import make_member
from tests.outreach.factories import (
    audience_of,
    chosen,
    everyone,
    make_person,
    make_process_world,
    target,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    """Mail goes to the product's outbox table, as in production (not pytest's locmem)."""
    settings.EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"
    settings.SITE_URL = "https://consult.example.org"
    settings.OUTREACH_MAILS_PER_MINUTE = 1000


@pytest.fixture
def world():
    return make_process_world()


def parsed(row: OutgoingMail) -> email.message.EmailMessage:
    return email.message_from_bytes(bytes(row.message), policy=email.policy.default)


def invite(world, obj, filters=None, by=None):
    return services.create_invitations(
        process=world.process,
        by=by or world.organiser,
        target=target(obj),
        filters=filters or everyone(),
    )


# --------------------------------------------------------------------------- audiences


def test_the_audience_filters_by_the_directory_fields(world):
    org = people_services.create_organisation(name="Mining Co", value_chain_stage="upstream")
    make_person(name="Ana", stakeholder_group="policy", country="KE", sector="mining",
                tags=["cobalt"])  # fmt: skip
    ben = make_person(name="Ben", stakeholder_group="civil_society", country="FR")
    people_services.add_affiliation(person=ben, organisation=org)
    people_services.set_analysis(person=ben, influence=5, interest=4, by=None)
    make_person(name="Cleo", stakeholder_group="finance", country="BR")

    def names(**filters) -> list[str]:
        found = audience_of(world, world.event, everyone(**filters))
        return [p.name for p in found.to_invite]

    assert names() == ["Ana", "Ben", "Cleo"]
    assert names(stakeholder_group="policy") == ["Ana"]
    assert names(region="sub_saharan_africa") == ["Ana"]
    assert names(country="FR") == ["Ben"]
    assert names(sector="mining") == ["Ana"]
    assert names(value_chain_stage="upstream") == ["Ben"]
    assert names(tag="Cobalt") == ["Ana"]
    assert names(quadrant="manage_closely") == ["Ben"]


def test_not_yet_engaged_leaves_out_invitees_participants_and_contributors(world):
    invited = make_person(name="Invited")
    joined = make_person(name="Joined")
    member = make_member()
    contributor = make_person(name="Contributor", emails=[member.email])
    people_services.link_account(user=member, verified_emails=[member.email])
    fresh = make_person(name="Fresh")
    Invitation.objects.create(
        process=world.process, person=invited, consultation=world.consultation
    )
    live.join_session(code=world.session.code, person=joined)
    section = consult_selectors.latest_version(world.consultation).texts.first().section
    consult_services.add_comment(section=section, author=member, body="Add recycling.")

    found = audience_of(world, world.event, everyone())
    assert {p.name for p in found.to_invite} == {"Invited", "Joined", "Contributor", "Fresh"}
    found = audience_of(world, world.event, AudienceFilter(PeopleFilter(), not_engaged=True))
    assert [p.name for p in found.to_invite] == [fresh.name]
    assert contributor.pk not in {p.pk for p in found.to_invite}


def test_the_audience_counts_exclusions_before_anything_is_sent(world):
    make_person(name="Ok 1", stakeholder_group="policy")
    make_person(name="Ok 2", stakeholder_group="policy")
    make_person(name="Ok 3", stakeholder_group="civil_society", country="KE", gender="woman")
    already = make_person(name="Already", stakeholder_group="policy")
    Invitation.objects.create(process=world.process, person=already, event=world.event)
    quiet = make_person(name="Quiet", stakeholder_group="finance")
    people_services.set_do_not_contact(person=quiet)
    bounced = make_person(name="Bounced", stakeholder_group="finance")
    people_services.record_bounce(email=bounced.emails.get().email, reason="550 no such user")
    make_person(name="No address", emails=[])
    found = audience_of(world, world.event)
    assert (found.matched, found.do_not_contact, found.no_email, found.already_invited,
            found.size) == (7, 1, 2, 1, 3)  # fmt: skip
    assert OutgoingMail.objects.count() == 0 and Invitation.objects.count() == 1
    groups = {d.key: d for d in found.composition}["stakeholder_group"]
    assert groups.has_target
    rows = {r.value: r for r in groups.rows}
    assert (rows["policy"].count, rows["policy"].share, rows["policy"].target,
            rows["policy"].gap) == (2, Decimal("66.7"), Decimal("50.0"), Decimal("16.7"))  # fmt: skip
    assert (rows["civil_society"].count, rows["civil_society"].gap) == (1, Decimal("-16.7"))
    assert "finance" not in rows  # excluded people are not in the composition
    regions = {d.key: d for d in found.composition}["region"]
    assert not regions.has_target
    assert {r.value: r.count for r in regions.rows} == {"": 2, "sub_saharan_africa": 1}
    genders = {r.value: r.count for r in {d.key: d for d in found.composition}["gender"].rows}
    assert genders == {"": 2, "woman": 1}


def test_a_target_with_nobody_in_the_audience_shows_its_full_gap(world):
    make_person(stakeholder_group="policy")
    rows = {r.value: r for r in audience_of(world, world.event).composition[0].rows}
    assert rows["civil_society"].count == 0
    assert rows["civil_society"].gap == Decimal("-50.0")
    assert rows["policy"].gap == Decimal("50.0")


# --------------------------------------------------------------------------- do not contact


def test_inviting_someone_who_asked_not_to_be_contacted_explicitly_is_refused(world):
    ok = make_person(name="Ana")
    quiet = make_person(name="Quiet Person")
    people_services.set_do_not_contact(person=quiet)
    with pytest.raises(services.OutreachError, match="Quiet Person asked not to be contacted"):
        invite(world, world.event, chosen(ok, quiet))
    assert Invitation.objects.count() == 0  # all or nothing: not even Ana
    # Through the filters they are left out and counted, never invited.
    result = invite(world, world.event)
    assert (result.created, result.do_not_contact) == (1, 1)
    assert list(Invitation.objects.values_list("person__name", flat=True)) == ["Ana"]


def test_only_organisers_of_the_process_invite(world):
    make_person()
    stranger = make_member()
    with pytest.raises(PermissionDenied):
        invite(world, world.event, by=stranger)
    assert Invitation.objects.count() == 0


# --------------------------------------------------------------------------- texts


def test_each_group_gets_its_own_text_or_the_default(world, outbox):
    services.save_texts(
        process=world.process,
        by=world.organiser,
        texts={
            "": ("Join us: {what}", "Dear {name}, come to {what}: {link}"),
            "policy": ("For policy makers: {what}", "Honourable {name}, {link}"),
            "finance": ("", ""),  # no override
        },
    )
    assert set(InvitationText.objects.values_list("stakeholder_group", flat=True)) == {"", "policy"}
    make_person(name="Paula", stakeholder_group="policy")
    make_person(name="Fred", stakeholder_group="finance")
    invite(world, world.event)
    assert services.send_due_invitations() == 2
    mails = {parsed(m)["To"]: parsed(m) for m in OutgoingMail.objects.all()}
    paula = next(m for m in mails.values() if "Honourable" in m.get_content())
    fred = next(m for m in mails.values() if "Dear Fred" in m.get_content())
    assert paula["Subject"] == "For policy makers: Nairobi forum"
    assert fred["Subject"] == "Join us: Nairobi forum"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dear {nmae}, {link}", "Unknown placeholder {nmae}"),
        ("Dear {name.__class__}, {link}", "Unknown placeholder {name.__class__}"),
        ("Dear {name:>30}, {link}", "Unknown placeholder {name:>30}"),
        ("Dear {name}, {link", "A brace without its pair"),
        ("Dear {name}, see you", "must contain {link}"),
        ("", "Write the text of the invitation."),
    ],
)
def test_a_text_with_a_bad_placeholder_is_refused_and_nothing_is_saved(world, body, message):
    services.save_texts(process=world.process, by=world.organiser,
                        texts={"": ("Hello {name}", "Dear {name}: {link}")})  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.save_texts(
            process=world.process,
            by=world.organiser,
            texts={"": ("Changed", "Dear {name}: {link}"), "policy": ("Policy", body)},
        )
    assert any(message in m for m in refused.value.message_dict["policy-body"])
    assert list(InvitationText.objects.values_list("subject", flat=True)) == ["Hello {name}"]


def test_an_unknown_placeholder_in_the_subject_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.save_texts(process=world.process, by=world.organiser,
                            texts={"": ("Hi {first_name}", "Go: {link}")})  # fmt: skip
    assert "Unknown placeholder {first_name}" in refused.value.message_dict["default-subject"][0]


def test_the_preview_fills_the_text_for_one_person_without_creating_anything(world):
    services.save_texts(process=world.process, by=world.organiser,
                        texts={"": ("Invitation to {what}", "Dear {name}, answer at {link}")})  # fmt: skip
    ana = make_person(name="Ana Mwangi", stakeholder_group="policy")
    mail = services.preview(
        process=world.process, by=world.organiser, person=ana, target=target(world.session)
    )
    assert mail.subject == "Invitation to Plenary (Nairobi forum)"
    assert mail.body.startswith("Dear Ana Mwangi, answer at http")
    assert "/i/preview/" in mail.body and "/i/preview/opt-out" in mail.body
    assert mail.to == ana.emails.get().email
    assert Invitation.objects.count() == 0 and OutgoingMail.objects.count() == 0


# --------------------------------------------------------------------------- sending


def test_invitations_are_created_once_and_mailed_once_through_the_outbox(world, outbox):
    ana = make_person(name="Ana")
    make_person(name="Ben")
    result = invite(world, world.session)
    assert (result.created, result.already_invited) == (2, 0)
    assert OutgoingMail.objects.count() == 0  # the request only writes rows
    again = invite(world, world.session)
    assert (again.created, again.already_invited) == (0, 2)
    assert Invitation.objects.count() == 2

    assert services.send_due_invitations() == 2
    assert services.send_due_invitations() == 0  # sent_at set: never a second mail
    assert OutgoingMail.objects.count() == 2
    invitation = Invitation.objects.get(person=ana)
    assert invitation.sent_at is not None
    row = OutgoingMail.objects.get(recipients=[ana.emails.get().email])
    message = parsed(row)
    body = message.get_content()
    link = f"https://consult.example.org/i/{invitation.token}/"
    assert link in body and f"{link}opt-out" in body
    assert message["List-Unsubscribe"].strip() == f"<{link}opt-out>"  # may be folded
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_sending_is_throttled_per_minute(world, outbox):
    for _ in range(3):
        make_person()
    invite(world, world.event)
    now = timezone.now()
    assert services.send_due_invitations(limit=2, now=now) == 2
    assert services.send_due_invitations(limit=2, now=now + dt.timedelta(seconds=30)) == 0
    assert services.send_due_invitations(limit=2, now=now + dt.timedelta(seconds=61)) == 1
    assert OutgoingMail.objects.count() == 3
    assert not Invitation.objects.filter(sent_at=None).exists()


def test_the_mail_worker_sends_due_invitations_in_its_pass(world, outbox, settings):
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_person(name="Ana")
    invite(world, world.event)
    call_command("notify_worker", "--once")
    assert [m.subject for m in django_mail.outbox] == ["Invitation: Nairobi forum"]
    assert OutgoingMail.objects.get().sent_at is not None
    call_command("notify_worker", "--once")
    assert len(django_mail.outbox) == 1


def test_no_mail_to_people_who_opted_out_or_whose_address_bounced(world, outbox):
    quiet, bounced, ok = make_person(), make_person(), make_person()
    invite(world, world.event)
    people_services.set_do_not_contact(person=quiet)
    call_command("record_bounce", bounced.emails.get().email, "--reason", "550 unknown")
    assert services.send_due_invitations() == 1
    assert OutgoingMail.objects.get().recipients == [ok.emails.get().email]
    statuses = {
        i.person_id: selectors.status_of(i) for i in selectors.invitations(process=world.process)
    }
    assert statuses == {
        quiet.pk: "Opted out: no more mail",
        bounced.pk: "Address bounced",
        ok.pk: "Sent",
    }
    counts = selectors.invitation_counts(selectors.invitations(process=world.process))
    assert (counts["total"], counts["sent"], counts["opted_out"], counts["no_email"]) == (
        3,
        1,
        1,
        1,
    )


def test_a_second_address_is_used_when_the_primary_bounced(world, outbox):
    ana = make_person(emails=["ana@work.example", "ana@home.example"])
    people_services.record_bounce(email="ana@work.example", reason="full")
    invite(world, world.event)
    services.send_due_invitations()
    assert OutgoingMail.objects.get().recipients == ["ana@home.example"]
    assert ana.emails.count() == 2


# --------------------------------------------------------------------------- reminders


def test_reminders_go_only_to_those_who_have_not_answered(world, outbox):
    waiting = make_person(name="Waiting")
    answered = make_person(name="Answered")
    quiet = make_person(name="Quiet")
    unsent = make_person(name="Unsent", emails=[])
    invite(world, world.event)
    Invitation.objects.create(process=world.process, person=unsent, event=world.webinar)
    services.send_due_invitations()
    services.answer_invitation(
        invitation=Invitation.objects.get(person=answered), answer=Invitation.Answer.DECLINED
    )
    services.opt_out(invitation=Invitation.objects.get(person=quiet))
    before = OutgoingMail.objects.count()

    assert services.request_reminders(process=world.process, by=world.organiser) == 1
    assert services.request_reminders(process=world.process, by=world.organiser) == 0
    assert services.send_due_invitations() == 1
    reminder = OutgoingMail.objects.order_by("-id").first()
    assert OutgoingMail.objects.count() == before + 1
    assert reminder.recipients == [waiting.emails.get().email]
    assert reminder.subject.startswith("Reminder: Invitation: Nairobi forum")
    invitation = Invitation.objects.get(person=waiting)
    assert invitation.reminders == 1 and invitation.reminded_at is not None
    assert invitation.reminder_due_at is None
    # Not again the same day; the next day, yes.
    assert services.request_reminders(process=world.process, by=world.organiser) == 0
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert services.request_reminders(process=world.process, by=world.organiser, now=later) == 1


def test_a_reminder_is_dropped_when_the_invitee_answers_before_it_goes(world, outbox):
    ana = make_person()
    invite(world, world.event)
    services.send_due_invitations()
    services.request_reminders(process=world.process, by=world.organiser)
    services.answer_invitation(
        invitation=Invitation.objects.get(person=ana), answer=Invitation.Answer.REMOTE
    )
    assert services.send_due_invitations() == 0
    assert Invitation.objects.get(person=ana).reminders == 0


def test_reminders_for_one_target_only(world, outbox):
    ana = make_person()
    invite(world, world.event)
    invite(world, world.consultation)
    services.send_due_invitations()
    count = services.request_reminders(
        process=world.process, by=world.organiser, target=target(world.consultation)
    )
    assert count == 1
    assert Invitation.objects.get(person=ana, consultation=world.consultation).reminder_due_at


# --------------------------------------------------------------------------- invitees


def test_answering_is_changeable_and_checked(world):
    ana = make_person()
    invite(world, world.event)
    invitation = Invitation.objects.get(person=ana)
    services.answer_invitation(invitation=invitation, answer="in_person")
    services.answer_invitation(invitation=invitation, answer="declined")
    invitation.refresh_from_db()
    assert invitation.answer == "declined" and invitation.answered_at is not None
    with pytest.raises(ValidationError):
        services.answer_invitation(invitation=invitation, answer="maybe")
    consultation = Invitation.objects.create(
        process=world.process, person=ana, consultation=world.consultation
    )
    with pytest.raises(ValidationError):  # a consultation is not attended in person
        services.answer_invitation(invitation=consultation, answer="in_person")


def test_opting_out_marks_the_person_do_not_contact_at_once(world, outbox):
    ana = make_person()
    invite(world, world.event)
    invite(world, world.consultation)
    services.opt_out(invitation=Invitation.objects.filter(person=ana).first())
    ana.refresh_from_db()
    assert ana.do_not_contact and ana.do_not_contact_at is not None
    assert services.send_due_invitations() == 0  # neither invitation goes out
    result = invite(world, world.webinar)
    assert (result.created, result.do_not_contact) == (0, 1)


def test_joining_from_the_link_links_the_participant_to_the_person(world):
    ana = make_person(name="Ana", stakeholder_group="policy", country="KE", sector="mining")
    invite(world, world.session)
    invitation = Invitation.objects.get(person=ana)
    participant = services.join_from_invitation(
        invitation=invitation,
        display_name="Ana",
        stakeholder_group="policy",
        country="KE",
        sector="renewable_energy",  # corrected
        gender="woman",
        organisation="Ministry of Mining",
        correct_record=True,
    )
    assert participant.person == ana and participant.session == world.session
    assert (participant.sector, participant.gender) == ("renewable_energy", "woman")
    ana.refresh_from_db()
    assert (ana.sector, ana.gender) == ("renewable_energy", "woman")  # record corrected
    invitation.refresh_from_db()
    assert invitation.answer == Invitation.Answer.IN_PERSON


def test_a_closed_session_cannot_be_joined_from_the_link(world):
    ana = make_person()
    invite(world, world.session)
    Session.objects.filter(pk=world.session.pk).update(status=Session.Status.CLOSED)
    invitation = Invitation.objects.select_related("session__event").get(person=ana)
    with pytest.raises(CommandError):
        services.join_from_invitation(
            invitation=invitation, display_name="", stakeholder_group="", country="",
            sector="", gender="", organisation="",
        )  # fmt: skip
    assert not ana.participations.exists()


def test_a_person_removed_from_the_directory_takes_their_invitations(world):
    ana = make_person()
    invite(world, world.event)
    Person.objects.filter(pk=ana.pk).delete()
    assert Invitation.objects.count() == 0


def test_recording_a_bounce_for_an_unknown_address_is_an_error():
    with pytest.raises(ManagementError, match=r"not in the directory: nobody@example\.org"):
        call_command("record_bounce", "nobody@example.org")
