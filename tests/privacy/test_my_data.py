"""Seeing, downloading, correcting and erasing one's own data (privacy/)."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import models
from django.urls import reverse

from consult.models import (
    Comment,
    Follow,
    Notification,
    OutgoingMail,
    Profile,
    Reaction,
    ValidationAnswer,
)
from consult.selectors import round_results, section_threads
from outreach.models import Invitation
from people.models import ExportLog, Person, PersonEmail
from privacy import selectors, services
from sessions.kinds import get_kind
from sessions.models import Participant
from tests.consult.factories import make_member, make_process

from .world import (
    ALICE_COMMENT,
    ALICE_NAME,
    ALICE_NOTES,
    ALICE_ORG,
    ALICE_REASON,
    BOB_COMMENT,
    BOB_NAME,
    BOB_REPLY,
    build,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"  # tests.factories.make_user's default


@pytest.fixture
def world():
    return build()


def logged_in(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------- seeing


def test_the_page_shows_everything_about_the_person_and_nothing_of_anyone_else(client, world):
    page = logged_in(client, world.alice).get(reverse("privacy:overview")).content.decode()
    for expected in (
        "alice",
        world.alice.email,
        ALICE_NAME,
        ALICE_ORG,
        ALICE_COMMENT,
        ALICE_REASON,
        ALICE_NOTES,  # the organisers' private notes are personal data: shown
        "Artisanal Miners Network",
        "Policy officer",
        "artisanal mining",
        "We added smelter audits.",
        "Plenary",  # the live session she joined
    ):
        assert expected in page, expected
    # (Bob's name shows only in the notice to Alice that he replied: hers to see.)
    for foreign in (BOB_COMMENT, BOB_REPLY, world.bob.email, "Bob&#x27;s own notes", "bob"):
        assert foreign not in page, foreign


def test_the_data_counts_live_inputs_of_both_participations(world):
    data = selectors.my_data(world.alice)
    rows = data["participations"]
    assert len(rows) == 2
    assert sorted((r["votes"], r["questions"]) for r in rows) == [(0, 0), (1, 1)]
    assert data["directory"]["influence"] == 4
    assert data["directory"]["influence_interest_history"][0]["interest"] == 5
    assert data["account"]["emails"] == [
        {"email": world.alice.email, "verified": True, "primary": True}
    ]
    assert [a["reason"] for a in data["validation_answers"]] == [ALICE_REASON]
    assert {r["answer"] for r in data["answers_received"]} == {"We added smelter audits.", "Noted."}
    assert [f["consultation"] for f in data["follows"]] == [world.section.consultation.title]
    assert len(data["notifications"]) == 3  # Bob's reply, and the two answers


def test_the_download_holds_the_same_data_as_a_file_and_is_logged(client, world):
    expected_rows = selectors.record_count(selectors.my_data(world.alice))
    response = logged_in(client, world.alice).get(reverse("privacy:download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    body = json.loads(response.content)
    assert body["account"]["username"] == "alice"
    assert body["profile"]["display_name"] == ALICE_NAME
    assert body["directory"]["organisers_notes"] == ALICE_NOTES
    assert [c["text"] for c in body["comments"]] == [ALICE_COMMENT]
    assert set(body) == {"exported_at", *selectors.SECTIONS}
    assert BOB_COMMENT not in response.content.decode()
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.scope) == (world.alice, "own data", "self")
    assert log.rows == expected_rows > 10


# --------------------------------------------------------------------------- correcting


def _correction(**overrides):
    data = {
        "profile-display_name": "Alice W.",
        "profile-organisation": "Mining Watch Kenya",
        "profile-stakeholder_group": "research",
        "profile-country": "TZ",
        "profile-sector": "",
        "profile-language": "fr",
        "person-name": "Alice N. Wanjiru",
        "person-stakeholder_group": "research",
        "person-country": "TZ",
        "person-sector": "",
        "person-gender": "woman",
    }
    data.update(overrides)
    return data


def test_a_correction_changes_the_profile_and_the_directory_record(client, world):
    response = logged_in(client, world.alice).post(reverse("privacy:correct"), _correction())
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:overview")
    profile = Profile.objects.get(user=world.alice)
    assert (profile.display_name, profile.organisation, profile.stakeholder_group) == (
        "Alice W.",
        "Mining Watch Kenya",
        "research",
    )
    assert (str(profile.country), profile.language) == ("TZ", "fr")
    person = Person.objects.get(pk=world.alice_person.pk)
    assert (person.name, person.stakeholder_group, person.gender) == (
        "Alice N. Wanjiru",
        "research",
        "woman",
    )
    assert (str(person.country), person.region) == ("TZ", "sub_saharan_africa")
    bob = Person.objects.get(pk=world.bob_person.pk)
    assert bob.name == BOB_NAME  # untouched


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("profile-display_name", "  ", "This field is required."),
        ("profile-stakeholder_group", "aliens", "Select a valid choice."),
        ("profile-country", "XX", "Unknown country: XX."),
        ("profile-language", "de", "Select a valid choice."),
        ("person-name", "", "This field is required."),
        ("person-gender", "robot", "Select a valid choice."),
        ("profile-display_name", "x" * 61, "Ensure this value has at most 60 characters"),
    ],
)
def test_a_bad_correction_says_why_and_saves_nothing(client, world, field, value, message):
    response = logged_in(client, world.alice).post(
        reverse("privacy:correct"), _correction(**{field: value})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert message in page
    assert Profile.objects.get(user=world.alice).display_name == ALICE_NAME
    assert Person.objects.get(pk=world.alice_person.pk).name == ALICE_NAME


def test_a_person_without_a_directory_record_corrects_the_profile_only(client):
    carol = make_member(group="policy")
    page = logged_in(client, carol).get(reverse("privacy:correct")).content.decode()
    assert 'name="profile-display_name"' in page and 'name="person-name"' not in page
    response = client.post(
        reverse("privacy:correct"),
        {k: v for k, v in _correction().items() if k.startswith("profile-")},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=carol).display_name == "Alice W."


def test_the_service_refuses_fields_that_are_not_the_persons_to_change(world):
    with pytest.raises(Exception, match="Not a directory field"):
        services.correct_data(user=world.alice, person={"notes": "I am great"})
    assert Person.objects.get(pk=world.alice_person.pk).notes == ALICE_NOTES


# --------------------------------------------------------------------------- erasing


def _snapshot(world):
    """The figures that must not change when someone erases their account."""
    return {
        "round": round_results(world.round),
        "poll": get_kind(world.poll.kind).tally(world.poll),
        "qna": get_kind(world.qna.kind).tally(world.qna),
        "answers": ValidationAnswer.objects.filter(round=world.round).count(),
        "participants": Participant.objects.count(),
    }


def _links_to(world, alice_id: int, person_id: int) -> list[str]:
    """Every row anywhere that still names Alice or points at her account or record."""
    needles = [ALICE_NAME, ALICE_ORG, ALICE_COMMENT, ALICE_REASON, ALICE_NOTES]
    needles += [world.alice.email]
    found = []
    for model in apps.get_models():
        if model._meta.label == "sessions.Session":  # Django's own (logged out: flushed)
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                target = field.related_model
                value = alice_id if target is User else person_id if target is Person else None
                if (
                    value is not None
                    and model._default_manager.filter(**{field.attname: value}).exists()
                ):
                    found.append(f"{model._meta.label}.{field.name}")
            elif isinstance(field, (models.CharField, models.TextField)):
                for needle in needles:
                    if model._default_manager.filter(
                        **{f"{field.name}__icontains": needle}
                    ).exists():
                        found.append(f"{model._meta.label}.{field.name} ~ {needle}")
            elif isinstance(field, models.JSONField):
                for pk, value in model._default_manager.values_list("pk", field.name):
                    if any(n.lower() in json.dumps(value).lower() for n in needles):
                        found.append(f"{model._meta.label}.{field.name} #{pk}")
    return found


def test_erasing_keeps_threads_and_counts_and_leaves_nothing_that_leads_to_the_person(
    client, world
):
    before = _snapshot(world)
    bob_before = selectors.my_data(world.bob)
    alice_id, person_id = world.alice.pk, world.alice_person.pk
    assert _links_to(world, alice_id, person_id)  # the check finds her before

    response = logged_in(client, world.alice).post(
        reverse("privacy:erase"), {"username": "alice", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:home")
    assert "_auth_user_id" not in client.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your account and the data that led to you have been erased."
    ]
    assert _snapshot(world) == before
    assert _links_to(world, alice_id, person_id) == []
    # Her comment is a placeholder under an inactive placeholder author; Bob's reply
    # still hangs under it with its text.
    placeholder = Comment.objects.get(pk=world.alice_comment.pk)
    assert placeholder.body == "" and placeholder.deleted_at is not None
    assert placeholder.author.username == services.COMMENT_PLACEHOLDER
    assert not placeholder.author.is_active and not placeholder.author.has_usable_password()
    threads = {c.pk: c for c in section_threads(world.section)}
    assert [r.body for r in threads[world.alice_comment.pk].thread_replies] == [BOB_REPLY]
    assert threads[world.bob_comment.pk].body == BOB_COMMENT
    # Her answer counts under an inactive account holding only her group.
    answer_user = ValidationAnswer.objects.get(reason=services.ERASED_REASON).user
    assert not answer_user.is_active and answer_user.username.startswith("~deleted-")
    assert (answer_user.profile.stakeholder_group, answer_user.profile.display_name) == (
        "civil_society",
        services.PLACEHOLDER_NAME,
    )
    assert EmailAddress.objects.filter(user=answer_user).count() == 0
    # The live participations stay, unlinked, each with a new token secret.
    for participant in world.alice_participants:
        kept = Participant.objects.get(pk=participant.pk)
        assert (kept.user_id, kept.person_id, kept.display_name, kept.organisation) == (
            None,
            None,
            "",
            "",
        )
        assert kept.stakeholder_group == "civil_society"
        assert kept.secret != participant.secret
    # Gone: the account, the directory record and what hung from them.
    assert not User.objects.filter(pk=alice_id).exists()
    assert not Person.objects.filter(pk=person_id).exists()
    assert not Invitation.objects.filter(person_id=person_id).exists()
    assert (
        not OutgoingMail.objects.filter(subject="Welcome")
        .exclude(recipients=[world.bob.email])
        .exists()
    )
    # Bob's data is untouched.
    assert selectors.my_data(world.bob) == bob_before
    assert Reaction.objects.filter(user=world.bob).count() == 1
    assert Follow.objects.filter(user=world.bob).count() == 1
    assert PersonEmail.objects.filter(email=world.bob.email).exists()
    assert Notification.objects.filter(user=world.bob).count() == 0  # had none


def test_two_erased_people_who_answered_the_same_section_both_keep_counting(world):
    before = round_results(world.round)
    services.erase_account(user=world.alice)
    services.erase_account(user=world.bob)
    assert round_results(world.round) == before
    assert User.objects.filter(username=services.COMMENT_PLACEHOLDER).count() == 1
    assert Comment.objects.filter(deleted_at=None).count() == 0
    assert Comment.objects.filter(author__username=services.COMMENT_PLACEHOLDER).count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "Alice", "password": PASSWORD}, "This is not your username."),
        ({"username": "bob", "password": PASSWORD}, "This is not your username."),
        ({"username": "alice", "password": "wrong"}, "This password is not right."),
        ({"username": "alice"}, "This field is required."),
        ({}, "This field is required."),
    ],
)
def test_erasing_needs_the_username_and_the_password(client, world, data, message):
    response = logged_in(client, world.alice).post(reverse("privacy:erase"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was erased" in page and message in page
    assert User.objects.filter(pk=world.alice.pk, is_active=True).exists()
    assert Comment.objects.get(pk=world.alice_comment.pk).body == ALICE_COMMENT
    assert Person.objects.filter(pk=world.alice_person.pk).exists()


def test_an_account_others_work_depends_on_is_not_erased(client, world):
    make_process(owner=world.alice)
    page = logged_in(client, world.alice).get(reverse("privacy:erase")).content.decode()
    assert "cannot be erased yet" in page and "processes" in page
    assert 'name="username"' not in page
    response = client.post(reverse("privacy:erase"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert User.objects.filter(pk=world.alice.pk).exists()
    assert Comment.objects.get(pk=world.alice_comment.pk).body == ALICE_COMMENT
    with pytest.raises(Exception, match="cannot be erased yet"):
        services.erase_account(user=world.alice)
