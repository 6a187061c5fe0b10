"""Themes of a consultation: the comments on one section, the reasons of one validation
round; accepted as statements for voting in a live session.

``section_theme_items`` gives the comments on a section that the public reads (not
deleted, not hidden by a moderator; replies included, also under a hidden comment);
``round_theme_items`` the reasons given in a round (every section of it, each item
labelled with its section's heading), empty reasons left out. Each item counts under
its author's declared stakeholder group (``consult.models.Profile``; none is "not
said"). ``theme_groups`` gives a theme's counts per group, each hidden under
``MIN_GROUP_SIZE`` people unless the viewer organises the process.

``accept_as_statements`` adds the accepted themes' names as statements of a draft
activity that takes statements (vision voting), through the activity kind's
``add_statement``, all or nothing. ``statement_targets`` lists the activities a user
may add them to. ``section_links`` and ``round_links`` put "Find themes" on the
consultation's pages for its moderators and organisers (``register_links``, from
``SynthesisConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consult import extensions
from consult import selectors as consult_selectors
from consult.models import Comment, Consultation, Section, ValidationAnswer, ValidationRound
from polls.statements import HORIZONS, MAX_STATEMENTS, Actor, StatementType
from sessions import selectors as live_selectors
from sessions.kinds import CommandError, get_kind, kind_choices
from sessions.models import Activity, Session

from .text_themes import GroupRow, group_rows
from .themes import Theme, ThemeError, ThemeInput, proposed_themes

User = AbstractBaseUser | AnonymousUser

# The choices the accept form offers; ``add_statement`` checks them again.
STATEMENT_TYPES = StatementType.choices
STATEMENT_HORIZONS = HORIZONS
STATEMENT_ACTORS = Actor.choices
# Activities listed in the accept form (the newest sessions first).
MAX_TARGETS = 100


class ConsultThemesError(ThemeError):
    """Accepting themes was refused; ``message`` says why to a person and ``index``
    names the theme at fault (its place in the list given), if one is. Nothing was
    changed."""

    code = "invalid_themes"

    def __init__(self, message: str, *, index: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.index = index
        if code is not None:
            self.code = code


class UnknownActivityError(ConsultThemesError):
    code = "unknown_activity"


class NoStatementsError(ConsultThemesError):
    code = "invalid_target"


class NotADraftError(ConsultThemesError):
    code = "activity_not_draft"


class SessionEndedError(ConsultThemesError):
    code = "session_closed"


class ThemeNameError(ConsultThemesError):
    code = "invalid_name"


class DuplicateStatementError(ConsultThemesError):
    code = "duplicate"


class TooManyStatementsError(ConsultThemesError):
    code = "too_many"


@dataclass(frozen=True)
class ConsultItems:
    """The texts to group, who gave each (item id -> user id) and what each is about
    (item id -> a section's heading; empty for comments, which are all on one section)."""

    inputs: list[ThemeInput]
    people: dict[str, int]
    context: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- inputs


def section_theme_items(*, section: Section) -> ConsultItems:
    """The section's comments the public reads: not deleted, not hidden (replies too).
    Item id: the comment's id as text."""
    rows = (
        Comment.objects.filter(section=section, deleted_at=None, hidden_at=None)
        .order_by("created_at", "id")
        .values_list("id", "body", "author_id", "author__profile__stakeholder_group", "language")
    )
    inputs, people = [], {}
    for pk, body, author, group, language in rows:
        inputs.append(ThemeInput(id=str(pk), text=body, group=group or "", language=language))
        people[str(pk)] = author
    return ConsultItems(inputs=inputs, people=people)


def round_theme_items(*, round_: ValidationRound) -> ConsultItems:
    """The round's reasons that say something, on every section of it, each labelled
    with its section's heading in the round's version. Item id: the answer's id."""
    headings = {
        text.section_id: text.heading for text in consult_selectors.version_sections(round_.version)
    }
    rows = (
        ValidationAnswer.objects.filter(round=round_)
        .exclude(reason="")
        .order_by("section_id", "id")
        .values_list(
            "id",
            "reason",
            "section_id",
            "user_id",
            "user__profile__stakeholder_group",
            "language",
        )
    )
    inputs, people, context = [], {}, {}
    for pk, reason, section_id, user, group, language in rows:
        if not reason.strip():
            continue
        inputs.append(ThemeInput(id=str(pk), text=reason, group=group or "", language=language))
        people[str(pk)] = user
        context[str(pk)] = headings.get(section_id) or _("Section %(n)d") % {"n": section_id}
    return ConsultItems(inputs=inputs, people=people, context=context)


def propose_consult_themes(*, items: ConsultItems) -> list[Theme]:
    """Themes of the items, largest first, "Other" (if any) last."""
    return proposed_themes(texts=items.inputs, other_label=_("Other"))


def may_find_themes(*, user: User, consultation: Consultation) -> bool:
    """The themes pages are for the process's moderators and organisers."""
    return consult_selectors.is_moderator(user, consultation.process)


def sees_small_groups(*, user: User, consultation: Consultation) -> bool:
    """Only the process's organisers see a group's count under ``MIN_GROUP_SIZE``."""
    return consult_selectors.is_organiser(user, consultation.process)


def theme_groups(*, theme: Theme, items: ConsultItems, organiser: bool) -> list[GroupRow]:
    """A theme's items per stakeholder group; a count given by fewer than
    ``MIN_GROUP_SIZE`` people is hidden (``None``) unless ``organiser``."""
    return group_rows(theme=theme, people=items.people, suppress=not organiser)


# --------------------------------------------------------------------------- statements


def _statement_kinds() -> list[str]:
    return [name for name, _label in kind_choices() if get_kind(name).takes_statements]


def statement_targets(*, user: User) -> list[Activity]:
    """The draft activities that take statements, in the live sessions (not ended)
    ``user`` runs: the accept form's choices, newest sessions first."""
    if not live_selectors.may_run_events(user):
        return []
    sessions = Session.objects.exclude(status=Session.Status.CLOSED)
    if not user.is_superuser:
        sessions = sessions.filter(event__owner=user)
    return list(
        Activity.objects.filter(
            session__in=sessions, status=Activity.Status.DRAFT, kind__in=_statement_kinds()
        )
        .select_related("session__event")
        .order_by("-session__created_at", "session_id", "position", "id")[:MAX_TARGETS]
    )


def _target(*, user: User, activity_id: Any) -> Activity:
    """The activity named by the form, locked; refused unless ``user`` runs its session
    and it is a draft that takes statements."""
    raw = str(activity_id or "").strip()
    if not raw.isdigit() or len(raw) > 10:
        raise UnknownActivityError(_("Choose the activity to add the statements to."))
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("session__event")
        .filter(pk=int(raw))
        .first()
    )
    if activity is None or not live_selectors.can_facilitate(user, activity.session):
        raise UnknownActivityError(
            _("Choose one of the activities listed: that one is not in a session you run.")
        )
    if activity.session.status == Session.Status.CLOSED:
        raise SessionEndedError(_("That activity's session has ended."))
    try:
        takes = get_kind(activity.kind).takes_statements
    except CommandError:
        takes = False
    if not takes:
        raise NoStatementsError(_("That activity does not take statements."))
    if activity.status != Activity.Status.DRAFT:
        raise NotADraftError(_("Statements can only be added before voting opens."))
    return activity


