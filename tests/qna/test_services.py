"""The Q&A kind: settings, every participant command and moderation action with its bad
cases (a typed error and nothing changed), the tally, per-role views and the export."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qna.forms import QnaConfigForm
from qna.models import Question, QuestionVote
from sessions import room_events, selectors, services
from sessions.kinds import CommandError, Role, get_kind
from sessions.models import Activity, CommandReceipt
from tests import factories
from tests.factories import act

pytestmark = pytest.mark.django_db

KIND = get_kind("qna")


def make_qna(**config):
    """An open Q&A in a new session (tests.factories has no default settings for it)."""
    activity = services.add_activity(
        session=factories.make_session(), kind="qna", title="Ask the panel", config=config
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


def person(activity, name=""):
    return factories.make_participant(session=activity.session, display_name=name)


def ask(activity, participant, text="How is recycling financed?", anonymous=False):
    act(activity, participant, "ask", {"text": text, "anonymous": anonymous})
    return Question.objects.filter(participant=participant).latest("id")


def moderate(activity, action, question=None, data=None):
    if question is not None:
        data = {"question": question.pk}
    activity.refresh_from_db()
    services.moderate_activity(activity=activity, action=action, data=data)
    activity.refresh_from_db()


def state(activity):
    """Everything a refused command must leave as it was."""
    activity.refresh_from_db()
    return (
        list(Question.objects.order_by("id").values()),
        list(QuestionVote.objects.order_by("id").values("question", "participant")),
        activity.config,
        CommandReceipt.objects.count(),
    )


def refused(code, call):
    with pytest.raises(CommandError) as exc:
        call()
    assert exc.value.code == code
    assert exc.value.message
    return exc.value


def tally(activity):
    activity.refresh_from_db()
    return KIND.tally(activity)


# --------------------------------------------------------------------------- settings


def test_settings_default_and_start_with_nothing_on_screen():
    assert KIND.clean_config({}) == {
        "max_length": 300,
        "max_questions": 5,
        "allow_anonymous": True,
        "moderators_see_names": True,
        "premoderate": False,
        "on_screen": None,
    }
    raw = {
        "max_length": "140",
        "max_questions": 20,
        "allow_anonymous": False,
        "moderators_see_names": False,
        "premoderate": True,
        "on_screen": 12,  # state, not a setting: never taken from the form
    }
    assert KIND.clean_config(raw) == {
        "max_length": 140,
        "max_questions": 20,
        "allow_anonymous": False,
        "moderators_see_names": False,
        "premoderate": True,
        "on_screen": None,
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"max_length": 19}, "max_length"),
        ({"max_length": 1001}, "max_length"),
        ({"max_length": "many"}, "max_length"),
        ({"max_length": True}, "max_length"),
        ({"max_length": 50.5}, "max_length"),
        ({"max_questions": 0}, "max_questions"),
        ({"max_questions": 21}, "max_questions"),
        ({"max_questions": [3]}, "max_questions"),
        ({"allow_anonymous": "yes"}, "allow_anonymous"),
        ({"moderators_see_names": 1}, "moderators_see_names"),
        ({"premoderate": "false"}, "premoderate"),
    ],
)
def test_bad_settings_are_refused_under_their_field(raw, field):
    with pytest.raises(ValidationError) as exc:
        KIND.clean_config(raw)
    assert list(exc.value.message_dict) == [field]


def test_the_console_form_gives_the_settings():
    form = QnaConfigForm(
        {"qna-max_length": "200", "qna-max_questions": "", "qna-premoderate": "on"}, prefix="qna"
    )
    assert form.is_valid(), form.errors
    assert KIND.clean_config(form.config()) == {
        "max_length": 200,
        "max_questions": 5,
        "allow_anonymous": False,  # an unticked box
        "moderators_see_names": False,
        "premoderate": True,
        "on_screen": None,
    }
    blank = QnaConfigForm(prefix="qna")
    assert blank["allow_anonymous"].initial is True
    assert blank["moderators_see_names"].initial is True
    assert blank["premoderate"].initial is False
    assert not QnaConfigForm({"qna-max_questions": "21"}, prefix="qna").is_valid()


def test_public_config_shows_the_settings_and_the_projector_question():
    qna = make_qna(max_questions=3)
    assert KIND.public_config(qna) == {
        "max_length": 300,
        "max_questions": 3,
        "allow_anonymous": True,
        "moderators_see_names": True,
        "premoderate": False,
        "on_screen": None,
    }


# --------------------------------------------------------------------------- asking


def test_asking_stores_a_visible_question_and_answers_the_askers_state():
    qna = make_qna()
    ana = person(qna, "Ana")
    result = act(qna, ana, "ask", {"text": "  How is\n recycling   financed? ", "anonymous": True})
    question = Question.objects.get()
    assert (question.text, question.anonymous, question.status, question.answered) == (
        "How is recycling financed?",
        True,
        "visible",
        False,
    )
    assert question.activity == qna and question.participant == ana
    assert result == {
        "activity": qna.pk,
        "ballot": {
            "questions": [
                {
                    "id": question.pk,
                    "text": "How is recycling financed?",
                    "anonymous": True,
                    "status": "visible",
                    "answered": False,
                    "created_at": question.created_at.isoformat(),
                }
            ],
            "upvoted": [],
        },
        "duplicate": False,
    }
    assert KIND.response_count(qna) == 1


def test_with_premoderation_a_new_question_is_pending():
    qna = make_qna(premoderate=True)
    question = ask(qna, person(qna))
    assert question.status == "pending"
    assert KIND.response_count(qna) == 0
    assert tally(qna)["pending"] == 1


def test_a_question_may_be_exactly_as_long_as_the_limit():
    qna = make_qna(max_length=40)
    assert len(ask(qna, person(qna), "x" * 40).text) == 40


@pytest.mark.parametrize(
    ("config", "data", "code"),
    [
        ({}, "just text", "invalid_value"),
        ({}, ["How?"], "invalid_value"),
        ({}, None, "invalid_value"),
        ({}, {}, "invalid_value"),
        ({}, {"text": 42}, "invalid_value"),
        ({}, {"text": "Why\x00?"}, "invalid_value"),
        ({}, {"text": "Why?", "anonymous": "yes"}, "invalid_value"),
        ({}, {"text": "Why?", "anonymous": 1}, "invalid_value"),
        ({}, {"text": ""}, "empty"),
        ({}, {"text": " \n\t "}, "empty"),
        ({}, {"text": "x" * 301}, "too_long"),
        ({"max_length": 40}, {"text": "y" * 41}, "too_long"),
        ({"allow_anonymous": False}, {"text": "Why?", "anonymous": True}, "anonymous_not_allowed"),
    ],
)
def test_bad_questions_are_refused_and_change_nothing(config, data, code):
    qna = make_qna(**config)
    asker = person(qna)
    before = state(qna)
    refused(code, lambda: act(qna, asker, "ask", data))
    assert state(qna) == before
    assert not Question.objects.exists()


def test_questions_per_participant_are_limited():
    qna = make_qna(max_questions=2)
    ana, ben = person(qna), person(qna)
    ask(qna, ana, "One?")
    hidden = ask(qna, ana, "Two?")
    moderate(qna, "hide", hidden)  # hidden questions still count
    before = state(qna)
    refused("too_many", lambda: ask(qna, ana, "Three?"))
    assert state(qna) == before
    ask(qna, ben, "Someone else's first?")  # the limit is per participant
    act(qna, ana, "withdraw", {"question": Question.objects.get(text="One?").pk})
    ask(qna, ana, "Three?")  # a withdrawn question frees its place
    assert Question.objects.filter(participant=ana).count() == 2


def test_the_default_limit_is_five_questions():
    qna = make_qna()
    ana = person(qna)
    for i in range(5):
        ask(qna, ana, f"Question {i}?")
    refused("too_many", lambda: ask(qna, ana, "Sixth?"))
    assert Question.objects.count() == 5


def test_commands_on_a_closed_qna_are_refused():
    qna = make_qna()
    ana, ben = person(qna), person(qna)
    question = ask(qna, ana)
    services.close_activity(activity=qna)
    before = state(qna)
    refused("activity_closed", lambda: ask(qna, ana, "Late?"))
    refused("activity_closed", lambda: act(qna, ben, "upvote", {"question": question.pk}))
    refused("activity_closed", lambda: act(qna, ana, "withdraw", {"question": question.pk}))
    assert state(qna) == before


# --------------------------------------------------------------------------- upvotes


def test_upvotes_are_one_per_participant_and_can_be_taken_back():
    qna = make_qna()
    ana, ben, cleo = person(qna), person(qna), person(qna)
    question = ask(qna, ana)
    first = act(qna, ben, "upvote", {"question": question.pk})
    assert first["ballot"] == {"questions": [], "upvoted": [question.pk]}
    again = act(qna, ben, "upvote", {"question": question.pk})  # a double upvote stays one
    assert again["ballot"] == {"questions": [], "upvoted": [question.pk]}
    act(qna, cleo, "upvote", {"question": question.pk})
    assert QuestionVote.objects.filter(question=question).count() == 2
    assert tally(qna)["votes"] == {str(question.pk): 2}

    removed = act(qna, ben, "unvote", {"question": question.pk})
    assert removed["ballot"] is None  # nothing of Ben's left in this Q&A
    assert tally(qna)["votes"] == {str(question.pk): 1}
    act(qna, ben, "unvote", {"question": question.pk})  # nothing to take back: no change
    assert list(QuestionVote.objects.values_list("participant", flat=True)) == [cleo.pk]


@pytest.mark.parametrize("action", ["upvote", "unvote"])
@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("own", "own_question"),
        ("pending", "not_found"),
        ("hidden", "not_found"),
        ("other_activity", "not_found"),
        ("missing", "not_found"),
        ("bool_id", "invalid_value"),
        ("string_id", "invalid_value"),
        ("negative_id", "invalid_value"),
        ("huge_id", "invalid_value"),
        ("no_id", "invalid_value"),
        ("bare_id", "invalid_value"),
    ],
)
def test_bad_upvotes_are_refused_and_change_nothing(action, target, code):
    qna = make_qna(premoderate=True)
    ana, ben = person(qna), person(qna)
    visible = ask(qna, ana, "Visible?")
    moderate(qna, "approve", visible)
    act(qna, ben, "upvote", {"question": visible.pk})
    pending = ask(qna, ana, "Pending?")
    hidden = ask(qna, ana, "Hidden?")
    moderate(qna, "approve", hidden)
    act(qna, ben, "upvote", {"question": hidden.pk})
    moderate(qna, "hide", hidden)
    other = make_qna()
    elsewhere = ask(other, person(other))
    voter = ana if target == "own" else ben
    data = {
        "own": {"question": visible.pk},
        "pending": {"question": pending.pk},
        "hidden": {"question": hidden.pk},
        "other_activity": {"question": elsewhere.pk},
        "missing": {"question": 10**9},
        "bool_id": {"question": True},
        "string_id": {"question": str(visible.pk)},
        "negative_id": {"question": -visible.pk},
        "huge_id": {"question": 2**70},
        "no_id": {"text": "Visible?"},
        "bare_id": visible.pk,
    }[target]
    before = state(qna)
    refused(code, lambda: act(qna, voter, action, data))
    assert state(qna) == before


# --------------------------------------------------------------------------- withdrawing


def test_participants_withdraw_their_own_unanswered_question_with_its_upvotes():
    qna = make_qna()
    ana, ben = person(qna), person(qna)
    question = ask(qna, ana)
    act(qna, ben, "upvote", {"question": question.pk})
    moderate(qna, "put_on_screen", question)
    result = act(qna, ana, "withdraw", {"question": question.pk})
    assert result["ballot"] is None
    assert not Question.objects.exists() and not QuestionVote.objects.exists()
    qna.refresh_from_db()
    assert qna.config["on_screen"] is None  # it left the projector too


@pytest.mark.parametrize(
    ("target", "who", "code"),
    [
        ("theirs", "ben", "not_yours"),
        ("answered", "ana", "already_answered"),
        ("other_activity", "ana", "not_found"),
        ("missing", "ana", "not_found"),
        ("bad_id", "ana", "invalid_value"),
    ],
)
def test_bad_withdrawals_are_refused_and_change_nothing(target, who, code):
    qna = make_qna()
    ana, ben = person(qna), person(qna)
    question = ask(qna, ana, "Mine?")
    answered = ask(qna, ana, "Answered?")
    moderate(qna, "mark_answered", answered)
    other = make_qna()
    elsewhere = ask(other, person(other))
    data = {
        "theirs": {"question": question.pk},
        "answered": {"question": answered.pk},
        "other_activity": {"question": elsewhere.pk},
        "missing": {"question": 10**9},
        "bad_id": {"question": None},
    }[target]
    before = state(qna)
    refused(code, lambda: act(qna, {"ana": ana, "ben": ben}[who], "withdraw", data))
    assert state(qna) == before
    assert Question.objects.filter(activity=other).count() == 1


def test_hidden_and_pending_questions_may_be_withdrawn_by_their_asker():
    qna = make_qna(premoderate=True)
    ana = person(qna)
    pending, hidden = ask(qna, ana, "Pending?"), ask(qna, ana, "Hidden?")
    moderate(qna, "hide", hidden)
    act(qna, ana, "withdraw", {"question": pending.pk})
    act(qna, ana, "withdraw", {"question": hidden.pk})
    assert not Question.objects.exists()


# --------------------------------------------------------------------------- moderation


def test_moderation_moves_questions_through_their_states():
    qna = make_qna(premoderate=True)
    question = ask(qna, person(qna))
    moderate(qna, "approve", question)
    question.refresh_from_db()
    assert question.status == "visible"
    moderate(qna, "hide", question)
    question.refresh_from_db()
    assert question.status == "hidden"
    moderate(qna, "unhide", question)
    question.refresh_from_db()
    assert question.status == "visible"

    moderate(qna, "mark_answered", question)
    question.refresh_from_db()
    assert question.answered is True and question.answered_at is not None
    moderate(qna, "mark_unanswered", question)
    question.refresh_from_db()
    assert question.answered is False and question.answered_at is None

    pending = ask(qna, person(qna))
    moderate(qna, "hide", pending)  # hidden straight from the queue
    pending.refresh_from_db()
    assert pending.status == "hidden"


def test_moderation_works_on_a_closed_qna():
    qna = make_qna()
    question = ask(qna, person(qna))
    services.close_activity(activity=qna)
    moderate(qna, "mark_answered", question)
    question.refresh_from_db()
    assert question.answered is True


def test_one_question_at_a_time_is_on_the_projector():
    qna = make_qna()
    first, second = ask(qna, person(qna), "First?"), ask(qna, person(qna), "Second?")
    moderate(qna, "put_on_screen", first)
    assert qna.config["on_screen"] == first.pk
    assert tally(qna)["on_screen"] == first.pk
    assert KIND.public_config(qna)["on_screen"] == first.pk
    moderate(qna, "put_on_screen", second)  # replaces the first
    assert qna.config["on_screen"] == second.pk
    moderate(qna, "put_on_screen", second)  # again: no change
    assert qna.config["on_screen"] == second.pk
    moderate(qna, "clear_screen")
    assert qna.config["on_screen"] is None
    moderate(qna, "clear_screen")  # nothing on screen: no change
    assert qna.config["on_screen"] is None
    # The other settings are untouched by the projector.
    assert qna.config["max_questions"] == 5 and qna.config["premoderate"] is False


def test_hiding_the_question_on_the_projector_takes_it_off():
    qna = make_qna()
    shown, other = ask(qna, person(qna), "Shown?"), ask(qna, person(qna), "Other?")
    moderate(qna, "put_on_screen", shown)
    moderate(qna, "hide", other)
    assert qna.config["on_screen"] == shown.pk  # another question hidden: no change
    moderate(qna, "hide", shown)
    assert qna.config["on_screen"] is None


@pytest.mark.parametrize(
    ("action", "target", "code"),
    [
        ("approve", "visible", "not_pending"),
        ("approve", "hidden", "not_pending"),
        ("hide", "hidden", "already_hidden"),
        ("unhide", "visible", "not_hidden"),
        ("unhide", "pending", "not_hidden"),
        ("mark_answered", "answered", "already_answered"),
        ("mark_unanswered", "visible", "not_answered"),
        ("put_on_screen", "pending", "not_visible"),
        ("put_on_screen", "hidden", "not_visible"),
        ("approve", "other_activity", "not_found"),
        ("hide", "missing", "not_found"),
        ("mark_answered", "bad_id", "invalid_value"),
        ("put_on_screen", "no_data", "invalid_value"),
        ("delete_everything", "visible", "unknown_action"),
        ("hide_entry", "visible", "unknown_action"),
    ],
)
def test_bad_moderation_is_refused_and_changes_nothing(action, target, code):
    qna = make_qna(premoderate=True)
    ana = person(qna)
    questions = {name: ask(qna, ana, f"{name}?") for name in ("visible", "hidden", "answered")}
    for question in questions.values():
        moderate(qna, "approve", question)
    moderate(qna, "hide", questions["hidden"])
    moderate(qna, "mark_answered", questions["answered"])
    moderate(qna, "put_on_screen", questions["answered"])
    questions["pending"] = ask(qna, person(qna), "pending?")
    other = make_qna()
    specials = {
        "other_activity": {"question": ask(other, person(other)).pk},
        "missing": {"question": 10**9},
        "bad_id": {"question": "1"},
        "no_data": None,
    }
    data = specials[target] if target in specials else {"question": questions[target].pk}
    before = state(qna)
    refused(
        code,
        lambda: services.moderate_activity(activity=qna, action=action, data=data),
    )
    assert state(qna) == before


@pytest.mark.parametrize(
    "action",
    [
        "approve",
        "hide",
        "unhide",
        "mark_answered",
        "mark_unanswered",
        "put_on_screen",
        "clear_screen",
    ],
)
def test_participants_sending_moderation_get_forbidden_and_change_nothing(action):
    qna = make_qna(premoderate=True)
    ana = person(qna)
    question = ask(qna, ana)
    before = state(qna)
    refused("forbidden", lambda: act(qna, ana, action, {"question": question.pk}))
    assert state(qna) == before


def test_unknown_participant_actions_are_refused():
    qna = make_qna()
    ana = person(qna)
    refused("unknown_action", lambda: act(qna, ana, "vote", 1))
    assert not Question.objects.exists()


# --------------------------------------------------------------------------- reads


def test_the_tally_counts_visible_questions_and_their_upvotes():
    qna = make_qna(premoderate=True)
    ana, ben, cleo = person(qna), person(qna), person(qna)
    a, b, c = ask(qna, ana, "A?"), ask(qna, ben, "B?"), ask(qna, cleo, "C?")
    ask(qna, cleo, "Pending?")
    for question in (a, b, c):
        moderate(qna, "approve", question)
    act(qna, ben, "upvote", {"question": a.pk})
    act(qna, cleo, "upvote", {"question": a.pk})
    act(qna, ana, "upvote", {"question": b.pk})
    act(qna, ana, "upvote", {"question": c.pk})
    moderate(qna, "hide", c)
    moderate(qna, "mark_answered", b)
    moderate(qna, "put_on_screen", a)
    full = tally(qna)
    assert full == {
        "questions": 2,
        "answered": 1,
        "pending": 1,
        "votes": {str(a.pk): 2, str(b.pk): 1},
        "on_screen": a.pk,
    }
    public = {k: v for k, v in full.items() if k != "pending"}
    assert KIND.role_view(qna, full, Role.FACILITATOR) == full
    assert KIND.role_view(qna, full, Role.PARTICIPANT) == public
    assert KIND.role_view(qna, full, Role.SCREEN) == public
    empty = make_qna()
    assert KIND.response_counts([qna, empty]) == {qna.pk: 2, empty.pk: 0}


def test_an_empty_tally():
    qna = make_qna()
    assert tally(qna) == {
        "questions": 0,
        "answered": 0,
        "pending": 0,
        "votes": {},
        "on_screen": None,
    }


def test_item_lists_show_each_role_what_it_may_see():
    qna = make_qna(premoderate=True)
    ana, nameless, zoe = person(qna, "Ana"), person(qna, ""), person(qna, "Zoe Secret")
    named = ask(qna, ana, "Named?")
    blank = ask(qna, nameless, "No name given?")
    anonymous = ask(qna, zoe, "Anonymous?", anonymous=True)
    pending = ask(qna, ana, "Pending?")
    for question in (named, blank, anonymous):
        moderate(qna, "approve", question)
    moderate(qna, "mark_answered", blank)
    lists = KIND.item_lists(qna)
    for q in (named, blank, anonymous, pending):
        q.refresh_from_db()

    def public(q, author):
        return {
            "id": q.pk,
            "text": q.text,
            "language": "" if q.anonymous else "en",  # as the name: not an anonymous one's
            "author": author,
            "answered": q.answered,
            "created_at": q.created_at.isoformat(),
        }

    expected = [public(named, "Ana"), public(blank, None), public(anonymous, None)]
    assert lists["participant"] == expected
    assert lists["screen"] == expected
    assert "Zoe Secret" not in repr(lists["participant"])
    facilitator = {q["id"]: q for q in lists["facilitator"]}
    assert list(facilitator) == [named.pk, blank.pk, anonymous.pk, pending.pk]
    assert facilitator[anonymous.pk] == {
        "id": anonymous.pk,
        "text": "Anonymous?",
        "language": "en",  # shown with the name
        "author": "Zoe Secret",  # moderators_see_names is on by default
        "anonymous": True,
        "status": "visible",
        "answered": False,
        "created_at": anonymous.created_at.isoformat(),
        "answered_at": None,
    }
    assert facilitator[pending.pk]["status"] == "pending"
    assert facilitator[blank.pk]["answered_at"] == blank.answered_at.isoformat()


def test_facilitators_see_no_names_of_anonymous_askers_when_the_setting_is_off():
    qna = make_qna(moderators_see_names=False)
    zoe, ana = person(qna, "Zoe Secret"), person(qna, "Ana")
    anonymous = ask(qna, zoe, "Anonymous?", anonymous=True)
    ask(qna, ana, "Named?")
    authors = {q["text"]: q["author"] for q in KIND.item_lists(qna)["facilitator"]}
    assert authors == {"Anonymous?": None, "Named?": "Ana"}
    views = KIND.item_views(qna, {"question": anonymous.pk, "was_public": False})
    assert views["facilitator"]["question"]["author"] is None


def test_item_views_per_change():
    qna = make_qna(premoderate=True)
    zoe = person(qna, "Zoe Secret")
    question = ask(qna, zoe, "Anonymous?", anonymous=True)
    item = {"question": question.pk, "was_public": False}
    pending = KIND.item_views(qna, item)
    assert pending["participant"] is None and pending["screen"] is None
    assert pending["facilitator"]["question"]["status"] == "pending"
    assert pending["facilitator"]["question"]["author"] == "Zoe Secret"

    moderate(qna, "approve", question)
    approved = KIND.item_views(qna, item)
    assert approved["screen"] == approved["participant"]
    assert approved["participant"] == {
        "question": {
            "id": question.pk,
            "text": "Anonymous?",
            "language": "",
            "author": None,
            "answered": False,
            "created_at": question.created_at.isoformat(),
        }
    }

    moderate(qna, "hide", question)
    hidden = KIND.item_views(qna, {"question": question.pk, "was_public": True})
    assert hidden["participant"] == hidden["screen"] == {"removed": question.pk}
    assert hidden["facilitator"]["question"]["status"] == "hidden"
    # A change to a question the room never saw stays unseen.
    quiet = KIND.item_views(qna, {"question": question.pk, "was_public": False})
    assert quiet["participant"] is None and quiet["screen"] is None

    question.delete()
    gone = KIND.item_views(qna, {"question": question.pk, "was_public": True})
    assert gone == {role.value: {"removed": question.pk} for role in Role}
    unseen = KIND.item_views(qna, {"question": question.pk, "was_public": False})
    assert unseen == {"facilitator": {"removed": question.pk}, "participant": None, "screen": None}

    qna.config = {**qna.config, "on_screen": 77}
    assert KIND.item_views(qna, {"on_screen": True}) == {
        role.value: {"on_screen": 77} for role in Role
    }


def test_every_change_is_published_as_an_item_after_commit(django_capture_on_commit_callbacks):
    qna = make_qna(premoderate=True)
    ana, ben = person(qna), person(qna)
    sid = qna.session_id

    def items(callbacks):
        return [c.args[2] for c in callbacks if c.func is room_events.item_changed]

    with django_capture_on_commit_callbacks() as callbacks:
        question = ask(qna, ana)
    assert items(callbacks) == [{"question": question.pk, "was_public": False}]
    assert all(c.args[:2] == (sid, qna.pk) for c in callbacks)
    assert [c.func for c in callbacks].count(room_events.tally_changed) == 1

    steps = [
        ("approve", [{"question": question.pk, "was_public": False}]),
        ("mark_answered", [{"question": question.pk, "was_public": True}]),
        ("mark_unanswered", [{"question": question.pk, "was_public": True}]),
        ("put_on_screen", [{"on_screen": True}]),
        ("hide", [{"on_screen": True}, {"question": question.pk, "was_public": True}]),
        ("unhide", [{"question": question.pk, "was_public": False}]),
    ]
    for action, expected in steps:
        with django_capture_on_commit_callbacks() as callbacks:
            moderate(qna, action, question)
        assert items(callbacks) == expected, action
    with django_capture_on_commit_callbacks() as callbacks:
        act(qna, ben, "upvote", {"question": question.pk})
    assert items(callbacks) == []  # upvotes travel in the (coalesced) tally only
    with django_capture_on_commit_callbacks() as callbacks:
        act(qna, ana, "withdraw", {"question": question.pk})
    assert items(callbacks) == [{"question": question.pk, "was_public": True}]
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(qna, "clear_screen")
    assert items(callbacks) == []  # nothing was on screen


def test_participant_state_holds_own_questions_and_upvotes():
    qna = make_qna(premoderate=True)
    ana, ben = person(qna), person(qna)
    assert KIND.participant_state(qna, ana) is None
    mine = ask(qna, ana, "Mine?")
    theirs = ask(qna, ben, "Theirs?")
    moderate(qna, "approve", theirs)
    act(qna, ana, "upvote", {"question": theirs.pk})
    own = KIND.participant_state(qna, ana)
    assert own == {
        "questions": [
            {
                "id": mine.pk,
                "text": "Mine?",
                "anonymous": False,
                "status": "pending",
                "answered": False,
                "created_at": mine.created_at.isoformat(),
            }
        ],
        "upvoted": [theirs.pk],
    }
    assert selectors.participant_ballots(ana) == {str(qna.pk): own}


def test_the_export_has_one_row_per_question():
    qna = make_qna(premoderate=True)
    ana, zoe = person(qna, "Ana"), person(qna, "Zoe Secret")
    named = ask(qna, ana, "=cmd|' /C calc'!A0")
    ask(qna, zoe, "Anonymous?", anonymous=True)
    moderate(qna, "approve", named)
    act(qna, zoe, "upvote", {"question": named.pk})
    moderate(qna, "mark_answered", named)
    named.refresh_from_db()
    columns, records = selectors.export_records(qna)
    assert columns[-8:] == [
        "question",
        "language",
        "anonymous",
        "status",
        "answered",
        "upvotes",
        "asked_at",
        "answered_at",
    ]
    assert [(r["participant"], r["display_name"]) for r in records] == [
        (ana.pk, "Ana"),
        ("", ""),  # an anonymous question: not even organisers see who asked
    ]
    assert {k: records[0][k] for k in columns[-8:]} == {
        "question": "=cmd|' /C calc'!A0",
        "language": "en",
        "anonymous": False,
        "status": "visible",
        "answered": True,
        "upvotes": 1,
        "asked_at": named.created_at.isoformat(),
        "answered_at": named.answered_at.isoformat(),
    }
    assert records[1]["status"] == "pending" and records[1]["upvotes"] == 0
    assert records[1]["answered_at"] == ""


def test_the_export_blanks_anonymous_names_when_facilitators_may_not_see_them():
    qna = make_qna(moderators_see_names=False)
    ana, zoe = person(qna, "Ana"), person(qna, "Zoe Secret")
    ask(qna, ana, "Named?")
    ask(qna, zoe, "Anonymous?", anonymous=True)
    _columns, records = selectors.export_records(qna)
    assert [(r["participant"], r["display_name"]) for r in records] == [
        (ana.pk, "Ana"),
        ("", ""),
    ]
    zoe.refresh_from_db()
    assert zoe.display_name == "Zoe Secret"  # only the export row is blanked


@pytest.mark.parametrize("see_names", [True, False])
def test_an_anonymous_question_carries_nothing_that_ties_it_to_its_asker(see_names):
    """Whatever the facilitator sees live, the export row of an anonymous question has no
    participant id, name, organisation or other profile column: the asker's named
    question shows them, and they would tie the anonymous one to her (a rare group,
    country, sector and gender together tell as much as a name)."""
    qna = make_qna(moderators_see_names=see_names)
    profile = {
        "display_name": "Zoe Secret",
        "stakeholder_group": "research",
        "country": "BR",
        "sector": "mining",
        "gender": "non_binary",
        "organisation": "Lithium Watch",
    }
    zoe = factories.make_participant(session=qna.session, **profile)
    ask(qna, zoe, "Named?")
    anonymous = ask(qna, zoe, "Who runs the audits?", anonymous=True)
    act(qna, person(qna, "Ana"), "upvote", {"question": anonymous.pk})
    columns, (named_row, anonymous_row) = selectors.export_records(qna)
    labels = {
        "stakeholder_group_label": "Research / academia",
        "country_label": "Brazil",
        "sector_label": "Mining and processing",
        "gender_label": "Non-binary",
    }
    assert set(selectors.PROFILE_COLUMNS) == {"participant", *profile, *labels}
    assert {k: named_row[k] for k in selectors.PROFILE_COLUMNS} == {
        "participant": zoe.pk,
        **profile,
        **labels,
    }
    assert {k: anonymous_row[k] for k in selectors.PROFILE_COLUMNS} == dict.fromkeys(
        selectors.PROFILE_COLUMNS, ""
    )
    assert {k: anonymous_row[k] for k in columns[-8:]} == {
        "question": "Who runs the audits?",
        "language": "",  # the asker's other rows show theirs
        "anonymous": True,
        "status": "visible",
        "answered": False,
        "upvotes": 1,
        "asked_at": anonymous.created_at.isoformat(),  # the question's own time
        "answered_at": "",
    }
    assert list(anonymous_row) == columns  # and no other column


def test_the_room_view_carries_the_items_per_role():
    qna = make_qna(premoderate=True)
    ask(qna, person(qna, "Ana"), "Pending?")
    session = qna.session
    session.refresh_from_db()
    views = selectors.room_views(session)
    (participant_view,) = views["participant"]["activities"]
    assert participant_view["items"] == []
    assert participant_view["config"]["on_screen"] is None
    assert "pending" not in participant_view["tally"]
    (facilitator_view,) = views["facilitator"]["activities"]
    assert [q["text"] for q in facilitator_view["items"]] == ["Pending?"]
    assert facilitator_view["tally"]["pending"] == 1
    assert "tally" not in views["screen"]["activities"][0]  # until revealed
    assert views["screen"]["activities"][0]["items"] == []
    assert Activity.objects.get(pk=qna.pk).kind == "qna"


def test_the_answer_to_an_upvote_is_the_state_as_stored_and_per_qna():
    """The upvote's answer is built from one read before the insert: it must equal the
    state read afterwards, and questions and upvotes of another Q&A of the same
    session stay out of it."""
    qna = make_qna()
    ana, ben = person(qna, "Ana"), person(qna, "Ben")
    first = ask(qna, ana)
    other = services.add_activity(session=qna.session, kind="qna", title="Later", config={})
    services.open_activity(activity=other)
    elsewhere = ask(other, ana, "Another room's question?")
    act(other, ben, "upvote", {"question": elsewhere.pk})
    mine = ask(other, ben, "Ben asks here")
    services.open_activity(activity=qna)
    answer = act(qna, ben, "upvote", {"question": first.pk})
    assert answer["ballot"] == {"questions": [], "upvoted": [first.pk]}
    assert KIND.participant_state(qna, ben) == answer["ballot"]
    # A second upvote keeps one; the answer says so.
    assert act(qna, ben, "upvote", {"question": first.pk})["ballot"]["upvoted"] == [first.pk]
    assert QuestionVote.objects.filter(question=first).count() == 1
    assert [q["id"] for q in KIND.participant_state(other, ben)["questions"]] == [mine.pk]
    assert KIND.participant_state(other, ben)["upvoted"] == [elsewhere.pk]
