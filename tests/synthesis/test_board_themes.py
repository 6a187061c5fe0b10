"""An idea board's themes: proposed over its visible notes, accepted as clusters through
the board's services (all or nothing), and the facilitator's page with its permission
rows (synthesis/urls.py is not in frontend's permission matrix)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from boards.models import Cluster, Note
from sessions.models import Session
from synthesis import board_themes
from synthesis.board_themes import (
    BoardThemesError,
    DuplicateNoteError,
    NotABoardError,
    NoteNotOnBoardError,
    NoteOfAnotherBoardError,
    ThemeNameError,
    TooManyClustersError,
    UnknownNoteError,
    accept_board_themes,
    propose_board_themes,
)
from tests import factories
from tests.boards.boards import db_state, make_board, moderate, post, published

pytestmark = pytest.mark.django_db

TOPICS = {
    "recycling": [
        "Recycle old batteries at the end of their life",
        "Battery recycling plants in every region",
        "Recycling targets for lithium batteries",
        "Collect used batteries for recycling",
        "Recycled battery metals should be cheaper",
        "Deposit scheme for batteries to boost recycling",
        "Recycling of battery cells is too expensive",
        "Design batteries for easier recycling",
        "Track recycled content in batteries",
        "Recycling batteries creates local jobs",
    ],
    "water": [
        "Mines use too much water in dry regions",
        "Protect drinking water near the mine",
        "Water pollution from tailings ponds",
        "Monitor river water quality downstream of mines",
        "Mines must treat their waste water",
        "Water rights of farmers near mines",
        "Publish water use of every mine",
        "Tailings dams threaten water supplies",
        "Reuse process water at the mine",
        "Clean water for villages near mines",
    ],
    "training": [
        "Training courses for local workers",
        "Skills training for young technicians",
        "Vocational training in mining towns",
        "Apprenticeships and training for women",
        "Training teachers for technical schools",
        "Free training on safety skills",
        "University training in metallurgy skills",
        "Online training for small suppliers",
        "Training budget for community skills",
        "Certified training for machine operators",
    ],
}
GROUPS = ["policy", "civil_society", "industry_upstream", "research", "", "finance"]


def make_world() -> dict:
    """A board of 30 notes in 3 topics by 6 people of 6 declared groups (one not said),
    plus a hidden note and a note merged into another, which themes leave out."""
    board = make_board()
    people = [
        factories.make_participant(
            session=board.session, display_name=f"P{i}", stakeholder_group=group
        )
        for i, group in enumerate(GROUPS)
    ]
    notes: dict[str, list[Note]] = {topic: [] for topic in TOPICS}
    n = 0
    for topic, texts in TOPICS.items():
        for text in texts:
            notes[topic].append(post(board, people[n % len(people)], text))
            n += 1
    hidden = post(board, people[0], "Hidden note about batteries recycling")
    moderate(board, "hide", {"note": hidden.pk})
    merged = post(board, people[1], "Water water water near mines")
    moderate(board, "merge", {"note": merged.pk, "into": notes["water"][0].pk})
    return {"board": board, "people": people, "notes": notes, "hidden": hidden, "merged": merged}


@pytest.fixture
def world() -> dict:
    return make_world()


def ids(notes: list[Note]) -> list[int]:
    return [n.pk for n in notes]


def topic_of(world: dict, note_id: str) -> str:
    return next(t for t, notes in world["notes"].items() if int(note_id) in ids(notes))


# --------------------------------------------------------------------------- proposal


def test_proposal_finds_the_three_topics_over_visible_notes_with_group_counts(world):
    themes = propose_board_themes(activity=world["board"])
    placed = [item_id for theme in themes for item_id in theme.item_ids]
    visible = {str(pk) for notes in world["notes"].values() for pk in ids(notes)}
    assert sorted(placed) == sorted(visible)  # every visible note once; hidden, merged: none
    assert str(world["hidden"].pk) not in placed and str(world["merged"].pk) not in placed
    assert len(themes) == 3
    topics = [{topic_of(world, i) for i in theme.item_ids} for theme in themes]
    assert sorted(len(t) for t in topics) == [1, 1, 1]  # each theme is one topic
    assert {next(iter(t)) for t in topics} == set(TOPICS)
    for theme in themes:
        assert len(theme.items) == 10
        assert sum(theme.group_counts.values()) == 10
        assert set(theme.group_counts) <= set(GROUPS)
    water = next(t for t in themes if topic_of(world, t.item_ids[0]) == "water")
    assert "water" in water.label
    # Note n of the board was written by person n % 6: the water notes are notes 10-19.
    expected = {}
    for n in range(10, 20):
        expected[GROUPS[n % 6]] = expected.get(GROUPS[n % 6], 0) + 1
    assert water.group_counts == expected


def test_proposal_of_an_empty_board_and_of_a_poll():
    assert propose_board_themes(activity=make_board()) == []
    with pytest.raises(NotABoardError):
        propose_board_themes(activity=factories.make_activity())


# --------------------------------------------------------------------------- accepting


def test_accept_creates_one_cluster_per_theme_and_assigns_through_the_board(
    world, django_capture_on_commit_callbacks
):
    board = world["board"]
    themes = propose_board_themes(activity=board)
    with django_capture_on_commit_callbacks() as callbacks:
        clusters = accept_board_themes(
            activity=board,
            themes=[{"name": t.label, "notes": list(t.item_ids)} for t in themes],
        )
    assert [c.name for c in clusters] == [t.label for t in themes]
    assert [c.position for c in clusters] == [0, 1, 2]
    for cluster, theme in zip(clusters, themes, strict=True):
        assert sorted(str(pk) for pk in cluster.notes.values_list("pk", flat=True)) == sorted(
            theme.item_ids
        )
    # The live room hears of every cluster and every assigned note.
    items = published(callbacks)
    assert [i for i in items if "cluster" in i] == [{"cluster": c.pk} for c in clusters]
    assert sorted(i["note"] for i in items if "note" in i) == sorted(
        int(i) for t in themes for i in t.item_ids
    )
    assert Note.objects.get(pk=world["hidden"].pk).cluster_id is None


def test_renames_leaving_out_and_moves(world):
    board = world["board"]
    water, training = ids(world["notes"]["water"]), ids(world["notes"]["training"])
    moved = training[0]
    clusters = accept_board_themes(
        activity=board,
        themes=[
            {"name": "  Water   and mines ", "notes": [*water, moved], "moved": [moved]},
            {"name": "Skills", "notes": [str(i) for i in training[1:]]},
        ],
    )
    assert [c.name for c in clusters] == ["Water and mines", "Skills"]
    assert sorted(clusters[0].notes.values_list("pk", flat=True)) == sorted([*water, moved])
    assert sorted(clusters[1].notes.values_list("pk", flat=True)) == sorted(training[1:])
    # The recycling theme was left out: its notes stay out of any cluster.
    assert not Note.objects.filter(
        pk__in=ids(world["notes"]["recycling"]), cluster__isnull=False
    ).exists()
    assert Cluster.objects.filter(activity=board).count() == 2


def test_notes_already_in_a_cluster_stay_unless_moved(world):
    board = world["board"]
    mine = moderate(board, "create_cluster", {"name": "Mine"})
    kept, moved = ids(world["notes"]["water"])[:2]
    mine = Cluster.objects.get(activity=board)
    moderate(board, "assign", {"note": kept, "cluster": mine.pk})
    moderate(board, "assign", {"note": moved, "cluster": mine.pk})
    water = ids(world["notes"]["water"])
    (cluster,) = accept_board_themes(
        activity=board, themes=[{"name": "Water", "notes": water, "moved": [moved]}]
    )
    assert Note.objects.get(pk=kept).cluster_id == mine.pk
    assert Note.objects.get(pk=moved).cluster_id == cluster.pk
    assert sorted(cluster.notes.values_list("pk", flat=True)) == sorted(set(water) - {kept})


def test_every_bad_input_raises_a_typed_error_and_changes_nothing(world):
    board = world["board"]
    water, training = ids(world["notes"]["water"]), ids(world["notes"]["training"])
    other = make_board(session=board.session)
    other_note = post(other, factories.make_participant(session=board.session), "Elsewhere")
    good = {"name": "Water", "notes": water}
    cases = [
        (UnknownNoteError, [good, {"name": "X", "notes": [99_999_999]}]),
        (UnknownNoteError, [{"name": "X", "notes": ["abc"]}]),
        (UnknownNoteError, [{"name": "X", "notes": [True]}]),
        (NoteOfAnotherBoardError, [good, {"name": "X", "notes": [other_note.pk]}]),
        (NoteNotOnBoardError, [good, {"name": "X", "notes": [world["hidden"].pk]}]),
        (NoteNotOnBoardError, [good, {"name": "X", "notes": [world["merged"].pk]}]),
        (ThemeNameError, [good, {"name": "   ", "notes": training}]),
        (ThemeNameError, [good, {"name": None, "notes": training}]),
        (ThemeNameError, [good, {"name": "x" * 81, "notes": training}]),
        (DuplicateNoteError, [good, {"name": "X", "notes": [*training, water[3]]}]),
        (DuplicateNoteError, [{"name": "X", "notes": [training[0], training[0]]}]),
        (BoardThemesError, [good, {"name": "X", "notes": training[:2], "moved": [water[0]]}]),
        (BoardThemesError, [good, "Skills"]),
        (BoardThemesError, {"name": "X", "notes": training}),
        (BoardThemesError, [{"name": "X", "notes": 5}]),
    ]
    for error, themes in cases:
        before = db_state(board)
        with pytest.raises(error) as exc:
            accept_board_themes(activity=board, themes=themes)
        assert exc.value.code == error.code and exc.value.message
        assert db_state(board) == before, themes
    poll = factories.make_activity(session=board.session)
    with pytest.raises(NotABoardError):
        accept_board_themes(activity=poll, themes=[good])
    assert not Cluster.objects.exists()


def test_too_many_clusters_is_refused_before_any_is_made(world):
    board = world["board"]
    for i in range(28):
        moderate(board, "create_cluster", {"name": f"C{i}"})
    before = db_state(board)
    notes = world["notes"]
    with pytest.raises(TooManyClustersError):
        accept_board_themes(
            activity=board,
            themes=[{"name": t, "notes": ids(notes[t])} for t in TOPICS],
        )
    assert db_state(board) == before
    assert len(accept_board_themes(activity=board, themes=[{"name": "W", "notes": []}])) == 1


# --------------------------------------------------------------------------- the page


def url(board, code: str | None = None, activity_id: int | None = None) -> str:
    session = Session.objects.get(pk=board.session_id)
    return reverse(
        "synthesis:board_themes",
        kwargs={"code": code or session.code, "activity_id": activity_id or board.pk},
    )


def owner_client(board) -> Client:
    client = Client()
    client.force_login(Session.objects.get(pk=board.session_id).event.owner)
    return client


def form_data(themes, **changes) -> dict:
    """The form as the page fills it: every theme kept under its label (Other unticked)."""
    data: dict = {"theme": [t.key for t in themes]}
    for theme in themes:
        data[f"name-{theme.key}"] = theme.label
        if not theme.is_other:
            data[f"accept-{theme.key}"] = "on"
        for item in theme.item_ids:
            data[f"note-{item}"] = theme.key
            data[f"from-{item}"] = theme.key
    data.update(changes)
    return data


def test_get_shows_the_themes_with_labelled_controls(world):
    board = world["board"]
    response = owner_client(board).get(url(board))
    assert response.status_code == 200
    html = response.content.decode()
    themes = propose_board_themes(activity=board)
    for theme in themes:
        assert f'id="name-{theme.key}"' in html and f'for="name-{theme.key}"' in html
        assert f'for="accept-{theme.key}"' in html
        assert f'value="{theme.label}"' in html
        for item in theme.item_ids:
            assert f'<label for="note-{item}">' in html
    assert "Recycle old batteries at the end of their life" in html
    assert "Government / policy maker: " in html  # counts per declared group
    assert "Accept as clusters" in html
    assert "<script" not in html.split("</main>")[0] and "style=" not in html
    assert "Hidden note about" not in html


def test_post_accepts_and_redirects_to_the_console(world):
    board = world["board"]
    themes = propose_board_themes(activity=board)
    first, second, third = themes
    moved = first.item_ids[0]
    data = form_data(themes, **{f"name-{first.key}": "Renamed", f"note-{moved}": second.key})
    data.pop(f"accept-{third.key}")
    response = owner_client(board).post(url(board), data, follow=True)
    session = Session.objects.get(pk=board.session_id)
    assert response.redirect_chain[-1][0] == reverse("frontend:console", args=[session.code])
    assert "2 clusters created from the themes." in response.content.decode()
    clusters = list(Cluster.objects.filter(activity=board))
    assert [c.name for c in clusters] == ["Renamed", second.label]
    assert sorted(str(i) for i in clusters[0].notes.values_list("pk", flat=True)) == sorted(
        first.item_ids[1:]
    )
    assert sorted(str(i) for i in clusters[1].notes.values_list("pk", flat=True)) == sorted(
        [*second.item_ids, moved]
    )
    assert not Note.objects.filter(pk__in=third.item_ids, cluster__isnull=False).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("empty_name", "Name this theme."),
        ("none_ticked", "Tick at least one theme to accept."),
        ("emptied", "This theme has no notes left"),
        ("bad_choice", "Choose one of the themes for every note."),
        ("no_themes", "This form is out of date"),
        ("unknown_note", "Note 99999999 does not exist."),
        ("other_board", "is on another board."),
    ],
)
def test_bad_post_shows_errors_and_changes_nothing(world, change, message):
    board = world["board"]
    themes = propose_board_themes(activity=board)
    first, second = themes[0], themes[1]
    data = form_data(themes)
    if change == "empty_name":
        data[f"name-{first.key}"] = "  "
    elif change == "none_ticked":
        for t in themes:
            data.pop(f"accept-{t.key}", None)
    elif change == "emptied":
        for item in first.item_ids:
            data[f"note-{item}"] = second.key
    elif change == "bad_choice":
        data[f"note-{first.item_ids[0]}"] = "nowhere"
    elif change == "no_themes":
        data["theme"] = []
    elif change == "unknown_note":
        data.update({"note-99999999": first.key, "from-99999999": first.key})
    elif change == "other_board":
        other = make_board(session=board.session)
        note = post(other, world["people"][0], "Elsewhere")
        data.update({f"note-{note.pk}": first.key, f"from-{note.pk}": first.key})
    before = db_state(board)
    response = owner_client(board).post(url(board), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert db_state(board) == before
    if change == "empty_name":
        assert f'aria-describedby="errors-{first.key}"' in html


# --------------------------------------------------------------------------- permissions


def permission_world() -> dict:
    board = make_board()
    session = Session.objects.select_related("event").get(pk=board.session_id)
    post(board, factories.make_participant(session=session), "Recycle batteries")
    return {
        "board": board,
        "session": session,
        "poll": factories.make_activity(session=session),
        "elsewhere": make_board(),
        "users": {
            "anonymous": None,
            "account": factories.make_user(),
            "other_organiser": factories.make_user(organiser=True),
            "owner": session.event.owner,
            "superuser": factories.make_user(is_superuser=True, organiser=True),
        },
    }


LOGIN = "login"
# role -> (GET status, POST status); POST changes the board only where it is 302.
ROWS = {
    "anonymous": (LOGIN, LOGIN),
    "account": (403, 403),
    "other_organiser": (403, 403),
    "owner": (200, 302),
    "superuser": (200, 302),
}


@pytest.mark.parametrize("role", ROWS)
def test_permission_rows(role):
    w = permission_world()
    board = w["board"]
    client = Client()
    if w["users"][role] is not None:
        client.force_login(w["users"][role])
    target = url(board)
    theme_list = propose_board_themes(activity=board)
    data = form_data(theme_list)
    data[f"accept-{theme_list[0].key}"] = "on"
    for method, expected in zip(("get", "post"), ROWS[role], strict=True):
        before = db_state(board)
        response = getattr(client, method)(target, data if method == "post" else None)
        if expected == LOGIN:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == expected, (role, method)
        if expected == 302:
            assert Cluster.objects.filter(activity=board).count() == 1
        else:
            assert db_state(board) == before


@pytest.mark.parametrize("role", ["owner", "superuser"])
def test_unknown_session_activity_or_kind_is_404(role):
    w = permission_world()
    client = Client()
    client.force_login(w["users"][role])
    board = w["board"]
    assert client.get(url(board, code="ZZZZZZ")).status_code == 404
    assert client.get(url(board, activity_id=2**31 - 1)).status_code == 404
    assert client.get(url(board, activity_id=w["poll"].pk)).status_code == 404
    # A board of another session, under this session's code.
    assert client.get(url(board, activity_id=w["elsewhere"].pk)).status_code == 404
    assert client.put(url(board)).status_code == 405


def test_route_is_in_synthesis_urls_not_in_frontend_urls():
    from frontend import urls as frontend_urls
    from synthesis import urls as synthesis_urls

    assert "board_themes" in [p.name for p in synthesis_urls.urlpatterns]
    assert "board_themes" not in {getattr(p, "name", None) for p in frontend_urls.urlpatterns}
    assert board_themes.BOARD_KIND == "idea_board"


def test_tool_links_name_the_themes_page_for_boards_only():
    w = permission_world()
    assert board_themes.tool_links(activity=w["board"]) == [("Find themes", url(w["board"]))]
    assert board_themes.tool_links(activity=w["poll"]) == []
