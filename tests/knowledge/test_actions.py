"""The action catalogue: its services (with their refusals), the kinds' promotable items,
promotion, the public catalogue, the managers' pages and the issue page."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards.models import Note
from consensus.models import Statement
from knowledge import actions
from knowledge.models import Case, CaseAction
from sessions import services as session_services
from sessions.kinds import ActivityKind, get_kind, promoting_kinds
from tests import factories
from tests.boards.boards import make_board, moderate, people, post
from tests.factories import login_cookie, make_activity, make_event, make_session, make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager

pytestmark = pytest.mark.django_db

CATALOGUE = "/actions/"
MANAGE = "/manage/actions/"
PROMOTE = "/manage/actions/promote"


def refused(field: str, **kwargs) -> str:
    """The messages of ``create_action``'s refusal on ``field`` (nothing saved)."""
    before = CaseAction.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.create_action(**kwargs)
    assert CaseAction.objects.count() == before
    assert field in error.value.message_dict, error.value.message_dict
    return " ".join(error.value.message_dict[field])


@pytest.fixture
def manager():
    return make_manager(organiser=True)


@pytest.fixture
def workshop(manager):
    """A board in a session the manager facilitates, with two visible notes, a hidden
    one and a merged one."""
    event = make_event(owner=manager, title="Lab Kinshasa")
    session = make_session(event=event, title="Morning")
    board = make_board(session=session, title="What must change?")
    alice, bob = people(board, 2)
    notes = {
        "audit": post(board, alice, "Publish every smelter audit", column=1),
        "wages": post(board, bob, "Living wages for artisanal miners"),
        "hidden": post(board, bob, "Something rude"),
        "dup": post(board, alice, "Publish smelter audits"),
    }
    moderate(board, "hide", {"note": notes["hidden"].pk})
    moderate(board, "merge", {"note": notes["dup"].pk, "into": notes["audit"].pk})
    board.refresh_from_db()
    return board, notes


def login(client, user) -> None:
    client.cookies["sessionid"] = login_cookie(user)


# ----------------------------------------------------------------- services


def test_a_manager_writes_an_action_for_a_case_an_issue_or_both(manager):
    case, issue = make_case(), make_issue()
    first = actions.create_action(
        by=manager, text="  Publish   audits ", horizon="2030", actor="policy", case=case.pk
    )
    assert (first.text, first.horizon, first.actor, first.case, first.issue) == (
        "Publish audits",
        2030,
        "policy",
        case,
        None,
    )
    assert first.created_by == manager and first.language == "en" and first.source == ""
    second = actions.create_action(by=manager, text="Train auditors", horizon=2040, issue=issue)
    assert (second.issue, second.case, second.actor) == (issue, None, "")
    both = actions.create_action(
        by=manager, text="Both", horizon=2050, case=str(case.pk), issue=str(issue.pk)
    )
    assert (both.case, both.issue) == (case, issue)
    # A case under review takes actions too (shown once it is accepted).
    proposed = make_case(status=Case.Status.PROPOSED)
    assert actions.create_action(by=manager, text="Later", horizon=2030, case=proposed).pk


def test_only_managers_write_actions(manager):
    case = make_case()
    action = actions.create_action(by=manager, text="Act", horizon=2030, case=case)
    for user in (make_user(), make_user(organiser=True)):
        with pytest.raises(PermissionDenied):
            actions.create_action(by=user, text="Act", horizon=2030, case=case)
        with pytest.raises(PermissionDenied):
            actions.update_action(action=action, by=user, text="Other", horizon=2030, case=case)
        with pytest.raises(PermissionDenied):
            actions.delete_action(action=action, by=user)
    action.refresh_from_db()
    assert action.text == "Act"


def test_bad_actions_are_refused_with_a_message_per_field(manager):
    case, issue = make_case(), make_issue()
    good = {"by": manager, "text": "Act", "horizon": 2030, "case": case.pk}
    assert "under a case, an impact issue or both" in refused(
        "case", by=manager, text="Act", horizon=2030
    )
    for horizon in (None, "", "2035", "soon", 2031, True):
        assert "2030, 2040 or 2050" in refused("horizon", **{**good, "horizon": horizon})
    for actor in ("everyone", 3, "POLICY"):
        assert "Choose who should act" in refused("actor", **{**good, "actor": actor})
    assert "Write the action." in refused("text", **{**good, "text": "   "})
    assert "under 2000 characters (it has 2001)" in refused("text", **{**good, "text": "x" * 2001})
    assert "plain text" in refused("text", **{**good, "text": "<script>alert(1)</script>"})
    assert "as text" in refused("text", **{**good, "text": "nul\x00"})
    assert "does not exist" in refused("case", **{**good, "case": 999999})
    assert "does not exist" in refused("case", **{**good, "case": "abc"})
    declined = make_case(status=Case.Status.DECLINED)
    assert "declined" in refused("case", **{**good, "case": declined.pk})
    assert "does not exist" in refused("issue", **{**good, "case": None, "issue": 999999})
    # Every field's message at once.
    with pytest.raises(ValidationError) as error:
        actions.create_action(by=manager, text="", horizon="x", actor="x", issue=999999)
    assert set(error.value.message_dict) == {"text", "horizon", "actor", "issue"}
    assert len("x" * 2000) == actions.MAX_TEXT
    assert actions.create_action(**{**good, "text": "x" * 2000}).pk
    assert issue.pk


