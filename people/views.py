"""The stakeholder directory's organiser pages: thin views over people.services and
people.selectors. Every page and endpoint is for directory managers only
(``selectors.can_manage_directory``): anyone not logged in is sent to log in, anyone
else gets a 403 saying why."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import engagement, exports, selectors, services
from .forms import (
    AffiliationForm,
    AnalysisForm,
    DirectoryFilterForm,
    EmailForm,
    MergeForm,
    OrganisationForm,
    PersonCreateForm,
    PersonEditForm,
)
from .models import Organisation, Person
from .selectors import QUADRANTS, quadrant_of
from .text import storable_text
from .vocabularies import Sector

PER_PAGE = 50
# The grid shows at most this many people at once; filters narrow it.
GRID_LIMIT = 400
NOT_A_MANAGER = _lazy(
    "Only directory managers can open the stakeholder directory. "
    "Ask an administrator for the “manage the directory” permission."
)


def _wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def directory_manager_required(view):
    """Log in first; then only directory managers, whatever the method."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.can_manage_directory(request.user):
            if _wants_json(request):
                return JsonResponse({"ok": False, "error": str(NOT_A_MANAGER)}, status=403)
            raise PermissionDenied(NOT_A_MANAGER)
        return view(request, *args, **kwargs)

    return wrapped


def _person(pk: int) -> Person:
    return get_object_or_404(Person, pk=pk)


def _add_errors(form, exc: Exception) -> None:
    """A refusal of the services, shown on the form."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _query_without(request, *names: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _filtered(request) -> tuple[DirectoryFilterForm, selectors.PeopleFilter | None]:
    """The directory's filters from the query string: None when one is not understood
    (the page then lists nobody rather than people the organiser did not ask for)."""
    form = DirectoryFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.people_filter()


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --------------------------------------------------------------------------- the directory


@directory_manager_required
@require_GET
def directory(request):
    form, people_filter = _filtered(request)
    page = None
    if people_filter is not None:
        page = Paginator(selectors.people_list(people_filter), PER_PAGE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "people/directory.html",
        {
            "form": form,
            "page": page,
            "people": page.object_list if page else [],
            "query": _query_without(request, "page"),
        },
        status=200 if page is not None else 400,
    )


@directory_manager_required
@require_GET
def export(request, fmt: str):
    """The filtered directory as a file; every export is logged."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Exports are CSV or XLSX."))
    form, people_filter = _filtered(request)
    if people_filter is None:
        messages.error(request, _("A filter was not understood; nothing was exported."))
        return render(
            request,
            "people/directory.html",
            {"form": form, "page": None, "people": [], "query": _query_without(request, "page")},
            status=400,
        )
    people = list(selectors.people_list(people_filter))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(people), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.as_xlsx(people),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="directory-{stamp}.{fmt}"'
    services.log_export(
        user=request.user, what="directory", rows=len(people), scope=f"{fmt}: {form.summary()}"
    )
    return response


