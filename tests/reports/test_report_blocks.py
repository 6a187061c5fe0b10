"""What each activity kind gives a report (``ActivityKind.report_blocks``): the blocks'
shapes and values, in order; hidden, pending and unapproved entries left out; a
stakeholder group of 4 respondents suppressed while one of 5 is shown; no participant's
name anywhere; a few queries per activity."""

from __future__ import annotations

import json
from typing import Any

import pytest

from boards.models import Note
from consensus.models import Statement
from consensus.tasks import recompute_analysis
from polls.breakdown import MIN_GROUP_SIZE
from qna.models import Question
from sessions import services
from sessions.kinds import _registry, get_kind
from sessions.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db

BIG, SMALL = "industry_upstream", "civil_society"
BIG_LABEL = "Industry: upstream (mining, processing)"
SMALL_LABEL = "Civil society / NGO"
FEWER = f"fewer than {MIN_GROUP_SIZE}"
_keys = iter(range(10**9))


# --------------------------------------------------------------------------- helpers


def activity_of(kind: str, *, session=None, **config: Any) -> Activity:
    defaults = {
        "idea_board": {"columns": ["Challenges", "Solutions", "Who must act"]},
        "qna": {},
    }
    base = factories.DEFAULT_CONFIGS.get(kind, defaults.get(kind, {}))
    activity = services.add_activity(
        session=session or factories.make_session(),
        kind=kind,
        title=f"A {kind}",
        config={**base, **config},
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


def people(activity: Activity, n: int, group: str = "", prefix: str = "Name") -> list:
    return [
        factories.make_participant(
            session=activity.session, stakeholder_group=group, display_name=f"{prefix}{group}{i}"
        )
        for i in range(n)
    ]


def act(activity: Activity, participant, action: str, data: Any) -> dict[str, Any]:
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"k{next(_keys)}",
    )


def moderate(activity: Activity, action: str, data: Any = None) -> None:
    activity.refresh_from_db()
    services.moderate_activity(activity=activity, action=action, data=data)


def report(activity: Activity, *, queries: int, assert_queries) -> list[dict[str, Any]]:
    """The activity's blocks from its facilitator tally, in at most ``queries`` queries
    (the tally read before); checked for shape and JSON."""
    activity.refresh_from_db()
    kind = get_kind(activity.kind)
    tally = kind.tally(activity)
    with assert_queries(queries):
        blocks = kind.report_blocks(activity, tally)
    check_shapes(blocks)
    return blocks


def check_shapes(blocks: Any) -> None:
    """Every block as ``ActivityKind.report_blocks`` documents it."""
    assert isinstance(blocks, list)
    json.dumps(blocks)  # plain data only
    for block in blocks:
        assert isinstance(block["caption"], str) and block["caption"]
        if block["type"] == "figures":
            assert set(block) == {"type", "caption", "rows", "chart"}
            assert isinstance(block["chart"], bool)
            for row in block["rows"]:
                assert set(row) == {"label", "value", "share", "detail"}
                assert isinstance(row["label"], str) and isinstance(row["detail"], str)
                assert isinstance(row["value"], int | float | str)
                assert row["share"] is None or isinstance(row["share"], int | float)
        elif block["type"] == "table":
            assert set(block) == {"type", "caption", "head", "rows", "note"}
            assert all(isinstance(h, str) for h in block["head"])
            for row in block["rows"]:
                assert len(row) == len(block["head"])
                assert all(c is None or isinstance(c, int | float | str) for c in row)
            assert isinstance(block["note"], str)
        else:
            assert block["type"] == "list"
            assert set(block) == {"type", "caption", "items", "empty"}
            assert isinstance(block["empty"], str)
            for item in block["items"]:
                assert set(item) == {"text", "detail"}
                assert isinstance(item["text"], str) and isinstance(item["detail"], str)


def nameless(blocks: list[dict[str, Any]], activity: Activity) -> None:
    """No display name of any participant of the session appears in the blocks."""
    text = json.dumps(blocks, ensure_ascii=False)
    names = activity.session.participants.exclude(display_name="").values_list(
        "display_name", flat=True
    )
    assert names
    for name in names:
        assert name not in text


def of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def texts(block: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["text"], i["detail"]) for i in block["items"]]


# --------------------------------------------------------------------------- every kind


@pytest.mark.parametrize("kind", list(_registry))
def test_every_registered_kind_returns_blocks_even_without_input(
    kind, django_assert_max_num_queries
):
    activity = activity_of(kind)
    blocks = report(activity, queries=3, assert_queries=django_assert_max_num_queries)
    assert isinstance(blocks, list)