def test_a_changed_text_drops_its_translations_and_delete_removes(manager):
    case = make_case()
    action = actions.create_action(by=manager, text="Act", horizon=2030, case=case)
    CaseAction.objects.filter(pk=action.pk).update(text_in_fr="Agir")
    actions.update_action(action=action, by=manager, text="Act", horizon=2040, case=case)
    action.refresh_from_db()
    assert (action.horizon, action.text_in_fr) == (2040, "Agir")
    actions.update_action(action=action, by=manager, text="Act now", horizon=2040, case=case)
    action.refresh_from_db()
    assert (action.text, action.text_in_fr) == ("Act now", "")
    with pytest.raises(ValidationError):
        actions.update_action(action=action, by=manager, text="Act", horizon=2040)
    actions.delete_action(action=action, by=manager)
    assert not CaseAction.objects.exists()


# ----------------------------------------------------------------- the kinds' items


def test_kinds_that_offer_items_and_the_default():
    assert {
        "idea_board",
        "dot_vote",
        "impact_feasibility",
        "statement_ranking",
        "consensus",
    } <= set(promoting_kinds())
    assert not {"single_choice", "scale", "qna", "word_cloud"} & set(promoting_kinds())

    class Bare(ActivityKind):
        name = "bare"

    assert Bare().promotable_items(None) == []
    assert not Bare.promotes_items


def test_a_board_offers_its_visible_notes_without_names(workshop):
    board, notes = workshop
    alice = notes["audit"].participant
    moderate(board, "start_voting", {"budget": 3})
    session_services.perform_command(participant=alice, activity_id=board.pk, action="upvote",
                   data={"note": notes["wages"].pk}, key="v1")  # fmt: skip
    items = get_kind(board.kind).promotable_items(board)
    assert [i["key"] for i in items] == [
        f"boards.note:{notes['wages'].pk}",  # most upvoted first
        f"boards.note:{notes['audit'].pk}",
    ]
    wages, audit = items
    assert wages["text"] == "Living wages for artisanal miners"
    assert wages["detail"] == "Challenges · 1 upvote"
    assert audit["detail"] == "Solutions · 0 upvotes"
    assert wages["language"] == "en" and wages["horizon"] is None and wages["actor"] == ""
    assert "Person" not in repr(items)
    assert all(len(i["key"]) <= 100 for i in items)


def test_a_private_board_offers_nothing_before_its_reveal():
    board = make_board(mode="private")
    (someone,) = people(board, 1)
    post(board, someone, "Secret idea")
    kind = get_kind(board.kind)
    assert kind.promotable_items(board) == []
    moderate(board, "reveal", True)
    assert [i["text"] for i in kind.promotable_items(board)] == ["Secret idea"]


def test_vision_statements_are_offered_with_their_horizon_and_actor():
    activity = make_activity(
        kind="dot_vote",
        config={
            "statements": "Zero-waste mines\nmilestone 2030: Half of batteries recycled\n"
            "action policy: Mandate due diligence\naction industry: Publish audits",
            "dots": 5,
        },
    )
    items = get_kind(activity.kind).promotable_items(activity)
    assert [i["key"] for i in items] == [f"polls.statement:{activity.pk}:{n}" for n in range(4)]
    assert [i["text"] for i in items] == [
        "Zero-waste mines", "Half of batteries recycled", "Mandate due diligence", "Publish audits"
    ]  # fmt: skip
    assert [(i["horizon"], i["actor"]) for i in items] == [
        (None, ""), (2030, ""), (None, "policy"), (None, "")
    ]  # fmt: skip
    assert items[0]["detail"] == "Vision statement"
    assert items[1]["detail"] == "Milestone · 2030"
    assert items[3]["detail"] == "Action · Industry"


