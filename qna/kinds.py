"""The Q&A activity kind: a thin adapter from the kind interface to the services and
selectors of this app (docs/protocol.md describes the commands and shapes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.kinds import ActivityKind, CommandError, Role
from sessions.models import Activity, Participant

from . import report_blocks as report
from . import selectors, services
from .forms import QnaConfigForm


class QnaKind(ActivityKind):
    name = "qna"
    label = gettext_lazy("Q&A")
    participant_commands = frozenset({"ask", "upvote", "unvote", "withdraw"})
    facilitator_commands = services.MODERATION_ACTIONS
    export_columns = selectors.EXPORT_COLUMNS
    script = "qna/qna.js"
    style = "qna/qna.css"
    config_form = QnaConfigForm

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return services.clean_config(raw)

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {name: services.setting(activity, name) for name in services.SETTINGS} | {
            "on_screen": activity.config.get("on_screen")
        }

    def apply(
        self, *, activity: Activity, participant: Participant, action: str, data: Any
    ) -> dict[str, Any]:
        standing = None  # what ask and upvote read already
        if action == "ask":
            standing = services.ask_question(activity=activity, participant=participant, data=data)
        elif action == "upvote":
            standing = services.upvote(activity=activity, participant=participant, data=data)
        elif action == "unvote":
            services.remove_upvote(activity=activity, participant=participant, data=data)
        elif action == "withdraw":
            services.withdraw_question(activity=activity, participant=participant, data=data)
        else:
            raise CommandError("unknown_action", _("This activity has no such action."))
        if standing is None:
            state = selectors.participant_state(activity, participant)
        else:
            state = selectors.state_view(standing)
        return {"activity": activity.pk, "ballot": state}

    def moderate(self, *, activity: Activity, action: str, data: Any) -> None:
        services.moderate(activity=activity, action=action, data=data)

    def response_count(self, activity: Activity) -> int:
        return selectors.response_counts([activity])[activity.pk]

    def response_counts(self, activities: list[Activity]) -> dict[int, int]:
        return selectors.response_counts(activities)

    def tally(self, activity: Activity) -> dict[str, Any]:
        return selectors.tally(activity)

    def role_view(self, activity: Activity, tally: dict[str, Any], role: Role) -> dict[str, Any]:
        return selectors.role_view(tally, role)

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

    def export_rows(self, activity: Activity) -> Iterable[dict[str, Any]]:
        return selectors.export_rows(activity)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return selectors.evidence_rows(activity)

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return report.report_blocks(activity, tally)