def test_the_default_is_one_figures_block_of_the_evidence_rows():
    from sessions.kinds import ActivityKind

    class Plain(ActivityKind):
        name = "plain"
        label = "Plain"

        def evidence_rows(self, activity, tally):
            return [{"label": "A", "value": 3, "share": 75.0}, {"label": "B", "value": 1}]

    assert Plain().report_blocks(None, {}) == [
        {
            "type": "figures",
            "caption": "Results",
            "rows": [
                {"label": "A", "value": 3, "share": 75.0, "detail": ""},
                {"label": "B", "value": 1, "share": None, "detail": ""},
            ],
            "chart": True,
        }
    ]
    assert ActivityKind().report_blocks(None, {}) == []


# --------------------------------------------------------------------------- polls


def test_single_choice_gives_its_figures_and_a_table_per_group(django_assert_max_num_queries):
    poll = activity_of("single_choice", by_group=True)
    big, small = people(poll, 5, BIG), people(poll, 4, SMALL)
    for person, choice in zip(big, [0, 0, 0, 1, 2], strict=True):
        act(poll, person, "vote", choice)
    for person in small:
        act(poll, person, "vote", 1)
    blocks = report(poll, queries=0, assert_queries=django_assert_max_num_queries)
    figures, table = blocks
    assert figures == {
        "type": "figures",
        "caption": "Results from 9 respondents",
        "rows": [
            {"label": "Yes", "value": 3, "share": 33.3, "detail": ""},
            {"label": "No", "value": 5, "share": 55.6, "detail": ""},
            {"label": "Not sure", "value": 1, "share": 11.1, "detail": ""},
        ],
        "chart": True,
    }
    # The group of 5 with its count and figures; the group of 4 without either.
    assert table["head"] == ["Option", "All", f"{BIG_LABEL} (5)", SMALL_LABEL]
    assert table["rows"] == [
        ["Yes", 33.3, 60.0, None],
        ["No", 55.6, 20.0, None],
        ["Not sure", 11.1, 20.0, None],
    ]
    assert FEWER in table["note"]
    nameless(blocks, poll)


def test_a_poll_without_the_group_setting_has_no_group_table(django_assert_max_num_queries):
    poll = activity_of("multiple_choice")
    for person in people(poll, 5, BIG):
        act(poll, person, "vote", [0, 1])
    blocks = report(poll, queries=0, assert_queries=django_assert_max_num_queries)
    assert [b["type"] for b in blocks] == ["figures"]
    assert [(r["label"], r["value"], r["share"]) for r in blocks[0]["rows"]] == [
        ("Cobalt", 5, 100.0),
        ("Lithium", 5, 100.0),
        ("Tin", 0, 0.0),
        ("Gold", 0, 0.0),
    ]


def test_a_scale_gives_its_distribution_with_the_mean_per_group(django_assert_max_num_queries):
    scale = activity_of("scale", by_group=True)
    for person, value in zip(people(scale, 5, BIG), [1, 2, 5, 5, 5], strict=True):
        act(scale, person, "vote", value)
    for person in people(scale, 4, SMALL):
        act(scale, person, "vote", 1)
    figures, table = report(scale, queries=0, assert_queries=django_assert_max_num_queries)
    assert figures["caption"] == "Results from 9 respondents, mean 2.44"
    assert figures["chart"] is True
    assert [(r["label"], r["value"], r["detail"]) for r in figures["rows"]] == [
        ("1", 5, "Not at all"),
        ("2", 1, ""),
        ("3", 0, ""),
        ("4", 0, ""),
        ("5", 3, "Fully"),
    ]
    assert table["head"] == ["Value", "All", f"{BIG_LABEL} (5)", SMALL_LABEL]
    assert table["rows"][0] == ["1", 55.6, 20.0, None]
    assert table["rows"][-1] == ["Mean", 2.44, 3.6, None]


def test_a_ranking_gives_borda_scores_per_group(django_assert_max_num_queries):
    ranking = activity_of("ranking", by_group=True)
    for person in people(ranking, 5, BIG):
        act(ranking, person, "vote", [2, 0, 1])
    for person in people(ranking, 4, SMALL):
        act(ranking, person, "vote", [0, 1, 2])
    blocks = report(ranking, queries=0, assert_queries=django_assert_max_num_queries)
    figures, table = blocks
    assert figures["caption"].startswith("Borda score per option")
    assert [(r["label"], r["value"]) for r in figures["rows"]] == [
        ("Traceability", 13),
        ("Recycling", 10),
        ("Living wages", 4),
    ]
    assert table["rows"] == [
        ["Traceability", 13, 5, None],
        ["Recycling", 10, 10, None],
        ["Living wages", 4, 0, None],
    ]
    nameless(blocks, ranking)


