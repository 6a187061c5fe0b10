"""The action catalogue's pages: the public catalogue (``/actions/``) and the managers'
list, add, edit, delete and promotion pages (``/manage/actions/``). Thin: the forms and
menus only shape what was typed; ``knowledge.actions`` checks and decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consult.translations import LANGUAGE_CODES, column, current_language, localized
from people.vocabularies import StakeholderGroup
from sessions.kinds import get_kind
from sessions.models import Activity
from sessions.selectors import can_facilitate

from . import actions
from .models import Case, CaseAction, ImpactArea, ImpactIssue
from .selectors import is_manager, public_cases
from .vocabularies import Horizon

FIELDS = ("case", "issue", "text", "actor", "horizon")
SELECTED = mark_safe(" selected")  # a constant


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _known(choices) -> list[tuple[Any, Any]]:
    return [(value, label) for value, label in choices if value != ""]


def _title_columns(prefix: str = "") -> list[str]:
    return [f"{prefix}{name}" for name in ("title", "language",
            *(column("title", code) for code in LANGUAGE_CODES))]  # fmt: skip


# --------------------------------------------------------------------------- public


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters (GET). A value outside its list is an error: the page
    answers 400, says so and shows every action, as the case repository does."""

    horizon = forms.TypedChoiceField(
        label=gettext_lazy("Horizon"), required=False, coerce=int, empty_value=None
    )
    actor = forms.ChoiceField(label=gettext_lazy("Who should act"), required=False)
    area = forms.TypedChoiceField(
        label=gettext_lazy("Impact area"), required=False, coerce=int, empty_value=None
    )
    issue = forms.TypedChoiceField(
        label=gettext_lazy("Impact issue"), required=False, coerce=int, empty_value=None
    )
    case = forms.TypedChoiceField(
        label=gettext_lazy("Case"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["horizon"].choices = any_ + list(Horizon.choices)
        self.fields["actor"].choices = any_ + _known(StakeholderGroup.choices)
        issues = list(
            ImpactIssue.objects.select_related("area").only(
                "id", "area", *_title_columns(), *_title_columns("area__"), "area__position"
            )
        )
        areas: dict[int, ImpactArea] = {}
        for issue in issues:
            areas.setdefault(issue.area_id, issue.area)
        ordered = sorted(areas.values(), key=lambda a: (a.position, a.pk))
        self.fields["area"].choices = any_ + [(a.pk, localized(a, "title").text) for a in ordered]
        self.fields["issue"].choices = any_ + [
            (i.pk, f"{localized(i.area, 'title').text}: {localized(i, 'title').text}")
            for i in issues
        ]
        cases = (
            public_cases()
            .filter(actions__isnull=False)
            .distinct()
            .only("id", "name", "language", *(column("name", c) for c in LANGUAGE_CODES))
        )
        self.fields["case"].choices = any_ + [(c.pk, localized(c, "name").text) for c in cases]

    def filters(self) -> actions.ActionFilters:
        if not self.is_bound or not self.is_valid():
            return actions.ActionFilters()
        data = self.cleaned_data
        return actions.ActionFilters(
            horizon=data["horizon"],
            actor=data["actor"] or None,
            area=data["area"],
            issue=data["issue"],
            case=data["case"],
        )


@require_GET
def catalogue_page(request: HttpRequest) -> HttpResponse:
    """The public catalogue: actions of accepted cases and of impact issues, grouped by
    horizon, filtered (GET), at most ``actions.MAX_LISTED``."""
    given = {
        name: request.GET[name] for name in CatalogueFilterForm.base_fields if name in request.GET
    }
    form = CatalogueFilterForm(given or None)
    status = 200
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Some filters were not understood; showing every action."))
        status = 400
    found = actions.catalogue(filters=form.filters())
    return render(
        request,
        "knowledge/actions.html",
        {
            "form": form,
            "catalogue": found,
            "filtered": form.is_bound and status == 200,
            "limit": actions.MAX_LISTED,
        },
        status=status,
    )


# --------------------------------------------------------------------------- managers


def _options(choices, chosen: str) -> SafeString:
    """``<option>``s of ``choices`` (value, label), or of groups (label, [(value,
    label)]) as ``<optgroup>``s, with ``chosen`` selected. Written here: a promotion
    page repeats the menus for every item, and the template engine renders a template
    per option."""
    parts = []
    for value, label in choices:
        if isinstance(label, list):
            inner = _options(label, chosen)
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, inner))
        else:
            selected = SELECTED if str(value) == chosen else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', value, selected, label))
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped by format_html)


