"""The stored analysis of a consensus activity: read the answers, run
``consensus.opinions.analyse`` and keep the result as JSON the tally and the results
page read (``Analysis.result``). Runs in the background task (``consensus.tasks``).

The stored shape (no participant id, no name; a declared group's figures on a statement
are null where fewer than ``MIN_GROUP_SIZE`` of its members answered it)::

    {"participants": n, "answers": n, "placed": n,
     "declared_groups": ["industry", ...],            # counted in the declared consensus
     "opinion_groups": [{"index": 0, "size": 12, "centroid": [x, y],
                         "sets_apart": [{"statement": id, "direction": "agree",
                                         "group_share": .8, "rest_share": .2}]}],
     "no_opinion_groups": null | "too_few_participants" | "no_differences" | "groups_too_small",
     "statements": {"<id>": {"consensus_declared": .3, "consensus_opinion": .4,
                             "divisive_declared": .01, "divisive_opinion": .02,
                             "by_group": {"industry": {"agree": 3, "disagree": 1,
                                                       "pass": 1, "seen": 5} | null},
                             "by_opinion": [{"agree": .., "disagree": .., "pass": .., "seen": ..}]}},
     "common_ground": {"declared": [[id, score], ...], "opinion": [...]},
     "divisive": {"declared": [...], "opinion": [...]},
     "map": [[x, y, group or null], ...]}             # the results page only
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from people.vocabularies import StakeholderGroup
from sessions.models import Activity

from .models import Analysis, Answer, Statement
from .opinions import Lists, OpinionResult, Tally, analyse, votes_matrix

MAP_DECIMALS = 3


def _counts(tally: Tally | None) -> dict[str, int] | None:
    if tally is None:
        return None
    return {
        "agree": tally.agree,
        "disagree": tally.disagree,
        "pass": tally.passed,
        "seen": tally.seen,
    }


def _ranked(lists: Lists | None, name: str) -> list[list[Any]]:
    if lists is None:
        return []
    return [[r.statement_id, round(r.score, 4)] for r in getattr(lists, name)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def result_json(result: OpinionResult, *, answers: int) -> dict[str, Any]:
    """The stored shape (module docstring) of an analysis."""
    statements = {}
    for j, s in enumerate(result.statements):
        statements[str(s.statement_id)] = {
            "consensus_declared": _round(s.consensus_declared),
            "consensus_opinion": _round(s.consensus_opinion),
            "divisive_declared": _round(s.divisiveness_declared),
            "divisive_opinion": _round(s.divisiveness_opinion),
            "by_group": {
                g.group: None if g.hidden else _counts(g.tally)
                for g in s.by_declared_group
                if g.voters > 0
            },
            "by_opinion": [_counts(group.statements[j]) for group in result.opinion_groups],
        }
    return {
        "participants": result.participants,
        "answers": answers,
        "placed": len(result.placed),
        "declared_groups": list(result.declared_groups_counted),
        "opinion_groups": [
            {
                "index": group.index,
                "size": group.size,
                "centroid": [round(c, MAP_DECIMALS) for c in group.centroid],
                "sets_apart": [
                    {
                        "statement": apart.statement_id,
                        "direction": apart.direction,
                        "group_share": round(apart.group_share, 4),
                        "rest_share": round(apart.rest_share, 4),
                    }
                    for apart in group.sets_apart
                ],
            }
            for group in result.opinion_groups
        ],
        "no_opinion_groups": result.no_opinion_groups and str(result.no_opinion_groups),
        "statements": statements,
        "common_ground": {
            "declared": _ranked(result.declared_lists, "common_ground"),
            "opinion": _ranked(result.opinion_lists, "common_ground"),
        },
        "divisive": {
            "declared": _ranked(result.declared_lists, "divisive"),
            "opinion": _ranked(result.opinion_lists, "divisive"),
        },
        "map": [
            [round(p.x, MAP_DECIMALS), round(p.y, MAP_DECIMALS), p.group] for p in result.placed
        ],
    }


def compute(*, activity: Activity) -> dict[str, Any]:
    """The analysis of the activity's answers to its visible statements, as stored."""
    statement_ids = list(
        Statement.objects.filter(activity=activity, status=Statement.Status.VISIBLE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    rows = list(
        Answer.objects.filter(statement_id__in=statement_ids).values_list(
            "participant_id", "statement_id", "vote", "participant__stakeholder_group"
        )
    )
    groups: dict[int, str] = {}
    for participant_id, _statement, _vote, group in rows:
        groups[participant_id] = group or ""
    participant_ids = sorted(groups)
    matrix = votes_matrix(
        votes=((p, s, v) for p, s, v, _g in rows),
        participant_ids=participant_ids,
        statement_ids=statement_ids,
    )
    if not statement_ids:
        matrix = np.zeros((len(participant_ids), 0))
    result = analyse(
        votes=matrix,
        declared_groups=[groups[p] for p in participant_ids],
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        group_order=[g for g in StakeholderGroup.values if g],
    )
    return result_json(result, answers=len(rows))


def refresh(*, activity_id: int) -> bool:
    """Clear the activity's ``pending`` flag, compute its analysis and store it; False
    if the activity is gone. Answers committed after the flag is cleared ask for the
    next run (``services.request_analysis``), so none is left out for long."""
    cleared = Analysis.objects.filter(activity_id=activity_id).update(pending=False)
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return False
    if not cleared:
        Analysis.objects.get_or_create(activity=activity)
    result = compute(activity=activity)
    with transaction.atomic():
        Analysis.objects.filter(activity=activity).update(
            result=result, answers=result["answers"], computed_at=timezone.now()
        )
    return True