def test_a_word_cloud_charts_its_top_words_without_hidden_ones(django_assert_max_num_queries):
    cloud = activity_of("word_cloud", max_entries=10)
    words = [f"word{i:02d}" for i in range(25)]
    for i, person in enumerate(people(cloud, 3)):
        act(cloud, person, "vote", ["rubbish", "fair pay", *words[i * 8 : i * 8 + 8]])
    moderate(cloud, "hide_entry", "rubbish")
    blocks = report(cloud, queries=0, assert_queries=django_assert_max_num_queries)
    assert len(blocks) == 1
    figures = blocks[0]
    assert figures["chart"] is True
    assert figures["caption"] == "Most frequent entries (27 entries in all)"
    assert figures["rows"][0] == {"label": "fair pay", "value": 3, "share": 11.1, "detail": ""}
    assert len(figures["rows"]) == 20
    assert "rubbish" not in json.dumps(blocks)
    nameless(blocks, cloud)


# --------------------------------------------------------------------------- vision voting


def test_a_dot_vote_gives_dots_per_statement_and_per_group(django_assert_max_num_queries):
    dots = activity_of("dot_vote")
    for person in people(dots, 5, BIG):
        act(dots, person, "vote", {"0": 3, "2": 2})
    for person in people(dots, 4, SMALL):
        act(dots, person, "vote", {"1": 3})
    blocks = report(dots, queries=0, assert_queries=django_assert_max_num_queries)
    figures, table = blocks
    assert figures["caption"] == "Dots per statement: 37 dots from 9 respondents"
    assert [(r["label"], r["value"], r["share"]) for r in figures["rows"]] == [
        ("Zero-waste mines", 15, 40.5),
        ("Half of batteries recycled", 12, 32.4),
        ("Publish supply chain audits", 10, 27.0),
    ]
    assert table["head"] == ["Statement", "All", f"{BIG_LABEL} (5)", SMALL_LABEL]
    assert table["rows"] == [
        ["Zero-waste mines", 15, 15, None],
        ["Half of batteries recycled", 12, 0, None],
        ["Publish supply chain audits", 10, 10, None],
    ]
    assert FEWER in table["note"]
    nameless(blocks, dots)


def test_impact_and_feasibility_gives_quadrants_without_a_chart(django_assert_max_num_queries):
    grid = activity_of("impact_feasibility")
    for person in people(grid, 5, BIG):
        act(grid, person, "vote", {"0": {"impact": 5, "feasibility": 4}})
    for person in people(grid, 4, SMALL):
        act(grid, person, "vote", {"1": {"impact": 1, "feasibility": 2}})
    figures, table = report(grid, queries=0, assert_queries=django_assert_max_num_queries)
    assert figures["chart"] is False
    assert [(r["label"], r["value"]) for r in figures["rows"]] == [
        ("Zero-waste mines", "Quick wins"),
        ("Half of batteries recycled", "Reconsider"),
        ("Publish supply chain audits", ""),
    ]
    assert table["rows"] == [
        ["Zero-waste mines", "impact 5.0, feasibility 4.0", "impact 5.0, feasibility 4.0", None],
        ["Half of batteries recycled", "impact 1.0, feasibility 2.0", None, None],
        ["Publish supply chain audits", None, None, None],
    ]


def test_a_statement_ranking_gives_borda_scores(django_assert_max_num_queries):
    ranking = activity_of("statement_ranking")
    for person in people(ranking, 5, BIG):
        act(ranking, person, "vote", [1, 0, 2])
    figures, table = report(ranking, queries=0, assert_queries=django_assert_max_num_queries)
    assert figures["chart"] is True
    assert [(r["label"], r["value"]) for r in figures["rows"]] == [
        ("Half of batteries recycled", 10),
        ("Zero-waste mines", 5),
        ("Publish supply chain audits", 0),
    ]
    assert table["head"] == ["Statement", "All", f"{BIG_LABEL} (5)"]
    assert table["rows"][0] == ["Half of batteries recycled", 10, 10]


# --------------------------------------------------------------------------- boards


