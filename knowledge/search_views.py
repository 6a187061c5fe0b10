"""The site's search page (``/search/``, no account needed): cases, roadmaps and the
consultations the reader may read, in their language where translated. Thin:
``knowledge.site_search`` decides what is found and what each person may see."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consult.translations import current_language

from . import site_search
from .search import MAX_QUERY


class SearchForm(forms.Form):
    """The search box, where to search, and the page of one kind's results (GET)."""

    q = forms.CharField(
        label=gettext_lazy("Search for"),
        max_length=MAX_QUERY,
        required=False,
        error_messages={
            "max_length": gettext_lazy("Keep the search under %(limit_value)d characters.")
        },
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Search in"),
        required=False,
        choices=[("", gettext_lazy("Everything")), *site_search.KIND_LABELS.items()],
        error_messages={
            "invalid_choice": gettext_lazy("Search in cases, roadmaps or consultations.")
        },
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def clean_q(self) -> str:
        try:
            return site_search.clean_query(self.cleaned_data["q"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search everything (a few results of each kind, with the number of matches and a
    link to all of them), or one kind page by page. A bad query or kind answers 400 with
    the error at its field."""
    form = SearchForm(request.GET)
    found = site_search.SearchPage(search=None)
    status = 200
    if not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data
        found = site_search.search_page(
            query=data["q"],
            language=current_language(),
            user=request.user,
            kind=data["kind"],
            page=data["page"] or 1,
        )
    return render(
        request,
        "knowledge/search.html",
        {
            "form": form,
            "found": found,
            "q": form.cleaned_data.get("q", "") if status == 200 else "",
            "kinds": site_search.KIND_LABELS,
            "query": _query_without_page(request),
        },
        status=status,
    )
