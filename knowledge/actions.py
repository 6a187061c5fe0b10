"""The action catalogue (docs/knowledge.md, "The action catalogue"): actions still needed
on unresolved challenges, each filed under a case, an impact issue or both, with the
stakeholder group who should take it and a horizon (2030, 2040, 2050). The managers
write them, or promote a workshop's contribution (a board note, a statement) into the
catalogue.

Writes (``create_action``, ``update_action``, ``delete_action``, ``promote_item``) are
keyword-only and all or nothing: bad input raises ``ValidationError`` with a message per
field (``text``, ``horizon``, ``actor``, ``case``, ``issue``, ``key``) and nothing is
saved; anyone but a manager gets ``PermissionDenied``.

Which cases take actions: accepted cases and cases under review (proposed, changes
requested), so an action can be written while its case is reviewed; a declined case
takes none. The public catalogue, the case page and the issue page show an action only
when it has no case or its case is accepted.

Which issues an action is about: the issue it is filed under; an action filed under a
case only is about every issue its case is mapped to. The catalogue's area and issue
filters and the issue page use that rule.

Promotion knows no activity kind: it asks the activity's kind for its items
(``sessions.kinds.ActivityKind.promotable_items``) and stores the item's ``key`` as the
action's ``source_key``, unique, so an item is promoted once."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from consult.translations import LANGUAGE_CODES, column, current_language
from people.text import storable_text
from people.vocabularies import StakeholderGroup
from sessions.kinds import get_kind, promoting_kinds
from sessions.models import Activity
from sessions.selectors import can_facilitate

from .models import Case, CaseAction, CaseIssue, ImpactIssue
from .selectors import is_manager
from .services import unsafe_markup
from .vocabularies import Horizon

MAX_TEXT = CaseAction._meta.get_field("text").max_length
MAX_SOURCE = CaseAction._meta.get_field("source").max_length
MAX_KEY = CaseAction._meta.get_field("source_key").max_length
# The public catalogue shows at most this many actions at once (and says so).
MAX_LISTED = 300
# The promotion page offers the newest activities, at most this many.
MAX_ACTIVITIES = 50
# Case statuses an action may be filed under.
OPEN_STATUSES = (Case.Status.ACCEPTED, Case.Status.PROPOSED, Case.Status.CHANGES_REQUESTED)

# What a listed action needs of its case and issue (their long texts are not read).
_CASE_COLUMNS = ("slug", "name", "language", "status",
                 *(column("name", code) for code in LANGUAGE_CODES))  # fmt: skip
_TITLE_COLUMNS = ("title", "language", *(column("title", code) for code in LANGUAGE_CODES))
LISTED_COLUMNS = (
    "id", "case", "issue", "text", "language", "actor", "horizon", "source",
    "source_key", "created_at", *(column("text", code) for code in LANGUAGE_CODES),
    *(f"case__{name}" for name in _CASE_COLUMNS),
    *(f"issue__{name}" for name in ("area", *_TITLE_COLUMNS)),
    *(f"issue__area__{name}" for name in _TITLE_COLUMNS),
)  # fmt: skip


# --------------------------------------------------------------------------- checks


def _require_manager(by: AbstractBaseUser | AnonymousUser | None) -> None:
    if not is_manager(by):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _id(value: Any) -> int | None:
    """A row's id from an instance, a number or its text; None for nothing; -1 for
    anything that is not an id (so it is reported as missing)."""
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return -1
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return -1
    return number if number > 0 else -1


def _clean_text(errors, text: Any) -> str:
    if text is None:
        text = ""
    if not isinstance(text, str) or not storable_text(text):
        _add(errors, "text", _("Write the action as text."))
        return ""
    text = " ".join(text.split())
    if not text:
        _add(errors, "text", _("Write the action."))
    elif len(text) > MAX_TEXT:
        _add(
            errors,
            "text",
            _("Keep the action under %(n)d characters (it has %(length)d).")
            % {"n": MAX_TEXT, "length": len(text)},
        )
    elif unsafe_markup(text):
        _add(errors, "text", _("Write plain text: remove the HTML tags, scripts and links."))
    return text


def _clean_horizon(errors, horizon: Any) -> int | None:
    try:
        value = int(str(horizon).strip()) if not isinstance(horizon, bool) else None
    except (TypeError, ValueError):
        value = None
    if value not in Horizon.values:
        _add(errors, "horizon", _("Choose a horizon: 2030, 2040 or 2050."))
        return None
    return value


def _clean_actor(errors, actor: Any) -> str:
    actor = "" if actor is None else actor
    if not isinstance(actor, str) or actor not in StakeholderGroup.values:
        _add(errors, "actor", _("Choose who should act from the list."))
        return ""
    return actor


def _clean_target(errors, case: Any, issue: Any) -> tuple[Case | None, ImpactIssue | None]:
    case_id, issue_id = _id(case), _id(issue)
    found_case = found_issue = None
    if case_id is not None:
        found_case = Case.objects.filter(pk=case_id).only("id", "status", "name").first()
        if found_case is None:
            _add(errors, "case", _("That case does not exist."))
        elif found_case.status not in OPEN_STATUSES:
            _add(
                errors,
                "case",
                _(
                    "That case was declined: file actions under accepted cases or cases "
                    "under review."
                ),
            )
    if issue_id is not None:
        found_issue = ImpactIssue.objects.filter(pk=issue_id).only("id").first()
        if found_issue is None:
            _add(errors, "issue", _("That impact issue does not exist."))
    if case_id is None and issue_id is None:
        _add(errors, "case", _("File the action under a case, an impact issue or both."))
    return found_case, found_issue


def _clean(*, text: Any, horizon: Any, actor: Any, case: Any, issue: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = {
        "text": _clean_text(errors, text),
        "horizon": _clean_horizon(errors, horizon),
        "actor": _clean_actor(errors, actor),
    }
    cleaned["case"], cleaned["issue"] = _clean_target(errors, case, issue)
    if errors:
        raise ValidationError(errors)
    return cleaned


# --------------------------------------------------------------------------- writes


def create_action(
    *,
    by: AbstractBaseUser,
    text: str,
    horizon: int | str,
    actor: str = "",
    case: Case | int | str | None = None,
    issue: ImpactIssue | int | str | None = None,
    language: str = "",
) -> CaseAction:
    """A manager writes an action (in ``language``, else their interface language)."""
    _require_manager(by)
    cleaned = _clean(text=text, horizon=horizon, actor=actor, case=case, issue=issue)
    return CaseAction.objects.create(
        **cleaned,
        language=language if language in LANGUAGE_CODES else current_language(),
        created_by=by,
    )


def update_action(
    *,
    action: CaseAction,
    by: AbstractBaseUser,
    text: str,
    horizon: int | str,
    actor: str = "",
    case: Case | int | str | None = None,
    issue: ImpactIssue | int | str | None = None,
) -> CaseAction:
    """A manager changes an action. A changed text drops its translations (they
    translated the old one); where it came from (``source``, ``source_key``) stays."""
    _require_manager(by)
    cleaned = _clean(text=text, horizon=horizon, actor=actor, case=case, issue=issue)
    with transaction.atomic():
        action = CaseAction.objects.select_for_update().get(pk=action.pk)
        if cleaned["text"] != action.text:
            for code in LANGUAGE_CODES:
                setattr(action, column("text", code), "")
        for name, value in cleaned.items():
            setattr(action, name, value)
        action.save()
    return action


def delete_action(*, action: CaseAction, by: AbstractBaseUser) -> None:
    """A manager deletes an action (a promoted item may then be promoted again)."""
    _require_manager(by)
    CaseAction.objects.filter(pk=action.pk).delete()


def activity_source(activity: Activity) -> str:
    """Where a promoted item comes from, in words: "Event · Session · Activity"."""
    session = activity.session
    words = " · ".join((session.event.title, session.title, activity.title))
    return words if len(words) <= MAX_SOURCE else words[: MAX_SOURCE - 1] + "…"


def _already() -> ValidationError:
    return ValidationError(
        {"key": [_("This contribution is already in the catalogue.")]}, code="promoted"
    )


def promote_item(
    *,
    activity: Activity,
    key: str,
    by: AbstractBaseUser,
    case: Case | int | str | None = None,
    issue: ImpactIssue | int | str | None = None,
    actor: str,
    horizon: int | str,
    text: str | None = None,
) -> CaseAction:
    """Copy one of ``activity``'s promotable items (``key``) into the catalogue: by a
    manager who also facilitates the activity's session. ``text`` (None: the item's
    own) lets the manager shorten or edit it; the action records where it came from
    ("Event · Session · Activity") and the item's key, so the item is promoted once."""
    _require_manager(by)
    activity = Activity.objects.select_related("session__event").get(pk=activity.pk)
    if not can_facilitate(by, activity.session):
        raise PermissionDenied(_("Only this session's facilitators can promote its contributions."))
    item = None
    if isinstance(key, str) and 0 < len(key) <= MAX_KEY:
        item = next(
            (i for i in get_kind(activity.kind).promotable_items(activity) if i["key"] == key),
            None,
        )
    if item is None:
        raise ValidationError(
            {
                "key": [
                    _(
                        "That contribution is not one this activity offers to promote "
                        "(it may have been hidden, merged or removed)."
                    )
                ]
            },
            code="unknown_item",
        )
    if CaseAction.objects.filter(source_key=key).exists():
        raise _already()
    cleaned = _clean(
        text=item["text"] if text is None else text,
        horizon=horizon,
        actor=actor,
        case=case,
        issue=issue,
    )
    language = item.get("language") or ""
    try:
        with transaction.atomic():
            return CaseAction.objects.create(
                **cleaned,
                language=language if language in LANGUAGE_CODES else current_language(),
                source=activity_source(activity),
                source_key=key,
                created_by=by,
            )
    except IntegrityError:  # promoted by someone else a moment ago
        raise _already() from None


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class ActionFilters:
    """What narrows the catalogue (None: any)."""

    horizon: int | None = None
    actor: str | None = None
    area: int | None = None
    issue: int | None = None
    case: int | None = None