def _clean_names(names: Iterable[Any], existing: list[str]) -> list[str]:
    taken = {text.casefold(): None for text in existing}
    cleaned: list[str] = []
    for index, raw in enumerate(names):
        name = " ".join(str(raw or "").split())
        if not name:
            raise ThemeNameError(_("Name this theme."), index=index)
        key = name.casefold()
        if key in taken:
            raise DuplicateStatementError(
                _("“%(name)s” is already a statement of that activity.") % {"name": name}
                if taken[key] is None
                else _("Two themes have this name: rename one of them."),
                index=index,
            )
        taken[key] = index
        cleaned.append(name)
    return cleaned


def accept_as_statements(
    *,
    user: User,
    activity_id: Any,
    names: list[str],
    statement_type: Any = StatementType.VISION,
    horizon: Any = None,
    actor: Any = None,
) -> tuple[Activity, list[dict[str, Any]]]:
    """Add each theme name as a statement of the activity (a draft that takes
    statements, in a live session ``user`` runs), through its kind's ``add_statement``,
    in one transaction: all are added or none. The activity and the statements as
    stored. Raises a ``ConsultThemesError`` when refused (the kind's refusals too)."""
    if not isinstance(names, list) or not names:
        raise ConsultThemesError(_("Tick at least one theme to accept."), code="no_themes")
    horizon = horizon or None
    actor = actor or None
    with transaction.atomic():
        activity = _target(user=user, activity_id=activity_id)
        kind = get_kind(activity.kind)
        texts = getattr(kind, "texts", None)
        existing = list(texts(activity)) if callable(texts) else []
        cleaned = _clean_names(names, existing)
        if len(existing) + len(cleaned) > MAX_STATEMENTS:
            raise TooManyStatementsError(
                _(
                    "An activity has at most %(n)d statements: that one has %(has)d, "
                    "so accept at most %(left)d themes."
                )
                % {
                    "n": MAX_STATEMENTS,
                    "has": len(existing),
                    "left": max(0, MAX_STATEMENTS - len(existing)),
                }
            )
        added = []
        for index, text in enumerate(cleaned):
            try:
                added.append(
                    kind.add_statement(
                        activity=activity,
                        text=text,
                        statement_type=statement_type,
                        horizon=horizon,
                        actor=actor,
                        source=None,
                    )
                )
            except CommandError as exc:  # rolls back the statements added before it
                raise ConsultThemesError(
                    exc.message,
                    index=index if exc.code == "too_long" else None,
                    code=exc.code,
                ) from exc
    return activity, added


# --------------------------------------------------------------------------- links


def section_themes_url(section: Section) -> str:
    consultation = section.consultation
    return reverse(
        "synthesis:section_themes",
        kwargs={
            "process": consultation.process.slug,
            "slug": consultation.slug,
            "section_id": section.pk,
        },
    )


def round_themes_url(round_: ValidationRound) -> str:
    consultation = round_.consultation
    return reverse(
        "synthesis:round_themes",
        kwargs={
            "process": consultation.process.slug,
            "slug": consultation.slug,
            "round_id": round_.pk,
        },
    )


def section_links(*, section: Section, user: User) -> list[tuple[str, str]]:
    """ "Find themes" in a section's comments, for the process's moderators and
    organisers."""
    if not may_find_themes(user=user, consultation=section.consultation):
        return []
    return [(_("Find themes"), section_themes_url(section))]


def round_links(*, round_: ValidationRound, user: User) -> list[tuple[str, str]]:
    """ "Find themes" in a validation round's reasons, for the process's moderators and
    organisers."""
    if not may_find_themes(user=user, consultation=round_.consultation):
        return []
    return [(_("Find themes"), round_themes_url(round_))]


def register_links() -> None:
    """Put the links on consult's section and round-results pages (once)."""
    extensions.add_section_links(section_links)
    extensions.add_round_links(round_links)
