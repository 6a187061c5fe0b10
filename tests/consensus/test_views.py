"""The common-ground page: who may see it, what it shows after an analysis, and promoting
a statement to a dot vote with its bad cases."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consensus.models import Statement
from consensus.tasks import recompute_analysis
from sessions import services
from sessions.models import Activity, Session
from tests import factories

pytestmark = pytest.mark.django_db

GROUPS = ["industry_upstream"] * 6 + ["civil_society"] * 6


def make_world():
    activity = factories.make_activity(kind="consensus", open=True, title="Where we agree")
    session = Session.objects.select_related("event").get(pk=activity.session_id)
    statements = list(Statement.objects.filter(activity=activity).order_by("id"))
    for i, group in enumerate(GROUPS):
        person = factories.make_participant(session=session, stakeholder_group=group)
        votes = ["agree", "agree" if group == "industry_upstream" else "disagree", "pass"]
        for statement, vote in zip(statements, votes, strict=True):
            services.perform_command(
                participant=person,
                activity_id=activity.pk,
                action="answer",
                data={"statement": statement.pk, "vote": vote},
                key=f"k{i}-{statement.pk}",
            )
    recompute_analysis.call(activity_id=activity.pk)
    dot_vote = factories.make_activity(session=session, kind="dot_vote", title="Dots")
    return {
        "activity": activity,
        "session": session,
        "statements": statements,
        "dot_vote": dot_vote,
        "owner": session.event.owner,
    }


def url(activity, code=None, activity_id=None):
    return reverse(
        "consensus:common_ground",
        args=[code or activity.session.code, activity_id or activity.pk],
    )


def owner_client(w):
    client = Client()
    client.force_login(w["owner"])
    return client


def dot_statements(w):
    w["dot_vote"].refresh_from_db()
    return [s["text"] for s in w["dot_vote"].config["statements"]]


def test_the_page_shows_common_ground_divisive_statements_and_group_tables():
    w = make_world()
    response = owner_client(w).get(url(w["activity"]))
    assert response.status_code == 200
    page = response.context["page"]
    first, second, _third = w["statements"]
    assert [row["id"] for row in page.common_ground_declared] == [first.pk]
    assert page.divisive_declared[0]["id"] == second.pk
    assert page.participants == 12 and page.answers == 36
    assert [label for _key, label in page.group_columns][:2] == [
        "Industry: upstream (mining, processing)",
        "Civil society / NGO",
    ]
    row = next(r for r in page.statements if r["id"] == second.pk)
    assert [cell["agree_share"] for cell in row["groups"]] == [100.0, 0.0]
    html = response.content.decode()
    assert first.text in html and "Common ground" in html
    # Twelve people who split two ways on one statement: two opinion groups on the map.
    assert len(page.groups) == 2
    assert html.count("<circle") == 12
    assert 'role="img"' in html


def test_the_console_card_links_to_the_page():
    w = make_world()
    html = owner_client(w).get(reverse("frontend:console", args=[w["session"].code])).content
    assert url(w["activity"]).encode() in html


def test_promote_the_top_statement_to_a_dot_vote():
    w = make_world()
    first = w["statements"][0]
    response = owner_client(w).post(
        url(w["activity"]),
        {"statement": first.pk, "target": w["dot_vote"].pk, "type": "vision"},
    )
    assert response.status_code == 302
    assert dot_statements(w)[-1] == first.text
    source = w["dot_vote"].config["statements"][-1]["source"]
    assert source == {"activity": w["activity"].pk, "statement": first.pk}


@pytest.mark.parametrize(
    "bad",
    ["hidden", "other_activity", "open_target", "no_target", "milestone_without_horizon"],
)
def test_bad_promotions_say_why_and_change_nothing(bad):
    w = make_world()
    first = w["statements"][0]
    data = {"statement": first.pk, "target": w["dot_vote"].pk, "type": "vision"}
    if bad == "hidden":
        services.moderate_activity(
            activity=w["activity"], action="hide", data={"statement": first.pk}
        )
    elif bad == "other_activity":
        elsewhere = factories.make_activity(kind="consensus", open=True)
        data["statement"] = Statement.objects.filter(activity=elsewhere).first().pk
    elif bad == "open_target":
        services.open_activity(activity=w["dot_vote"])
    elif bad == "no_target":
        data["target"] = 10**9
    else:
        data["type"] = "milestone"
    before = dot_statements(w)
    response = owner_client(w).post(url(w["activity"]), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert dot_statements(w) == before


LOGIN = "login"
ROWS = {
    "anonymous": (LOGIN, LOGIN),
    "account": (403, 403),
    "other_organiser": (403, 403),
    "owner": (200, 302),
    "superuser": (200, 302),
}


@pytest.mark.parametrize("role", ROWS)
def test_permission_rows(role):
    w = make_world()
    users = {
        "anonymous": None,
        "account": factories.make_user(),
        "other_organiser": factories.make_user(organiser=True),
        "owner": w["owner"],
        "superuser": factories.make_user(is_superuser=True, organiser=True),
    }
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    data = {"statement": w["statements"][0].pk, "target": w["dot_vote"].pk, "type": "vision"}
    for method, expected in zip(("get", "post"), ROWS[role], strict=True):
        before = dot_statements(w)
        response = getattr(client, method)(url(w["activity"]), data if method == "post" else None)
        if expected == LOGIN:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == expected, (role, method)
        if expected == 302:
            assert len(dot_statements(w)) == len(before) + 1
        else:
            assert dot_statements(w) == before


def test_unknown_session_activity_or_kind_is_404_and_other_methods_405():
    w = make_world()
    client = owner_client(w)
    activity = w["activity"]
    assert client.get(url(activity, code="ZZZZZZ")).status_code == 404
    assert client.get(url(activity, activity_id=2**31 - 1)).status_code == 404
    assert client.get(url(activity, activity_id=w["dot_vote"].pk)).status_code == 404
    elsewhere = factories.make_activity(kind="consensus")
    assert client.get(url(activity, activity_id=elsewhere.pk)).status_code == 404
    assert client.put(url(activity)).status_code == 405
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_the_csv_export_has_one_row_per_answer_with_weight_columns():
    import csv
    import io

    w = make_world()
    response = owner_client(w).get(
        reverse("frontend:export_csv", args=[w["session"].code, w["activity"].pk])
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 36
    assert {"statement_id", "statement", "answer", "answered_at"} <= set(rows[0])
    assert {r["answer"] for r in rows} == {"agree", "disagree", "pass"}
    # Two declared groups of six: equal voice weighs everyone 1.
    assert {r["weight_equal_voice"] for r in rows} == {"1.0"}
