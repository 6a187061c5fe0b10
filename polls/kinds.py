"""The poll kinds: how each validates its settings and ballots and counts its results.

Each kind is a thin class over this app's services (casting a ballot, hiding a word
cloud entry) and selectors (the ballots); its settings form is in ``polls.forms``
and its browser code in ``static/polls/polls.js``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.kinds import ActivityKind, Command, CommandError, int_setting
from sessions.models import Activity, Participant

from . import forms, selectors, services
from . import report_blocks as report
from .breakdown import ballot_rows, group_figures, overall
from .services import normalise_word

MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 120


def is_int(value: Any) -> bool:
    """A whole number, and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def clean_by_group(raw: dict[str, Any]) -> dict[str, bool]:
    """The "Show results per stakeholder group" setting: ``{"by_group": True}`` when on,
    nothing when off (so a config without it means off)."""
    value = raw.get("by_group")
    if value in (None, "", False):
        return {}
    if value is not True:
        raise ValidationError({"by_group": _("Say yes or no.")})
    return {"by_group": True}


def _clean_options(raw: Any, *, minimum: int = 2, maximum: int = MAX_OPTIONS) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple):
        raise ValidationError({"options": _("Give the options as a list.")})
    options = [" ".join(str(o).split()) for o in raw]
    options = [o for o in options if o]
    if not minimum <= len(options) <= maximum:
        raise ValidationError(
            {
                "options": _("Give between %(min)d and %(max)d options.")
                % {"min": minimum, "max": maximum}
            }
        )
    if any(len(o) > MAX_OPTION_LENGTH for o in options):
        raise ValidationError(
            {"options": _("Keep each option under %(n)d characters.") % {"n": MAX_OPTION_LENGTH}}
        )
    if len({o.casefold() for o in options}) != len(options):
        raise ValidationError({"options": _("Each option must be different.")})
    return options


class PollKind(ActivityKind):
    """What every poll shares: one ballot per participant, changeable if allowed; the
    answer as one export column; the browser code in polls.js."""

    participant_commands = frozenset({"vote"})
    batch_commands = frozenset({"vote"})
    # A tally seen before voting invites herding: shown when the facilitator reveals it.
    default_results_visibility = "after_reveal"
    export_columns = ("answer", "created_at", "updated_at")
    script = "polls/polls.js"
    # Drawing shared with vision.js, loaded before either (sessions.kinds.kind_scripts).
    script_requires = ("polls/charts.js",)
    style = "polls/polls.css"

    def clean_choice(self, activity: Activity, data: Any) -> Any:
        raise NotImplementedError

    def apply(
        self, *, activity: Activity, participant: Participant, action: str, data: Any
    ) -> dict[str, Any]:
        choice = self.clean_choice(activity, data)
        return services.cast_ballot(activity=activity, participant=participant, choice=choice)

    def apply_batch(
        self, *, activity: Activity, commands: list[Command]
    ) -> list[dict[str, Any] | Exception]:
        outcomes: list[dict[str, Any] | Exception | None] = []
        ballots: list[tuple[Participant, Any, str]] = []
        for command in commands:
            try:
                with translation.override(command.language):
                    choice = self.clean_choice(activity, command.data)
            except (CommandError, ValidationError) as exc:
                outcomes.append(exc)
            else:
                outcomes.append(None)
                ballots.append((command.participant, choice, command.language))
        cast = iter(services.cast_ballots(activity=activity, ballots=ballots) if ballots else ())
        return [next(cast) if outcome is None else outcome for outcome in outcomes]

    def response_count(self, activity: Activity) -> int:
        return selectors.response_count(activity=activity)

    def response_counts(self, activities: list[Activity]) -> dict[int, int]:
        return selectors.response_counts(activities=activities)

    def grouped(self, activity: Activity) -> list[tuple[Any, int]]:
        """Each distinct ballot with how many participants cast it (counted in SQL)."""
        return selectors.grouped_ballots(activity=activity)

    def participant_state(self, activity: Activity, participant: Participant) -> Any:
        return selectors.participant_ballot(activity=activity, participant=participant)

    def participant_states(
        self, activity: Activity, participants: list[Participant]
    ) -> dict[int, Any]:
        return selectors.participant_ballot_map(activity=activity, participants=participants)

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        """The result over ``(choice, count)`` pairs (a choice may come more than once)."""
        raise NotImplementedError

    def tally(self, activity: Activity) -> dict[str, Any]:
        """The figures; with the activity's ``by_group`` setting on, also ``by_group``:
        the same figures per stakeholder group (``polls.breakdown``), read in the same
        one query. Off, the breakdown costs nothing."""
        if not activity.config.get("by_group"):
            return self.figures(activity, self.grouped(activity))
        rows = ballot_rows(activity)
        return {
            **self.figures(activity, overall(rows)),
            "by_group": group_figures(activity, rows, self.figures),
        }

    def export_rows(self, activity: Activity) -> Iterable[dict[str, Any]]:
        return selectors.export_rows(
            activity=activity, render=lambda choice: self.export_answer(activity, choice)
        )

    def export_answer(self, activity: Activity, choice: Any) -> list[dict[str, Any]]:
        """The export columns of one ballot's answer, as rows: one, in words."""
        return [{"answer": self.render(activity, choice)}]

    def render(self, activity: Activity, choice: Any) -> str:
        return str(choice)


