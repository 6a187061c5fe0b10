"""The activity-kind registry.

Each kind of activity is one small class registered here from its app's
``AppConfig.ready()``, with its settings form, its browser script and its style sheet.
The room, the services, the consumer and the pages only talk to this interface; they
know no specific kind, and the defaults here assume none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import Activity, Participant


class Role(StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    SCREEN = "screen"


@dataclass(frozen=True, slots=True)
class Command:
    """One participant command as the room received it, not yet checked: ``language``
    is the one its refusal is written in."""

    participant: Participant
    activity_id: Any
    action: Any
    data: Any
    key: Any
    language: str


class CommandError(Exception):
    """A command was refused; ``code`` is the protocol's typed error code."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # More fields of the error message (``retry_after_ms`` of ``busy``).
        self.extra = extra


class ActivityKind:
    name: ClassVar[str]
    label: ClassVar[Any]
    # Commands a participant may send to an open activity of this kind.
    participant_commands: ClassVar[frozenset[str]] = frozenset()
    # Moderation commands only a facilitator may send.
    facilitator_commands: ClassVar[frozenset[str]] = frozenset()
    # What participants see of the results when the creator does not choose (an
    # ``Activity.Visibility`` value): live, for kinds whose content is the result.
    default_results_visibility: ClassVar[str] = "live"

    def clean_config(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate a facilitator's settings; raise django ValidationError."""
        return {}

    def public_config(self, activity: Activity) -> dict[str, Any]:
        """What every role may see of the settings."""
        return {}

    def apply(
        self, *, activity: Activity, participant: Participant, action: str, data: Any
    ) -> dict[str, Any]:
        """Carry out a participant command inside the caller's transaction."""
        raise CommandError(
            "unknown_action", _("Unknown action %(action)s.") % {"action": repr(action)}
        )

    # Participant commands this kind can carry out many at a time (``apply_batch``):
    # a room's votes arriving within a few milliseconds are committed together.
    batch_commands: ClassVar[frozenset[str]] = frozenset()

    def apply_batch(
        self, *, activity: Activity, commands: list[Command]
    ) -> list[dict[str, Any] | Exception]:
        """Carry out ``commands`` (actions in ``batch_commands``, each of a different
        participant, checked as ``apply``'s) inside the caller's transaction in a few
        statements, not a few per command: each one's result or refusal (a
        CommandError or a ValidationError), in order. A refusal leaves no effect
        (refuse before writing); any other exception fails the batch, whose commands
        are then carried out one at a time.

        Unlike ``apply``, the effect of a command whose key another process stored at
        the same instant is kept: a resend carries the same command, so the effect is
        the one already there."""
        raise NotImplementedError

    def moderate(self, *, activity: Activity, action: str, data: Any) -> None:
        """Carry out a facilitator moderation command inside the caller's transaction."""
        raise CommandError(
            "unknown_action", _("Unknown action %(action)s.") % {"action": repr(action)}
        )

    # -- capabilities other kinds may use without importing this kind's app

    # Whether add_statement() takes statements (vision voting does; an idea board
    # promotes its notes into one through this, knowing no poll module).
    takes_statements: ClassVar[bool] = False

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
        """Add a statement to ``activity`` (a draft of a kind that takes statements) and
        broadcast the room after the commit; the statement as stored."""
        raise CommandError("invalid_target", _("That activity does not take statements."))

    # Whether promotable_items() may offer anything: pages above the room list only the
    # activities of kinds that do (``promoting_kinds()``), without asking each one.
    promotes_items: ClassVar[bool] = False

    def promotable_items(self, activity: Activity) -> list[dict[str, Any]]:
        """The activity's contributions that may be copied into a catalogue outside the
        room (the knowledge repository's actions), in the order to list them::

            [{"key": str,        # stable, unique across kinds, at most 100 characters,
                                 # e.g. "<app>.note:<id>"; the catalogue stores it so an
                                 # item is copied once
              "text": str,       # the contribution as written
              "detail": str,     # where it stands, its figures (one line)
              "language": str,   # optional: the code it was written in ("" unknown)
              "horizon": int | None,  # optional: a horizon it names (2030, 2040, 2050)
              "actor": str}]     # optional: a people.vocabularies.StakeholderGroup
                                 # value it names ("" none)

        Only what anyone may read (as ``evidence_rows``): no hidden, merged, pending or
        unapproved entry, nothing of a private board before its reveal, and never a
        participant's name. A few queries, never one per item. The default: none."""
        return []

    def texts(self, activity: Activity) -> list[str]:
        """The texts of the settings people read that the organiser wrote (options,
        column names, statements), in order: what a translation of the activity
        translates besides its title (``Activity.texts_in_<language>``). The default:
        none."""
        return []

    def tool_links(self, activity: Activity) -> list[tuple[str, str]]:
        """Pages of this kind's own for the session's facilitators, as ``(label, url)``,
        listed on the activity's console card. The default: none."""
        return []

    def created(self, *, activity: Activity) -> None:
        """Called once inside the transaction that adds ``activity`` to an agenda, after
        its row is saved: a kind whose settings name rows of its own (first statements)
        creates them here. The default: nothing."""

    def results_pending(self, activity: Activity) -> bool:
        """Whether a newer result is being computed in the background (an analysis
        task is queued). The room then sends the tally again a moment later
        (``LIVE_ROOM["RECHECK_MS"]``) until it is not, so the result reaches the room
        even where the worker cannot reach the room's channel layer. The default: no."""
        return False

    def response_count(self, activity: Activity) -> int:
        return 0

    def response_counts(self, activities: list[Activity]) -> dict[int, int]:
        """Responses per activity for several activities of this kind (list pages)."""
        return {a.pk: self.response_count(a) for a in activities}

    def tally(self, activity: Activity) -> dict[str, Any]:
        """The full current result: small enough to broadcast as a whole."""
        return {}

    def participant_state(self, activity: Activity, participant: Participant) -> Any:
        """This participant's own input (their ballot), or None."""
        return None

    def participant_states(
        self, activity: Activity, participants: list[Participant]
    ) -> dict[int, Any]:
        """``participant_state`` of each of ``participants`` (participant id -> state,
        None for those without input): many participants joining at once (a reconnect
        storm's hellos, sessions/joining.py). This default asks one at a time; a kind
        whose state is one row per participant reads them all in one query."""
        return {p.pk: self.participant_state(activity, p) for p in participants}

    # -- items: kinds whose content is a growing list (board notes, questions) send the
    # whole list only in snapshots and room events, and each change as one small
    # ``item`` event; tally() then stays small (counts, votes) and is coalesced.

    def item_lists(self, activity: Activity) -> dict[str, Any] | None:
        """Every item of the activity as each role (``Role`` value) may see it, or None
        for kinds without items. Shown as ``items`` in the activity's room view."""
        return None

    def item_views(self, activity: Activity, item: Any) -> dict[str, Any]:
        """One changed item (as passed to ``services.publish_item``) per role value;
        None for a role that may not see it. Read inside the stamping transaction."""
        raise NotImplementedError

    def item_views_many(self, activity: Activity, items: list[Any]) -> list[dict[str, Any]]:
        """``item_views`` of several changes of one tick, in order; a kind may read them
        in one query."""
        return [self.item_views(activity, item) for item in items]

    def role_view(self, activity: Activity, tally: dict[str, Any], role: Role) -> dict[str, Any]:
        """What ``role`` may see of a visible ``tally`` (which is the facilitator's view:
        a kind with hidden or private items leaves them out for other roles here)."""
        return tally

    # Columns of export_rows() after the respondent's profile, in order.
    export_columns: ClassVar[tuple[str, ...]] = ()

    def export_rows(self, activity: Activity) -> Iterable[dict[str, Any]]:
        """One row per response: ``participant`` (a Participant, or None for an
        anonymous contribution, whose row then gets no profile column at all) and the
        export_columns, without the respondent's profile (added by the caller)."""
        return []

    def evidence_rows(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        """The result as a list of figures anyone may read, to attach to a consultation
        section as evidence and to show on the public results page:
        ``[{"label": str, "value": str | number, "share": percent | None, "detail": str}]``,
        most telling first. ``tally`` is the facilitator's (``tally()``): leave out
        whatever participants may not see (hidden or unapproved entries) and every
        participant's name. The default: none."""
        return []

    def report_blocks(self, activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
        """The activity's content for a report (the workshop report), as a list of
        blocks, in the order to show them. Read under the report's language (callers
        wrap the call in ``translation.override``); ``tally`` is the facilitator's
        (``tally()``). Each block is one of:

        - ``{"type": "figures", "caption": str, "rows": [{"label": str, "value":
          number | str, "share": float | None, "detail": str}], "chart": bool}``: the
          main result; ``chart`` is True when a bar chart of ``share`` (or of ``value``
          where no row has a share) makes sense; the rows are the chart's data table.
        - ``{"type": "table", "caption": str, "head": [str, ...], "rows": [[str |
          number | None, ...], ...], "note": str}``: e.g. results per stakeholder
          group; a None cell prints as a dash.
        - ``{"type": "list", "caption": str, "items": [{"text": str, "detail": str}],
          "empty": str}``: e.g. a board cluster's top notes, answered questions;
          ``empty`` is said when there are no items.

        What anyone the report is shared with may read (DESIGN.md, "Personal data"):
        never a participant's name or anything linking an anonymous contribution to its
        author; a stakeholder group's figures from fewer than 5 respondents are left out
        (None cells, said in the table's ``note``); hidden, pending or unapproved entries
        never appear. A few queries per activity, never one per row. The default: one
        "figures" block of ``evidence_rows()``, if it has any rows."""
        rows = figure_rows(self.evidence_rows(activity, tally))
        if not rows:
            return []
        chart = all(is_number(r["value"]) for r in rows)
        return [figures_block(_("Results"), rows, chart=chart)]

    # Static paths of this kind's browser script (registers in window.LiveKinds) and
    # style sheet, if any; loaded on the live pages (participant, console, presenter,
    # projector) of a session whose agenda has an activity of this kind, and by room.js
    # when one is added later.
    script: ClassVar[str | None] = None
    style: ClassVar[str | None] = None
    # Scripts this kind's script uses (code its app shares between its kinds' scripts),
    # loaded before it; each path once on a page, however many kinds name it.
    script_requires: ClassVar[tuple[str, ...]] = ()

    # A django Form class for this kind's settings on the console's "add" form, with
    # a ``config()`` method giving the raw dict for clean_config(). Field names should
    # match the keys clean_config() reports errors under. None: a kind without
    # settings (its config is clean_config({})).
    config_form: ClassVar[Any] = None


def is_number(value: Any) -> bool:
    """An int or a float, and not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def figure_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence-style rows (``evidence_rows``) in the shape of a report's "figures"
    block: every key present, label and detail as text. Shared by the kinds."""
    return [
        {
            "label": str(row["label"]),
            "value": row["value"] if is_number(row["value"]) else str(row["value"]),
            "share": row.get("share"),
            "detail": str(row.get("detail") or ""),
        }
        for row in rows
    ]


def figures_block(caption: Any, rows: list[dict[str, Any]], *, chart: bool) -> dict[str, Any]:
    """A report's "figures" block (``ActivityKind.report_blocks``). Shared by the kinds."""
    return {"type": "figures", "caption": str(caption), "rows": rows, "chart": chart}


def table_block(
    caption: Any, head: list[Any], rows: list[list[Any]], note: Any = ""
) -> dict[str, Any]:
    """A report's "table" block (``ActivityKind.report_blocks``). Shared by the kinds."""
    return {
        "type": "table",
        "caption": str(caption),
        "head": [str(h) for h in head],
        "rows": rows,
        "note": str(note),
    }


def list_block(caption: Any, items: list[dict[str, Any]], empty: Any) -> dict[str, Any]:
    """A report's "list" block (``ActivityKind.report_blocks``): ``items`` of
    ``{"text", "detail"}``. Shared by the kinds."""
    return {
        "type": "list",
        "caption": str(caption),
        "items": [{"text": str(i["text"]), "detail": str(i.get("detail") or "")} for i in items],
        "empty": str(empty),
    }


_registry: dict[str, ActivityKind] = {}


def int_setting(raw: dict, name: str, default: int, low: int, high: int) -> int:
    """A whole-number setting of an activity from ``low`` to ``high`` (``default`` when
    missing or blank); a ValidationError under ``name`` otherwise. Shared by the kinds."""
    value = raw.get(name, default)
    if value in (None, ""):
        return default
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValidationError({name: _("Enter a whole number.")})
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: _("Enter a whole number.")}) from None
    if not low <= value <= high:
        raise ValidationError(
            {name: _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}}
        )
    return value


