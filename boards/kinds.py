"""The idea-board activity kind: participants post short notes into columns, the
facilitator moderates, clusters, runs an upvote round and promotes notes to
statements of a vision-voting activity.

Commands (``data`` is an object unless said otherwise; docs/protocol.md, "Idea board"):

participants (``act``)        post {"column", "text"} · edit {"note", "text"} ·
                              delete {"note"} · upvote {"note"} · unvote {"note"}
facilitator (``moderate``)    hide / show {"note"} · edit_note {"note", "text"} ·
                              merge {"note", "into"} · create_cluster {"name"} ·
                              rename_cluster {"cluster", "name"} ·
                              delete_cluster {"cluster"} ·
                              assign {"note", "cluster": id or null} · unassign {"note"} ·
                              lock · unlock · reveal (data: null/true, or false) ·
                              start_voting {"budget": 1-20} (or null: the last
                              budget) · stop_voting ·
                              promote {"note" or "cluster", "target", "type",
                              "horizon", "actor"}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from people.text import storable_text
from sessions.kinds import ActivityKind, CommandError, Role, int_setting
from sessions.models import Activity, Participant

from . import forms, selectors, services
from . import report_blocks as report
from .models import Cluster

MODES = ("open", "private")


def clean_columns(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple) or not all(storable_text(c) for c in raw):
        raise ValidationError({"columns": _("Give the columns as text, one per line.")})
    columns = [" ".join(c.split()) for c in raw]
    columns = [c for c in columns if c]
    if not 1 <= len(columns) <= forms.MAX_COLUMNS:
        raise ValidationError(
            {"columns": _("Give between 1 and %(n)d columns.") % {"n": forms.MAX_COLUMNS}}
        )
    if any(len(c) > forms.MAX_COLUMN_LENGTH for c in columns):
        raise ValidationError(
            {
                "columns": _("Keep each column name under %(n)d characters.")
                % {"n": forms.MAX_COLUMN_LENGTH}
            }
        )
    if len({c.casefold() for c in columns}) != len(columns):
        raise ValidationError({"columns": _("Each column must have a different name.")})
    return columns


class IdeaBoard(ActivityKind):
    name = "idea_board"
    label = gettext_lazy("Idea board")
    participant_commands = frozenset({"post", "edit", "delete", "upvote", "unvote"})
    facilitator_commands = frozenset(
        {
            "hide",
            "show",
            "edit_note",
            "merge",
            "create_cluster",
            "rename_cluster",
            "delete_cluster",
            "assign",
            "unassign",
            "lock",
            "unlock",
            "reveal",
            "start_voting",
            "stop_voting",
            "promote",
        }
    )
    export_columns = (
        "note_id",
        "column",
        "note",
        "language",
        "cluster",
        "upvotes",
        "hidden",
        "merged_into",
        "created_at",
        "updated_at",
    )
    script = "boards/board.js"
    style = "boards/board.css"
    config_form = forms.BoardForm
    promotes_items = True

    # -- settings

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ValidationError(_("Give the settings as a dictionary."))
        errors: dict[str, list] = {}
        config: dict[str, Any] = {}
        checks = [
            ("columns", lambda: clean_columns(raw.get("columns"))),
            ("mode", lambda: self._mode(raw.get("mode"))),
            (
                "max_length",
                lambda: int_setting(
                    raw,
                    "max_length",
                    forms.DEFAULT_MAX_LENGTH,
                    forms.MIN_MAX_LENGTH,
                    forms.MAX_MAX_LENGTH,
                ),
            ),
            (
                "max_notes",
                lambda: int_setting(
                    raw, "max_notes", forms.DEFAULT_MAX_NOTES, 1, forms.MAX_MAX_NOTES
                ),
            ),
        ]
        for name, check in checks:
            try:
                config[name] = check()
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        return {**config, "state": dict(selectors.DEFAULT_STATE)}

    @staticmethod
    def _mode(value: Any) -> str:
        if value in (None, ""):
            return "open"
        if value not in MODES:
            raise ValidationError({"mode": _("Choose open or private.")})
        return value

    def public_config(self, activity: Activity) -> dict[str, Any]:
        config = activity.config
        return {
            "columns": config["columns"],
            "mode": config["mode"],
            "max_length": config["max_length"],
            "max_notes": config["max_notes"],
            "state": selectors.board_state(activity),
        }

    def texts(self, activity: Activity) -> list[str]:
        return list(activity.config["columns"])

    # -- commands

    def apply(
        self, *, activity: Activity, participant: Participant, action: str, data: Any
    ) -> dict[str, Any]:
        data = services.command_fields(data)
        common = {"activity": activity, "participant": participant}
        standing = None  # what post and upvote read already
        if action == "post":
            standing = services.post_note(
                **common, column=data.get("column"), text=data.get("text")
            )
        elif action == "edit":
            services.edit_note(**common, note=data.get("note"), text=data.get("text"))
        elif action == "delete":
            services.delete_note(**common, note=data.get("note"))
        elif action == "upvote":
            standing = services.upvote(**common, note=data.get("note"))
        elif action == "unvote":
            services.unvote(**common, note=data.get("note"))
        else:
            raise CommandError("unknown_action", _("This activity has no such action."))
        if standing is None:
            state = selectors.participant_state(activity, participant)
        else:
            state = selectors.state_view(activity, standing)
        return {"activity": activity.pk, "ballot": state}

    def moderate(self, *, activity: Activity, action: str, data: Any) -> None:
        if action == "lock":
            services.set_locked(activity=activity, locked=True)
        elif action == "unlock":
            services.set_locked(activity=activity, locked=False)
        elif action == "reveal":
            if data is not None and not isinstance(data, bool):
                raise CommandError("invalid_value", _("Send true to reveal, false to hide."))
            services.set_revealed(activity=activity, revealed=data is not False)
        elif action == "stop_voting":
            services.stop_voting(activity=activity)
        elif action == "start_voting" and data is None:  # the budget set last time
            services.start_voting(
                activity=activity, budget=selectors.board_state(activity)["budget"]
            )
        else:
            self._moderate_item(activity, action, services.command_fields(data))

    def _moderate_item(self, activity: Activity, action: str, data: dict[str, Any]) -> None:
        note = data.get("note")
        if action in ("hide", "show"):
            services.set_hidden(activity=activity, note=note, hidden=action == "hide")
        elif action == "edit_note":
            services.moderate_text(activity=activity, note=note, text=data.get("text"))
        elif action == "merge":
            services.merge_notes(activity=activity, note=note, into=data.get("into"))
        elif action == "create_cluster":
            services.create_cluster(activity=activity, name=data.get("name"))
        elif action == "rename_cluster":
            services.rename_cluster(
                activity=activity, cluster=data.get("cluster"), name=data.get("name")
            )
        elif action == "delete_cluster":
            services.delete_cluster(activity=activity, cluster=data.get("cluster"))
        elif action == "assign":
            services.assign_note(activity=activity, note=note, cluster=data.get("cluster"))
        elif action == "unassign":
            services.assign_note(activity=activity, note=note, cluster=None)
        elif action == "start_voting":
            budget = data.get("budget", selectors.board_state(activity)["budget"])
            services.start_voting(activity=activity, budget=budget)
        elif action == "promote":
            services.promote(
                activity=activity,
                target=data.get("target"),
                note=note,
                cluster=data.get("cluster"),
                statement_type=data.get("type", "vision"),
                horizon=data.get("horizon"),
                actor=data.get("actor"),
            )
        else:
            raise CommandError("unknown_action", _("This activity has no such action."))

    # -- reads

    def response_count(self, activity: Activity) -> int:
        return selectors.visible_notes(activity).count()

    def response_counts(self, activities: list[Activity]) -> dict[int, int]:
        return selectors.response_counts(activities)

    def tally(self, activity: Activity) -> dict[str, Any]:
        return selectors.tally(activity)

    def role_view(self, activity: Activity, tally: dict[str, Any], role: Role) -> dict[str, Any]:
        return selectors.role_view(activity, tally, role)

    def participant_state(self, activity: Activity, participant: Participant) -> Any:
        return selectors.participant_state(activity, participant)

    def participant_states(
        self, activity: Activity, participants: list[Participant]
    ) -> dict[int, Any]:
        return selectors.participant_states(activity, participants)

    def item_lists(self, activity: Activity) -> dict[str, Any]:
        return selectors.item_lists(activity)

    def item_views(self, activity: Activity, item: Any) -> dict[str, Any]:
        return selectors.item_views(activity, item)

    def item_views_many(self, activity: Activity, items: list[Any]) -> list[dict[str, Any]]:
        return selectors.item_views_many(activity, items)

    def export_rows(self, activity: Activity) -> Iterable[dict[str, Any]]:
        return selectors.export_rows(activity)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return selectors.evidence_rows(activity)

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.report_blocks(activity, tally)

    def promotable_items(self, activity: Activity) -> list[dict[str, Any]]:
        """The notes anyone may read (as ``evidence_rows``: visible notes, not hidden or
        merged away, of a board participants see), most upvoted first, each keyed
        ``boards.note:<id>``, with its column, cluster and upvotes; never its author."""
        if not selectors.board_visible(activity, Role.PARTICIPANT):
            return []
        columns = activity.config.get("columns", [])
        clusters = dict(Cluster.objects.filter(activity=activity).values_list("pk", "name"))
        notes = (
            selectors.visible_notes(activity)
            .annotate(upvotes=Count("votes"))
            .order_by("-upvotes", "id")
            .values_list("pk", "text", "language", "column", "cluster_id", "upvotes")
        )
        items = []
        for pk, text, language, column, cluster, upvotes in notes:
            where = [columns[column] if column < len(columns) else str(column)]
            if cluster in clusters:
                where.append(clusters[cluster])
            where.append(ngettext("%(n)d upvote", "%(n)d upvotes", upvotes) % {"n": upvotes})
            items.append(
                {
                    "key": f"boards.note:{pk}",
                    "text": text,
                    "detail": " · ".join(where),
                    "language": language,
                    "horizon": None,
                    "actor": "",
                }
            )
        return items