def public_actions() -> QuerySet[CaseAction]:
    """The actions anyone may read: those without a case or of an accepted case."""
    return CaseAction.objects.filter(Q(case__isnull=True) | Q(case__status=Case.Status.ACCEPTED))


def _about(*, issue: int | None = None, area: int | None = None) -> Q:
    """Actions about an issue (or any issue of an area): filed under it, or filed under
    a case only, whose case is mapped to it."""
    own = Q(issue_id=issue) if issue is not None else Q(issue__area_id=area)
    mappings = CaseIssue.objects.filter(case_id=OuterRef("case_id"))
    mappings = (
        mappings.filter(issue_id=issue)
        if issue is not None
        else mappings.filter(issue__area_id=area)
    )
    return own | Q(issue__isnull=True, case__isnull=False) & Q(Exists(mappings))


def filter_actions(actions: QuerySet[CaseAction], filters: ActionFilters) -> QuerySet[CaseAction]:
    if filters.horizon is not None:
        actions = actions.filter(horizon=filters.horizon)
    if filters.actor is not None:
        actions = actions.filter(actor=filters.actor)
    if filters.case is not None:
        actions = actions.filter(case_id=filters.case)
    if filters.issue is not None:
        actions = actions.filter(_about(issue=filters.issue))
    if filters.area is not None:
        actions = actions.filter(_about(area=filters.area))
    return actions


