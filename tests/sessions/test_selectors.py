"""Selectors: who sees what, participant tokens, and who may facilitate."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing

from polls.models import Ballot
from sessions import selectors, services
from sessions.kinds import Role, get_kind
from sessions.models import Activity, Participant
from tests import factories

pytestmark = pytest.mark.django_db

LIVE, AFTER, HIDDEN, REVEAL = (
    Activity.Visibility.LIVE,
    Activity.Visibility.AFTER_CLOSE,
    Activity.Visibility.HIDDEN,
    Activity.Visibility.AFTER_REVEAL,
)
DRAFT, OPEN, CLOSED = Activity.Status.DRAFT, Activity.Status.OPEN, Activity.Status.CLOSED

# docs/protocol.md: participants by results_visibility (live: once opened; after_close:
# once closed; after_reveal: while the facilitator shows them; hidden: never).
PARTICIPANT_SEES = {
    (LIVE, DRAFT): False,
    (LIVE, OPEN): True,
    (LIVE, CLOSED): True,
    (AFTER, DRAFT): False,
    (AFTER, OPEN): False,
    (AFTER, CLOSED): True,
    (HIDDEN, DRAFT): False,
    (HIDDEN, OPEN): False,
    (HIDDEN, CLOSED): False,
}


def participant_sees(visibility, status, revealed) -> bool:
    if visibility == REVEAL:  # the reveal switch only, whatever the status
        return revealed
    return PARTICIPANT_SEES[(visibility, status)]


@pytest.mark.parametrize(
    ("visibility", "status", "revealed"),
    list(itertools.product([LIVE, AFTER, HIDDEN, REVEAL], [DRAFT, OPEN, CLOSED], [False, True])),
)
def test_results_visible_for_every_role_visibility_and_status(visibility, status, revealed):
    activity = Activity(results_visibility=visibility, status=status, results_revealed=revealed)
    assert selectors.results_visible(activity, Role.FACILITATOR) is True
    # The projector follows the facilitator's reveal switch only.
    assert selectors.results_visible(activity, Role.SCREEN) is revealed
    assert selectors.results_visible(activity, Role.PARTICIPANT) is participant_sees(
        visibility, status, revealed
    )


def vote(activity, participant, data, key):
    return services.perform_command(
        participant=participant, activity_id=activity.pk, action="vote", data=data, key=key
    )


@pytest.fixture
def agenda():
    """A session with a closed poll, an open word cloud (results after close) and a draft."""
    session = factories.make_session(title="Plenary")
    poll = factories.make_activity(session=session, kind="single_choice", title="Agree?")
    cloud = factories.make_activity(
        session=session, kind="word_cloud", title="One word", results_visibility=AFTER
    )
    draft = factories.make_activity(session=session, kind="scale", title="Later")
    voter = factories.make_participant(session=session)
    services.open_activity(activity=poll)
    vote(poll, voter, 1, "p")
    services.open_activity(activity=cloud)  # closes the poll
    vote(cloud, voter, ["Fair pay", "Traceability"], "c")
    services.moderate_activity(activity=cloud, action="hide_entry", data="fair pay")
    session.refresh_from_db()
    return session, poll, cloud, draft


def by_id(view):
    return {a["id"]: a for a in view["activities"]}


def test_room_header_is_the_same_for_every_role(agenda):
    session, _poll, cloud, _draft = agenda
    views = selectors.room_views(session)
    assert set(views) == {"participant", "facilitator", "screen"}
    for view in views.values():
        assert {k: v for k, v in view.items() if k != "activities"} == {
            "code": session.code,
            "title": "Plenary",
            "event": session.event.title,
            "status": "open",
            "locked": False,
            "current_activity": cloud.pk,
            "join_panel": "shown",
            "timer": None,
            "follow_up": None,
        }


def test_the_facilitator_sees_the_whole_agenda_with_every_tally(agenda):
    session, poll, cloud, draft = agenda
    view = selectors.room_views(session)["facilitator"]
    assert [a["id"] for a in view["activities"]] == [poll.pk, cloud.pk, draft.pk]
    activities = by_id(view)
    assert activities[poll.pk]["status"] == "closed"
    assert activities[poll.pk]["count"] == 1
    assert [o["count"] for o in activities[poll.pk]["tally"]["options"]] == [0, 1, 0]
    assert activities[cloud.pk]["tally"] == {
        "total_entries": 1,
        "words": [{"text": "traceability", "count": 1}],
    }
    # A draft has no results yet: neither a count nor a tally.
    assert "count" not in activities[draft.pk] and "tally" not in activities[draft.pk]
    assert set(activities[draft.pk]) == {
        "id",
        "kind",
        "title",
        "language",
        "translations",
        "position",
        "status",
        "results_visibility",
        "results_revealed",
        "allow_change",
        "config",
    }


def test_participants_and_the_screen_see_only_the_current_activity(agenda):
    session, _poll, cloud, _draft = agenda
    views = selectors.room_views(session)
    for role in ("participant", "screen"):
        (only,) = views[role]["activities"]
        assert only["id"] == cloud.pk
        assert only["count"] == 1
        # after_close while open: participants see no tally; the screen is not revealed.
        assert "tally" not in only
        # The moderation list never leaves the server.
        assert only["config"] == {"max_entries": 3, "max_length": 30}


def test_tallies_appear_for_participants_on_close_and_for_the_screen_on_reveal(agenda):
    session, _poll, cloud, _draft = agenda
    services.close_activity(activity=cloud)
    views = selectors.room_views(session)
    assert views["participant"]["activities"][0]["tally"]["total_entries"] == 1
    assert "tally" not in views["screen"]["activities"][0]
    services.reveal_results(activity=cloud, revealed=True)
    views = selectors.room_views(session)
    assert views["screen"]["activities"][0]["tally"] == {
        "total_entries": 1,
        "words": [{"text": "traceability", "count": 1}],
    }


def test_hidden_results_never_reach_participants(agenda):
    session, _poll, cloud, _draft = agenda
    services.set_results_visibility(activity=cloud, visibility=HIDDEN)
    services.close_activity(activity=cloud)
    assert "tally" not in selectors.room_views(session)["participant"]["activities"][0]
    views = selectors.activity_results_views(Activity.objects.get(pk=cloud.pk))
    assert views["participant"] == {"activity": cloud.pk, "count": 1}
    assert views["screen"] == {"activity": cloud.pk, "count": 1}
    assert views["facilitator"]["tally"]["total_entries"] == 1


def test_without_a_current_activity_participants_see_no_activity():
    session = factories.make_session()
    factories.make_activity(session=session)
    views = selectors.room_views(session)
    assert views["participant"]["activities"] == []
    assert views["screen"]["activities"] == []
    assert views["participant"]["current_activity"] is None
    assert len(views["facilitator"]["activities"]) == 1


def test_participant_ballots_and_agenda_counts(agenda):
    session, poll, cloud, draft = agenda
    voter = Participant.objects.get(session=session)
    # A stray row on a draft is not reported as the participant's input.
    Ballot.objects.create(activity=draft, participant=voter, choice=3)
    assert selectors.participant_ballots(voter) == {
        str(poll.pk): 1,
        str(cloud.pk): ["fair pay", "traceability"],
    }
    other = factories.make_participant(session=session)
    assert selectors.participant_ballots(other) == {}
    counts = {a.pk: a.response_count for a in selectors.agenda(session)}
    assert counts == {poll.pk: 1, cloud.pk: 1, draft.pk: 1}
    assert selectors.participant_count(session) == 2
    assert get_kind("scale").participant_state(draft, voter) == 3


# --------------------------------------------------------------------------- codes, tokens


def test_session_by_code_normalises_case_and_spaces():
    session = factories.make_session()
    code = session.code
    for typed in (code, code.lower(), f"  {code} ", f"{code[:3]} {code[3:]}".lower()):
        assert selectors.session_by_code(typed) == session
    for typed in ("", None, "   ", "ZZZZZZ", code + "X" * 7):
        assert selectors.session_by_code(typed) is None


def test_participant_tokens_round_trip():
    session = factories.make_session()
    participant = factories.make_participant(session=session)
    token = selectors.participant_token(participant)
    assert selectors.participant_from_token(token, session=session) == participant


def test_a_token_for_another_session_is_refused():
    session, other = factories.make_session(), factories.make_session()
    token = selectors.participant_token(factories.make_participant(session=session))
    assert selectors.participant_from_token(token, session=other) is None


def test_a_tampered_token_is_refused():
    session = factories.make_session()
    participant = factories.make_participant(session=session)
    token = selectors.participant_token(participant)
    payload, _, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert selectors.participant_from_token(f"{payload}:{flipped}", session=session) is None
    # Someone else's participant id in a payload signed without the key.
    other = factories.make_participant(session=session)
    forged = signing.dumps(
        {"p": other.pk, "s": other.secret}, key="not-the-secret-key", salt=selectors.TOKEN_SALT
    )
    assert selectors.participant_from_token(forged, session=session) is None
    # A properly signed value under another salt (another signing purpose).
    other_salt = signing.dumps({"p": participant.pk, "s": participant.secret}, salt="x")
    assert selectors.participant_from_token(other_salt, session=session) is None


def test_a_token_with_the_wrong_secret_is_refused():
    session = factories.make_session()
    participant = factories.make_participant(session=session)
    wrong = signing.dumps({"p": participant.pk, "s": "guess"}, salt=selectors.TOKEN_SALT)
    assert selectors.participant_from_token(wrong, session=session) is None
    no_secret = signing.dumps({"p": participant.pk}, salt=selectors.TOKEN_SALT)
    assert selectors.participant_from_token(no_secret, session=session) is None


@pytest.mark.parametrize(
    "payload", [[1, 2], "p", {"p": "1", "s": "x"}, {"p": True, "s": "x"}, {"p": 10**30, "s": "x"}]
)
def test_signed_payloads_of_the_wrong_shape_are_refused(payload):
    session = factories.make_session()
    token = signing.dumps(payload, salt=selectors.TOKEN_SALT)
    assert selectors.participant_from_token(token, session=session) is None


@pytest.mark.parametrize("junk", ["", "x" * 400, None, 12, "a:b:c", ["t"]])
def test_junk_tokens_are_refused(junk):
    session = factories.make_session()
    assert selectors.participant_from_token(junk, session=session) is None


# --------------------------------------------------------------------------- facilitating


def test_who_may_facilitate():
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner))
    assert selectors.can_facilitate(owner, session) is True
    assert selectors.can_facilitate(factories.make_user(organiser=True), session) is False
    assert selectors.can_facilitate(factories.make_user(), session) is False
    assert selectors.can_facilitate(factories.make_user(is_superuser=True), session) is True
    assert selectors.can_facilitate(AnonymousUser(), session) is False


def test_owning_the_event_is_not_enough_without_the_organiser_permission():
    plain = factories.make_user()
    session = factories.make_session(event=factories.make_event(owner=plain))
    assert selectors.may_run_events(plain) is False
    assert selectors.can_facilitate(plain, session) is False


def test_a_deactivated_owner_may_not_facilitate():
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner))
    owner.is_active = False
    owner.save()
    owner = type(owner).objects.get(pk=owner.pk)
    assert selectors.can_facilitate(owner, session) is False


def test_events_for_lists_own_events_and_all_for_a_superuser():
    owner = factories.make_user(organiser=True)
    mine = factories.make_event(owner=owner)
    factories.make_session(event=mine)
    factories.make_session(event=mine)
    theirs = factories.make_event()
    listed = {e.pk: e.session_count for e in selectors.events_for(owner)}
    assert listed == {mine.pk: 2}
    admin = factories.make_user(is_superuser=True)
    assert {e.pk for e in selectors.events_for(admin)} == {mine.pk, theirs.pk}
