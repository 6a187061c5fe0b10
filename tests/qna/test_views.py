"""The Q&A on the facilitator's pages: the settings on the "Add an activity" form, the
console and the CSV/JSON exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from qna.models import Question
from sessions import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(organiser):
    return factories.make_session(event=factories.make_event(owner=organiser))


def add(client, session, **fields):
    data = {"kind": "qna", "title": "Questions for the panel", "results_visibility": "live"}
    data.update({f"qna-{k}": v for k, v in fields.items()})
    return client.post(reverse("frontend:add_activity", args=[session.code]), data)


def test_the_console_offers_the_qna_settings(organiser_client, session):
    page = organiser_client.get(reverse("frontend:console", args=[session.code])).content.decode()
    assert '<option value="qna">Q&amp;A</option>' in page
    assert 'name="qna-max_length"' in page and 'name="qna-premoderate"' in page
    assert 'name="qna-allow_anonymous"' in page and "qna/qna.js" in page


def test_adding_a_qna_stores_its_settings(organiser_client, session):
    response = add(
        organiser_client,
        session,
        max_length="150",
        max_questions="3",
        allow_anonymous="on",
        premoderate="on",
    )
    assert response.status_code == 302
    activity = session.activities.get()
    assert (activity.kind, activity.title) == ("qna", "Questions for the panel")
    assert activity.config == {
        "max_length": 150,
        "max_questions": 3,
        "allow_anonymous": True,
        "moderators_see_names": False,
        "premoderate": True,
        "on_screen": None,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_questions": "21"}, "less than or equal to 20"),
        ({"max_length": "5"}, "greater than or equal to 20"),
        ({"max_length": "many"}, "Enter a whole number"),
    ],
)
def test_bad_settings_are_shown_on_the_form(organiser_client, session, fields, message):
    response = add(organiser_client, session, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not session.activities.exists()


def asked(session, **config):
    qna = services.add_activity(session=session, kind="qna", title="Ask", config=config)
    services.open_activity(activity=qna)
    ana = factories.make_participant(session=session, display_name="Ana", country="BR")
    zoe = factories.make_participant(session=session, display_name="Zoe", sector="mobility")
    for who, text, anonymous in ((ana, "=1+1", False), (zoe, "Anonymous?", True)):
        services.perform_command(
            participant=who,
            activity_id=qna.pk,
            action="ask",
            data={"text": text, "anonymous": anonymous},
            key=f"ask-{who.pk}",
        )
    services.perform_command(
        participant=zoe,
        activity_id=qna.pk,
        action="upvote",
        data={"question": Question.objects.get(participant=ana).pk},
        key="up",
    )
    return qna


def test_the_csv_export_has_one_row_per_question_with_the_profile(organiser_client, session):
    qna = asked(session)
    response = organiser_client.get(reverse("frontend:export_csv", args=[session.code, qna.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["question"] for r in rows] == ["'=1+1", "Anonymous?"]  # no formula
    assert [r["display_name"] for r in rows] == ["Ana", ""]  # Zoe asked anonymously
    assert [(r["anonymous"], r["status"], r["upvotes"]) for r in rows] == [
        ("False", "visible", "1"),
        ("True", "visible", "0"),
    ]
    assert rows[0]["country"] == "BR" and rows[1]["sector"] == ""
    assert rows[0]["asked_at"] and rows[0]["answered_at"] == ""


def test_the_json_export_leaves_anonymous_names_out_when_the_setting_says_so(
    organiser_client, session
):
    qna = asked(session, moderators_see_names=False)
    response = organiser_client.get(reverse("frontend:export_json", args=[session.code, qna.pk]))
    data = response.json()
    assert data["activity"]["kind"] == "qna"
    assert data["columns"][-8:] == [
        "question",
        "language",
        "anonymous",
        "status",
        "answered",
        "upvotes",
        "asked_at",
        "answered_at",
    ]
    assert [(r["display_name"], r["anonymous"]) for r in data["responses"]] == [
        ("Ana", False),
        ("", True),
    ]
    assert data["responses"][1]["sector"] == ""  # nor the profile


@pytest.mark.parametrize("see_names", [True, False])
def test_the_exports_never_tie_an_anonymous_question_to_its_asker(
    organiser_client, session, see_names
):
    """The asker's named question carries her participant id and profile; the row of her
    anonymous question carries none of them, in the CSV and in the JSON, so nothing
    links the two (not even a rare group, country, sector and gender together)."""
    qna = services.add_activity(
        session=session, kind="qna", title="Ask", config={"moderators_see_names": see_names}
    )
    services.open_activity(activity=qna)
    profile = {
        "display_name": "Zoe Secret",
        "stakeholder_group": "research",
        "country": "BR",
        "sector": "mining",
        "gender": "non_binary",
        "organisation": "Lithium Watch",
    }
    zoe = factories.make_participant(session=session, **profile)
    for text, anonymous in (("Named?", False), ("Who runs the audits?", True)):
        services.perform_command(
            participant=zoe,
            activity_id=qna.pk,
            action="ask",
            data={"text": text, "anonymous": anonymous},
            key=f"ask-{anonymous}",
        )
    csv_url = reverse("frontend:export_csv", args=[session.code, qna.pk])
    csv_rows = list(csv.DictReader(io.StringIO(organiser_client.get(csv_url).content.decode())))
    json_url = reverse("frontend:export_json", args=[session.code, qna.pk])
    json_rows = organiser_client.get(json_url).json()["responses"]
    columns = ["participant", *profile]
    for (named, anonymous), pk in ((csv_rows, str(zoe.pk)), (json_rows, zoe.pk)):
        assert named["question"] == "Named?"
        assert {k: named[k] for k in columns} == {"participant": pk, **profile}
        assert anonymous["question"] == "Who runs the audits?"
        assert {k: anonymous[k] for k in columns} == dict.fromkeys(columns, "")
        told = {str(value) for value in anonymous.values()}
        assert not told & {str(zoe.pk), *profile.values()}