@directory_manager_required
@require_GET
def export_log(request):
    page = Paginator(selectors.export_logs(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "people/export_log.html", {"page": page})


# --------------------------------------------------------------------------- a person


def _person_page(request, pk: int, *, status: int = 200, **forms: Any):
    person = selectors.person_page(pk)
    if person is None:
        raise Http404(_("No such person in the directory."))
    context = {
        "person": person,
        "quadrant": QUADRANTS.get(
            quadrant_of(influence=person.influence, interest=person.interest), ("",)
        )[0],
        "email_form": forms.get("email_form") or EmailForm(person=person),
        "affiliation_form": forms.get("affiliation_form") or AffiliationForm(),
        "analysis_form": forms.get("analysis_form")
        or AnalysisForm(
            initial={
                "influence": person.influence,
                "interest": person.interest,
                "next": reverse("people:person", args=[person.pk]),
            }
        ),
        "has_organisations": Organisation.objects.exists(),
        "engagement": engagement.history(person),
    }
    return render(request, "people/person.html", context, status=status)


@directory_manager_required
@require_GET
def person_detail(request, pk: int):
    return _person_page(request, pk)


@directory_manager_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_person(
                name=data["name"],
                basis=data["basis"],
                emails=data["emails"],
                listed_source=data["listed_source"].strip()
                if data["basis"] == Person.Basis.LISTED
                else "",
                consented_at=form.consented_at(),
                consent_text_version=data["consent_text_version"].strip()
                if data["basis"] == Person.Basis.CONSENT
                else "",
                stakeholder_group=data["stakeholder_group"],
                country=data["country"],
                sector=data["sector"],
                gender=data["gender"],
                languages=data["languages"],
                tags=data["tags"],
                source=data["source"].strip(),
                notes=data["notes"],
            )
        except services.DirectoryError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is in the directory.") % {"name": person.name})
            return redirect("people:person", pk=person.pk)
    status = 400 if form.errors else 200
    return render(
        request, "people/person_form.html", {"form": form, "creating": True}, status=status
    )


@directory_manager_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = _person(pk)
    if request.method != "POST":
        form = PersonEditForm.for_person(person)
        return render(request, "people/person_form.html", {"form": form, "person": person})
    form = PersonEditForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.update_person(person=person, **form.cleaned_data)
        except (services.DirectoryError, ValidationError) as exc:
            _add_errors(form, exc)
            person.refresh_from_db()
        else:
            messages.success(request, _("Saved."))
            return redirect("people:person", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person}, status=400)


@directory_manager_required
@require_POST
def add_email(request, pk: int):
    person = _person(pk)
    form = EmailForm(request.POST, person=person)
    if form.is_valid():
        try:
            services.add_email(person=person, email=form.cleaned_data["email"])
        except services.DirectoryError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(email)s added.") % {"email": form.cleaned_data["email"]})
            return redirect(reverse("people:person", args=[pk]) + "#emails")
    return _person_page(request, pk, email_form=form, status=400)


@directory_manager_required
@require_POST
def add_affiliation(request, pk: int):
    person = _person(pk)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        try:
            services.add_affiliation(
                person=person,
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                is_delegate=form.cleaned_data["is_delegate"],
            )
        except services.DirectoryError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is in %(organisation)s.")
                % {"name": person.name, "organisation": form.cleaned_data["organisation"].name},
            )
            return redirect(reverse("people:person", args=[pk]) + "#organisations")
    return _person_page(request, pk, affiliation_form=form, status=400)


@directory_manager_required
@require_POST
def remove_affiliation(request, pk: int, affiliation_id: int):
    person = _person(pk)
    if not services.remove_affiliation(person=person, affiliation_id=affiliation_id):
        raise Http404(_("This person is not in that organisation."))
    messages.success(request, _("Removed from the organisation."))
    return redirect(reverse("people:person", args=[pk]) + "#organisations")


@directory_manager_required
@require_POST
def do_not_contact(request, pk: int):
    person = _person(pk)
    if person.do_not_contact:
        messages.info(
            request, _("%(name)s is already marked do not contact.") % {"name": person.name}
        )
    else:
        services.set_do_not_contact(person=person, value=True)
        messages.success(
            request,
            _("%(name)s is marked do not contact: no invitation or mail will go to them.")
            % {"name": person.name},
        )
    return redirect("people:person", pk=pk)


# --------------------------------------------------------------------------- merging


def _merge_page(request, person: Person, *, other: Person | None, form=None, status=200):
    query = (request.GET.get("q") or "").strip()
    if not storable_text(query):
        query, status = "", 400
        messages.error(request, _("Null characters are not allowed."))
    return render(
        request,
        "people/merge.html",
        {
            "person": person,
            "other": other,
            "pair": [selectors.person_page(person.pk), selectors.person_page(other.pk)]
            if other
            else [],
            "candidates": selectors.merge_candidates(person, query) if query else [],
            "q": query,
            "form": form,
        },
        status=status,
    )


