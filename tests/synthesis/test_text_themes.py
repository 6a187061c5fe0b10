"""Themes of a Q&A's questions and of a word cloud's entries: proposed read-only over
what the room sees (approved, not hidden), counted per stakeholder group with small
groups hidden, on the same page as a board's themes, for the session's facilitators."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from polls.models import Ballot
from qna.models import Question
from sessions import services
from sessions.models import Activity, Session
from synthesis import board_themes
from synthesis.text_themes import (
    NotAQnaError,
    NotAWordCloudError,
    group_rows,
    propose_qna_themes,
    propose_word_cloud_themes,
    theme_people,
)
from synthesis.themes import ThemeInput, make_theme
from tests import factories

pytestmark = pytest.mark.django_db

QUESTIONS = {
    "recycling": [
        "How will old batteries be recycled at the end of their life?",
        "Who pays for battery recycling plants in every region?",
        "What are the recycling targets for lithium batteries?",
        "Where can people drop used batteries for recycling?",
        "Will recycled battery metals be cheaper?",
        "Is a deposit scheme for batteries planned to boost recycling?",
        "Why is recycling of battery cells so expensive?",
    ],
    "water": [
        "How much water do mines use in dry regions?",
        "How is drinking water protected near the mine?",
        "Who checks water pollution from tailings ponds?",
        "Is river water quality monitored downstream of mines?",
        "Must mines treat their waste water?",
        "What about the water rights of farmers near mines?",
        "Will the water use of every mine be published?",
    ],
    "training": [
        "Are there training courses for local workers?",
        "Is there skills training for young technicians?",
        "Will vocational training start in mining towns?",
        "Are apprenticeships and training open to women?",
        "Who funds training for teachers of technical schools?",
        "Is training on safety skills free?",
    ],
}
# Five people of one group and one of another, plus one who said none.
GROUPS = ["policy"] * 5 + ["research", ""]


def make_qna(session: Session | None = None) -> Activity:
    return services.add_activity(
        session=session or factories.make_session(), kind="qna", title="Ask us", config={}
    )


def qna_world() -> dict:
    """20 approved questions on 3 topics by 7 people (question n by person n % 7; the
    questions of person 0 are anonymous), plus a hidden and a pending question."""
    qna = make_qna()
    people = [
        factories.make_participant(
            session=qna.session, display_name=f"P{i}", stakeholder_group=group
        )
        for i, group in enumerate(GROUPS)
    ]
    questions: dict[str, list[Question]] = {topic: [] for topic in QUESTIONS}
    n = 0
    for topic, texts in QUESTIONS.items():
        for text in texts:
            questions[topic].append(
                Question.objects.create(
                    activity=qna,
                    participant=people[n % 7],
                    text=text,
                    anonymous=n % 7 == 0,
                )
            )
            n += 1
    hidden = Question.objects.create(
        activity=qna,
        participant=people[1],
        text="Hidden question about battery recycling",
        status=Question.Status.HIDDEN,
    )
    pending = Question.objects.create(
        activity=qna,
        participant=people[1],
        text="Pending question about water in mines",
        status=Question.Status.PENDING,
    )
    return {"qna": qna, "people": people, "questions": questions, "left_out": [hidden, pending]}


ENTRIES = {
    "recycling": ["recycling", "recycled batteries", "battery recycling", "recycle"],
    "water": ["clean water", "water use", "drinking water", "water"],
    "training": ["training", "skills training", "job training", "training budget"],
}


def make_word_cloud(session: Session | None = None, hidden: list[str] | None = None) -> Activity:
    config = {"max_entries": 3, "max_length": 30, "hidden": hidden or []}
    return factories.make_activity(session=session, kind="word_cloud", config=config)


def word_cloud_world() -> dict:
    """10 voters (6 of one group, 2 of another, 2 saying none), each entering one word of
    each topic; "recycle" is hidden by the facilitator."""
    cloud = make_word_cloud()
    cloud.config = {**cloud.config, "hidden": ["recycle"]}
    cloud.save(update_fields=["config"])
    groups = ["policy"] * 6 + ["industry_upstream"] * 2 + ["", ""]
    ballots = []
    for i, group in enumerate(groups):
        voter = factories.make_participant(
            session=cloud.session, display_name=f"V{i}", stakeholder_group=group
        )
        words = [ENTRIES[topic][i % 4] for topic in ENTRIES]
        ballots.append(Ballot.objects.create(activity=cloud, participant=voter, choice=words))
    return {"cloud": cloud, "ballots": ballots, "groups": groups}


def topics_of(themes, topic_of) -> list[set[str]]:
    return [{topic_of(item) for item in theme.items} for theme in themes]


# --------------------------------------------------------------------------- proposals


def test_qna_themes_are_the_three_topics_of_the_approved_questions():
    w = qna_world()
    themes = propose_qna_themes(activity=w["qna"])
    placed = [item_id for theme in themes for item_id in theme.item_ids]
    approved = {str(q.pk) for qs in w["questions"].values() for q in qs}
    assert sorted(placed) == sorted(approved)  # every approved question exactly once
    assert not {str(q.pk) for q in w["left_out"]} & set(placed)
    by_text = {q.text: topic for topic, qs in w["questions"].items() for q in qs}
    assert [len(t) for t in topics_of(themes, lambda item: by_text[item.text])] == [1, 1, 1]
    assert {next(iter(t)) for t in topics_of(themes, lambda item: by_text[item.text])} == set(
        QUESTIONS
    )
    water = next(t for t in themes if by_text[t.items[0].text] == "water")
    assert "water" in water.label
    # Water questions are questions 7-13, by persons 0-6: person 0's is anonymous.
    assert water.group_counts == {"policy": 4, "research": 1, "": 2}
    recycling = next(t for t in themes if by_text[t.items[0].text] == "recycling")
    # Questions 0-6: 0 anonymous, 1-4 policy, 5 research, 6 said none.
    assert recycling.group_counts == {"policy": 4, "research": 1, "": 2}
    training = next(t for t in themes if by_text[t.items[0].text] == "training")
    # Questions 14-19: 14 anonymous, 15-18 policy, 19 research.
    assert training.group_counts == {"policy": 4, "research": 1, "": 1}


def test_word_cloud_themes_are_the_three_topics_of_the_shown_entries():
    w = word_cloud_world()
    themes = propose_word_cloud_themes(activity=w["cloud"])
    placed = [item_id for theme in themes for item_id in theme.item_ids]
    shown = [
        f"{ballot.pk}-{n}"
        for ballot in w["ballots"]
        for n, word in enumerate(ballot.choice)
        if word != "recycle"
    ]
    assert sorted(placed) == sorted(shown)  # every shown entry exactly once
    assert len(placed) == 10 * 3 - 2  # voters 3 and 7 entered the hidden word
    topic = {word: t for t, words in ENTRIES.items() for word in words}
    assert [len(t) for t in topics_of(themes, lambda item: topic[item.text])] == [1, 1, 1]
    by_topic = {topic[t.items[0].text]: t for t in themes}
    assert set(by_topic) == set(ENTRIES)
    assert by_topic["water"].group_counts == {"policy": 6, "industry_upstream": 2, "": 2}
    # Voters 3 (policy) and 7 (industry) entered "recycle", which is hidden.
    assert by_topic["recycling"].group_counts == {"policy": 5, "industry_upstream": 1, "": 2}


def test_group_rows_hide_counts_under_five():
    w = word_cloud_world()
    water = next(t for t in propose_word_cloud_themes(activity=w["cloud"]) if "water" in t.label)
    people = theme_people(activity=w["cloud"])
    rows = {row.label: row.count for row in group_rows(theme=water, people=people)}
    assert rows == {
        "Government / policy maker": 6,
        "Industry: upstream (mining, processing)": None,
        "Not said": None,
    }


def test_a_group_s_count_needs_five_people_not_five_items():
    """Two people of a group giving six entries between them stay hidden: the count
    would single them out."""
    items = [ThemeInput(id=f"{n}", text="clean water", group="policy") for n in range(6)]
    items += [ThemeInput(id=f"c{n}", text="clean water", group="civil_society") for n in range(5)]
    theme = make_theme(key="t1", label="water", items=items)
    people = {f"{n}": n % 2 for n in range(6)} | {f"c{n}": 10 + n for n in range(5)}
    rows = {row.label: row.count for row in group_rows(theme=theme, people=people)}
    assert rows == {"Government / policy maker": None, "Civil society / NGO": 5}


def test_empty_activities_and_other_kinds():
    assert propose_qna_themes(activity=make_qna()) == []
    assert propose_word_cloud_themes(activity=make_word_cloud()) == []
    scale = factories.make_activity(kind="scale")
    with pytest.raises(NotAQnaError) as qna_error:
        propose_qna_themes(activity=scale)
    with pytest.raises(NotAWordCloudError) as cloud_error:
        propose_word_cloud_themes(activity=make_qna())
    assert qna_error.value.code == "not_a_qna" and cloud_error.value.code == "not_a_word_cloud"


# --------------------------------------------------------------------------- the page


def url(activity: Activity, code: str | None = None) -> str:
    session = Session.objects.get(pk=activity.session_id)
    return reverse(
        "synthesis:board_themes", kwargs={"code": code or session.code, "activity_id": activity.pk}
    )


def owner_client(activity: Activity) -> Client:
    client = Client()
    client.force_login(Session.objects.get(pk=activity.session_id).event.owner)
    return client


def test_the_page_shows_a_qna_s_themes_read_only():
    w = qna_world()
    response = owner_client(w["qna"]).get(url(w["qna"]))
    assert response.status_code == 200
    html = response.content.decode()
    for theme in propose_qna_themes(activity=w["qna"]):
        assert f">{theme.label}</h2>" in html
        for item in theme.items:
            assert f"<li>{item.text}</li>" in html.replace("&#x27;", "'")
    assert "7 questions" in html and "6 questions" in html
    # 4 of the 20 per group: every count is under 5, so none is shown.
    assert "Government / policy maker: fewer than 5" in html
    assert "Research / academia: fewer than 5" in html and "Not said: fewer than 5" in html
    assert "Hidden question about" not in html and "Pending question about" not in html
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert "Accept as clusters" not in html and "<select" not in main  # read-only
    assert 'type="checkbox"' not in html
    assert "<script" not in html.split("</main>")[0] and "style=" not in html
    assert owner_client(w["qna"]).post(url(w["qna"]), {}).status_code == 405


def test_the_page_shows_a_word_cloud_s_themes_with_small_groups_hidden():
    w = word_cloud_world()
    response = owner_client(w["cloud"]).get(url(w["cloud"]))
    assert response.status_code == 200
    html = response.content.decode()
    for theme in propose_word_cloud_themes(activity=w["cloud"]):
        assert f">{theme.label}</h2>" in html
    assert "10 entries" in html and "8 entries" in html
    assert "Government / policy maker: 6" in html
    assert "Industry: upstream (mining, processing): fewer than 5" in html
    assert "<li>recycle</li>" not in html  # hidden by the facilitator
    assert "<li>drinking water</li>" in html


def test_an_empty_qna_and_word_cloud_say_so():
    qna, cloud = make_qna(), make_word_cloud()
    assert "no approved questions yet" in owner_client(qna).get(url(qna)).content.decode()
    assert "no entries yet" in owner_client(cloud).get(url(cloud)).content.decode()


# --------------------------------------------------------------------------- permissions


def permission_world() -> dict:
    qna = make_qna()
    session = Session.objects.select_related("event").get(pk=qna.session_id)
    cloud = make_word_cloud(session=session)
    Question.objects.create(
        activity=qna, participant=factories.make_participant(session=session), text="Why?"
    )
    return {
        "qna": qna,
        "cloud": cloud,
        "scale": factories.make_activity(session=session, kind="scale"),
        "elsewhere": make_qna(),
        "users": {
            "anonymous": None,
            "account": factories.make_user(),
            "other_organiser": factories.make_user(organiser=True),
            "owner": session.event.owner,
        },
    }


ROWS = {"anonymous": "login", "account": 403, "other_organiser": 403, "owner": 200}


@pytest.mark.parametrize("role", ROWS)
def test_permission_rows(role):
    w = permission_world()
    client = Client()
    if w["users"][role] is not None:
        client.force_login(w["users"][role])
    for activity in (w["qna"], w["cloud"]):
        response = client.get(url(activity))
        if ROWS[role] == "login":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == ROWS[role], (role, activity.kind)


def test_other_kinds_and_other_sessions_are_404():
    w = permission_world()
    client = owner_client(w["qna"])
    assert client.get(url(w["scale"])).status_code == 404
    assert client.get(url(w["qna"], code="ZZZZZZ")).status_code == 404
    session = Session.objects.get(pk=w["qna"].session_id)
    assert client.get(url(w["elsewhere"], code=session.code)).status_code == 404


def test_tool_links_and_the_console_cards_offer_find_themes_for_qna_and_word_clouds():
    w = permission_world()
    for activity in (w["qna"], w["cloud"]):
        assert board_themes.tool_links(activity=activity) == [("Find themes", url(activity))]
    assert board_themes.tool_links(activity=w["scale"]) == []
    session = Session.objects.get(pk=w["qna"].session_id)
    html = owner_client(w["qna"]).get(f"/console/{session.code}/?part=agenda").content.decode()
    for activity in (w["qna"], w["cloud"]):
        assert f'<a href="{url(activity)}">Find themes</a>' in html
    assert html.count("Find themes") == 2  # not on the scale poll's card
