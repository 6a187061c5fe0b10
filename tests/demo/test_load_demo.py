"""The demo that `make run` loads: every activity kind, a consultation with inputs, and
the pages a new user opens first."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from boards.models import Note
from consult.models import Comment, Consultation, Disposition, ValidationAnswer
from demo import board as demo_board
from demo import consultation as demo_consultation
from demo import data
from demo import knowledge_data as demo_knowledge
from knowledge.models import CaseAction
from sessions.kinds import kind_choices
from sessions.models import Participant, Session

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_with_every_activity_kind_and_a_consultation():
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", stdout=out)  # a second run changes nothing
    assert data.JOIN_CODE in out.getvalue()
    session = Session.objects.get(code=data.JOIN_CODE)
    kinds = set(session.activities.values_list("kind", flat=True))
    assert kinds == {name for name, _label in kind_choices()}
    consultation = Consultation.objects.get(slug=demo_consultation.SLUG)
    assert consultation.status == Consultation.Status.OPEN
    assert consultation.versions.count() == 2
    assert Comment.objects.filter(section__consultation=consultation).count() == 3
    assert Disposition.objects.count() == 2
    assert ValidationAnswer.objects.count() == 4
    # The action catalogue has the demo's actions, once, under cases and issues.
    assert CaseAction.objects.count() == len(demo_knowledge.ACTIONS)
    assert CaseAction.objects.filter(case=None).count() == 2
    assert CaseAction.objects.filter(issue=None).count() == 2
    # The idea board has notes of guests of several groups for "Find themes", once.
    board = session.activities.get(kind="idea_board")
    assert Note.objects.filter(activity=board).count() == len(demo_board.NOTES)
    assert Participant.objects.filter(session=session).values(
        "stakeholder_group"
    ).distinct().count() == len({group for _name, group, _country in demo_board.GUESTS})


def test_the_demo_pages_open_for_their_users():
    call_command("load_demo", stdout=io.StringIO())
    consultation = Consultation.objects.get(slug=demo_consultation.SLUG)
    args = [consultation.process.slug, consultation.slug]
    anonymous = Client()
    page = anonymous.get(reverse("consult:consultation", args=args))
    assert page.status_code == 200
    assert "Vision 2050" in page.text
    report = anonymous.get(reverse("consult:you_said_we_did", args=args))
    assert "Added to the 2030 milestone" in report.text
    facilitator = Client()
    assert facilitator.login(username=data.FACILITATOR_USERNAME, password=data.FACILITATOR_PASSWORD)
    console = facilitator.get(reverse("frontend:console", args=[data.JOIN_CODE]))
    assert console.status_code == 200
    assert "Questions for the panel" in console.text
    catalogue = anonymous.get(reverse("knowledge:actions"), {"horizon": "2050"})
    assert "free, prior and informed consent a condition of every new mining" in catalogue.text
    assert "Publish the results of tailings-dam inspections" not in catalogue.text
    join = anonymous.get(reverse("frontend:join_code", args=[data.JOIN_CODE]))
    assert join.status_code == 200
    assert "stakeholder" in join.text.lower()