def listed(actions: QuerySet[CaseAction]) -> QuerySet[CaseAction]:
    """``actions`` with their case, issue and area read in the same query (only the
    columns a list shows), by horizon then as written."""
    return (
        actions.select_related("case", "issue__area")
        .only(*LISTED_COLUMNS)
        .order_by("horizon", "id")
    )


@dataclass
class Catalogue:
    """The catalogue as a page shows it: ``groups`` of (horizon, actions), at most
    ``MAX_LISTED`` actions in all (``more``: some were left out)."""

    groups: list[tuple[int, list[CaseAction]]]
    shown: int
    more: bool


def catalogue(*, filters: ActionFilters | None = None, limit: int | None = None) -> Catalogue:
    """The public catalogue grouped by horizon, at most ``limit`` actions (default
    ``MAX_LISTED``; one query)."""
    filters = filters or ActionFilters()
    limit = MAX_LISTED if limit is None else limit
    rows = list(listed(filter_actions(public_actions(), filters))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    groups: OrderedDict[int, list[CaseAction]] = OrderedDict()
    for action in rows:
        groups.setdefault(action.horizon, []).append(action)
    return Catalogue(groups=list(groups.items()), shown=len(rows), more=more)


def issue_actions(issue: ImpactIssue) -> list[CaseAction]:
    """The public actions about ``issue`` (filed under it, or under a case mapped to
    it), by horizon (one query)."""
    return list(listed(public_actions().filter(_about(issue=issue.pk))))


def managed_actions(*, limit: int | None = None) -> list[CaseAction]:
    """Every action (of cases in any status) for the managers' list, newest first, at
    most ``limit`` (default ``MAX_LISTED``)."""
    limit = MAX_LISTED if limit is None else limit
    return list(listed(CaseAction.objects.all()).order_by("-created_at", "-id")[:limit])


def promotion_activities(*, user: AbstractBaseUser, limit: int = MAX_ACTIVITIES) -> list[Activity]:
    """The activities whose items ``user`` may promote: of sessions they facilitate
    (events they own; every event for a superuser), of a kind that offers items, newest
    first, at most ``limit``."""
    activities = Activity.objects.filter(kind__in=promoting_kinds())
    if not user.is_superuser:
        activities = activities.filter(session__event__owner=user)
    return list(
        activities.select_related("session__event")
        .only(
            "id",
            "kind",
            "title",
            "created_at",
            "session",
            "session__title",
            "session__event",
            "session__event__title",
            "session__event__owner",
        )
        .order_by("-created_at", "-id")[:limit]
    )


def promotable(activity: Activity) -> list[dict[str, Any]]:
    """The activity's items (``promotable_items``), each with ``promoted``: the id of
    the action it became, or None."""
    items = get_kind(activity.kind).promotable_items(activity)
    done = dict(
        CaseAction.objects.filter(source_key__in=[item["key"] for item in items]).values_list(
            "source_key", "pk"
        )
    )
    return [{**item, "promoted": done.get(item["key"])} for item in items]
