"""Finding public cases: full-text search over their texts in every language, and the
repository's filters (docs/knowledge.md, "Search").

On PostgreSQL a case's ``search_vector`` holds the words of its name, short description,
good-practice aspects and transfer suggestions, original and every translation, written
by a trigger (migration 0002) on every insert and update, bulk ones included, with a GIN
index. Each text is indexed twice: with the 'simple' configuration (exact words, any
language) and stemmed with its own language's configuration (english, spanish, french,
portuguese; Chinese has none and stays 'simple'), so that "mines" finds "mining" for an
English text. Names weigh most (A), then descriptions (B), then the longer texts (C): a
case whose name holds the words ranks above one that only mentions them. A query is read
as people type into a search box (``websearch``: words, "quoted phrases", -excluded, or),
with both the 'simple' configuration and the reader's language's.

The embedded SQLite default has no full-text search: there every word of the query must
occur (case-insensitively) in one of the same texts, and the order is the name's."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

from consult.translations import LANGUAGE_CODES, column, supported

from .models import Case
from .selectors import public_cases

# The texts searched, each with its weight on PostgreSQL.
SEARCHED = {"name": "A", "summary": "B", "good_practice": "C", "transfer": "C"}

# The PostgreSQL text-search configuration per interface language (stemming).
CONFIGS = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese"}

MAX_QUERY = 200  # characters; a longer query is refused by the pages and the API
MAX_WORDS = 12  # the SQLite fallback's words (each one is a condition)


def config_for(language: str | None) -> str:
    return CONFIGS.get(supported(language) or "", "simple")


def search_cases(*, query: str, language: str | None = None) -> QuerySet[Case]:
    """Accepted cases matching ``query`` (all of them for an empty one), the best first:
    ranked full-text search on PostgreSQL, the simple fallback elsewhere."""
    query = (query or "").strip()
    cases = public_cases()
    if not query:
        return cases.order_by("name", "id")
    if connection.vendor == "postgresql":
        return search_postgres(cases, query=query, language=language)
    return search_simple(cases, query=query)


def search_postgres(cases: QuerySet[Case], *, query: str, language: str | None) -> QuerySet[Case]:
    search = SearchQuery(query, search_type="websearch", config="simple")
    config = config_for(language)
    if config != "simple":
        search = search | SearchQuery(query, search_type="websearch", config=config)
    return (
        cases.filter(search_vector=search)
        .annotate(rank=SearchRank(F("search_vector"), search))
        .order_by("-rank", "name", "id")
    )


def searched_columns() -> list[str]:
    """Every column a query looks in: each text's original and its translations."""
    return [name for field in SEARCHED for name in (field, *_translations(field))]


def listed_columns() -> list[str]:
    """What a list of cases shows: the name and short description (with their
    translations), the type and the maturity."""
    return ["slug", "language", "case_type", "maturity", "version", "name", "summary",
            *_translations("name"), *_translations("summary")]  # fmt: skip


def _translations(field: str) -> list[str]:
    return [column(field, code) for code in LANGUAGE_CODES]


def search_simple(cases: QuerySet[Case], *, query: str) -> QuerySet[Case]:
    """The embedded default's search: every word in one of the texts (any language)."""
    columns = searched_columns()
    words = [w.strip('"') for w in query.split()][:MAX_WORDS]
    for word in filter(None, words):
        any_column = Q()
        for name in columns:
            any_column |= Q(**{f"{name}__icontains": word})
        cases = cases.filter(any_column)
    return cases.order_by("name", "id")


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class CaseFilters:
    """The repository's filters; an empty value filters nothing."""

    case_type: str = ""
    maturity: str = ""
    sector: str = ""
    mineral: str = ""
    region: str = ""
    issue: int | None = None


# Filter -> the list field of Case it looks in.
LIST_FILTERS = {"sector": "sectors", "mineral": "minerals", "region": "regions"}


def filter_cases(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    if filters.maturity:
        cases = cases.filter(maturity=filters.maturity)
    if filters.issue is not None:
        cases = cases.filter(mappings__issue_id=filters.issue)
    for name, field in LIST_FILTERS.items():
        value = getattr(filters, name)
        if not value:
            continue
        if connection.features.supports_json_field_contains:
            cases = cases.filter(**{f"{field}__contains": [value]})
        else:  # SQLite: JSON containment is not portable, the embedded data is small
            ids = [pk for pk, values in cases.values_list("pk", field) if value in (values or [])]
            cases = cases.filter(pk__in=ids)
    return cases
