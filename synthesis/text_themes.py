"""Themes of a Q&A's questions and of a word cloud's entries: proposed, read-only.

``propose_qna_themes`` runs the themes engine (``synthesis.themes``) over a Q&A's
questions that everyone sees (approved, not hidden), each counted under its author's
declared stakeholder group ("not said" when the question was asked anonymously).
``propose_word_cloud_themes`` does the same over a word cloud's entries: each word of
each ballot is one item (id ``"<ballot>-<n>"``), entries the facilitator hid are left
out, and each counts under its voter's group. ``group_rows`` gives a theme's counts per
group as the page shows them, hiding a count under ``MIN_GROUP_SIZE`` as elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from polls.breakdown import MIN_GROUP_SIZE, group_label
from polls.models import Ballot
from qna.models import Question
from sessions.models import Activity

from .themes import Theme, ThemeError, ThemeInput, proposed_themes

QNA_KIND = "qna"
WORD_CLOUD_KIND = "word_cloud"
TEXT_KINDS = (QNA_KIND, WORD_CLOUD_KIND)


class TextThemesError(ThemeError):
    code = "invalid_activity"


class NotAQnaError(TextThemesError):
    code = "not_a_qna"


class NotAWordCloudError(TextThemesError):
    code = "not_a_word_cloud"


@dataclass(frozen=True)
class GroupRow:
    label: str
    count: int | None  # None: fewer than MIN_GROUP_SIZE, not shown


def qna_theme_inputs(*, activity: Activity) -> list[ThemeInput]:
    """The Q&A's approved, not hidden questions (id: the question's id as text), each
    with the language it was written in (none for an anonymous question: the asker's
    named questions show theirs)."""
    if activity.kind != QNA_KIND:
        raise NotAQnaError(_("This activity is not a Q&A."))
    rows = (
        Question.objects.filter(activity=activity, status=Question.Status.VISIBLE)
        .order_by("id")
        .values_list("id", "text", "anonymous", "participant__stakeholder_group", "language")
    )
    return [
        ThemeInput(
            id=str(pk),
            text=text,
            group="" if anonymous else (group or ""),
            language="" if anonymous else language,
        )
        for pk, text, anonymous, group, language in rows
    ]


def word_cloud_theme_inputs(*, activity: Activity) -> list[ThemeInput]:
    """The word cloud's entries not hidden, one per word of each ballot."""
    if activity.kind != WORD_CLOUD_KIND:
        raise NotAWordCloudError(_("This activity is not a word cloud."))
    hidden = set(activity.config.get("hidden", []))
    rows = (
        Ballot.objects.filter(activity=activity)
        .order_by("id")
        .values_list("id", "choice", "participant__stakeholder_group")
    )
    return [
        ThemeInput(id=f"{pk}-{n}", text=word, group=group or "")
        for pk, words, group in rows
        for n, word in enumerate(words if isinstance(words, list) else [])
        if isinstance(word, str) and word not in hidden
    ]


def propose_qna_themes(
    *, activity: Activity, inputs: list[ThemeInput] | None = None
) -> list[Theme]:
    """Themes of the Q&A's visible questions (or of ``inputs``, some of them), largest
    first, "Other" (if any) last."""
    if inputs is None:
        inputs = qna_theme_inputs(activity=activity)
    return proposed_themes(texts=inputs, other_label=_("Other"))


def propose_word_cloud_themes(*, activity: Activity) -> list[Theme]:
    """Themes of the word cloud's shown entries, largest first, "Other" (if any) last."""
    return proposed_themes(texts=word_cloud_theme_inputs(activity=activity), other_label=_("Other"))


def text_theme_inputs(*, activity: Activity) -> list[ThemeInput]:
    """A Q&A's or a word cloud's items; ``TextThemesError`` for another kind."""
    if activity.kind == WORD_CLOUD_KIND:
        return word_cloud_theme_inputs(activity=activity)
    return qna_theme_inputs(activity=activity)


def propose_text_themes(
    *, activity: Activity, inputs: list[ThemeInput] | None = None
) -> list[Theme]:
    """The proposal for a Q&A or a word cloud (over ``inputs``, some of its items, when
    given); ``TextThemesError`` for another kind."""
    if inputs is None:
        inputs = text_theme_inputs(activity=activity)
    return proposed_themes(texts=inputs, other_label=_("Other"))


def group_name(key: str) -> str:
    """A theme's group key as the pages show it ("" is "Not said")."""
    if not key:
        return _("Not said")
    try:
        return group_label(key)
    except ValueError:  # a group no longer in the list
        return key


def theme_people(*, activity: Activity) -> dict[str, int]:
    """Who gave each item (item id -> participant id): a group's count is shown only
    when at least ``MIN_GROUP_SIZE`` people gave its items, however many items each."""
    if activity.kind == WORD_CLOUD_KIND:
        ballots = Ballot.objects.filter(activity=activity).values_list("id", "participant_id")
        by_ballot = {str(pk): person for pk, person in ballots}
        return {
            item.id: by_ballot[item.id.split("-", 1)[0]]
            for item in word_cloud_theme_inputs(activity=activity)
        }
    questions = Question.objects.filter(activity=activity).values_list("id", "participant_id")
    return {str(pk): person for pk, person in questions}


def group_rows(*, theme: Theme, people: Mapping[str, int], suppress: bool = True) -> list[GroupRow]:
    """A theme's items per stakeholder group (declared groups in the theme's order,
    "not said" as such); hidden when fewer than ``MIN_GROUP_SIZE`` people gave them
    (``people``: who gave each item, ``theme_people``), unless ``suppress`` is false
    (for those who may see every figure: a process's organisers)."""
    givers: dict[str, set[int]] = {}
    for item in theme.items:
        givers.setdefault(item.group, set()).add(people[item.id])
    return [
        GroupRow(
            label=group_name(key),
            count=n if not suppress or len(givers.get(key, ())) >= MIN_GROUP_SIZE else None,
        )
        for key, n in theme.group_counts.items()
    ]