def test_consensus_offers_visible_statements_only():
    activity = make_activity(kind="consensus", open=True)
    first = Statement.objects.filter(activity=activity).order_by("id").first()
    Statement.objects.create(activity=activity, text="Pending one", key="pending one",
                             status=Statement.Status.PENDING)  # fmt: skip
    Statement.objects.filter(pk=first.pk).update(status=Statement.Status.HIDDEN)
    voter = factories.make_participant(session=activity.session, display_name="Zed")
    second = Statement.objects.filter(activity=activity, status="visible").order_by("id").first()
    session_services.perform_command(participant=voter, activity_id=activity.pk, action="answer",
                                     data={"statement": second.pk, "vote": "agree"}, key="a1")  # fmt: skip
    items = get_kind(activity.kind).promotable_items(activity)
    texts = [i["text"] for i in items]
    assert "Pending one" not in texts and first.text not in texts and len(texts) == 2
    assert items[0]["key"] == f"consensus.statement:{second.pk}"
    assert items[0]["detail"] == "1 of 1 answers agree"
    assert "Zed" not in repr(items)


# ----------------------------------------------------------------- promotion


def test_promoting_a_note_copies_it_once(manager, workshop):
    board, notes = workshop
    case = make_case()
    key = f"boards.note:{notes['audit'].pk}"
    action = actions.promote_item(
        activity=board, key=key, by=manager, case=case, actor="industry_downstream", horizon=2030
    )
    assert action.text == "Publish every smelter audit"
    assert action.source == "Lab Kinshasa · Morning · What must change?"
    assert (action.source_key, action.case, action.horizon) == (key, case, 2030)
    with pytest.raises(ValidationError) as error:
        actions.promote_item(activity=board, key=key, by=manager, case=case, actor="", horizon=2030)
    assert "already in the catalogue" in str(error.value.message_dict["key"])
    # Shortened before saving.
    other = actions.promote_item(
        activity=board, key=f"boards.note:{notes['wages'].pk}", by=manager,
        issue=make_issue(), actor="", horizon="2040", text="Living wages",
    )  # fmt: skip
    assert other.text == "Living wages" and other.case is None
    marks = {i["key"]: i["promoted"] for i in actions.promotable(board)}
    assert marks == {key: action.pk, f"boards.note:{notes['wages'].pk}": other.pk}


def test_promotion_refusals(manager, workshop):
    board, notes = workshop
    case = make_case()
    common = {"activity": board, "case": case, "actor": "", "horizon": 2030}
    for key in (
        f"boards.note:{notes['hidden'].pk}",
        f"boards.note:{notes['dup'].pk}",
        "boards.note:999999",
        "",
        "x" * 101,
    ):
        with pytest.raises(ValidationError) as error:
            actions.promote_item(key=key, by=manager, **common)
        assert "not one this activity offers" in str(error.value.message_dict["key"])
    key = f"boards.note:{notes['audit'].pk}"
    with pytest.raises(ValidationError) as error:
        actions.promote_item(key=key, by=manager, **{**common, "horizon": 2035, "case": None})
    assert {"horizon", "case"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):
        actions.promote_item(key=key, by=manager, text=" ", **common)
    # A manager who does not run the session, and its facilitator who is no manager.
    with pytest.raises(PermissionDenied):
        actions.promote_item(key=key, by=make_manager(organiser=True), **common)
    facilitator = make_user(organiser=True)
    board.session.event.owner = facilitator
    board.session.event.save()
    with pytest.raises(PermissionDenied):
        actions.promote_item(key=key, by=facilitator, **common)
    assert not CaseAction.objects.exists()


def test_promotion_activities_are_of_facilitated_sessions_and_promoting_kinds(manager, workshop):
    board, _notes = workshop
    make_activity(session=board.session, kind="single_choice")
    vision = make_activity(session=board.session, kind="dot_vote")
    make_board(title="Someone else's")
    listed = actions.promotion_activities(user=manager)
    assert [a.pk for a in listed] == [vision.pk, board.pk]


# ----------------------------------------------------------------- the public catalogue


def catalogue_ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'id="action-(\d+)"', response.content.decode())]


@pytest.fixture
def catalogue(manager):
    area, other_area = make_area(title="Due diligence"), make_area(title="Recycling")
    issue = make_issue(area=area, title="Smelter audits")
    other_issue = make_issue(area=other_area, title="Collection")
    case = make_case(name="Cobalt refinery audit", slug="refinery", issues=(issue,))
    other_case = make_case(name="Battery passport", slug="passport")
    proposed = make_case(name="Proposed one", status=Case.Status.PROPOSED, issues=(issue,))
    make = actions.create_action
    a = {
        "case_only": make(by=manager, text="Audit every refinery", horizon=2030, actor="policy",
                          case=case),
        "issue_only": make(by=manager, text="Collect old batteries", horizon=2040,
                           issue=other_issue),
        "both": make(by=manager, text="Publish passports", horizon=2050, actor="finance",
                     case=other_case, issue=issue),
        "proposed": make(by=manager, text="Hidden proposal action", horizon=2030,
                         case=proposed),
    }  # fmt: skip
    return {"area": area, "issue": issue, "case": case, "other_case": other_case,
            "other_area": other_area, "actions": a}  # fmt: skip


