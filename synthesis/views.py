"""The facilitator's pages of the synthesis app: an idea board's themes, proposed and
accepted as clusters; a Q&A's or a word cloud's themes, read-only. Only the session's
facilitators see them (the check of ``frontend.views.organiser_required`` and
``facilitated_session``, written here because ``synthesis`` sits below ``frontend``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from sessions import selectors
from sessions.models import Activity

from .board_themes import BOARD_KIND, BoardThemesError, accept_board_themes, propose_board_themes
from .text_themes import (
    MIN_GROUP_SIZE,
    QNA_KIND,
    TEXT_KINDS,
    group_name,
    group_rows,
    propose_text_themes,
    theme_people,
)
from .themes import Theme

_KEY = re.compile(r"[a-z0-9-]{1,20}")
_NOTE_FIELD = re.compile(r"note-(\d{1,10})")


def _facilitated_activity(request: HttpRequest, *, code: str, activity_id: int) -> Activity:
    if not selectors.may_run_events(request.user):
        raise PermissionDenied(_("Only organisers can do this."))
    session = selectors.session_by_code(code)
    if session is None:
        raise Http404(_("No session has this code."))
    if not selectors.can_facilitate(request.user, session):
        raise PermissionDenied(_("Only this session's facilitators can do this."))
    activity = Activity.objects.filter(pk=activity_id, session=session).first()
    if activity is None or activity.kind not in (BOARD_KIND, *TEXT_KINDS):
        raise Http404(_("This session has no such activity with themes."))
    return activity


@dataclass
class _NoteRow:
    id: str
    text: str
    theme: str  # the theme chosen for it (at first: the proposed one)


@dataclass
class _ThemeRow:
    key: str
    label: str
    name: str
    accepted: bool
    groups: list[tuple[str, int]]
    notes: list[_NoteRow]
    errors: list[str] = field(default_factory=list)


def _rows(themes: list[Theme]) -> list[_ThemeRow]:
    return [
        _ThemeRow(
            key=theme.key,
            label=theme.label,
            name=theme.label,
            accepted=not theme.is_other,
            groups=[(group_name(g), n) for g, n in theme.group_counts.items()],
            notes=[_NoteRow(id=item.id, text=item.text, theme=theme.key) for item in theme.items],
        )
        for theme in themes
    ]


@dataclass
class _Posted:
    keys: list[str]
    names: dict[str, str]
    accepted: set[str]
    to: dict[str, str]  # note id -> chosen theme key
    came_from: dict[str, str]  # note id -> proposed theme key
    errors: list[str]
    theme_errors: dict[str, list[str]]


def _read_post(request: HttpRequest) -> _Posted:
    """The form as posted, with the errors a person can fix on the page."""
    post = request.POST
    keys = post.getlist("theme")
    errors: list[str] = []
    theme_errors: dict[str, list[str]] = {}
    if not keys or len(set(keys)) != len(keys) or not all(_KEY.fullmatch(k) for k in keys):
        errors.append(_("This form is out of date: load the page again."))
        keys = []
    names = {k: post.get(f"name-{k}", "") for k in keys}
    accepted = {k for k in keys if post.get(f"accept-{k}")}
    to: dict[str, str] = {}
    came_from: dict[str, str] = {}
    unplaced = False
    for name, value in post.items():
        match = _NOTE_FIELD.fullmatch(name)
        if match is None:
            continue
        note_id = match.group(1)
        if value not in names:
            unplaced = True
            continue
        to[note_id] = value
        came_from[note_id] = post.get(f"from-{note_id}", "")
    if unplaced:
        errors.append(_("Choose one of the themes for every note."))
    if keys and not accepted:
        errors.append(_("Tick at least one theme to accept."))
    for key in sorted(accepted, key=keys.index):
        if not " ".join(names[key].split()):
            theme_errors.setdefault(key, []).append(_("Name this theme."))
        if key not in to.values():
            theme_errors.setdefault(key, []).append(
                _("This theme has no notes left: untick it or move a note to it.")
            )
    return _Posted(keys, names, accepted, to, came_from, errors, theme_errors)


def _accepted_themes(posted: _Posted) -> list[dict]:
    return [
        {
            "name": posted.names[key],
            "notes": [note for note, chosen in posted.to.items() if chosen == key],
            "moved": [
                note
                for note, chosen in posted.to.items()
                if chosen == key and posted.came_from.get(note) != key
            ],
        }
        for key in posted.keys
        if key in posted.accepted
    ]


def _overlay(rows: list[_ThemeRow], posted: _Posted) -> None:
    """Show the facilitator's choices again on a fresh proposal."""
    for row in rows:
        if row.key in posted.names:
            row.name = posted.names[row.key]
            row.accepted = row.key in posted.accepted
            row.errors = posted.theme_errors.get(row.key, [])
        for note in row.notes:
            note.theme = posted.to.get(note.id, note.theme)


@login_required
@require_http_methods(["GET", "POST"])
def board_themes(request: HttpRequest, code: str, activity_id: int) -> HttpResponse:
    """An idea board's themes (GET: proposed; POST: accept the ticked ones as clusters);
    a Q&A's or a word cloud's themes, read-only (GET only)."""
    activity = _facilitated_activity(request, code=code, activity_id=activity_id)
    if activity.kind != BOARD_KIND:
        return _text_themes(request, activity=activity, code=code)
    errors: list[str] = []
    posted = None
    if request.method == "POST":
        posted = _read_post(request)
        errors = list(posted.errors)
        if not errors and not posted.theme_errors:
            try:
                clusters = accept_board_themes(activity=activity, themes=_accepted_themes(posted))
            except BoardThemesError as exc:
                errors.append(exc.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d cluster created from the themes.",
                        "%(n)d clusters created from the themes.",
                        len(clusters),
                    )
                    % {"n": len(clusters)},
                )
                return redirect("frontend:console", code=code)
    rows = _rows(propose_board_themes(activity=activity))
    if posted is not None:
        _overlay(rows, posted)
    invalid = bool(errors) or any(row.errors for row in rows)
    return render(
        request,
        "synthesis/board_themes.html",
        {
            "activity": activity,
            "code": code,
            "themes": rows,
            "choices": [(row.key, row.name or row.label) for row in rows],
            "errors": errors,
            "invalid": invalid,
        },
        status=400 if invalid else 200,
    )


def _text_themes(request: HttpRequest, *, activity: Activity, code: str) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    people = theme_people(activity=activity)
    themes = [
        {"theme": theme, "groups": group_rows(theme=theme, people=people)}
        for theme in propose_text_themes(activity=activity)
    ]
    return render(
        request,
        "synthesis/text_themes.html",
        {
            "activity": activity,
            "code": code,
            "themes": themes,
            "is_qna": activity.kind == QNA_KIND,
            "min_group_size": MIN_GROUP_SIZE,
        },
    )
