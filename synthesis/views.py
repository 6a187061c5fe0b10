"""The facilitator's pages of the synthesis app: an idea board's themes, proposed and
accepted as clusters; a Q&A's or a word cloud's themes, read-only. Only the session's
facilitators see them (``sessions.access``, the console's own rule).

A consultation section's comments and a validation round's reasons have themes pages
too, for the process's moderators and organisers: themes are renamed, merged, split and
their texts moved, then accepted as statements of a vision-voting activity in
preparation (``synthesis.consult_themes``). Both kinds of page post the same form: the
themes' keys, names and ticks, and the theme chosen for each text (``_read_post``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from consult import selectors as consult_selectors
from consult.models import Consultation, Section, ValidationRound
from sessions import access, selectors
from sessions.models import Activity

from . import consult_themes
from .board_themes import (
    BOARD_KIND,
    BoardThemesError,
    accept_board_themes,
    board_theme_inputs,
    propose_board_themes,
)
from .languages import LanguageFilter, language_filter
from .text_themes import (
    MIN_GROUP_SIZE,
    QNA_KIND,
    TEXT_KINDS,
    group_name,
    group_rows,
    propose_text_themes,
    text_theme_inputs,
    theme_people,
)
from .themes import (
    OTHER_KEY,
    CannotSplitError,
    Theme,
    ThemeInput,
    assignment,
    make_theme,
    merge_themes,
    split_theme,
)

_KEY = re.compile(r"[a-z0-9-]{1,20}")
_ITEM_ID = r"(\d{1,10})"
_LABEL_LENGTH = 120


def _facilitated_activity(request: HttpRequest, *, code: str, activity_id: int) -> Activity:
    return access.facilitated_activity(
        user=request.user,
        code=code,
        activity_id=activity_id,
        kinds=(BOARD_KIND, *TEXT_KINDS),
        missing=_("This session has no such activity with themes."),
    )


@dataclass
class _NoteRow:
    id: str
    text: str
    theme: str  # the theme chosen for it (at first: the proposed one)
    context: str = ""  # what it is about (a validation reason's section)
    language: str = ""  # the code of the language it was written in ("" if unknown)


@dataclass
class _ThemeRow:
    key: str
    label: str
    name: str
    accepted: bool
    groups: list[tuple[str, int | None]]  # None: a count hidden (a group under 5 people)
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
            notes=[
                _NoteRow(id=item.id, text=item.text, theme=theme.key, language=item.language)
                for item in theme.items
            ],
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
    labels: dict[str, str] = field(default_factory=dict)  # key -> label shown (if posted)


def _read_post(
    request: HttpRequest, *, field_prefix: str = "note", accepting: bool = True
) -> _Posted:
    """The form as posted, with the errors a person can fix on the page. Each text's
    theme is posted as ``<field_prefix>-<id>`` (board notes: ``note``; consultation
    texts: ``item``); the acceptance checks apply only when ``accepting``."""
    post = request.POST
    keys = post.getlist("theme")
    errors: list[str] = []
    theme_errors: dict[str, list[str]] = {}
    if not keys or len(set(keys)) != len(keys) or not all(_KEY.fullmatch(k) for k in keys):
        errors.append(_("This form is out of date: load the page again."))
        keys = []
    names = {k: post.get(f"name-{k}", "") for k in keys}
    labels = {
        k: " ".join(post.get(f"label-{k}", "").split())[:_LABEL_LENGTH]
        for k in keys
        if post.get(f"label-{k}", "").strip()
    }
    accepted = {k for k in keys if post.get(f"accept-{k}")}
    to: dict[str, str] = {}
    came_from: dict[str, str] = {}
    unplaced = False
    item_field = re.compile(f"{re.escape(field_prefix)}-{_ITEM_ID}")
    for name, value in post.items():
        match = item_field.fullmatch(name)
        if match is None:
            continue
        note_id = match.group(1)
        if value not in names:
            unplaced = True
            continue
        to[note_id] = value
        came_from[note_id] = post.get(f"from-{note_id}", "")
    is_board = field_prefix == "note"
    if unplaced:
        errors.append(
            _("Choose one of the themes for every note.")
            if is_board
            else _("Choose one of the themes for every text.")
        )
    if accepting and keys and not accepted:
        errors.append(_("Tick at least one theme to accept."))
    for key in sorted(accepted, key=keys.index) if accepting else ():
        if not " ".join(names[key].split()):
            theme_errors.setdefault(key, []).append(_("Name this theme."))
        if key not in to.values():
            theme_errors.setdefault(key, []).append(
                _("This theme has no notes left: untick it or move a note to it.")
                if is_board
                else _("This theme has no texts left: untick it or move a text to it.")
            )
    return _Posted(keys, names, accepted, to, came_from, errors, theme_errors, labels)


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
    inputs = board_theme_inputs(activity=activity)
    languages = _languages(request, inputs)
    rows = _rows(propose_board_themes(activity=activity, inputs=languages.apply(inputs)))
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
            "languages": languages,
        },
        status=400 if invalid else 200,
    )


def _languages(request: HttpRequest, inputs: list[ThemeInput]) -> LanguageFilter:
    """The language filter the page was asked for (``?language=``, on GET and POST)."""
    return language_filter(inputs=inputs, value=request.GET.get("language"))


def _text_themes(request: HttpRequest, *, activity: Activity, code: str) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    people = theme_people(activity=activity)
    inputs = text_theme_inputs(activity=activity)
    languages = _languages(request, inputs)
    themes = [
        {"theme": theme, "groups": group_rows(theme=theme, people=people)}
        for theme in propose_text_themes(activity=activity, inputs=languages.apply(inputs))
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
            "languages": languages,
        },
    )


# --------------------------------------------------------------------------- consultations


def _moderated_consultation(request: HttpRequest, *, process: str, slug: str) -> Consultation:
    """The consultation, for its process's moderators and organisers: 404 when there is
    none (or it is in preparation and the viewer does not organise it), else 403."""
    consultation = (
        Consultation.objects.select_related("process")
        .filter(process__slug=process, slug=slug)
        .first()
    )
    if consultation is None or not consult_selectors.can_read(request.user, consultation):
        raise Http404(_("No such consultation."))
    if not consult_themes.may_find_themes(user=request.user, consultation=consultation):
        raise PermissionDenied(_("Only this process's moderators and organisers can do this."))
    return consultation


def _themes_from_post(
    *, items: consult_themes.ConsultItems, posted: _Posted
) -> tuple[list[Theme], dict[str, str]]:
    """The themes as the facilitator left them (the posted order, labels and choices)
    over the texts there are now, and the names they gave them. A text posted that is
    gone (hidden, deleted) is left out; a text that is new since the page was loaded
    goes to its proposed theme when the form has it, else to Other. A theme left
    without texts is dropped, unless the form has an error to show on it."""
    members: dict[str, list[ThemeInput]] = {key: [] for key in posted.keys}
    missing: list[ThemeInput] = []
    for item in items.inputs:
        key = posted.to.get(item.id)
        (members[key] if key is not None else missing).append(item)
    if missing:
        proposed = assignment(themes=consult_themes.propose_consult_themes(items=items))
        for item in missing:
            key = proposed.get(item.id, OTHER_KEY)
            members.setdefault(key if key in members else OTHER_KEY, []).append(item)
    names = dict(posted.names)
    themes = []
    for key, texts in members.items():
        if not texts and key not in posted.theme_errors:
            continue
        label = posted.labels.get(key) or " ".join(names.get(key, "").split())[:_LABEL_LENGTH]
        if key == OTHER_KEY and key not in posted.names:
            label = _("Other")
            names[key] = label
        themes.append(
            make_theme(key=key, label=label or key, items=texts, is_other=key == OTHER_KEY)
        )
    return themes, names


def _edit(
    request: HttpRequest, themes: list[Theme], names: dict[str, str], accepted: set[str]
) -> tuple[list[Theme], str | None]:
    """Apply the button pressed: split a theme in two, or merge it into another.
    The new themes (``names`` and ``accepted`` updated in place) and an error, if any."""
    keys = {theme.key for theme in themes}
    if "split" in request.POST:
        key = request.POST["split"]
        if key not in keys:
            return themes, _("This form is out of date: load the page again.")
        try:
            split = split_theme(themes=themes, key=key)
        except CannotSplitError:
            return themes, _("A theme with a single text cannot be split.")
        for theme in split:
            if theme.key not in keys or theme.key == key:  # both parts: their new labels
                names[theme.key] = theme.label
                if key in accepted:
                    accepted.add(theme.key)
        return split, None
    if "merge" in request.POST:
        key = request.POST["merge"]
        into = request.POST.get(f"into-{key}", "")
        if key not in keys:
            return themes, _("This form is out of date: load the page again.")
        if into not in keys or into == key:
            return themes, _("Choose another theme to merge this one into.")
        return merge_themes(themes=themes, key=key, into=into), None
    return themes, None


def _consult_rows(
    themes: list[Theme],
    *,
    items: consult_themes.ConsultItems,
    organiser: bool,
    names: dict[str, str] | None = None,
    accepted: set[str] | None = None,
    theme_errors: dict[str, list[str]] | None = None,
) -> list[_ThemeRow]:
    return [
        _ThemeRow(
            key=theme.key,
            label=theme.label,
            name=(names or {}).get(theme.key, theme.label),
            accepted=(theme.key in accepted) if accepted is not None else not theme.is_other,
            groups=[
                (row.label, row.count)
                for row in consult_themes.theme_groups(
                    theme=theme, items=items, organiser=organiser
                )
            ],
            notes=[
                _NoteRow(
                    id=item.id,
                    text=item.text,
                    theme=theme.key,
                    context=items.context.get(item.id, ""),
                    language=item.language,
                )
                for item in theme.items
            ],
            errors=(theme_errors or {}).get(theme.key, []),
        )
        for theme in themes
    ]


@dataclass
class _ConsultPage:
    consultation: Consultation
    items: consult_themes.ConsultItems
    title: str
    back_url: str
    back_label: str
    is_round: bool


def _consult_themes(request: HttpRequest, page: _ConsultPage) -> HttpResponse:
    """GET: the proposed themes. POST: the themes as edited, after the button pressed
    (``action=apply``: the moves and names; ``split``/``merge``: that theme; ``action=
    accept``: the ticked themes added as statements, then to the console)."""
    user = request.user
    languages = _languages(request, page.items.inputs)
    page.items = replace(page.items, inputs=languages.apply(page.items.inputs))
    organiser = consult_themes.sees_small_groups(user=user, consultation=page.consultation)
    targets = consult_themes.statement_targets(user=user)
    errors: list[str] = []
    chosen = {"activity": "", "statement_type": "vision", "horizon": "", "actor": ""}
    if request.method == "GET":
        themes = consult_themes.propose_consult_themes(items=page.items)
        rows = _consult_rows(themes, items=page.items, organiser=organiser)
    else:
        accepting = request.POST.get("action") == "accept"
        chosen = {key: request.POST.get(key, default)[:20] for key, default in chosen.items()}
        posted = _read_post(request, field_prefix="item", accepting=accepting)
        errors = list(posted.errors)
        if posted.keys:
            themes, names = _themes_from_post(items=page.items, posted=posted)
            accepted = set(posted.accepted)
            themes, error = _edit(request, themes, names, accepted)
            if error:
                errors.append(error)
            elif accepting and not errors and not posted.theme_errors:
                response = _accept(request, page, themes, names, accepted, posted, errors)
                if response is not None:
                    return response
            rows = _consult_rows(
                themes,
                items=page.items,
                organiser=organiser,
                names=names,
                accepted=accepted,
                theme_errors=posted.theme_errors,
            )
        else:
            themes = consult_themes.propose_consult_themes(items=page.items)
            rows = _consult_rows(themes, items=page.items, organiser=organiser)
    invalid = bool(errors) or any(row.errors for row in rows)
    return render(
        request,
        "synthesis/consult_themes.html",
        {
            "consultation": page.consultation,
            "page_title": page.title,
            "back_url": page.back_url,
            "back_label": page.back_label,
            "is_round": page.is_round,
            "themes": rows,
            "choices": [(row.key, row.name or row.label) for row in rows],
            "errors": errors,
            "invalid": invalid,
            "organiser": organiser,
            "min_group_size": MIN_GROUP_SIZE,
            "may_run_events": selectors.may_run_events(user),
            "targets": targets,
            "chosen": chosen,
            "languages": languages,
            "statement_types": consult_themes.STATEMENT_TYPES,
            "horizons": [str(h) for h in consult_themes.STATEMENT_HORIZONS],
            "actors": consult_themes.STATEMENT_ACTORS,
        },
        status=400 if invalid else 200,
    )


def _accept(
    request: HttpRequest,
    page: _ConsultPage,
    themes: list[Theme],
    names: dict[str, str],
    accepted: set[str],
    posted: _Posted,
    errors: list[str],
) -> HttpResponse | None:
    """Add the ticked themes as statements; the redirect to the console, or ``None``
    with the refusal in ``errors`` or ``posted.theme_errors``."""
    keys = [theme.key for theme in themes if theme.key in accepted]
    try:
        activity, added = consult_themes.accept_as_statements(
            user=request.user,
            activity_id=request.POST.get("activity"),
            names=[names.get(key, "") for key in keys],
            statement_type=request.POST.get("statement_type", "vision"),
            horizon=request.POST.get("horizon") or None,
            actor=request.POST.get("actor") or None,
        )
    except consult_themes.ConsultThemesError as exc:
        if exc.index is not None and exc.index < len(keys):
            posted.theme_errors.setdefault(keys[exc.index], []).append(exc.message)
        else:
            errors.append(exc.message)
        return None
    messages.success(
        request,
        ngettext(
            "%(n)d statement added to “%(activity)s”.",
            "%(n)d statements added to “%(activity)s”.",
            len(added),
        )
        % {"n": len(added), "activity": activity.title},
    )
    return redirect(reverse("frontend:console", kwargs={"code": activity.session.code}))


@login_required
@require_http_methods(["GET", "POST"])
def section_themes(request: HttpRequest, process: str, slug: str, section_id: int) -> HttpResponse:
    """The themes of a section's comments, for the process's moderators and organisers."""
    consultation = _moderated_consultation(request, process=process, slug=slug)
    section = Section.objects.filter(pk=section_id, consultation=consultation).first()
    if section is None:
        raise Http404(_("This consultation has no such section."))
    section.consultation = consultation
    version = consult_selectors.latest_version(consultation)
    text = version.texts.filter(section=section).first() if version is not None else None
    heading = text.heading if text is not None else _("Section %(n)d") % {"n": section.pk}
    page = _ConsultPage(
        consultation=consultation,
        items=consult_themes.section_theme_items(section=section),
        title=_("Themes of the comments on “%(heading)s”") % {"heading": heading},
        back_url=reverse("consult:section", args=[process, slug, section.pk]),
        back_label=_("Back to the section"),
        is_round=False,
    )
    return _consult_themes(request, page)


@login_required
@require_http_methods(["GET", "POST"])
def round_themes(request: HttpRequest, process: str, slug: str, round_id: int) -> HttpResponse:
    """The themes of a validation round's reasons, for the process's moderators and
    organisers."""
    consultation = _moderated_consultation(request, process=process, slug=slug)
    round_ = (
        ValidationRound.objects.select_related("version")
        .filter(pk=round_id, consultation=consultation)
        .first()
    )
    if round_ is None:
        raise Http404(_("This consultation has no such validation round."))
    round_.consultation = consultation
    page = _ConsultPage(
        consultation=consultation,
        items=consult_themes.round_theme_items(round_=round_),
        title=_("Themes of the reasons given in “%(round)s”") % {"round": round_.title},
        back_url=reverse("consult:round_results", args=[process, slug, round_.pk]),
        back_label=_("Back to the round's results"),
        is_round=True,
    )
    return _consult_themes(request, page)
