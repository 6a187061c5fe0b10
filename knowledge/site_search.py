"""Searching the whole site: good-practice cases, roadmaps and consultations, in the
reader's language where a translation exists (docs/knowledge.md, "Site search").

* **Cases:** ``knowledge.search.search_cases`` (accepted cases only).
* **Roadmaps:** every published roadmap (public, as their pages are): the consultation's
  title and the texts of the published version's items.
* **Consultations:** those the reader may read (``consult.selectors.readable_consultations``:
  never a draft unless they organise its process; a non-public one only when signed in):
  the title, the summary and the texts of the latest version. Closed consultations are
  found too: they stay readable.

On PostgreSQL a query is read as people type into a search box (``websearch``), with the
'simple' configuration and the reader's language's (stemming), against stored vectors:
the cases' ``search_vector`` and, for roadmaps and consultations, the tables that
migration 0005 keeps by triggers (computing them at every search would parse every
section text of every consultation). Results are ranked (``ts_rank``). On the embedded
SQLite default every word must occur, case-insensitively, in one of the texts (original
or a translation), ordered by title.

What a result shows (title and snippet) is in the reader's language where a translation
exists, else the original. Snippets are made in Python from plain text: everything is
escaped and the only markup is the ``<mark>`` around matched words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Window
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.models import Consultation, SectionText, Version
from consult.selectors import readable_consultations
from consult.translations import LANGUAGE_CODES, column, current_language, localized, supported
from people.text import storable_text

from .models import Case, Roadmap
from .search import MAX_QUERY, MAX_WORDS, config_for, search_cases, search_simple
from .selectors import public_cases
from .vocabularies import CaseType, Maturity

User = AbstractBaseUser | AnonymousUser

CASE, ROADMAP, CONSULTATION = "case", "roadmap", "consultation"
KINDS: tuple[str, ...] = (CASE, ROADMAP, CONSULTATION)
KIND_LABELS = {
    CASE: gettext_lazy("Good-practice cases"),
    ROADMAP: gettext_lazy("Roadmaps"),
    CONSULTATION: gettext_lazy("Consultations"),
}
PER_KIND = 5  # results per kind when every kind is shown
MAX_LIMIT = 50  # results per kind at most in one call
SNIPPET = 220  # characters around the first match


@dataclass(frozen=True)
class Hit:
    """One result: what it is, its title (``language``: the title's language, the
    reader's unless it is shown in the original), its address, a snippet (safe HTML:
    escaped text with ``<mark>``) and its rank (None on the SQLite fallback)."""

    kind: str
    title: str
    url: str
    snippet: SafeString
    rank: float | None
    language: str
    detail: str = ""


@dataclass
class Group:
    """The results of one kind: how many match in all, and the ones asked for."""

    kind: str
    count: int
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0  # of the first hit among all matches

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass
class SiteSearch:
    """The answer to one search: its groups in the order of ``KINDS``."""

    query: str
    groups: list[Group] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    def group(self, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind), None)


# --------------------------------------------------------------------------- input


def clean_query(query: str | None) -> str:
    """The query stripped; ValidationError when longer than ``MAX_QUERY`` characters or
    holding a character that cannot be stored (a null)."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise ValidationError(
            _("Keep the search under %(limit_value)d characters.") % {"limit_value": MAX_QUERY},
            code="too_long",
        )
    if not storable_text(query):
        raise ValidationError(_("The search was not understood."), code="invalid")
    return query