@directory_manager_required
@require_http_methods(["GET", "POST"])
def merge(request, pk: int):
    """Choose the other record (by search or id), compare them side by side, confirm."""
    person = _person(pk)
    if request.method == "GET":
        other, form = None, None
        if request.GET.get("other"):
            form = MergeForm({"other": request.GET["other"]})
            if form.is_valid():
                other = Person.objects.filter(pk=form.cleaned_data["other"]).first()
                if other is None:
                    form.add_error("other", _("No person in the directory has this id."))
                elif other.pk == person.pk:
                    form.add_error("other", _("A person cannot be merged with themselves."))
                    other = None
            status = 200 if not form.errors else 400
            return _merge_page(request, person, other=other, form=form, status=status)
        return _merge_page(request, person, other=None)
    form = MergeForm(request.POST)
    other = None
    if form.is_valid():
        other = Person.objects.filter(pk=form.cleaned_data["other"]).first()
        keep_id = form.cleaned_data["keep"] or person.pk
        if other is None:
            form.add_error("other", _("No person in the directory has this id."))
        elif keep_id not in (person.pk, other.pk):
            form.add_error("keep", _("Keep one of the two records being merged."))
        else:
            keep, gone = (person, other) if keep_id == person.pk else (other, person)
            try:
                result = services.merge_people(keep=keep, other=gone)
            except services.DirectoryError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Merged into %(name)s: %(emails)s address(es) and %(affiliations)s "
                        "organisation(s) moved over."
                    )
                    % {
                        "name": result.kept.name,
                        "emails": result.moved_emails,
                        "affiliations": result.moved_affiliations,
                    },
                )
                return redirect("people:person", pk=result.kept.pk)
    if other is not None and other.pk == person.pk:
        other = None
    return _merge_page(request, person, other=other, form=form, status=400)


# --------------------------------------------------------------------------- the grid


def _grid_cells(people: list[Person]) -> tuple[list[dict], list[Person]]:
    """The 5x5 grid, influence 5 on the top row and interest 5 on the right."""
    placed: dict[tuple[int, int], list[Person]] = {}
    unplaced = []
    for person in people:
        if person.influence is None or person.interest is None:
            unplaced.append(person)
        else:
            placed.setdefault((person.influence, person.interest), []).append(person)
    rows = [
        {
            "influence": influence,
            "cells": [
                {
                    "influence": influence,
                    "interest": interest,
                    "quadrant": quadrant_of(influence=influence, interest=interest),
                    "people": placed.get((influence, interest), []),
                }
                for interest in range(1, 6)
            ],
        }
        for influence in range(5, 0, -1)
    ]
    return rows, unplaced


def _grid_page(request, *, status: int = 200, failed: AnalysisForm | None = None, failed_pk=None):
    form, people_filter = _filtered(request)
    people: list[Person] = []
    if people_filter is not None:
        people = list(selectors.grid_people(people_filter)[: GRID_LIMIT + 1])
    more = len(people) > GRID_LIMIT
    people = people[:GRID_LIMIT]
    here = request.get_full_path()
    for person in people:
        if failed is not None and person.pk == failed_pk:
            person.analysis_form = failed
        else:
            person.analysis_form = AnalysisForm(
                initial={"influence": person.influence, "interest": person.interest, "next": here},
                auto_id=f"id_{person.pk}_%s",
            )
    rows, unplaced = _grid_cells(people)
    return render(
        request,
        "people/grid.html",
        {
            "form": form,
            "rows": rows,
            "unplaced": unplaced,
            "people": people,
            "more": more,
            "limit": GRID_LIMIT,
            "quadrants": QUADRANTS,
        },
        status=status if people_filter is not None else 400,
    )


@directory_manager_required
@require_GET
def grid(request):
    return _grid_page(request)