def test_the_catalogue_groups_public_actions_by_horizon(client, catalogue):
    a = catalogue["actions"]
    response = client.get(CATALOGUE)
    page = response.content.decode()
    assert response.status_code == 200
    assert catalogue_ids(response) == [a["case_only"].pk, a["issue_only"].pk, a["both"].pk]
    assert "Hidden proposal action" not in page
    assert page.index("By 2030") < page.index("By 2040") < page.index("By 2050")
    assert 'href="/cases/refinery/"' in page
    assert f'href="/impact-matrix/issue/{catalogue["issue"].pk}/"' in page
    assert "Government / policy maker" in page and "3 actions" in page


def test_the_catalogue_filters(client, catalogue):
    a, issue = catalogue["actions"], catalogue["issue"]
    for query, expected in [
        ("horizon=2040", ["issue_only"]),
        ("actor=finance", ["both"]),
        (f"issue={issue.pk}", ["case_only", "both"]),  # the case is mapped to it
        (f"area={catalogue['other_area'].pk}", ["issue_only"]),
        (f"case={catalogue['other_case'].pk}", ["both"]),
        (f"horizon=2030&area={catalogue['area'].pk}", ["case_only"]),
    ]:
        response = client.get(f"{CATALOGUE}?{query}")
        assert response.status_code == 200, query
        assert catalogue_ids(response) == [a[name].pk for name in expected], query


@pytest.mark.parametrize("query", ["horizon=2035", "actor=aliens", "issue=abc", "case=999999"])
def test_a_bad_filter_is_refused_with_400_and_shows_everything(client, catalogue, query):
    response = client.get(f"{CATALOGUE}?{query}")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Some filters were not understood; showing every action." in page
    assert len(catalogue_ids(response)) == 3


def test_the_catalogue_speaks_the_readers_language(client, catalogue):
    action = catalogue["actions"]["case_only"]
    CaseAction.objects.filter(pk=action.pk).update(text_in_fr="Auditer chaque raffinerie")
    page = client.get(CATALOGUE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Auditer chaque raffinerie" in page
    # Not translated: the original, marked with its language.
    assert '<span lang="en">Collect old batteries</span>' in page


def test_the_catalogue_reads_in_a_fixed_number_of_queries(client, manager, catalogue):
    client.get(CATALOGUE)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CATALOGUE).status_code == 200
    issue = catalogue["issue"]
    for n in range(30):
        case = make_case(name=f"More {n}", issues=(issue,))
        actions.create_action(by=manager, text=f"More {n}", horizon=2030, case=case,
                              issue=make_issue())  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        response = client.get(CATALOGUE)
    assert len(catalogue_ids(response)) == 33
    assert len(many) == len(few) <= 4, [q["sql"] for q in many]


def test_the_catalogue_is_capped_with_a_note(client, manager, monkeypatch):
    monkeypatch.setattr(actions, "MAX_LISTED", 2)
    case = make_case()
    for n in range(3):
        actions.create_action(by=manager, text=f"Action {n}", horizon=2030, case=case)
    response = client.get(CATALOGUE)
    assert len(catalogue_ids(response)) == 2
    assert "Only the first 2 are shown" in response.content.decode()


