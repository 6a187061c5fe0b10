"""Test data for the "My data" pages: two people with data across every app.

Alice has a profile, a linked directory record (with organisers' notes, an
affiliation, a grid position and an invitation), comments, validation answers with an
answer from the organisers, reactions, a follow, notifications, mail, and two live
participations (one through her account, one through her directory record) with votes
and a question. Bob has the same kinds of things, so every test can check that none
of his shows up in or is touched by what Alice does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from consult import services as consult
from consult.models import OutgoingMail, Section, ValidationRound
from consult.selectors import latest_version
from outreach.models import Invitation
from people import services as people
from people.models import Person
from sessions import services as live
from sessions.models import Activity, Participant
from tests import factories
from tests.consult.factories import make_consultation, make_member
from tests.people.factories import make_organisation, make_person

GROUP = "civil_society"
ALICE_NAME = "Alice Wanjiru"
ALICE_ORG = "Kenya Mining Watch"
ALICE_COMMENT = "Traceability needs independent audits of every smelter."
ALICE_REASON = "The 2030 milestone ignores artisanal miners."
ALICE_NOTES = "Met at the Nairobi forum; strong on artisanal mining."
BOB_COMMENT = "Industry already publishes audits; see the RMI list."
BOB_REPLY = "Which audits do you mean? The RMI ones are self-reported."
BOB_NAME = "Bob Mensah"


@dataclass
class World:
    owner: User
    alice: User
    bob: User
    alice_person: Person
    bob_person: Person
    section: Section
    round: ValidationRound
    poll: Activity
    qna: Activity
    alice_comment: Any
    bob_comment: Any
    bob_reply: Any
    alice_participants: list[Participant]
    bob_participant: Participant


def _vote(activity: Activity, participant: Participant, data: Any, action: str = "vote") -> None:
    live.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"{action}-{participant.pk}",
    )


def build() -> World:
    consultation = make_consultation()
    owner = consultation.process.owner
    version = latest_version(consultation)
    section = version.texts.order_by("position")[0].section
    alice = make_member(group=GROUP, username="alice")
    bob = make_member(group=GROUP, username="bob")
    for user, name in ((alice, ALICE_NAME), (bob, BOB_NAME)):
        user.profile.display_name = name
        user.profile.organisation = ALICE_ORG if user is alice else "Ghana Chamber of Mines"
        user.profile.save()

    org = make_organisation(name="Artisanal Miners Network")
    alice_person = make_person(
        name=ALICE_NAME,
        emails=[alice.email],
        organisation=org,
        role="Policy officer",
        stakeholder_group=GROUP,
        country="KE",
        notes=ALICE_NOTES,
        tags=["artisanal mining"],
    )
    people.set_analysis(person=alice_person, influence=4, interest=5, by=owner)
    people.link_account(user=alice, verified_emails=[alice.email])
    bob_person = make_person(name=BOB_NAME, emails=[bob.email], notes="Bob's own notes")
    people.link_account(user=bob, verified_emails=[bob.email])
    for person in (alice_person, bob_person):
        Invitation.objects.create(
            process=consultation.process, consultation=consultation, person=person
        )

    alice_comment = consult.add_comment(section=section, author=alice, body=ALICE_COMMENT)
    bob_comment = consult.add_comment(section=section, author=bob, body=BOB_COMMENT)
    bob_reply = consult.add_comment(
        section=section, author=bob, body=BOB_REPLY, parent=alice_comment
    )
    consult.toggle_reaction(comment=bob_comment, user=alice, kind="insightful")
    consult.toggle_reaction(comment=alice_comment, user=bob, kind="agree")
    consult.set_disposition(
        by=owner, decision="partly", response="We added smelter audits.", comment=alice_comment
    )

    round_ = consult.open_round(consultation=consultation, by=owner, version=version)
    answer = consult.answer_section(
        round=round_, section=section, user=alice, verdict="disagree", reason=ALICE_REASON
    )
    consult.set_disposition(by=owner, decision="accepted", response="Noted.", answer=answer)
    consult.answer_section(round=round_, section=section, user=bob, verdict="agree")
    for _ in range(4):  # with Alice and Bob, six civil-society answers: shown per group
        other = make_member(group=GROUP)
        consult.answer_section(
            round=round_, section=section, user=other, verdict="agree_with_changes", reason="x"
        )
    for _ in range(5):
        other = make_member(group="policy")
        consult.answer_section(round=round_, section=section, user=other, verdict="agree")

    OutgoingMail.objects.create(recipients=[alice.email], subject="Welcome", message=b"hi")
    OutgoingMail.objects.create(recipients=[bob.email], subject="Welcome", message=b"hi")

    poll = factories.make_activity(open=True)
    session = poll.session
    alice_participants = [
        factories.make_participant(
            session=session,
            user=alice,
            display_name=ALICE_NAME,
            organisation=ALICE_ORG,
            stakeholder_group=GROUP,
        ),
        factories.make_participant(
            session=factories.make_session(event=session.event),
            person=alice_person,
            display_name=ALICE_NAME,
            stakeholder_group=GROUP,
        ),
    ]
    bob_participant = factories.make_participant(
        session=session, user=bob, display_name=BOB_NAME, stakeholder_group=GROUP
    )
    _vote(poll, alice_participants[0], 0)
    _vote(poll, bob_participant, 1)
    for _ in range(3):
        _vote(poll, factories.make_participant(session=session, stakeholder_group="policy"), 0)
    # Opening the Q&A closes the poll (one open activity at a time).
    qna = live.add_activity(session=session, kind="qna", title="Ask the panel", config={})
    live.open_activity(activity=qna)
    _vote(qna, alice_participants[0], {"text": "Who pays for the audits?"}, action="ask")
    return World(
        owner=owner,
        alice=alice,
        bob=bob,
        alice_person=alice_person,
        bob_person=bob_person,
        section=section,
        round=round_,
        poll=poll,
        qna=qna,
        alice_comment=alice_comment,
        bob_comment=bob_comment,
        bob_reply=bob_reply,
        alice_participants=alice_participants,
        bob_participant=bob_participant,
    )
