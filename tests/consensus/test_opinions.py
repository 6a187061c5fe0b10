"""synthesis/opinions.py: tallies, opinion groups, consensus and the lists (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

from consensus import opinions
from consensus.opinions import (
    NoOpinionGroups,
    Settings,
    analyse,
    consensus,
    divisiveness,
    smoothed_agree_rate,
    votes_matrix,
)

A, D, P, N = 1.0, -1.0, 0.0, np.nan  # agree, disagree, pass, not seen


def two_camps() -> np.ndarray:
    """20 participants x 12 statements: rows 0-9 (camp A) and 10-19 (camp B) agree with
    s0 and s1; A agrees with s2-s6 and disagrees with s7-s11, B the other way round.
    Participant i passes on s(2 + i % 10), so no two members of a camp sit on the same
    spot; participant 10 has not seen s1."""
    votes = np.zeros((20, 12))
    votes[:, :2] = A
    votes[:10, 2:7], votes[:10, 7:] = A, D
    votes[10:, 2:7], votes[10:, 7:] = D, A
    for i in range(20):
        votes[i, 2 + i % 10] = P
    votes[10, 1] = N
    return votes


def three_camps() -> np.ndarray:
    """24 participants x 11 statements, camps of 8 (rows 0-7, 8-15, 16-23): camp c agrees
    with s(3c) to s(3c + 2) and disagrees with the other six of s0-s8; everyone agrees
    with s9 and disagrees with s10. Odd members of each camp have not seen s9."""
    votes = np.full((24, 11), D)
    for camp in range(3):
        votes[8 * camp : 8 * camp + 8, 3 * camp : 3 * camp + 3] = A
    votes[:, 9] = A
    votes[1::2, 9] = N
    return votes


def planted(*, camps: int, size: int = 20, statements: int = 12, seed: int = 0) -> np.ndarray:
    """``camps`` camps of ``size``: camp c agrees with the statements j where
    ``j % camps == c`` and disagrees with the rest; each answer is a pass with
    probability 0.1 and not seen with probability 0.1 (seeded)."""
    lean = np.array([[A if j % camps == c else D for j in range(statements)] for c in range(camps)])
    votes = np.repeat(lean, size, axis=0)
    draw = np.random.default_rng(seed).random(votes.shape)
    votes[draw < 0.1] = P
    votes[draw > 0.9] = N
    return votes


def truth(*, camps: int, size: int = 20) -> list[set[int]]:
    return [set(range(c * size, (c + 1) * size)) for c in range(camps)]


def camps_of(result) -> list[set[int]]:
    return sorted((set(g.member_ids) for g in result.opinion_groups), key=min)


def ids(ranked) -> list[int]:
    return [entry.statement_id for entry in ranked]


# The formula


def test_smoothed_agree_rate_adds_one_agree_and_one_other_answer():
    assert smoothed_agree_rate(agree=0, seen=0) == 0.5
    assert smoothed_agree_rate(agree=3, seen=3) == pytest.approx(4 / 5, abs=0)
    assert smoothed_agree_rate(agree=0, seen=4) == pytest.approx(1 / 6, abs=0)
    assert list(smoothed_agree_rate(agree=np.array([1, 2]), seen=np.array([2, 8]))) == [
        0.5,
        0.3,
    ]


def test_consensus_is_the_product_over_groups_of_the_smoothed_rates():
    # Columns are statements, rows groups: s0 = (2+1)/(3+2) * (0+1)/(1+2) = 3/5 * 1/3.
    agree = np.array([[2, 4, 0], [0, 4, 0], [5, 4, 0]])
    seen = np.array([[3, 4, 0], [1, 6, 0], [5, 4, 0]])
    scores = consensus(agree=agree, seen=seen)
    assert scores[0] == pytest.approx(3 / 5 * 1 / 3 * 6 / 7, rel=1e-12)
    assert scores[1] == pytest.approx(5 / 6 * 5 / 8 * 5 / 6, rel=1e-12)
    assert scores[2] == pytest.approx(1 / 8, rel=1e-12)  # nobody answered: 1/2 per group
    # A single group's consensus is its own smoothed rate.
    assert consensus(agree=np.array([[7]]), seen=np.array([[8]]))[0] == pytest.approx(0.8)


def test_divisiveness_is_the_variance_of_the_smoothed_rates():
    # Smoothed rates 10/12 and 1/12: variance ((10/12 - 1/12) / 2) ** 2.
    value = divisiveness(agree=np.array([[9], [0]]), seen=np.array([[10], [10]]))[0]
    assert value == pytest.approx((9 / 24) ** 2, rel=1e-12)


# Tallies per statement and per declared group


def suppression_case():
    """Two statements; policy 5 members, research 4, finance 5 (one has not seen s0),
    two who did not say."""
    votes = np.array(
        [
            [A, A],  # policy
            [A, A],
            [A, P],
            [A, D],
            [D, D],
            [A, D],  # research
            [A, D],
            [A, D],
            [A, D],
            [A, A],  # finance
            [A, A],
            [D, A],
            [D, A],
            [N, A],
            [D, A],  # not said
            [D, A],
        ]
    )
    groups = ["policy"] * 5 + ["research"] * 4 + ["finance"] * 5 + ["", None]
    return votes, groups


def test_counts_and_shares_overall_and_per_declared_group_with_small_groups_hidden():
    votes, groups = suppression_case()
    result = analyse(
        votes=votes,
        declared_groups=groups,
        statement_ids=[101, 102],
        group_order=["policy", "research", "finance", opinions.NOT_SAID],
    )
    s0, s1 = result.statements
    assert s0.statement_id == 101
    assert (s0.overall.agree, s0.overall.disagree, s0.overall.passed, s0.overall.seen) == (
        10,
        5,
        0,
        15,
    )
    assert s0.overall.agree_share == pytest.approx(10 / 15)
    assert (s1.overall.agree, s1.overall.disagree, s1.overall.passed, s1.overall.seen) == (
        9,
        6,
        1,
        16,
    )
    assert s1.overall.pass_share == pytest.approx(1 / 16)

    by_group = {g.group: g for g in s0.by_declared_group}
    assert list(by_group) == ["policy", "research", "finance", "not_said"]
    policy = by_group["policy"]
    assert (policy.voters, policy.hidden) == (5, False)
    assert (policy.tally.agree, policy.tally.disagree, policy.tally.passed) == (4, 1, 0)
    assert (policy.tally.agree_share, policy.tally.disagree_share) == (0.8, 0.2)
    # 4 research members, 4 finance members on s0 (one has not seen it), 2 not said.
    for key, voters in (("research", 4), ("finance", 4), ("not_said", 2)):
        assert (by_group[key].voters, by_group[key].hidden, by_group[key].tally) == (
            voters,
            True,
            None,
        )
    finance_s1 = next(g for g in s1.by_declared_group if g.group == "finance")
    assert (finance_s1.voters, finance_s1.hidden, finance_s1.tally.agree_share) == (5, False, 1.0)


def test_declared_consensus_counts_groups_of_five_and_waits_for_five_answers_each():
    votes, groups = suppression_case()
    result = analyse(votes=votes, declared_groups=groups)
    # research has 4 members and "not said" is no group: neither is counted.
    assert result.declared_groups_counted == ("finance", "policy")
    s0, s1 = result.statements
    # finance answered s0 four times: its hidden rate would show through the product.
    assert s0.consensus_declared is None
    assert s0.divisiveness_declared is None
    # s1: finance 5 agree of 5 -> 6/7; policy 2 agree of 5 -> 3/7.
    assert s1.consensus_declared == pytest.approx(6 / 7 * 3 / 7, rel=1e-12)
    assert s1.divisiveness_declared == pytest.approx((3 / 14) ** 2, rel=1e-12)
    # Common ground needs more than half agreeing in every group: not s1 (policy 2 of 5).
    assert result.declared_lists.groups == ("finance", "policy")
    assert result.declared_lists.common_ground == ()
    assert ids(result.declared_lists.divisive) == [1]


def test_min_group_size_is_the_breakdowns():
    from polls.breakdown import MIN_GROUP_SIZE, NOT_SAID

    assert opinions.MIN_GROUP_SIZE == MIN_GROUP_SIZE
    assert opinions.NOT_SAID == NOT_SAID


def test_votes_matrix_from_rows():
    matrix = votes_matrix(
        votes=[(7, 20, 1), (8, 21, -1), (7, 21, 0), (9, 20, 1), (8, 99, 1)],
        participant_ids=[7, 8],
        statement_ids=[20, 21],
    )
    assert np.array_equal(matrix, np.array([[A, P], [N, D]]), equal_nan=True)


def test_bad_votes_are_a_typed_error():
    with pytest.raises(opinions.InvalidVotes):
        analyse(votes=np.array([[A, 2.0]]), declared_groups=["policy"])
    with pytest.raises(opinions.InvalidVotes):
        analyse(votes=np.array([[A, D]]), declared_groups=["policy", "research"])


# Opinion groups


def test_two_camps_are_found_exactly():
    result = analyse(votes=two_camps(), declared_groups=["policy", "research"] * 10)
    assert result.no_opinion_groups is None
    assert len(result.placed) == 20
    assert camps_of(result) == [set(range(10)), set(range(10, 20))]
    assert [g.size for g in result.opinion_groups] == [10, 10]
    # Every placed participant carries their group; the camps sit apart on the map.
    group_of = {p.participant_id: p.group for p in result.placed}
    camp_a = next(g for g in result.opinion_groups if 0 in g.member_ids)
    assert {group_of[i] for i in range(10)} == {camp_a.index}
    xs = {p.participant_id: p.x for p in result.placed}
    a, b = sorted(xs[i] for i in range(10)), sorted(xs[i] for i in range(10, 20))
    assert a[-1] < b[0] or b[-1] < a[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_noisy_camps_are_found_exactly_and_two_groups_chosen(seed):
    result = analyse(votes=planted(camps=2, seed=seed), declared_groups=[""] * 40)
    assert camps_of(result) == truth(camps=2)
    # Larger splits were allowed and scored lower.
    assert len(result.silhouette_by_k) >= 2
    assert max(result.silhouette_by_k, key=result.silhouette_by_k.get) == 2
    assert result.silhouette == result.silhouette_by_k[2]


def test_group_profiles_count_each_groups_answers():
    result = analyse(votes=two_camps(), declared_groups=[""] * 20)
    camp_a = next(g for g in result.opinion_groups if 0 in g.member_ids)
    s2 = camp_a.statements[2]  # camp A: 9 agree, participant 0 passes
    assert (s2.agree, s2.disagree, s2.passed, s2.seen) == (9, 0, 1, 10)
    assert (s2.agree_share, s2.disagree_share) == (0.9, 0.0)
    camp_b = next(g for g in result.opinion_groups if 10 in g.member_ids)
    assert camp_b.statements[1].seen == 9  # participant 10 has not seen s1


def test_three_camps_are_found_exactly():
    result = analyse(votes=three_camps(), declared_groups=[""] * 24)
    assert camps_of(result) == [set(range(8)), set(range(8, 16)), set(range(16, 24))]
    assert max(result.silhouette_by_k, key=result.silhouette_by_k.get) == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_noisy_camps_are_found_exactly_and_three_groups_chosen(seed):
    result = analyse(votes=planted(camps=3, seed=seed), declared_groups=[""] * 60)
    assert camps_of(result) == truth(camps=3)
    assert len(result.silhouette_by_k) >= 2
    assert max(result.silhouette_by_k, key=result.silhouette_by_k.get) == 3


def test_consensus_over_opinion_groups_and_over_declared_groups():
    result = analyse(votes=two_camps(), declared_groups=["policy", "research"] * 10)
    s0, s1, s2 = result.statements[:3]
    # s0: every member of both camps agrees (10 of 10 each).
    assert s0.consensus_opinion == pytest.approx((11 / 12) ** 2, rel=1e-12)
    assert s0.consensus_declared == pytest.approx((11 / 12) ** 2, rel=1e-12)
    # s1: camp B and policy (even rows) have 9 agree of 9 (participant 10 has not seen it).
    assert s1.consensus_opinion == pytest.approx(11 / 12 * 10 / 11, rel=1e-12)
    assert s1.consensus_declared == pytest.approx(10 / 11 * 11 / 12, rel=1e-12)
    # s2: camp A 9 agree of 10, camp B 0 of 10; the declared groups mix both camps
    # (policy: rows 0,2,...,8 agree except 2, who passes; 10,...,18 disagree).
    assert s2.consensus_opinion == pytest.approx(10 / 12 * 1 / 12, rel=1e-12)
    assert s2.consensus_declared == pytest.approx(5 / 12 * 6 / 12, rel=1e-12)
    assert s2.divisiveness_opinion == pytest.approx((9 / 24) ** 2, rel=1e-12)


# The lists


def test_common_ground_and_divisive_statements_on_two_camps():
    result = analyse(votes=two_camps(), declared_groups=[""] * 20)
    lists = result.opinion_lists
    assert lists.basis == "opinion"
    assert lists.groups == ("0", "1")
    # s0 (all 20 agree) before s1 (one has not seen it); nothing else is agreed by both.
    assert ids(lists.common_ground) == [0, 1]
    assert lists.common_ground[0].score == pytest.approx((11 / 12) ** 2)
    # Every camp-splitting statement, equally divisive, in statement order.
    assert ids(lists.divisive) == list(range(2, 12))
    assert lists.divisive[0].score == pytest.approx((9 / 24) ** 2)
    assert result.declared_lists is None  # nobody declared a group


def test_common_ground_needs_a_majority_in_every_group_not_just_a_high_product():
    votes = two_camps()
    # s0: camp B now splits 5 agree / 5 disagree; s1 stays agreed by all.
    votes[15:, 0] = D
    result = analyse(votes=votes, declared_groups=[""] * 20)
    assert ids(result.opinion_lists.common_ground) == [1]


def test_statements_that_set_each_group_apart():
    result = analyse(
        votes=three_camps(), declared_groups=[""] * 24, settings=Settings(sets_apart_list_size=20)
    )
    camp = next(g for g in result.opinion_groups if set(g.member_ids) == set(range(8)))
    found = [(s.statement_id, s.direction) for s in camp.sets_apart]
    # Its own three statements first (8 of 8 agree, nobody else), then the six it
    # rejects with one other camp; never s9 or s10, which everyone answers alike.
    assert found == [(0, "agree"), (1, "agree"), (2, "agree")] + [
        (j, "disagree") for j in range(3, 9)
    ]
    first = camp.sets_apart[0]
    assert (first.group_share, first.rest_share) == (1.0, 0.0)
    assert first.ratio == pytest.approx((9 / 10) / (1 / 18), rel=1e-12)
    assert first.z > 4
    assert camp.sets_apart[3].ratio == pytest.approx((9 / 10) / (9 / 18), rel=1e-12)
    # The default list keeps the five strongest.
    default = analyse(votes=three_camps(), declared_groups=[""] * 24)
    camp = next(g for g in default.opinion_groups if set(g.member_ids) == set(range(8)))
    assert [s.statement_id for s in camp.sets_apart] == [0, 1, 2, 3, 4]


def test_sets_apart_needs_a_minimum_count_in_the_group():
    votes = np.column_stack([two_camps(), np.full(20, N)])
    votes[[0, 1], 12] = A  # two of camp A agree with s12
    votes[10:, 12] = D  # all of camp B disagree
    result = analyse(votes=votes, declared_groups=[""] * 20)
    camp_a = next(g for g in result.opinion_groups if 0 in g.member_ids)
    assert 12 not in [s.statement_id for s in camp_a.sets_apart]
    looser = analyse(
        votes=votes,
        declared_groups=[""] * 20,
        settings=Settings(sets_apart_min_count=2, sets_apart_list_size=20),
    )
    camp_a = next(g for g in looser.opinion_groups if 0 in g.member_ids)
    s12 = next(s for s in camp_a.sets_apart if s.statement_id == 12)
    assert (s12.direction, s12.group_share, s12.rest_share) == ("agree", 1.0, 0.0)


# Degenerate input


def test_no_votes_at_all():
    empty = analyse(votes=np.zeros((0, 0)), declared_groups=[])
    assert (empty.participants, empty.statements, empty.placed) == (0, (), ())
    assert empty.no_opinion_groups == NoOpinionGroups.TOO_FEW_PARTICIPANTS

    unseen = analyse(votes=np.full((12, 3), N), declared_groups=["policy"] * 12)
    assert unseen.placed == ()
    assert unseen.opinion_groups == ()
    assert unseen.no_opinion_groups == NoOpinionGroups.TOO_FEW_PARTICIPANTS
    assert unseen.declared_groups_counted == ()  # nobody answered anything
    s0 = unseen.statements[0]
    assert (s0.overall.seen, s0.overall.agree_share) == (0, None)
    assert (s0.consensus_declared, s0.consensus_opinion) == (None, None)
    assert (unseen.declared_lists, unseen.opinion_lists) == (None, None)


def test_one_participant():
    result = analyse(votes=np.array([[A, D, P]]), declared_groups=["policy"])
    assert result.no_opinion_groups == NoOpinionGroups.TOO_FEW_PARTICIPANTS
    assert [(p.participant_id, p.x, p.y, p.group) for p in result.placed] == [(0, 0.0, 0.0, None)]
    assert result.statements[0].overall.agree == 1
    assert result.statements[0].by_declared_group[0].hidden


def test_everyone_passes_everything():
    result = analyse(votes=np.zeros((20, 8)), declared_groups=["policy", "research"] * 10)
    assert result.no_opinion_groups == NoOpinionGroups.NO_DIFFERENCES
    assert result.opinion_groups == ()
    assert len(result.placed) == 20
    assert {(p.x, p.y) for p in result.placed} == {(0.0, 0.0)}
    # (0 + 1) / (10 + 2) in each declared group; nobody agrees, so no common ground.
    assert result.statements[0].consensus_declared == pytest.approx((1 / 12) ** 2)
    assert result.declared_lists.common_ground == ()
    assert result.declared_lists.divisive == ()


def test_fewer_participants_than_two_groups_can_hold():
    votes = two_camps()[[0, 1, 2, 3, 4, 10, 11, 12, 13]]  # 9: two groups need 10
    result = analyse(votes=votes, declared_groups=[""] * 9)
    assert result.no_opinion_groups == NoOpinionGroups.TOO_FEW_PARTICIPANTS
    assert result.opinion_groups == ()
    assert result.opinion_lists is None
    assert len(result.placed) == 9  # still on the map
    assert all(s.consensus_opinion is None for s in result.statements)


def test_no_split_leaves_every_group_big_enough():
    votes = np.vstack([two_camps()[:9], two_camps()[10:11]])  # nine of A, one of B
    result = analyse(votes=votes, declared_groups=[""] * 10)
    assert result.no_opinion_groups == NoOpinionGroups.GROUPS_TOO_SMALL
    assert result.opinion_groups == ()


def test_participants_with_too_few_answers_are_not_placed():
    votes = np.full((3, 10), N)
    votes[0, :7] = A  # 7 answers: placed
    votes[1, :6] = D  # 6: not placed
    votes[2, :] = P
    result = analyse(votes=votes, declared_groups=[""] * 3, participant_ids=[31, 32, 33])
    assert [p.participant_id for p in result.placed] == [31, 33]
    # With fewer than 7 answered statements, answering all of them is enough.
    few = analyse(votes=np.array([[A, D, N], [A, N, N]]), declared_groups=["", ""])
    assert [p.participant_id for p in few.placed] == [0]


# Determinism


def test_the_same_answers_give_the_same_result():
    rng = np.random.default_rng(7)
    votes = rng.choice([A, D, P, N], size=(60, 15))
    groups = list(rng.choice(["policy", "research", "finance", ""], size=60))
    first = analyse(votes=votes, declared_groups=groups)
    assert first.opinion_groups
    assert analyse(votes=votes.copy(), declared_groups=groups) == first


def test_the_order_of_participants_does_not_change_the_groups():
    votes = three_camps()
    order = np.random.default_rng(3).permutation(24)
    shuffled = analyse(
        votes=votes[order], declared_groups=[""] * 24, participant_ids=[int(i) for i in order]
    )
    assert camps_of(shuffled) == [set(range(8)), set(range(8, 16)), set(range(16, 24))]