def bool_setting(raw: dict, name: str, default: bool) -> bool:
    """A yes/no setting of an activity (``default`` when missing); a ValidationError
    under ``name`` for anything but true or false. Shared by the kinds."""
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError({name: _("Choose yes or no.")})
    return value


def register(kind: ActivityKind) -> ActivityKind:
    if kind.name in _registry:
        raise ValueError(f"activity kind {kind.name!r} registered twice")
    _registry[kind.name] = kind
    return kind


def get_kind(name: str) -> ActivityKind:
    try:
        return _registry[name]
    except KeyError:
        raise CommandError(
            "unknown_kind", _("Unknown activity kind %(name)s.") % {"name": repr(name)}
        ) from None


def kind_choices() -> list[tuple[str, Any]]:
    return [(k.name, k.label) for k in _registry.values()]


def promoting_kinds() -> list[str]:
    """Names of the registered kinds whose activities offer items to promote
    (``ActivityKind.promotes_items``), in registration order."""
    return [k.name for k in _registry.values() if k.promotes_items]


def _selected(kinds: Iterable[str] | None) -> list[ActivityKind]:
    """The registered kinds named in ``kinds`` (every one when None), in registration
    order; names of no registered kind are left out."""
    if kinds is None:
        return list(_registry.values())
    wanted = set(kinds)
    return [kind for name, kind in _registry.items() if name in wanted]


def kind_scripts(*, kinds: Iterable[str] | None = None) -> list[str]:
    """Static paths of the browser scripts of ``kinds`` (kind names; None: every
    registered kind), each once, in registration order, with the scripts a kind's
    script requires before it."""
    paths: list[str] = []
    for kind in _selected(kinds):
        if kind.script:
            paths.extend((*kind.script_requires, kind.script))
    return list(dict.fromkeys(paths))


def kind_styles(*, kinds: Iterable[str] | None = None) -> list[str]:
    """Static paths of the style sheets of ``kinds`` (kind names; None: every registered
    kind), each once, in registration order."""
    return list(dict.fromkeys(k.style for k in _selected(kinds) if k.style))