class OptionsPoll(PollKind):
    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {"options": _clean_options(raw.get("options")), **clean_by_group(raw)}

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {"options": activity.config["options"], **clean_by_group(activity.config)}

    def texts(self, activity: Activity) -> list[str]:
        return list(activity.config["options"])

    def _option(self, activity: Activity, value: Any) -> int:
        if not is_int(value) or not 0 <= value < len(activity.config["options"]):
            raise CommandError("invalid_choice", _("That is not one of the options."))
        return value

    def render(self, activity: Activity, choice: Any) -> str:
        options = activity.config["options"]
        if isinstance(choice, list):
            return "; ".join(options[i] for i in choice)
        return options[choice]

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        # Voters per option and their share of all voters (a ranking overrides this).
        return [
            {"label": o["label"], "value": o["count"], "share": o["percent"]}
            for o in tally["options"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.choice_blocks(activity, tally, self.evidence_rows(activity, tally))

    def _counts(self, activity: Activity, counts: Counter, voters: int) -> dict[str, Any]:
        return {
            "total": voters,
            "options": [
                {
                    "label": label,
                    "count": counts[i],
                    "percent": round(100 * counts[i] / voters, 1) if voters else 0.0,
                }
                for i, label in enumerate(activity.config["options"])
            ],
        }


class SingleChoice(OptionsPoll):
    name = "single_choice"
    label = gettext_lazy("Single choice")
    config_form = forms.OptionsForm

    def clean_choice(self, activity: Activity, data: Any) -> int:
        return self._option(activity, data)

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        counts = Counter()
        for choice, n in ballots:
            counts[choice] += n
        return self._counts(activity, counts, sum(counts.values()))


class MultipleChoice(OptionsPoll):
    name = "multiple_choice"
    label = gettext_lazy("Multiple choice")
    config_form = forms.MultipleChoiceForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        options = _clean_options(raw.get("options"))
        most = int_setting(raw, "max_choices", len(options), 1, len(options))
        return {"options": options, "max_choices": most, **clean_by_group(raw)}

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {**super().public_config(activity), "max_choices": activity.config["max_choices"]}

    def clean_choice(self, activity: Activity, data: Any) -> list[int]:
        if not isinstance(data, list) or not data:
            raise CommandError("invalid_choice", _("Choose at least one option."))
        picked = sorted({self._option(activity, value) for value in data})
        if len(picked) != len(data):
            raise CommandError("invalid_choice", _("Choose each option only once."))
        if len(picked) > activity.config["max_choices"]:
            raise CommandError(
                "too_many_choices",
                _("Choose at most %(n)d options.") % {"n": activity.config["max_choices"]},
            )
        return picked

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        counts = Counter()
        voters = 0
        for choice, n in ballots:
            voters += n
            for i in choice:
                counts[i] += n
        return self._counts(activity, counts, voters)


class Scale(PollKind):
    name = "scale"
    label = gettext_lazy("Scale")
    config_form = forms.ScaleForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        low = int_setting(raw, "min", 1, -10, 10)
        high = int_setting(raw, "max", 5, -10, 20)
        if not low < high <= low + 20:
            raise ValidationError({"max": _("The top of the scale must be above the bottom.")})
        labels = {}
        for name in ("min_label", "max_label"):
            text = " ".join(str(raw.get(name) or "").split())
            if len(text) > 60:
                raise ValidationError({name: _("Keep the label under 60 characters.")})
            labels[name] = text
        return {"min": low, "max": high, **labels, **clean_by_group(raw)}

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return dict(activity.config)

    def texts(self, activity: Activity) -> list[str]:
        ends = (activity.config.get("min_label"), activity.config.get("max_label"))
        return [text for text in ends if text]

    def clean_choice(self, activity: Activity, data: Any) -> int:
        if not is_int(data) or not activity.config["min"] <= data <= activity.config["max"]:
            raise CommandError(
                "invalid_choice",
                _("Choose a whole number from %(min)d to %(max)d.") % activity.config,
            )
        return data

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        counts = Counter()
        for choice, n in ballots:
            counts[choice] += n
        low, high = activity.config["min"], activity.config["max"]
        total = sum(counts.values())
        return {
            "total": total,
            "mean": round(sum(v * n for v, n in counts.items()) / total, 2) if total else None,
            "distribution": [
                {
                    "value": v,
                    "count": counts[v],
                    "percent": round(100 * counts[v] / total, 1) if total else 0.0,
                }
                for v in range(low, high + 1)
            ],
        }

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        ends = {activity.config["min"]: "min_label", activity.config["max"]: "max_label"}
        rows = [
            {
                "label": str(row["value"]),
                "value": row["count"],
                "share": row["percent"],
                "detail": activity.config.get(ends.get(row["value"], ""), ""),
            }
            for row in tally["distribution"]
        ]
        if tally["mean"] is not None:
            rows.append({"label": _("Mean"), "value": tally["mean"], "share": None})
        return rows

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.scale_blocks(activity, tally)


class WordCloud(PollKind):
    name = "word_cloud"
    label = gettext_lazy("Word cloud")
    config_form = forms.WordCloudForm
    facilitator_commands = frozenset({"hide_entry", "show_entry"})
    SHOWN = 100

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "max_entries": int_setting(raw, "max_entries", 3, 1, 10),
            "max_length": int_setting(raw, "max_length", 30, 3, 60),
            "hidden": [],
        }

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {
            "max_entries": activity.config["max_entries"],
            "max_length": activity.config["max_length"],
        }

    def clean_choice(self, activity: Activity, data: Any) -> list[str]:
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list) or not data or not all(isinstance(d, str) for d in data):
            raise CommandError("invalid_choice", _("Send one or more short texts."))
        words = []
        for text in data:
            word = normalise_word(text)
            if not word:
                raise CommandError("invalid_choice", _("An entry cannot be empty."))
            if len(word) > activity.config["max_length"]:
                raise CommandError(
                    "too_long",
                    _("Keep each entry under %(n)d characters.")
                    % {"n": activity.config["max_length"]},
                )
            if word not in words:
                words.append(word)
        if len(words) > activity.config["max_entries"]:
            raise CommandError(
                "too_many_choices",
                _("Send at most %(n)d entries.") % {"n": activity.config["max_entries"]},
            )
        return words

    def moderate(self, *, activity: Activity, action: str, data: Any) -> None:
        services.set_entry_hidden(activity=activity, entry=data, hidden=action == "hide_entry")

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        hidden = set(activity.config.get("hidden", []))
        counts = Counter()
        for words, n in ballots:
            for word in words:
                if word not in hidden:
                    counts[word] += n
        return {
            "total_entries": sum(counts.values()),
            "words": [
                {"text": w, "count": c}
                for w, c in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[: self.SHOWN]
            ],
        }

    def render(self, activity: Activity, choice: Any) -> str:
        return "; ".join(choice)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        # tally() already leaves out the entries the facilitator hid.
        total = tally["total_entries"]
        return [
            {
                "label": w["text"],
                "value": w["count"],
                "share": round(100 * w["count"] / total, 1) if total else None,
            }
            for w in tally["words"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.word_blocks(activity, tally, self.evidence_rows(activity, tally))


def ranking_detail(mean_rank: float | None) -> str:
    """What a ranking's evidence row says besides its Borda score (its value)."""
    if mean_rank is None:
        return _("Borda score (first place scores most)")
    return _("Borda score (first place scores most); mean rank %(rank)s") % {"rank": mean_rank}


class Ranking(OptionsPoll):
    name = "ranking"
    label = gettext_lazy("Ranking")
    config_form = forms.OptionsForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {"options": _clean_options(raw.get("options"), maximum=10), **clean_by_group(raw)}

    def clean_choice(self, activity: Activity, data: Any) -> list[int]:
        n = len(activity.config["options"])
        if (
            not isinstance(data, list)
            or not all(is_int(v) for v in data)
            or sorted(data) != list(range(n))
        ):
            raise CommandError("invalid_choice", _("Put every option in order, each once."))
        return data

    def figures(self, activity: Activity, ballots: list[tuple[Any, int]]) -> dict[str, Any]:
        options = activity.config["options"]
        n = len(options)
        rank_sum = [0] * n
        borda = [0] * n
        total = 0
        for order, count in ballots:
            total += count
            for rank, option in enumerate(order):
                rank_sum[option] += (rank + 1) * count
                borda[option] += (n - 1 - rank) * count
        rows = [
            {
                "label": label,
                "mean_rank": round(rank_sum[i] / total, 2) if total else None,
                "borda": borda[i],
            }
            for i, label in enumerate(options)
        ]
        rows.sort(key=lambda r: (-r["borda"], r["label"]))
        return {"total": total, "options": rows}

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "label": row["label"],
                "value": row["borda"],
                "share": None,
                "detail": ranking_detail(row["mean_rank"]),
            }
            for row in tally["options"]
        ]

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.ranking_blocks(activity, tally, self.evidence_rows(activity, tally))


POLL_KINDS = [SingleChoice(), MultipleChoice(), Scale(), WordCloud(), Ranking()]