@dataclass
class ActionFields:
    """One action form as the template draws it (``knowledge/actions_fields.html``)."""

    prefix: str
    values: dict[str, str]
    errors: dict[str, list[str]]
    options: dict[str, SafeString]
    max_text: int = actions.MAX_TEXT
    hint: str = ""
    others: list[str] = field(default_factory=list)

    def ids(self) -> dict[str, str]:
        return {name: f"{self.prefix}-{name}" for name in FIELDS}


class Menus:
    """The choices of an action's case, issue, actor and horizon, read once per page
    (two queries), and their ``<option>``s (shared by forms with nothing chosen)."""

    def __init__(self) -> None:
        cases = (
            Case.objects.filter(status__in=actions.OPEN_STATUSES)
            .only("id", "name", "status")
            .order_by("name", "id")
        )
        review = _("under review")
        self.choices: dict[str, list] = {
            "case": [("", _("No case"))]
            + [
                (c.pk, c.name if c.status == Case.Status.ACCEPTED else f"{c.name} ({review})")
                for c in cases
            ],
            "actor": [("", _("Not said")), *_known(StakeholderGroup.choices)],
            "horizon": [("", _("Choose…")), *list(Horizon.choices)],
        }
        groups: dict[int, tuple[str, list]] = {}
        issues = ImpactIssue.objects.select_related("area").only(
            "id", "title", "area", "area__title", "area__position"
        )
        for issue in issues:
            groups.setdefault(issue.area_id, (issue.area.title, []))[1].append(
                (issue.pk, issue.title)
            )
        self.choices["issue"] = [("", _("No impact issue")), *list(groups.values())]
        self._plain = {name: _options(choices, "") for name, choices in self.choices.items()}

    def fields(
        self, prefix: str, values: dict[str, Any], errors: dict[str, list[str]] | None = None
    ) -> ActionFields:
        values = {name: "" if values.get(name) is None else str(values[name]) for name in FIELDS}
        options = {
            name: _options(choices, values[name]) if values[name] else self._plain[name]
            for name, choices in self.choices.items()
        }
        errors = dict(errors or {})
        known = set(FIELDS)
        others = [m for name, ms in errors.items() if name not in known for m in ms]
        return ActionFields(prefix=prefix, values=values, errors=errors, options=options,
                            others=others)  # fmt: skip


def _posted(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in FIELDS}


def _values_of(action: CaseAction) -> dict[str, Any]:
    return {
        "case": action.case_id or "",
        "issue": action.issue_id or "",
        "text": action.text,
        "actor": action.actor,
        "horizon": action.horizon,
    }


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: list(ValidationError(errs).messages) for name, errs in exc.error_dict.items()}
    return {"__all__": list(exc.messages)}