def test_the_issue_page_lists_its_actions(client, catalogue):
    a, issue = catalogue["actions"], catalogue["issue"]
    response = client.get(reverse("knowledge:matrix_issue", args=[issue.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Actions still needed" in page
    assert catalogue_ids(response) == [a["case_only"].pk, a["both"].pk]
    assert "Hidden proposal action" not in page
    other = client.get(reverse("knowledge:matrix_issue", args=[make_issue().pk])).content.decode()
    assert "Actions still needed" not in other


# ----------------------------------------------------------------- the managers' pages


def test_managers_add_edit_and_delete_on_their_pages(client, manager):
    case, issue = make_case(name="Cobalt refinery audit"), make_issue()
    login(client, manager)
    page = client.get(MANAGE)
    assert page.status_code == 200 and "Cobalt refinery audit" in page.content.decode()
    response = client.post(MANAGE, {"case": case.pk, "issue": "", "text": "Audit refiners",
                                    "actor": "policy", "horizon": "2030"})  # fmt: skip
    assert response.status_code == 302
    action = CaseAction.objects.get()
    assert (action.text, action.case, action.actor, action.created_by) == (
        "Audit refiners",
        case,
        "policy",
        manager,
    )
    bad = client.post(MANAGE, {"case": "", "issue": "", "text": "Kept text", "actor": "",
                               "horizon": "1999"})  # fmt: skip
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "2030, 2040 or 2050" in body and "under a case, an impact issue or both" in body
    assert "Kept text" in body and 'aria-invalid="true"' in body
    assert CaseAction.objects.count() == 1
    edit = reverse("knowledge:manage_action", args=[action.pk])
    assert "Audit refiners" in client.get(edit).content.decode()
    response = client.post(edit, {"case": "", "issue": issue.pk, "text": "Audit all refiners",
                                  "actor": "", "horizon": "2040"})  # fmt: skip
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.text, action.case, action.issue, action.horizon) == (
        "Audit all refiners",
        None,
        issue,
        2040,
    )
    too_long = client.post(edit, {"issue": issue.pk, "text": "y" * 2001, "horizon": "2040"})
    assert too_long.status_code == 400 and "under 2000 characters" in too_long.content.decode()
    delete = reverse("knowledge:manage_action_delete", args=[action.pk])
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not CaseAction.objects.exists()
    assert client.post(delete).status_code == 404


def test_the_promotion_page(client, manager, workshop):
    board, notes = workshop
    case = make_case(name="Cobalt refinery audit")
    login(client, manager)
    start = client.get(PROMOTE).content.decode()
    assert "Lab Kinshasa · Morning · What must change?" in start
    page = client.get(f"{PROMOTE}?activity={board.pk}")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Publish every smelter audit" in body and "Living wages" in body
    assert "Something rude" not in body and "Publish smelter audits" not in body
    assert "Person 0" not in body and "Person 1" not in body
    key = f"boards.note:{notes['audit'].pk}"
    data = {"activity": board.pk, "key": key, "case": case.pk, "issue": "", "actor": "",
            "horizon": "2030", "text": "Publish smelter audit reports"}  # fmt: skip
    response = client.post(PROMOTE, data)
    assert response.status_code == 302 and f"activity={board.pk}" in response["Location"]
    action = CaseAction.objects.get()
    assert (action.text, action.source_key) == ("Publish smelter audit reports", key)
    marked = client.get(f"{PROMOTE}?activity={board.pk}").content.decode()
    assert f'id="promoted-{action.pk}"' in marked and "Already in the catalogue." in marked
    again = client.post(PROMOTE, data)
    assert again.status_code == 400 and "already in the catalogue" in again.content.decode()
    bad = client.post(PROMOTE, {**data, "key": f"boards.note:{notes['wages'].pk}",
                                "horizon": "x"})  # fmt: skip
    assert bad.status_code == 400 and "2030, 2040 or 2050" in bad.content.decode()
    unknown = client.post(PROMOTE, {**data, "key": "boards.note:999999"})
    assert unknown.status_code == 400 and "not one this activity offers" in unknown.content.decode()
    assert CaseAction.objects.count() == 1
    assert client.get(f"{PROMOTE}?activity=999999").status_code == 404
    assert client.get(f"{PROMOTE}?activity=abc").status_code == 404
    poll = make_activity(session=board.session, kind="single_choice")
    assert client.get(f"{PROMOTE}?activity={poll.pk}").status_code == 404
    assert client.post(PROMOTE, {**data, "activity": ""}).status_code == 404


def test_a_manager_not_facilitating_cannot_promote(client, workshop):
    board, notes = workshop
    other = make_manager(organiser=True)
    login(client, other)
    assert client.get(f"{PROMOTE}?activity={board.pk}").status_code == 403
    data = {"activity": board.pk, "key": f"boards.note:{notes['audit'].pk}",
            "case": make_case().pk, "horizon": "2030"}  # fmt: skip
    assert client.post(PROMOTE, data).status_code == 403
    assert "What must change?" not in client.get(PROMOTE).content.decode()
    assert not CaseAction.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "member", "facilitator"])
def test_only_managers_open_the_managers_pages(client, who, workshop):
    board, _notes = workshop
    if who == "member":
        login(client, make_user())
    elif who == "facilitator":
        login(client, make_user(organiser=True))
    for address in (MANAGE, PROMOTE, f"{PROMOTE}?activity={board.pk}"):
        response = client.get(address)
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert Note.objects.filter(activity=board).count() == 4
