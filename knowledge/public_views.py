"""The public face of the knowledge repository (no account needed): the case repository
with search and filters, a case's page, and the CSV and JSON exports of the cases."""

from __future__ import annotations

import json
from collections import OrderedDict

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_countries import countries

from consult.translations import column, current_language, localized
from people.text import storable_text
from people.vocabularies import Region, Sector, ValueChainStage

from . import exports
from .models import ImpactIssue
from .search import (
    MAX_QUERY,
    CaseFilters,
    filter_cases,
    listed_columns,
    search_cases,
)
from .selectors import public_cases
from .vocabularies import CaseType, Maturity, Mineral

PER_PAGE = 50
SELECTED = mark_safe(" selected")  # a constant


def _choices(enum) -> list[tuple[str, str]]:
    return [("", gettext_lazy("Any"))] + [(v, label) for v, label in enum.choices if v]


class RepositoryForm(forms.Form):
    """The repository's search box and filters (GET)."""

    q = forms.CharField(label=gettext_lazy("Search"), max_length=MAX_QUERY, required=False)
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=[], required=False)
    maturity = forms.ChoiceField(label=gettext_lazy("Maturity"), choices=[], required=False)
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), choices=[], required=False)
    mineral = forms.ChoiceField(label=gettext_lazy("Mineral"), choices=[], required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), choices=[], required=False)
    issue = forms.TypedChoiceField(
        label=gettext_lazy("Impact issue"), choices=[], required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = _choices(CaseType)
        self.fields["maturity"].choices = _choices(Maturity)
        self.fields["sector"].choices = _choices(Sector)
        self.fields["mineral"].choices = _choices(Mineral)
        self.fields["region"].choices = _choices(Region)
        language = current_language()
        title = ("title", "language", column("title", language))
        issues = ImpactIssue.objects.select_related("area").only(
            *title, *(f"area__{name}" for name in title)
        )
        self.fields["issue"].choices = [("", _("Any"))] + [
            (issue.pk, f"{localized(issue.area, 'title')}: {localized(issue, 'title')}")
            for issue in issues
        ]

    def clean_q(self) -> str:
        q = self.cleaned_data["q"].strip()
        if not storable_text(q):
            raise forms.ValidationError(_("The search was not understood."))
        return q

    def menus(self) -> list[dict]:
        """The filters as the page shows them: each with its options and the chosen one
        (rendered by hand: Django's widgets render a template per option)."""
        out = []
        for name, field in self.fields.items():
            if name == "q":
                continue
            bound = self[name]
            chosen = "" if bound.value() is None else str(bound.value())
            out.append(
                {
                    "name": name,
                    "label": field.label,
                    "errors": bound.errors,
                    "options": format_html_join(
                        "",
                        '<option value="{}"{}>{}</option>',
                        (
                            (value, SELECTED if str(value) == chosen else "", label)
                            for value, label in field.choices
                        ),
                    ),
                }
            )
        return out

    def filters(self) -> CaseFilters:
        data = self.cleaned_data
        return CaseFilters(
            case_type=data["type"],
            maturity=data["maturity"],
            sector=data["sector"],
            mineral=data["mineral"],
            region=data["region"],
            issue=data["issue"],
        )


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
def repository(request):
    """The accepted cases, searched and filtered, 50 a page."""
    form = RepositoryForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Some filters were not understood; showing every case."))
        status = 400
        cases = search_cases(query="")
        query = ""
    elif form.is_bound:
        query = form.cleaned_data["q"]
        cases = filter_cases(search_cases(query=query, language=current_language()), form.filters())
    else:
        query = ""
        cases = search_cases(query="")
    page = _page(cases.only(*listed_columns()), request.GET.get("page"))
    # The labels once per page (``get_FOO_display`` would rebuild the choices per case).
    types, maturities = dict(CaseType.choices), dict(Maturity.choices)
    for case in page.object_list:
        case.type_label = types.get(case.case_type, "")
        case.maturity_label = maturities.get(case.maturity, "")
    return render(
        request,
        "knowledge/repository.html",
        {
            "form": form if form.is_bound else RepositoryForm(),
            "page": page,
            "q": query,
            "query": _query_without(request, "page"),
        },
        status=status,
    )


def _page(cases, number: str | None) -> Page:
    """A page of ``cases`` as ``Paginator.get_page`` gives it (the last page for a number
    past the end, the first for one that is not a number), counted in the same query as
    the page is read (a search counts its matches once, not twice)."""
    try:
        wanted = max(1, int(number or 1))
    except ValueError:
        wanted = 1
    counted = cases.annotate(total=Window(Count("pk")))
    rows = list(counted[(wanted - 1) * PER_PAGE : wanted * PER_PAGE])
    total = rows[0].total if rows else cases.count()
    paginator = Paginator(range(total), PER_PAGE)
    if not rows and total:
        wanted = paginator.num_pages
        rows = list(cases[(wanted - 1) * PER_PAGE : wanted * PER_PAGE])
    return Page(rows, min(wanted, paginator.num_pages), paginator)


@require_GET
def case_page(request, slug: str):
    """One accepted case, with everything known about it."""
    case = (
        public_cases()
        .filter(slug=slug)
        .prefetch_related("organisations", "links", "evidence", "actions")
        .first()
    )
    if case is None:
        raise Http404
    mappings = case.mappings.select_related("issue__area")
    areas: OrderedDict = OrderedDict()
    for mapping in mappings:
        areas.setdefault(mapping.issue.area, []).append(mapping)
    links = list(case.links.all())
    return render(
        request,
        "knowledge/case.html",
        {
            "case": case,
            "type": CaseType(case.case_type).label if case.case_type in CaseType.values else "",
            "maturity": Maturity(case.maturity).label if case.maturity in Maturity.values else "",
            "sectors": _labels(Sector, case.sectors),
            "minerals": _labels(Mineral, case.minerals),
            "stages": _labels(ValueChainStage, case.stages),
            "regions": _labels(Region, case.regions),
            "countries": [countries.name(code) or code for code in case.countries],
            "organisations": [o.name for o in case.organisations.all()],
            "links": [link for link in links if link.kind == link.Kind.LINK],
            "sources": [link for link in links if link.kind == link.Kind.SOURCE],
            "areas": list(areas.items()),
            "actions": list(case.actions.all()),
            "evidence": [(item, _safe_link(item.url)) for item in case.evidence.all()],
        },
    )


def _safe_link(url: str) -> str:
    """An evidence's link if it is one of ours or a web address, else none."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if url.startswith(("https://", "http://")) else ""


def _labels(enum, values: list) -> list[str]:
    return [str(enum(v).label) for v in values or [] if v in enum.values and v]


@require_GET
def cases_csv(request):
    response = HttpResponse(exports.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


@require_GET
def cases_json(request):
    body = json.dumps(exports.as_json(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.json"'
    return response