def clean_kinds(kinds: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The kinds asked for, in the order of ``KINDS`` (every kind for none);
    ValidationError for a kind that does not exist."""
    if not kinds:
        return KINDS
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValidationError(_("Search in cases, roadmaps or consultations."), code="invalid_kind")
    return tuple(kind for kind in KINDS if kind in kinds)


# --------------------------------------------------------------------------- matching


def _tsquery(query: str, language: str | None) -> SearchQuery:
    search = SearchQuery(query, search_type="websearch", config="simple")
    config = config_for(language)
    if config != "simple":
        search = search | SearchQuery(query, search_type="websearch", config=config)
    return search


def _latest_version() -> Subquery:
    return Subquery(
        Version.objects.filter(consultation=OuterRef("pk")).order_by("-number").values("pk")[:1]
    )


def _words(query: str) -> list[str]:
    words = [w.strip('"') for w in query.split()][:MAX_WORDS]
    return [w for w in words if w]


def _any_text(fields: list[str], word: str, prefix: str = "") -> Q:
    """Some of ``fields`` (each with its translations) holds ``word``."""
    condition = Q()
    for name in fields:
        for column_name in (name, *(column(name, code) for code in LANGUAGE_CODES)):
            condition |= Q(**{f"{prefix}{column_name}__icontains": word})
    return condition


def _simple_texts(items: QuerySet, *, word: str, version: str, own: list[str], prefix: str):
    sections = SectionText.objects.filter(version_id=OuterRef(version)).filter(
        _any_text(["heading", "body"], word)
    )
    return items.filter(_any_text(own, word, prefix) | Exists(sections))


def matching_roadmaps(*, query: str, language: str | None, simple: bool) -> QuerySet[Roadmap]:
    """Published roadmaps whose consultation's title or published version's texts match."""
    roadmaps = Roadmap.objects.select_related("consultation__process")
    if simple:
        for word in _words(query):
            roadmaps = _simple_texts(
                roadmaps, word=word, version="version_id", own=["title"], prefix="consultation__"
            )
        return roadmaps.order_by("-published_at", "-id")
    search = _tsquery(query, language)
    document = Func(
        F("consultation_id"),
        F("version_id"),
        function="knowledge_roadmap_document",
        output_field=SearchVectorField(),
    )
    return (
        roadmaps.annotate(document=document)
        .filter(document=search)
        .annotate(rank=SearchRank(F("document"), search))
        .order_by("-rank", "-published_at", "-id")
    )


def matching_consultations(
    *, query: str, language: str | None, user: User, simple: bool
) -> QuerySet[Consultation]:
    """The consultations ``user`` may read whose title, summary or latest version's texts
    match (each with its ``latest_version`` id)."""
    consultations = (
        readable_consultations(user)
        .select_related("process")
        .annotate(latest_version=_latest_version())
    )
    if simple:
        for word in _words(query):
            consultations = _simple_texts(
                consultations, word=word, version="latest_version", own=["title", "summary"],
                prefix="",
            )  # fmt: skip
        return consultations.order_by("title", "id")
    search = _tsquery(query, language)
    document = Func(
        F("pk"), function="knowledge_consultation_document", output_field=SearchVectorField()
    )
    return (
        consultations.annotate(document=document)
        .filter(document=search)
        .annotate(rank=SearchRank(F("document"), search))
        .order_by("-rank", "title", "id")
    )


def matching(
    *, kind: str, query: str, language: str | None, user: User, simple: bool | None = None
) -> QuerySet:
    """The ``kind`` objects matching a (clean, non-empty) ``query`` that ``user`` may
    read, the best first (ranked, as ``rank``, on PostgreSQL). ``simple``: the embedded
    default's search (every word in some text, no ranking); by default on any database
    but PostgreSQL."""
    if simple is None:
        simple = connection.vendor != "postgresql"
    if kind == CASE:
        if simple:
            return search_simple(public_cases(), query=query)
        return search_cases(query=query, language=language)
    if kind == ROADMAP:
        return matching_roadmaps(query=query, language=language, simple=simple)
    if kind == CONSULTATION:
        return matching_consultations(query=query, language=language, user=user, simple=simple)
    raise ValueError(kind)


# --------------------------------------------------------------------------- snippets

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|[*_`~]|^\s{0,3}(?:#{1,6}|>|[-+]|\d+[.)])\s+)", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """A Markdown text as plain words for a snippet (links become their text; emphasis,
    headings, quotes and list marks go; whitespace is collapsed)."""
    text = _LINK.sub(r"\1", text or "")
    return _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()


def query_terms(query: str, language: str | None, *, stems: bool) -> list[str]:
    """The words a snippet marks: the query's words (not the excluded ones, not "or"),
    and on PostgreSQL with a stemming language, their stems ("audits" marks "audit"),
    leaving out the words the language ignores ("the", "of")."""
    words = []
    for raw in query.split()[:MAX_WORDS]:
        if raw.startswith("-") or raw.lower() == "or":
            continue
        words.extend(re.sub(r"[^\w]+", " ", raw).split())
    config = config_for(language)
    if stems and words and config != "simple":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, ARRAY(SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, w)))"
                " FROM unnest(%s::text[]) AS w",
                [config, words],
            )
            words = [term for word, lexemes in cursor.fetchall() if lexemes
                     for term in (word, *lexemes)]  # fmt: skip
    return sorted({word.lower() for word in words if word})


def fold(text: str) -> str:
    """``text`` lower-cased and without accents, character for character (same length,
    so that a match in it is at the same place in ``text``)."""
    if text.isascii():
        return text.lower()
    out = []
    for char in text:
        lower = char.lower()
        char = lower if len(lower) == 1 else char
        out.append(unicodedata.normalize("NFD", char)[0])
    return "".join(out)


def _pattern(terms: list[str]) -> re.Pattern | None:
    """Words starting with one of ``terms``, to search in ``fold``-ed text."""
    terms = sorted({fold(term) for term in terms if term}, key=len, reverse=True)
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*")


def snippet(texts: list[str], terms: list[str], *, width: int = SNIPPET) -> SafeString:
    """About ``width`` characters of the first of ``texts`` (Markdown) holding one of
    ``terms`` (case and accents aside), around its first match, the words matched in
    ``<mark>``; the start of the first non-empty text when none matches. Escaped: the
    only markup is ours."""
    pattern = _pattern(terms)
    chosen, start = "", 0
    for text in filter(None, (plain(text) for text in texts if text)):
        found = pattern.search(fold(text)) if pattern is not None else None
        if found:
            chosen, start = text, max(0, found.start() - width // 4)
            break
        chosen = chosen or text
        if pattern is None:
            break
    if not chosen:
        return mark_safe("")
    if start:
        space = chosen.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(chosen), start + width)
    if end < len(chosen):
        space = chosen.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    piece = chosen[start:end]
    out, last = [], 0
    for match in pattern.finditer(fold(piece)) if pattern is not None else ():
        out.append(escape(piece[last : match.start()]))
        out.append(f"<mark>{escape(piece[match.start() : match.end()])}</mark>")
        last = match.end()
    out.append(escape(piece[last:]))
    html = "".join(out)
    if start > 0:
        html = "… " + html
    if end < len(chosen):
        html += " …"
    return mark_safe(html)  # noqa: S308 - every piece of text above is escaped


# --------------------------------------------------------------------------- results


def _text(obj: Any, name: str, language: str) -> str:
    return localized(obj, name, language=language).text


def _section_texts(version_ids: set[int], language: str) -> dict[int, list[tuple[int, str]]]:
    """Per version: (section id, heading and body in the reader's language) in order."""
    if not version_ids:
        return {}
    fields = ["heading", "body"]
    names = ["version_id", "section_id", "position", "language", *fields]
    names += [column(name, language) for name in fields]
    out: dict[int, list[tuple[int, str]]] = {}
    for text in (
        SectionText.objects.filter(version_id__in=version_ids)
        .only(*names)
        .order_by("version_id", "position")
    ):
        words = f"{_text(text, 'heading', language)}. {_text(text, 'body', language)}"
        out.setdefault(text.version_id, []).append((text.section_id, words))
    return out


def _rank(obj: Any) -> float | None:
    rank = getattr(obj, "rank", None)
    return None if rank is None else float(rank)


def _case_hits(cases: list[Case], terms: list[str], language: str) -> list[Hit]:
    types, maturities = dict(CaseType.choices), dict(Maturity.choices)
    hits = []
    for case in cases:
        title = localized(case, "name", language=language)
        texts = [_text(case, name, language) for name in ("summary", "good_practice", "transfer")]
        hits.append(
            Hit(
                kind=CASE,
                title=title.text,
                url=reverse("knowledge:case", args=[case.slug]),
                snippet=snippet(texts, terms),
                rank=_rank(case),
                language=title.language,
                detail=f"{types.get(case.case_type, '')} · {maturities.get(case.maturity, '')}",
            )
        )
    return hits


def _first_match(sections: list[tuple[int, str]], terms: list[str]) -> int | None:
    pattern = _pattern(terms)
    if pattern is None:
        return None
    return next((pk for pk, text in sections if pattern.search(fold(plain(text)))), None)


def _roadmap_hits(
    roadmaps: list[Roadmap], terms: list[str], language: str, sections: dict
) -> list[Hit]:
    hits = []
    for roadmap in roadmaps:
        title = localized(roadmap.consultation, "title", language=language)
        items = sections.get(roadmap.version_id, [])
        url = reverse("knowledge:roadmap", args=[roadmap.slug])
        first = _first_match(items, terms)
        hits.append(
            Hit(
                kind=ROADMAP,
                title=title.text,
                url=f"{url}#item-{first}" if first is not None else url,
                snippet=snippet([text for _pk, text in items], terms),
                rank=_rank(roadmap),
                language=title.language,
                detail=roadmap.consultation.process.title,
            )
        )
    return hits


def _consultation_hits(
    consultations: list[Consultation], terms: list[str], language: str, sections: dict
) -> list[Hit]:
    statuses = dict(Consultation.Status.choices)
    hits = []
    for consultation in consultations:
        title = localized(consultation, "title", language=language)
        items = sections.get(consultation.latest_version, [])
        texts = [_text(consultation, "summary", language), *(text for _pk, text in items)]
        hits.append(
            Hit(
                kind=CONSULTATION,
                title=title.text,
                url=reverse(
                    "consult:consultation", args=[consultation.process.slug, consultation.slug]
                ),
                snippet=snippet(texts, terms),
                rank=_rank(consultation),
                language=title.language,
                detail=f"{consultation.process.title} · {statuses.get(consultation.status, '')}",
            )
        )
    return hits


def _columns(items: QuerySet, kind: str, language: str) -> QuerySet:
    """Only the columns the results show."""
    if kind == CASE:
        texts = ["name", "summary", "good_practice", "transfer"]
        names = ["slug", "language", "case_type", "maturity", *texts]
        return items.only(*names, *(column(name, language) for name in texts))
    if kind == ROADMAP:
        return items.defer("published_by")
    return items


def _count_and_page(items: QuerySet, *, offset: int, limit: int) -> tuple[int, int, list]:
    """The number of ``items``, the offset read (past the end: the last ``limit``) and
    the rows from there, counted in the same query as the rows are read (a search
    counts its matches once, not twice)."""
    rows = list(items.annotate(total=Window(Count("pk")))[offset : offset + limit])
    if rows:
        return rows[0].total, offset, rows
    count = items.count()
    if not count or offset < count:
        return count, offset, []
    offset = (count - 1) // limit * limit
    return count, offset, list(items[offset : offset + limit])


def search_site(
    *,
    query: str,
    language: str | None,
    user: User,
    kinds: list[str] | tuple[str, ...] | None = None,
    limit: int = PER_KIND,
    offset: int = 0,
    hits_for: str | None = None,
    simple: bool | None = None,
) -> SiteSearch:
    """Search cases, roadmaps and consultations (``kinds``: some of them) for ``query``
    as ``user`` may read them: per kind, the number of matches and ``limit`` results
    from ``offset`` (past the end: the last ``limit``), the best first, in ``language``
    where translated; ``hits_for``: only that kind's results are read, the others are
    only counted. An empty query finds nothing (no group). ValidationError for a query
    too long or not understood, or an unknown kind; ``limit`` is at most ``MAX_LIMIT``."""
    query = clean_query(query)
    wanted = clean_kinds(kinds)
    if hits_for is not None and hits_for not in wanted:
        raise ValidationError(_("Search in cases, roadmaps or consultations."), code="invalid_kind")
    reader = supported(language) or current_language()
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    result = SiteSearch(query=query)
    if not query:
        return result
    if simple is None:
        simple = connection.vendor != "postgresql"
    pages: dict[str, list] = {}
    for kind in wanted:
        items = matching(kind=kind, query=query, language=reader, user=user, simple=simple)
        if limit and hits_for in (None, kind):
            items = _columns(items, kind, reader)
            count, start, pages[kind] = _count_and_page(items, offset=offset, limit=limit)
        else:
            count, start, pages[kind] = items.count(), offset, []
        result.groups.append(Group(kind=kind, count=count, offset=start))
    terms = query_terms(query, reader, stems=not simple)
    versions = {r.version_id for r in pages.get(ROADMAP, [])}
    versions |= {c.latest_version for c in pages.get(CONSULTATION, []) if c.latest_version}
    sections = _section_texts(versions, reader)
    build = {
        CASE: lambda rows: _case_hits(rows, terms, reader),
        ROADMAP: lambda rows: _roadmap_hits(rows, terms, reader, sections),
        CONSULTATION: lambda rows: _consultation_hits(rows, terms, reader, sections),
    }
    for group in result.groups:
        group.hits = build[group.kind](pages[group.kind])
    return result


PER_PAGE = 20  # results a page when one kind is shown


@dataclass
class SearchPage:
    """What the search page shows: the search (None before a query is typed), the kind
    shown alone ("" for every kind) and, for one kind, the page of its results."""

    search: SiteSearch | None
    kind: str = ""
    page: Page | None = None


def search_page(
    *, query: str, language: str | None, user: User, kind: str = "", page: int = 1
) -> SearchPage:
    """The search page's results: every kind (``PER_KIND`` results each, with the number
    of matches), or one kind ``PER_PAGE`` a page (page ``page``; past the end, the
    last). ValidationError as ``search_site``."""
    query = clean_query(query)
    if kind:
        clean_kinds([kind])
    if not query:
        return SearchPage(search=None, kind=kind)
    if not kind:
        return SearchPage(search=search_site(query=query, language=language, user=user), kind=kind)
    found = search_site(
        query=query,
        language=language,
        user=user,
        limit=PER_PAGE,
        offset=(max(1, page) - 1) * PER_PAGE,
        hits_for=kind,
    )
    group = found.group(kind)
    paginator = Paginator(range(group.count), PER_PAGE)
    number = group.offset // PER_PAGE + 1
    return SearchPage(
        search=found, kind=kind, page=paginator.page(min(number, paginator.num_pages))
    )