def test_a_board_lists_each_cluster_with_its_top_notes(django_assert_max_num_queries):
    board = activity_of("idea_board")
    writers = people(board, 3, prefix="Writer")
    voters = people(board, 4, prefix="Voter")
    posted = {}
    for i in range(7):
        text = f"Challenge number {i}"
        act(board, writers[i % 3], "post", {"column": 0, "text": text})
        posted[text] = Note.objects.get(activity=board, text=text)
    for text in ("Pay living wages", "Audit every mine", "Secret bad note", "Same as another"):
        act(board, writers[0], "post", {"column": 1, "text": text})
        posted[text] = Note.objects.get(activity=board, text=text)
    moderate(board, "create_cluster", {"name": "Supply chains"})
    moderate(board, "create_cluster", {"name": "Empty one"})
    cluster = board.clusters.get(name="Supply chains")
    for i in range(6):
        moderate(
            board, "assign", {"note": posted[f"Challenge number {i}"].pk, "cluster": cluster.pk}
        )
    moderate(board, "assign", {"note": posted["Secret bad note"].pk, "cluster": cluster.pk})
    moderate(board, "hide", {"note": posted["Secret bad note"].pk})
    moderate(
        board,
        "merge",
        {"note": posted["Same as another"].pk, "into": posted["Audit every mine"].pk},
    )
    moderate(board, "start_voting", {"budget": 4})
    for n, voter in enumerate(voters):
        for text in ("Challenge number 3", "Challenge number 5", "Audit every mine")[: n % 3 + 1]:
            act(board, voter, "upvote", {"note": posted[text].pk})
    blocks = report(board, queries=2, assert_queries=django_assert_max_num_queries)
    figures, supply, empty, loose = blocks
    assert figures == {
        "type": "figures",
        "caption": "Notes per column (9 notes in all)",
        "rows": [
            {"label": "Challenges", "value": 7, "share": 77.8, "detail": ""},
            {"label": "Solutions", "value": 2, "share": 22.2, "detail": ""},
            {"label": "Who must act", "value": 0, "share": 0.0, "detail": ""},
        ],
        "chart": True,
    }
    assert supply["caption"] == "Supply chains"
    # At most 5, most upvoted first, ties oldest first; the hidden note is not there.
    assert texts(supply) == [
        ("Challenge number 3", "4 upvotes"),
        ("Challenge number 5", "2 upvotes"),
        ("Challenge number 0", "0 upvotes"),
        ("Challenge number 1", "0 upvotes"),
        ("Challenge number 2", "0 upvotes"),
    ]
    assert (empty["caption"], empty["items"]) == ("Empty one", [])
    assert empty["empty"]
    assert loose["caption"] == "Notes in no cluster"
    assert texts(loose) == [
        ("Audit every mine", "1 upvote"),
        ("Challenge number 6", "0 upvotes"),
        ("Pay living wages", "0 upvotes"),
    ]
    dumped = json.dumps(blocks)
    assert "Secret bad note" not in dumped and "Same as another" not in dumped
    nameless(blocks, board)


def test_a_board_without_clusters_lists_its_top_notes(django_assert_max_num_queries):
    board = activity_of("idea_board")
    (writer,) = people(board, 1)
    for i in range(7):
        act(board, writer, "post", {"column": 2, "text": f"Who must act {i}"})
    blocks = report(board, queries=2, assert_queries=django_assert_max_num_queries)
    figures, top = blocks
    assert [r["value"] for r in figures["rows"]] == [0, 0, 7]
    assert top["caption"] == "Most upvoted notes"
    assert [t for t, _d in texts(top)] == [f"Who must act {i}" for i in range(5)]
    nameless(blocks, board)


def test_a_private_board_never_revealed_lists_no_notes(django_assert_max_num_queries):
    board = activity_of("idea_board", mode="private")
    (writer,) = people(board, 1)
    act(board, writer, "post", {"column": 0, "text": "Only the facilitator saw this"})
    blocks = report(board, queries=2, assert_queries=django_assert_max_num_queries)
    figures, notes = blocks
    assert [r["value"] for r in figures["rows"]] == [1, 0, 0]
    assert notes["items"] == [] and "not revealed" in notes["empty"]
    assert "Only the facilitator saw this" not in json.dumps(blocks)


# --------------------------------------------------------------------------- Q&A


