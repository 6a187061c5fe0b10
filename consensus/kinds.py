"""The consensus-statements activity kind ("Common ground"): a thin adapter from the
kind interface to this app's services and selectors (docs/protocol.md describes the
commands and shapes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.kinds import ActivityKind, CommandError, Role
from sessions.models import Activity, Participant

from . import selectors, services
from .forms import ConsensusConfigForm
from .models import Answer, Statement


class ConsensusKind(ActivityKind):
    name = "consensus"
    label = gettext_lazy("Common ground (agree / disagree statements)")
    participant_commands = frozenset({"answer", "submit"})
    facilitator_commands = services.MODERATION_ACTIONS
    export_columns = selectors.EXPORT_COLUMNS
    script = "consensus/consensus.js"
    style = "consensus/consensus.css"
    config_form = ConsensusConfigForm
    takes_statements = True
    promotes_items = True

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        return services.clean_config(raw)

    def tool_links(self, activity: Activity) -> list[tuple[str, str]]:
        from .views import page_url

        return [(_("Common ground"), page_url(activity))]

    def created(self, *, activity: Activity) -> None:
        services.create_seed_statements(activity=activity)

    def public_config(self, activity: Activity) -> dict[str, Any]:
        return {name: services.setting(activity, name) for name in services.SETTINGS} | {
            "group_labels": selectors.group_labels()
        }

    def apply(
        self, *, activity: Activity, participant: Participant, action: str, data: Any
    ) -> dict[str, Any]:
        if action == "answer":
            services.answer(activity=activity, participant=participant, data=data)
        elif action == "submit":
            services.submit(activity=activity, participant=participant, data=data)
        else:
            raise CommandError("unknown_action", _("This activity has no such action."))
        return {
            "activity": activity.pk,
            "ballot": selectors.participant_state(activity, participant),
        }

    def moderate(self, *, activity: Activity, action: str, data: Any) -> None:
        services.moderate(activity=activity, action=action, data=data)

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
        # A consensus statement has no type, horizon or actor: the text is all it takes.
        return services.add_statement(activity=activity, text=text)

    def promotable_items(self, activity: Activity) -> list[dict[str, Any]]:
        """The visible statements (never pending or hidden ones, never who wrote or
        answered them), in order, keyed ``consensus.statement:<id>``, with how many of
        the answers agree; one query."""
        statements = (
            Statement.objects.filter(activity=activity, status=Statement.Status.VISIBLE)
            .annotate(
                answered=Count("answers"),
                agreed=Count("answers", filter=Q(answers__vote=Answer.Vote.AGREE)),
            )
            .order_by("id")
            .values_list("pk", "text", "language", "answered", "agreed")
        )
        return [
            {
                "key": f"consensus.statement:{pk}",
                "text": text,
                "detail": _("%(agree)d of %(n)d answers agree") % {"agree": agreed, "n": answered},
                "language": language,
                "horizon": None,
                "actor": "",
            }
            for pk, text, language, answered, agreed in statements
        ]

    def response_count(self, activity: Activity) -> int:
        return selectors.response_counts([activity])[activity.pk]

    def response_counts(self, activities: list[Activity]) -> dict[int, int]:
        return selectors.response_counts(activities)

    def tally(self, activity: Activity) -> dict[str, Any]:
        return selectors.tally(activity)

    def results_pending(self, activity: Activity) -> bool:
        return selectors.results_pending(activity)

    def role_view(self, activity: Activity, tally: dict[str, Any], role: Role) -> dict[str, Any]:
        return selectors.role_view(tally, role)

    def participant_state(self, activity: Activity, participant: Participant) -> Any:
        return selectors.participant_state(activity, participant)

    def participant_states(
        self, activity: Activity, participants: list[Participant]
    ) -> dict[int, Any]:
        return selectors.participant_states(activity, participants)

    def texts(self, activity: Activity) -> list[str]:
        return selectors.facilitator_texts(activity)

    def item_lists(self, activity: Activity) -> dict[str, Any]:
        return selectors.item_lists(activity)

    def item_views(self, activity: Activity, item: Any) -> dict[str, Any]:
        return selectors.item_views(activity, item)

    def export_rows(self, activity: Activity) -> Iterable[dict[str, Any]]:
        return selectors.export_rows(activity)

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        return selectors.evidence_rows(activity, tally)

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        # Read on demand: the analysis' modules (numpy, scikit-learn) stay out of the
        # room's processes, which load this module.
        from .report_blocks import report_blocks

        return report_blocks(activity, tally)