def _json_body(request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("Send the placement as a JSON object.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("Send the placement as a JSON object."))
    values = {}
    for name in ("influence", "interest"):
        value = data.get(name)
        values[name] = "" if value is None else str(value)
        if isinstance(value, bool | float | dict | list):
            values[name] = "invalid"
    return values


@directory_manager_required
@require_POST
def set_analysis(request, pk: int):
    """Place a person on the grid: JSON from the grid's script (answered in JSON), or
    the small form of each person (redirected back, or the page again with the error)."""
    person = _person(pk)
    as_json = request.content_type == "application/json"
    try:
        data = _json_body(request) if as_json else request.POST
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": exc.messages[0]}, status=400)
    form = AnalysisForm(data, auto_id=f"id_{person.pk}_%s")
    if form.is_valid():
        try:
            services.set_analysis(
                person=person,
                influence=form.cleaned_data["influence"],
                interest=form.cleaned_data["interest"],
                by=request.user,
            )
        except services.DirectoryError as exc:
            _add_errors(form, exc)
    if form.errors:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
        if as_json:
            return JsonResponse({"ok": False, "error": error}, status=400)
        messages.error(
            request, _("%(name)s was not moved: %(error)s") % {"name": person.name, "error": error}
        )
        if _safe_next(request, "").startswith(reverse("people:person", args=[person.pk])):
            return _person_page(request, pk, analysis_form=form, status=400)
        return _grid_page(request, status=400, failed=form, failed_pk=person.pk)
    if person.influence is None:
        said = _("%(name)s is no longer placed on the grid.") % {"name": person.name}
    else:
        said = _("%(name)s: influence %(influence)s, interest %(interest)s.") % {
            "name": person.name,
            "influence": person.influence,
            "interest": person.interest,
        }
    if as_json:
        key = quadrant_of(influence=person.influence, interest=person.interest)
        return JsonResponse(
            {
                "ok": True,
                "person": person.pk,
                "influence": person.influence,
                "interest": person.interest,
                "quadrant": key,
                "quadrant_label": str(QUADRANTS[key][0]) if key else "",
                "message": said,
            }
        )
    messages.success(request, said)
    return redirect(_safe_next(request, reverse("people:grid")))


# --------------------------------------------------------------------------- organisations


@directory_manager_required
@require_GET
def organisations(request):
    query = (request.GET.get("q") or "").strip()
    status = 200
    if not storable_text(query) or len(query) > 200:
        messages.error(request, _("The search was not understood."))
        query, status = "", 400
    page = Paginator(selectors.organisations_with_counts(query), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "people/organisations.html",
        {"page": page, "q": query, "query": _query_without(request, "page")},
        status=status,
    )


@directory_manager_required
@require_GET
def organisation_detail(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    return render(
        request,
        "people/organisation.html",
        {
            "organisation": organisation,
            "sectors": [Sector(s).label for s in organisation.sectors if s in Sector.values],
            "affiliations": selectors.organisation_people(organisation),
            "engagement": engagement.organisation_history(organisation),
        },
    )


def _organisation_fields(data: dict) -> dict:
    return {name: data[name] for name in services.ORGANISATION_FIELDS}


@directory_manager_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = _organisation_fields(form.cleaned_data)
        try:
            organisation = services.create_organisation(**fields)
        except services.DirectoryError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is in the directory.") % {"name": organisation.name}
            )
            return redirect("people:organisation", pk=organisation.pk)
    return render(
        request,
        "people/organisation_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@directory_manager_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if request.method != "POST":
        form = OrganisationForm(organisation=organisation)
        return render(
            request, "people/organisation_form.html", {"form": form, "organisation": organisation}
        )
    form = OrganisationForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            services.update_organisation(
                organisation=organisation, **_organisation_fields(form.cleaned_data)
            )
        except services.DirectoryError as exc:
            _add_errors(form, exc)
            organisation.refresh_from_db()
        else:
            messages.success(request, _("Saved."))
            return redirect("people:organisation", pk=organisation.pk)
    return render(
        request,
        "people/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=400,
    )
