"""Vision voting: participants vote on a set of statements (vision statements,
milestones by horizon, actions by actor group; see ``polls.statements``).

Three kinds, each one ballot per participant (``polls.models.Ballot``), changeable
while the activity is open if it allows changes:

- ``dot_vote``: a budget of dots to spread over the statements;
- ``impact_feasibility``: each statement rated 1-5 on impact and on feasibility,
  shown on a 2x2 grid;
- ``statement_ranking``: the statements put in order.

Every tally carries ``by_group``: the same figures per stakeholder group
(``polls.breakdown``). Statement texts are not repeated in tallies (they can be long
and tallies are broadcast often): a tally row names its statement by ``index`` into
``config.statements``.

Shapes (docs/protocol.md):

config    {"statements": [{"text", "type", "horizon", "actor", "source"}, ...],
           "dots": 5, "max_per_statement": 3}          # the last two: dot_vote only
ballots   dot_vote            {"<statement index>": dots, ...}  (dots > 0, at most
                              max_per_statement on one, at most `dots` in all)
          impact_feasibility  {"<statement index>": {"impact": 1-5, "feasibility": 1-5}}
                              (any non-empty subset of the statements)
          statement_ranking   [every statement index once, best first]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.vocabularies import StakeholderGroup
from sessions.kinds import CommandError, int_setting
from sessions.models import Activity

from . import report_blocks as report
from .breakdown import ballot_rows, group_figures, overall
from .forms import DotVoteForm, StatementsForm
from .kinds import PollKind, is_int, ranking_detail
from .statements import HORIZONS, Actor, StatementType, add_statement, parse_statements

RATING_MIN, RATING_MAX = 1, 5
# A mean at or above the middle of the scale counts as "high" on the 2x2 grid.
RATING_MIDDLE = 3
_INDEX = re.compile(r"0|[1-9][0-9]{0,2}")


# --------------------------------------------------------------------------- settings


def _settings(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError(_("Give the settings as a dictionary."))
    return raw


# --------------------------------------------------------------------------- ballots


def _statement_index(activity: Activity, key: Any) -> int:
    """A ballot key naming a statement: its index as a string ("0", "1", ...)."""
    if (
        not isinstance(key, str)
        or not _INDEX.fullmatch(key)
        or int(key) >= len(activity.config["statements"])
    ):
        raise CommandError("invalid_choice", _("That is not one of the statements."))
    return int(key)


def clean_dots(activity: Activity, data: Any) -> dict[str, int]:
    """A dot-vote ballot: ``{"<statement index>": dots}`` within the budget."""
    if not isinstance(data, dict):
        raise CommandError(
            "invalid_value", _("Send your dots as the number of dots per statement.")
        )
    budget = activity.config["dots"]
    most = activity.config["max_per_statement"]
    dots: dict[int, int] = {}
    for key, value in data.items():
        index = _statement_index(activity, key)
        if not is_int(value) or value < 0:
            raise CommandError("invalid_value", _("Dots are whole numbers from 0."))
        if value > most:
            raise CommandError(
                "too_many_on_one",
                _("Put at most %(n)d dots on one statement.") % {"n": most},
            )
        if value:
            dots[index] = value
    if not dots:
        raise CommandError("invalid_choice", _("Place at least one dot."))
    if sum(dots.values()) > budget:
        raise CommandError(
            "over_budget", _("You have %(n)d dots to place, no more.") % {"n": budget}
        )
    return {str(i): dots[i] for i in sorted(dots)}


def clean_ratings(activity: Activity, data: Any) -> dict[str, dict[str, int]]:
    """An impact-feasibility ballot: ``{"<statement index>": {"impact", "feasibility"}}``
    for any non-empty subset of the statements."""
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _("Send a rating per statement."))
    if not data:
        raise CommandError("invalid_choice", _("Rate at least one statement."))
    ratings: dict[int, dict[str, int]] = {}
    for key, rating in data.items():
        index = _statement_index(activity, key)
        if (
            not isinstance(rating, dict)
            or set(rating) != {"impact", "feasibility"}
            or not all(is_int(v) and RATING_MIN <= v <= RATING_MAX for v in rating.values())
        ):
            raise CommandError(
                "invalid_value",
                _("Rate impact and feasibility from %(min)d to %(max)d.")
                % {"min": RATING_MIN, "max": RATING_MAX},
            )
        ratings[index] = {"impact": rating["impact"], "feasibility": rating["feasibility"]}
    return {str(i): ratings[i] for i in sorted(ratings)}


def clean_order(activity: Activity, data: Any) -> list[int]:
    """A ranking ballot: every statement index once, best first."""
    n = len(activity.config["statements"])
    if (
        not isinstance(data, list)
        or not all(is_int(v) for v in data)
        or sorted(data) != list(range(n))
    ):
        raise CommandError("invalid_choice", _("Put every statement in order, each once."))
    return data


# --------------------------------------------------------------------------- figures


def dot_figures(activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
    """Dots and voters per statement, most dots first (ties in the statements' order)."""
    n = len(activity.config["statements"])
    dots, voters, total = [0] * n, [0] * n, 0
    for choice, count in ballots:
        total += count
        for key, value in choice.items():
            index = int(key)
            if 0 <= index < n:
                dots[index] += value * count
                voters[index] += count
    rows = [{"index": i, "dots": dots[i], "voters": voters[i]} for i in range(n)]
    rows.sort(key=lambda row: -row["dots"])  # stable: equal dots keep their order
    return {"total": total, "dots": sum(dots), "statements": rows}


def _mean_sd(n: int, total: int, squares: int) -> tuple[float | None, float | None]:
    """Mean and population standard deviation from a count, sum and sum of squares."""
    if not n:
        return None, None
    mean = total / n
    return round(mean, 2), round(math.sqrt(max(0.0, squares / n - mean * mean)), 2)


QUADRANTS = {
    "quick_wins": gettext_lazy("Quick wins"),
    "major_projects": gettext_lazy("Major projects"),
    "fill_ins": gettext_lazy("Fill-ins"),
    "reconsider": gettext_lazy("Reconsider"),
}


def quadrant(impact: float | None, feasibility: float | None) -> str | None:
    if impact is None or feasibility is None:
        return None
    high_impact, feasible = impact >= RATING_MIDDLE, feasibility >= RATING_MIDDLE
    if high_impact:
        return "quick_wins" if feasible else "major_projects"
    return "fill_ins" if feasible else "reconsider"


def rating_figures(activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
    """Per statement: respondents ``n``, mean and spread of impact and feasibility and
    the grid quadrant; best (highest impact + feasibility) first, unrated last."""
    n = len(activity.config["statements"])
    sums = {axis: [[0, 0, 0] for _ in range(n)] for axis in ("impact", "feasibility")}
    total = 0
    for choice, count in ballots:
        total += count
        for key, rating in choice.items():
            index = int(key)
            if not 0 <= index < n:
                continue
            for axis, cells in sums.items():
                value = rating[axis]
                cell = cells[index]
                cell[0] += count
                cell[1] += value * count
                cell[2] += value * value * count
    rows = []
    for i in range(n):
        impact, impact_sd = _mean_sd(*sums["impact"][i])
        feasibility, feasibility_sd = _mean_sd(*sums["feasibility"][i])
        rows.append(
            {
                "index": i,
                "n": sums["impact"][i][0],
                "impact": impact,
                "feasibility": feasibility,
                "impact_sd": impact_sd,
                "feasibility_sd": feasibility_sd,
                "quadrant": quadrant(impact, feasibility),
            }
        )
    rows.sort(
        key=lambda r: (
            (0, -(r["impact"] + r["feasibility"]), -r["impact"], r["index"])
            if r["n"]
            else (1, 0, 0, r["index"])
        )
    )
    return {"total": total, "statements": rows}


def ranking_figures(activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
    """Mean rank (1 = first) and Borda score (first place n-1 points, last 0) per
    statement, highest Borda first (ties in the statements' order)."""
    n = len(activity.config["statements"])
    rank_sum, borda, total = [0] * n, [0] * n, 0
    for order, count in ballots:
        total += count
        for rank, index in enumerate(order):
            if 0 <= index < n:
                rank_sum[index] += (rank + 1) * count
                borda[index] += (n - 1 - rank) * count
    rows = [
        {
            "index": i,
            "mean_rank": round(rank_sum[i] / total, 2) if total else None,
            "borda": borda[i],
        }
        for i in range(n)
    ]
    rows.sort(key=lambda row: -row["borda"])
    return {"total": total, "statements": rows}


# --------------------------------------------------------------------------- kinds


class VisionKind(PollKind):
    """What the three vision-voting kinds share: the statements, the tally with its
    per-group breakdown, the browser script."""

    takes_statements = True
    promotes_items = True
    script = "polls/vision.js"
    style = "polls/vision.css"
    config_form = StatementsForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {"statements": parse_statements(_settings(raw).get("statements"))}

    def add_statement(
        self,
        *,
        activity: Activity,
        text: Any,
        statement_type: Any,
        horizon: Any,
        actor: Any,
        source: dict[str, int] | None,
    ) -> dict[str, Any]:
        return add_statement(
            activity=activity,
            text=text,
            statement_type=statement_type,
            horizon=horizon,
            actor=actor,
            source=source,
        )

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {
            "statements": [
                {key: s.get(key) for key in ("text", "type", "horizon", "actor")}
                for s in activity.config["statements"]
            ]
        }

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        raise NotImplementedError

    def tally(self, activity: Activity) -> dict[str, Any]:
        rows = ballot_rows(activity)  # one query for the whole result and the breakdown
        return {
            **self.figures(activity, overall(rows)),
            "by_group": group_figures(activity, rows, self.figures),
        }

    def texts(self, activity: Activity) -> list[str]:
        return [s["text"] for s in activity.config["statements"]]

    def promotable_items(self, activity: Activity) -> list[dict[str, Any]]:
        """Every statement, in the activity's order, keyed
        ``polls.statement:<activity id>:<index>`` (statements are only ever appended, so
        an index keeps naming its statement), with its type and the horizon or actor
        group it names; no query."""
        return [
            statement_item(activity, index, statement)
            for index, statement in enumerate(activity.config.get("statements", []))
        ]

    # evidence_rows() of each kind: the overall figures per statement, never by_group
    # (a small stakeholder group's figures would say who voted how).


class DotVote(VisionKind):
    name = "dot_vote"
    label = gettext_lazy("Dot vote")
    config_form = DotVoteForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        # Every field's errors at once, so the facilitator fixes them in one go.
        raw = _settings(raw)
        errors: dict[str, list[str]] = {}
        config: dict[str, Any] = {}
        try:
            config = super().clean_config(raw)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            dots = int_setting(raw, "dots", 5, 1, 20)
            most = int_setting(raw, "max_per_statement", min(3, dots), 1, dots)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        return {**config, "dots": dots, "max_per_statement": most}

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {
            **super().public_config(activity),
            "dots": activity.config["dots"],
            "max_per_statement": activity.config["max_per_statement"],
        }

    def clean_choice(self, activity: Activity, data: Any) -> dict[str, int]:
        return clean_dots(activity, data)

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        return dot_figures(activity, ballots)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        texts, dots = self.texts(activity), tally["dots"]
        return [
            {
                "label": texts[row["index"]],
                "value": row["dots"],
                "share": round(100 * row["dots"] / dots, 1) if dots else None,
                "detail": _("dots from %(n)d participants") % {"n": row["voters"]},
            }
            for row in tally["statements"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.dot_blocks(activity, tally, self.evidence_rows(activity, tally))

    def render(self, activity: Activity, choice: Any) -> str:
        texts = self.texts(activity)
        return "; ".join(f"{texts[int(k)]}: {v}" for k, v in sorted(choice.items(), key=_by_key))


class ImpactFeasibility(VisionKind):
    name = "impact_feasibility"
    label = gettext_lazy("Impact and feasibility (2x2 grid)")
    # One export row per rated statement, its two ratings in their own columns.
    export_columns = ("statement", "impact", "feasibility", "created_at", "updated_at")

    def clean_choice(self, activity: Activity, data: Any) -> dict[str, dict[str, int]]:
        return clean_ratings(activity, data)

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        return rating_figures(activity, ballots)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        texts = self.texts(activity)
        return [
            {
                "label": texts[row["index"]],
                "value": str(QUADRANTS[row["quadrant"]]) if row["quadrant"] else "",
                "share": None,
                "detail": (
                    _("impact %(impact)s, feasibility %(feasibility)s (%(n)d ratings)") % row
                    if row["n"]
                    else _("not rated")
                ),
            }
            for row in tally["statements"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.rating_blocks(activity, tally, self.evidence_rows(activity, tally))

    def export_answer(self, activity: Activity, choice: Any) -> list[dict[str, Any]]:
        texts = self.texts(activity)
        return [
            {"statement": texts[int(k)], "impact": r["impact"], "feasibility": r["feasibility"]}
            for k, r in sorted(choice.items(), key=_by_key)
        ]

    def render(self, activity: Activity, choice: Any) -> str:
        texts = self.texts(activity)
        return "; ".join(
            _("%(text)s: impact %(impact)d, feasibility %(feasibility)d")
            % {"text": texts[int(k)], **rating}
            for k, rating in sorted(choice.items(), key=_by_key)
        )


class StatementRanking(VisionKind):
    name = "statement_ranking"
    label = gettext_lazy("Statement ranking")

    def clean_choice(self, activity: Activity, data: Any) -> list[int]:
        return clean_order(activity, data)

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        return ranking_figures(activity, ballots)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        texts = self.texts(activity)
        return [
            {
                "label": texts[row["index"]],
                "value": row["borda"],
                "share": None,
                "detail": ranking_detail(row["mean_rank"]),
            }
            for row in tally["statements"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.statement_ranking_blocks(activity, tally, self.evidence_rows(activity, tally))

    def render(self, activity: Activity, choice: Any) -> str:
        texts = self.texts(activity)
        return "; ".join(f"{rank}. {texts[i]}" for rank, i in enumerate(choice, start=1))


# The statements' actor groups that are one stakeholder group of the directory
# (industry is two: upstream and downstream, so it suggests none).
_ACTOR_GROUPS = {
    Actor.POLICY: StakeholderGroup.POLICY,
    Actor.CIVIL_SOCIETY: StakeholderGroup.CIVIL_SOCIETY,
}


def statement_item(activity: Activity, index: int, statement: dict[str, Any]) -> dict[str, Any]:
    """One statement as ``ActivityKind.promotable_items`` lists it."""
    types, actors = dict(StatementType.choices), dict(Actor.choices)
    detail = [str(types.get(statement.get("type"), ""))]
    horizon = statement.get("horizon")
    if horizon:
        detail.append(str(horizon))
    actor = statement.get("actor")
    if actor in actors:
        detail.append(str(actors[actor]))
    return {
        "key": f"polls.statement:{activity.pk}:{index}",
        "text": statement["text"],
        "detail": " · ".join(part for part in detail if part),
        "language": activity.language,
        "horizon": horizon if horizon in HORIZONS else None,
        "actor": str(_ACTOR_GROUPS.get(actor, "")),
    }


def _by_key(item: tuple[str, Any]) -> int:
    return int(item[0])


VISION_KINDS: Iterable[VisionKind] = (DotVote(), ImpactFeasibility(), StatementRanking())
