"""Themes of an idea board: proposed from its visible notes, accepted as clusters.

``propose_board_themes`` runs the themes engine (``synthesis.themes``) over the board's
notes that everyone sees (not hidden, not merged into another), each counted under its
author's declared stakeholder group. ``accept_board_themes`` turns the themes the
facilitator kept into clusters through ``boards.services`` (so the live room hears of
every cluster and note), in one transaction, after checking all of its input.

An accepted theme is a dict::

    {"name": "Recycling, batteries",   # the cluster's name (the label, or a rename)
     "notes": [12, 15, 31],            # the board's note ids placed in this theme
     "moved": [31]}                    # optional: the notes the facilitator moved here

A note already in a cluster stays there unless it is in ``moved``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from boards import services as board_services
from boards.models import Cluster, Note
from sessions.kinds import CommandError
from sessions.models import Activity

from .text_themes import TEXT_KINDS
from .themes import Theme, ThemeError, ThemeInput, proposed_themes

BOARD_KIND = "idea_board"
# The kinds with a themes page (a Q&A's and a word cloud's: synthesis.text_themes).
THEMED_KINDS = (BOARD_KIND, *TEXT_KINDS)


class BoardThemesError(ThemeError):
    """Accepting themes was refused; ``code`` says why, ``message`` says it to a person.
    Nothing was changed."""

    code = "invalid_themes"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotABoardError(BoardThemesError):
    code = "not_a_board"


class UnknownNoteError(BoardThemesError):
    code = "unknown_note"


class NoteOfAnotherBoardError(BoardThemesError):
    code = "other_board"


class NoteNotOnBoardError(BoardThemesError):
    """A hidden note, or one merged into another: not on the board."""

    code = "note_hidden"


class DuplicateNoteError(BoardThemesError):
    code = "duplicate_note"


class ThemeNameError(BoardThemesError):
    code = "invalid_name"


class TooManyClustersError(BoardThemesError):
    code = "too_many"


def _board(activity: Activity) -> None:
    if activity.kind != BOARD_KIND:
        raise NotABoardError(_("Themes can only be accepted as clusters of an idea board."))


def board_theme_inputs(*, activity: Activity) -> list[ThemeInput]:
    """The board's visible notes as theme inputs (id: the note's id as text), each with
    the language it was written in."""
    _board(activity)
    rows = (
        Note.objects.filter(activity=activity, hidden=False, merged_into__isnull=True)
        .order_by("id")
        .values_list("id", "text", "participant__stakeholder_group", "language")
    )
    return [
        ThemeInput(id=str(pk), text=text, group=group or "", language=language)
        for pk, text, group, language in rows
    ]


def propose_board_themes(
    *, activity: Activity, inputs: list[ThemeInput] | None = None
) -> list[Theme]:
    """Themes of the board's visible notes (or of ``inputs``, some of them: those in
    one language), largest first, "Other" (if any) last."""
    if inputs is None:
        inputs = board_theme_inputs(activity=activity)
    return proposed_themes(texts=inputs, other_label=_("Other"))


def tool_links(*, activity: Activity) -> list[tuple[str, str]]:
    """(label, address) of the synthesis pages a facilitator may open for this activity
    from its console card: "Find themes" for an idea board, a Q&A or a word cloud,
    nothing for other kinds."""
    if activity.kind not in THEMED_KINDS:
        return []
    href = reverse(
        "synthesis:board_themes",
        kwargs={"code": activity.session.code, "activity_id": activity.pk},
    )
    return [(_("Find themes"), href)]


def _note_ids(value: Any) -> list[int]:
    if not isinstance(value, list | tuple):
        raise BoardThemesError(_("List each theme's notes."))
    ids = []
    for raw in value:
        if isinstance(raw, bool):
            raise UnknownNoteError(_("Name each note by its number."))
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if not isinstance(raw, int) or not 0 < raw < 2**31:
            raise UnknownNoteError(_("Name each note by its number."))
        ids.append(raw)
    return ids


def _clean(themes: Any) -> list[tuple[str, list[int], set[int]]]:
    """(name, note ids, moved ids) per theme; every shape and name rule checked."""
    if not isinstance(themes, list):
        raise BoardThemesError(_("Send the themes as a list."))
    cleaned = []
    seen: set[int] = set()
    for theme in themes:
        if not isinstance(theme, dict):
            raise BoardThemesError(_("Send each theme with its name and its notes."))
        try:
            name = board_services.clean_cluster_name(theme.get("name"))
        except CommandError as exc:
            raise ThemeNameError(exc.message) from exc
        notes = _note_ids(theme.get("notes", []))
        moved = set(_note_ids(theme.get("moved", [])))
        for note_id in notes:
            if note_id in seen:
                raise DuplicateNoteError(
                    _("Note %(id)d is in more than one theme.") % {"id": note_id}
                )
            seen.add(note_id)
        if not moved <= set(notes):
            raise BoardThemesError(_("A note moved to a theme must be among its notes."))
        cleaned.append((name, notes, moved))
    return cleaned


def _check_notes(activity: Activity, ids: set[int]) -> dict[int, Note]:
    found = {n.pk: n for n in Note.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for note_id in sorted(ids):
        note = found.get(note_id)
        if note is None:
            raise UnknownNoteError(_("Note %(id)d does not exist.") % {"id": note_id})
        if note.activity_id != activity.pk:
            raise NoteOfAnotherBoardError(_("Note %(id)d is on another board.") % {"id": note_id})
        if not note.visible:
            raise NoteNotOnBoardError(_("Note %(id)d is not on the board.") % {"id": note_id})
    return found


def accept_board_themes(*, activity: Activity, themes: list[dict]) -> list[Cluster]:
    """One new cluster per accepted theme, named after it, holding its notes (a note
    already in a cluster stays there unless the facilitator moved it); all or nothing.
    Raises a ``BoardThemesError`` before changing anything when the input is refused."""
    _board(activity)
    cleaned = _clean(themes)
    with transaction.atomic():
        notes = _check_notes(activity, {n for _name, ids, _moved in cleaned for n in ids})
        existing = Cluster.objects.filter(activity=activity).count()
        if existing + len(cleaned) > board_services.MAX_CLUSTERS:
            raise TooManyClustersError(
                _("A board has at most %(n)d clusters: it has %(has)d, so accept at most %(left)d.")
                % {
                    "n": board_services.MAX_CLUSTERS,
                    "has": existing,
                    "left": max(0, board_services.MAX_CLUSTERS - existing),
                }
            )
        clusters = []
        try:
            for name, ids, moved in cleaned:
                cluster = board_services.create_cluster(activity=activity, name=name)
                for note_id in ids:
                    if notes[note_id].cluster_id is None or note_id in moved:
                        board_services.assign_note(
                            activity=activity, note=note_id, cluster=cluster.pk
                        )
                clusters.append(cluster)
        except CommandError as exc:  # checked above; a concurrent change may still refuse
            raise BoardThemesError(exc.message, code=exc.code) from exc
    return clusters