def test_qna_lists_answered_and_unanswered_questions(django_assert_max_num_queries):
    qna = activity_of("qna", premoderate=True)
    askers = people(qna, 3, prefix="Asker")
    voters = people(qna, 3, prefix="Voter")
    asked = {}
    questions = [
        ("How will recycled content be counted?", askers[0], False),
        ("Who pays for the audits of small mines?", askers[1], True),
        ("When does the traceability law apply?", askers[2], False),
        ("Will artisanal miners get land titles?", askers[0], True),
        ("This question is rude and gets hidden", askers[1], False),
        ("This question is never approved at all", askers[2], False),
    ]
    for text, asker, anonymous in questions:
        act(qna, asker, "ask", {"text": text, "anonymous": anonymous})
        asked[text] = Question.objects.get(activity=qna, text=text)
    for text, _asker, _anonymous in questions[:5]:
        moderate(qna, "approve", {"question": asked[text].pk})
    moderate(qna, "hide", {"question": asked[questions[4][0]].pk})
    for n, text in enumerate(q for q, _a, _n in questions[:4]):
        for voter in voters[:n]:
            act(qna, voter, "upvote", {"question": asked[text].pk})
    moderate(qna, "mark_answered", {"question": asked[questions[0][0]].pk})
    moderate(qna, "mark_answered", {"question": asked[questions[2][0]].pk})
    blocks = report(qna, queries=1, assert_queries=django_assert_max_num_queries)
    answered, unanswered = blocks
    assert answered["caption"] == "2 answered questions"
    assert texts(answered) == [
        ("When does the traceability law apply?", "2 upvotes"),
        ("How will recycled content be counted?", "0 upvotes"),
    ]
    assert unanswered["caption"] == "2 unanswered questions"
    assert texts(unanswered) == [
        ("Will artisanal miners get land titles?", "3 upvotes"),
        ("Who pays for the audits of small mines?", "1 upvote"),
    ]
    dumped = json.dumps(blocks)
    assert "rude" not in dumped and "never approved" not in dumped
    nameless(blocks, qna)


def test_qna_without_questions_says_so(django_assert_max_num_queries):
    qna = activity_of("qna")
    answered, unanswered = report(qna, queries=1, assert_queries=django_assert_max_num_queries)
    assert answered["items"] == [] == unanswered["items"]
    assert answered["empty"] == "No question was answered."


# --------------------------------------------------------------------------- common ground


def test_common_ground_lists_and_a_table_per_statement(django_assert_max_num_queries):
    activity = activity_of("consensus")
    first, second, third = Statement.objects.filter(activity=activity).order_by("id")
    industry = people(activity, 5, BIG)
    policy = people(activity, 5, "policy")
    civil = people(activity, 4, SMALL)
    act(activity, civil[0], "submit", {"text": "A participant's statement awaiting approval"})
    moderate(activity, "add", {"text": "A statement the facilitator hides again"})
    hidden = Statement.objects.get(activity=activity, text__startswith="A statement the")
    for group, second_vote in ((industry, "agree"), (policy, "disagree"), (civil, "disagree")):
        for person in group:
            act(activity, person, "answer", {"statement": first.pk, "vote": "agree"})
            act(activity, person, "answer", {"statement": second.pk, "vote": second_vote})
            act(activity, person, "answer", {"statement": hidden.pk, "vote": "agree"})
    moderate(activity, "hide", {"statement": hidden.pk})
    recompute_analysis.call(activity_id=activity.pk)
    blocks = report(activity, queries=3, assert_queries=django_assert_max_num_queries)
    common, divisive, table = blocks
    assert common["caption"] == "Common ground"
    assert [t for t, _d in texts(common)] == [first.text]
    assert texts(common)[0][1].startswith("100")
    assert "14 answers" in texts(common)[0][1]
    assert [t for t, _d in texts(divisive)] == [second.text]
    assert table["head"] == [
        "Statement",
        "Agree",
        "Disagree",
        "Pass",
        f"{BIG_LABEL} (% agree)",
        f"{SMALL_LABEL} (% agree)",
        "Government / policy maker (% agree)",
        "Consensus",
    ]
    # Only answered statements; the group of 4 suppressed, the groups of 5 shown.
    rows = {row[0]: row for row in table["rows"]}
    assert set(rows) == {first.text, second.text}
    assert third.text not in json.dumps(table)
    assert rows[first.text][1:7] == [14, 0, 0, 100.0, None, 100.0]
    assert rows[second.text][1:7] == [5, 9, 0, 100.0, None, 0.0]
    assert isinstance(rows[first.text][7], float)
    assert FEWER in table["note"]
    dumped = json.dumps(blocks)
    assert "awaiting approval" not in dumped and "hides again" not in dumped
    nameless(blocks, activity)