@require_http_methods(["GET", "POST"])
@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    """Every action, newest first, and the form to add one."""
    _require_manager(request)
    menus = Menus()
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _posted(request)
        try:
            actions.create_action(by=request.user, **values, language=current_language())
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Action added to the catalogue."))
            return redirect("knowledge:manage_actions")
    return render(
        request,
        "knowledge/actions_manage.html",
        {
            "actions": actions.managed_actions(),
            "limit": actions.MAX_LISTED,
            "add": menus.fields("add", values, errors),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    action = get_object_or_404(CaseAction.objects.select_related("case", "issue"), pk=pk)
    errors: dict[str, list[str]] = {}
    values = _values_of(action)
    if request.method == "POST":
        values = _posted(request)
        try:
            actions.update_action(action=action, by=request.user, **values)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Action saved."))
            return redirect("knowledge:manage_actions")
    return render(
        request,
        "knowledge/actions_edit.html",
        {"action": action, "edit": Menus().fields("edit", values, errors)},
        status=400 if errors else 200,
    )


@require_POST
@login_required
def manage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    action = get_object_or_404(CaseAction, pk=pk)
    actions.delete_action(action=action, by=request.user)
    messages.success(request, _("Action deleted."))
    return redirect("knowledge:manage_actions")


def _chosen_activity(request: HttpRequest, raw: str) -> Activity:
    """The activity a promotion page works on: 404 for an id no activity of a promoting
    kind has, 403 for one of a session the manager does not facilitate."""
    try:
        activity_id = int(raw)
    except (TypeError, ValueError):
        raise Http404(_("No activity has this number.")) from None
    activity = Activity.objects.select_related("session__event").filter(pk=activity_id).first()
    if activity is None or not get_kind(activity.kind).promotes_items:
        raise Http404(_("No activity with contributions to promote has this number."))
    if not can_facilitate(request.user, activity.session):
        raise PermissionDenied(_("Only this session's facilitators can promote its contributions."))
    return activity


@require_http_methods(["GET", "POST"])
@login_required
def promote_page(request: HttpRequest) -> HttpResponse:
    """Choose an activity of a session one facilitates, then promote its items one by
    one, each with its case or issue, actor, horizon and (editable) text."""
    _require_manager(request)
    raw = request.POST.get("activity") if request.method == "POST" else request.GET.get("activity")
    activity = _chosen_activity(request, raw) if raw else None
    if request.method == "POST" and activity is None:
        raise Http404(_("Choose an activity first."))
    failed_key, failed_values, failed_errors = "", {}, {}
    if request.method == "POST":
        failed_key = request.POST.get("key", "")
        failed_values = _posted(request)
        try:
            action = actions.promote_item(
                activity=activity,
                key=failed_key,
                by=request.user,
                case=failed_values["case"],
                issue=failed_values["issue"],
                actor=failed_values["actor"],
                horizon=failed_values["horizon"],
                text=failed_values["text"] if "text" in request.POST else None,
            )
        except ValidationError as exc:
            failed_errors = _errors(exc)
        else:
            messages.success(request, _("Promoted into the action catalogue."))
            url = reverse("knowledge:manage_actions_promote")
            return redirect(f"{url}?activity={activity.pk}#promoted-{action.pk}")
    items, stray = [], []
    if activity is not None:
        menus = Menus()
        for n, item in enumerate(actions.promotable(activity), start=1):
            if item["key"] == failed_key:
                fields = menus.fields(f"item{n}", failed_values, failed_errors)
            else:
                suggested = {"text": item["text"], "horizon": item.get("horizon") or "",
                             "actor": item.get("actor") or ""}  # fmt: skip
                fields = menus.fields(f"item{n}", suggested)
            items.append((item, fields))
        if failed_errors and failed_key not in {item["key"] for item, _f in items}:
            stray = [m for ms in failed_errors.values() for m in ms]
    activities = actions.promotion_activities(user=request.user)
    return render(
        request,
        "knowledge/actions_promote.html",
        {
            "activities": activities,
            "activity_options": activity_menu(activities, activity),
            "activity": activity,
            "source": actions.activity_source(activity) if activity is not None else "",
            "items": items,
            "stray": stray,
        },
        status=400 if failed_errors else 200,
    )


def activity_menu(activities: list[Activity], chosen: Activity | None) -> SafeString:
    """The promotion page's ``<option>``s of activities: "Event · Session · Activity
    (kind)"."""
    return format_html_join(
        "",
        '<option value="{}"{}>{} ({})</option>',
        (
            (
                a.pk,
                SELECTED if chosen is not None and a.pk == chosen.pk else "",
                actions.activity_source(a),
                a.kind_label,
            )
            for a in activities
        ),
    )
