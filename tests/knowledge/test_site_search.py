"""Searching the whole site (knowledge/site_search.py and the page /search/): cases,
roadmaps and consultations, found by their words (stemmed on PostgreSQL, the suite's
database), in the reader's language, never a consultation the reader may not read;
the embedded default's simpler search called directly; the page's errors and cost."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import selectors, services
from consult.models import Consultation, ProcessRole, SectionText
from knowledge import roadmaps, site_search
from knowledge.models import Case
from knowledge.search import MAX_QUERY
from knowledge.site_search import CASE, CONSULTATION, KINDS, ROADMAP, search_site
from knowledge.vocabularies import CaseType, Maturity
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.frontend.test_views import assert_strict_page
from tests.knowledge.factories import make_case

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()
SEARCH = reverse("knowledge:search")


def titles(found, kind: str) -> list[str]:
    group = found.group(kind)
    return [hit.title for hit in group.hits] if group else []


def counts(found) -> dict[str, int]:
    return {group.kind: group.count for group in found.groups}


def sections(*texts: tuple[str, str]) -> list[dict]:
    return [{"type": "context", "heading": heading, "body": body} for heading, body in texts]


def published_roadmap(*, title: str, texts: list[dict], process=None):
    consultation = make_consultation(
        process=process or make_process(), status="closed", title=title, sections=texts
    )
    return roadmaps.publish_roadmap(
        consultation=consultation,
        version=selectors.latest_version(consultation),
        by=consultation.process.owner,
    )


def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


# --------------------------------------------------------------------------- each kind


def test_finds_each_kind_by_a_word_in_its_texts():
    make_case(name="Cobalt passport", summary="A digital passport for every battery.")
    make_case(name="Water stewardship", summary="Tailings and water data.")
    published_roadmap(
        title="Battery roadmap",
        texts=sections(("Vision", "Every battery carries a passport by 2030.")),
    )
    make_consultation(
        title="Recycling targets",
        summary="How many batteries to collect.",
        sections=sections(("Passport data", "What the battery passport should hold.")),
    )
    make_consultation(title="Unrelated", sections=sections(("Water", "Tailings dams.")))
    found = search_site(query="passport", language="en", user=ANONYMOUS)
    # The roadmap's consultation is closed, and still readable: found as well.
    assert counts(found) == {CASE: 1, ROADMAP: 1, CONSULTATION: 2}
    assert titles(found, CASE) == ["Cobalt passport"]
    case_hit = found.group(CASE).hits[0]
    assert case_hit.url == "/cases/" + Case.objects.get(name="Cobalt passport").slug + "/"
    assert case_hit.detail == f"{CaseType.PRIVATE_VALUE_CHAIN.label} · {Maturity.ESTABLISHED.label}"
    assert titles(found, ROADMAP) == ["Battery roadmap"]
    assert sorted(titles(found, CONSULTATION)) == ["Battery roadmap", "Recycling targets"]
    assert found.total == 4
    roadmap_hit = found.group(ROADMAP).hits[0]
    assert roadmap_hit.url.startswith("/roadmaps/") and "#item-" in roadmap_hit.url
    assert "<mark>passport</mark>" in roadmap_hit.snippet
    assert found.group(CONSULTATION).hits[0].rank > 0


def test_every_word_must_match_and_a_title_ranks_first():
    make_consultation(
        title="Aaa due diligence",
        sections=sections(("Audit", "Smelters are audited for cobalt.")),
    )
    make_consultation(title="Zzz cobalt smelters", sections=sections(("Scope", "Refiners.")))
    make_consultation(title="Cobalt alone", sections=sections(("Scope", "Nothing more.")))
    found = search_site(query="cobalt smelters", language="en", user=ANONYMOUS)
    assert titles(found, CONSULTATION) == ["Zzz cobalt smelters", "Aaa due diligence"]
    ranks = [hit.rank for hit in found.group(CONSULTATION).hits]
    assert ranks[0] > ranks[1]
    excluded = search_site(query="cobalt -smelters", language="en", user=ANONYMOUS)
    assert titles(excluded, CONSULTATION) == ["Cobalt alone"]


def test_english_words_are_stemmed_for_an_english_reader():
    make_case(name="Supplier audit", summary="One audit a year.")
    published_roadmap(title="Audit roadmap", texts=sections(("Audit", "An audit of smelters.")))
    make_consultation(title="Draft on audit", sections=sections(("Audit", "Audit every tier.")))
    found = search_site(query="audits", language="en", user=ANONYMOUS)
    assert counts(found) == {CASE: 1, ROADMAP: 1, CONSULTATION: 2}
    assert all("<mark>audit</mark>" in h.snippet.lower() for h in found.group(CONSULTATION).hits)
    # Chinese has no stemming configuration: the exact words only.
    assert search_site(query="audits", language="zh-hans", user=ANONYMOUS).total == 0


def test_a_translation_is_found_and_shown_to_a_reader_of_that_language():
    consultation = make_consultation(
        title="Responsible sourcing draft",
        summary="Draft for comments.",
        sections=sections(("Smelters", "Every smelter is audited.")),
    )
    text = SectionText.objects.get(version__consultation=consultation)
    services.translate_consultation(
        consultation=consultation,
        by=consultation.process.owner,
        language="es",
        title="Borrador de abastecimiento responsable",
        summary="Borrador para comentarios.",
        sections={text.pk: ("Fundiciones", "Cada fundición es auditada por terceros.")},
    )
    found = search_site(query="fundiciones", language="es", user=ANONYMOUS)
    hit = found.group(CONSULTATION).hits[0]
    assert hit.title == "Borrador de abastecimiento responsable"
    assert hit.language == "es"
    assert "<mark>fundición</mark>" in hit.snippet  # stemmed in Spanish
    # An English reader finds it by the Spanish word too, and sees the original.
    english = search_site(query="fundiciones", language="en", user=ANONYMOUS)
    assert titles(english, CONSULTATION) == ["Responsible sourcing draft"]
    # Not translated into French: the original, in its language.
    french = search_site(query="smelter", language="fr", user=ANONYMOUS)
    assert [(h.title, h.language) for h in french.group(CONSULTATION).hits] == [
        ("Responsible sourcing draft", "en")
    ]


def test_a_translated_case_shows_its_translation():
    make_case(
        name="Smelter audit programme",
        name_in_fr="Programme d'audit des fonderies",
        summary="Audits.",
        summary_in_fr="Audits indépendants et traçabilité des fonderies.",
    )
    found = search_site(query="traçabilité", language="fr", user=ANONYMOUS)
    hit = found.group(CASE).hits[0]
    assert (hit.title, hit.language) == ("Programme d'audit des fonderies", "fr")
    assert "<mark>traçabilité</mark>" in hit.snippet


def test_the_vectors_follow_new_versions_and_edits():
    consultation = make_consultation(
        title="Living draft", sections=sections(("Scope", "Lithium brine."))
    )
    assert search_site(query="lithium", language="en", user=ANONYMOUS).total == 1
    services.publish_version(
        consultation=consultation,
        by=consultation.process.owner,
        title="Second draft",
        sections=sections(("Scope", "Graphite anodes.")),
    )
    # Only the latest version of a consultation is searched.
    assert search_site(query="lithium", language="en", user=ANONYMOUS).total == 0
    assert search_site(query="graphite", language="en", user=ANONYMOUS).total == 1
    SectionText.objects.filter(version__consultation=consultation).update(body="Nickel.")
    assert search_site(query="nickel", language="en", user=ANONYMOUS).total == 1
    Consultation.objects.filter(pk=consultation.pk).update(title="Renamed manganese draft")
    assert titles(search_site(query="manganese", language="en", user=ANONYMOUS), CONSULTATION) == [
        "Renamed manganese draft"
    ]
    pk, versions = consultation.pk, list(consultation.versions.values_list("pk", flat=True))
    consultation.delete()
    assert search_site(query="nickel", language="en", user=ANONYMOUS).total == 0
    with connection.cursor() as cursor:  # the stored vectors go with it
        cursor.execute(
            "SELECT count(*) FROM knowledge_consultation_search WHERE consultation_id = %s", [pk]
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT count(*) FROM knowledge_version_search WHERE version_id = ANY(%s)", [versions]
        )
        assert cursor.fetchone() == (0,)


def test_a_roadmap_searches_its_published_version_not_the_latest():
    roadmap = published_roadmap(
        title="Mobility roadmap", texts=sections(("Vision", "Zero-emission buses."))
    )
    services.publish_version(
        consultation=roadmap.consultation,
        by=roadmap.consultation.process.owner,
        title="After publication",
        sections=sections(("Vision", "Hydrogen trucks.")),
    )
    assert titles(search_site(query="buses", language="en", user=ANONYMOUS), ROADMAP) == [
        "Mobility roadmap"
    ]
    assert search_site(query="hydrogen", language="en", user=ANONYMOUS).group(ROADMAP).count == 0
    # The consultation summary is not the roadmap's: only its title.
    Consultation.objects.filter(pk=roadmap.consultation_id).update(summary="Summary tungsten.")
    found = search_site(query="tungsten", language="en", user=ANONYMOUS)
    assert counts(found) == {CASE: 0, ROADMAP: 0, CONSULTATION: 1}


def test_non_accepted_cases_are_never_found():
    make_case(name="Cobalt pilot")
    for status in (Case.Status.PROPOSED, Case.Status.DECLINED):
        make_case(name=f"Cobalt {status}", status=status)
    assert titles(search_site(query="cobalt", language="en", user=ANONYMOUS), CASE) == [
        "Cobalt pilot"
    ]


# --------------------------------------------------------------------------- who reads


def test_drafts_and_private_consultations_are_only_found_by_those_who_may_read_them():
    process = make_process()
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process)
    member = make_member()
    make_consultation(process=process, title="Zinc open", sections=sections(("A", "zinc")))
    make_consultation(process=process, title="Zinc closed", status="closed")
    make_consultation(process=process, title="Zinc draft", status="draft")
    make_consultation(process=process, title="Zinc members only", is_public=False)
    make_consultation(title="Zinc elsewhere draft", status="draft")  # another process's

    def found(user) -> list[str]:
        return sorted(titles(search_site(query="zinc", language="en", user=user), CONSULTATION))

    assert found(ANONYMOUS) == ["Zinc closed", "Zinc open"]
    assert found(member) == ["Zinc closed", "Zinc members only", "Zinc open"]
    assert found(organiser) == ["Zinc closed", "Zinc draft", "Zinc members only", "Zinc open"]
    assert found(process.owner) == found(organiser)
    for user in (ANONYMOUS, member):
        assert (
            site_search.matching(kind=CONSULTATION, query="draft", language="en", user=user)
            .filter(status="draft")
            .count()
            == 0
        )


def test_the_page_never_shows_a_draft_to_the_public(client: Client):
    process = make_process()
    make_consultation(process=process, title="Secret tantalum draft", status="draft")
    make_consultation(process=process, title="Private tantalum", is_public=False)
    make_consultation(process=process, title="Public tantalum")
    html = client.get(SEARCH, {"q": "tantalum"}).content.decode()
    assert "Public tantalum" in html
    assert "Secret tantalum draft" not in html and "Private tantalum" not in html
    client.cookies["sessionid"] = login_cookie(make_member())
    html = client.get(SEARCH, {"q": "tantalum"}).content.decode()
    assert "Private tantalum" in html and "Secret tantalum draft" not in html


# --------------------------------------------------------------------------- snippets


def test_snippets_escape_html_and_mark_only_the_matches():
    make_consultation(
        title="<b>Bold</b> title",
        sections=sections(
            ("Scope", 'A <script>alert("x")</script> text about cobalt & <img src=x onerror=y>.')
        ),
    )
    hit = search_site(query="cobalt", language="en", user=ANONYMOUS).group(CONSULTATION).hits[0]
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<mark>cobalt</mark>" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_the_page_escapes_titles_and_snippets(client: Client):
    make_case(name="<i>Cobalt</i> <script>x</script>", summary="**Cobalt** <b>bold</b>")
    html = client.get(SEARCH, {"q": "cobalt"}).content.decode()
    assert "<script>x</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<mark>Cobalt</mark> &lt;b&gt;bold&lt;/b&gt;" in html  # Markdown emphasis gone


def test_a_snippet_is_cut_around_the_first_match():
    text = " ".join(["filler"] * 80) + " the cobalt word " + " ".join(["more"] * 80)
    made = site_search.snippet(["Nothing here.", text], ["cobalt"])
    assert made.startswith("… ") and made.endswith(" …")
    assert "<mark>cobalt</mark>" in made
    assert len(made) < 300
    # No match: the start of the first text.
    assert site_search.snippet(["First text.", "Second."], ["absent"]) == "First text."
    assert site_search.snippet([], ["x"]) == ""
    assert site_search.plain("[a *link*](https://x.test) and `code`\n# Title") == (
        "a link and code Title"
    )


def test_the_marked_words_are_the_query_words_and_their_stems_not_stopwords():
    terms = site_search.query_terms('the "audits" -cobalt or Mines', "en", stems=True)
    assert terms == ["audit", "audits", "mine", "mines"]
    # Without stemming (SQLite, or a language without it): the words as typed.
    assert site_search.query_terms("the audits", "en", stems=False) == ["audits", "the"]
    assert site_search.query_terms("the audits", "zh-hans", stems=True) == ["audits", "the"]


# --------------------------------------------------------------------------- bad input


def test_an_empty_query_finds_nothing():
    make_case(name="Anything")
    for query in ("", "   ", None):
        found = search_site(query=query, language="en", user=ANONYMOUS)
        assert found.groups == [] and found.total == 0


def test_a_query_of_punctuation_alone_finds_nothing():
    make_case(name="Cobalt")
    assert search_site(query="&|!():*", language="en", user=ANONYMOUS).total == 0


def test_a_query_too_long_or_a_null_character_is_refused():
    with pytest.raises(ValidationError) as too_long:
        search_site(query="x" * (MAX_QUERY + 1), language="en", user=ANONYMOUS)
    assert too_long.value.code == "too_long"
    assert search_site(query="x" * MAX_QUERY, language="en", user=ANONYMOUS).total == 0
    with pytest.raises(ValidationError):
        search_site(query="cobalt\x00", language="en", user=ANONYMOUS)


def test_an_unknown_kind_is_refused_and_kinds_narrow_the_search():
    make_case(name="Cobalt case")
    make_consultation(title="Cobalt consultation")
    with pytest.raises(ValidationError):
        search_site(query="cobalt", language="en", user=ANONYMOUS, kinds=["cases"])
    found = search_site(query="cobalt", language="en", user=ANONYMOUS, kinds=[CONSULTATION])
    assert [g.kind for g in found.groups] == [CONSULTATION]
    assert found.total == 1


def test_a_page_past_the_end_gives_the_last_results():
    for n in range(3):
        make_case(name=f"Cobalt {n}")
    found = search_site(query="cobalt", language="en", user=ANONYMOUS, kinds=[CASE],
                        limit=2, offset=10)  # fmt: skip
    group = found.group(CASE)
    assert (group.count, group.offset, len(group.hits)) == (3, 2, 1)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"q": "x" * (MAX_QUERY + 1)}, "Keep the search under 200 characters."),
        ({"q": "cobalt", "kind": "everything"}, "Search in cases, roadmaps or consultations."),
        ({"q": "cobalt", "page": "0"}, "That page of results does not exist."),
        ({"q": "cobalt", "page": "x"}, "That page of results does not exist."),
        ({"q": "cobalt\x00"}, "Null characters are not allowed."),
    ],
)
def test_the_page_refuses_bad_input_with_400(client: Client, params, error):
    make_case(name="Cobalt case")
    response = client.get(SEARCH, params)
    html = response.content.decode()
    assert response.status_code == 400
    assert error in html
    assert "Cobalt case" not in html


def test_the_page_prompts_for_a_query_and_says_when_nothing_matches(client: Client):
    html = assert_strict_page(client.get(SEARCH))
    assert "Type one or more words" in html
    assert 'type="search"' in html and '<label for="search-q">' in html
    html = client.get(SEARCH, {"q": "   "}).content.decode()
    assert "Type one or more words" in html
    html = client.get(SEARCH, {"q": "nonexistentword"}).content.decode()
    assert "Nothing matches this search" in html
    assert "0 results for" in html


# --------------------------------------------------------------------------- the page


def test_the_page_groups_results_by_kind_with_counts_and_pages_one_kind(client: Client):
    for n in range(site_search.PER_PAGE + 3):
        make_case(name=f"Graphite case {n:02d}", summary="Graphite anodes.")
    make_consultation(title="Graphite consultation")
    html = assert_strict_page(client.get(SEARCH, {"q": "graphite"}))
    assert html.count('class="card site-search-hit"') == site_search.PER_KIND + 1
    assert "Good-practice cases (23)" in html and "Consultations (1)" in html
    assert "See all 23 results in Good-practice cases" in html
    response = client.get(SEARCH, {"q": "graphite", "kind": "case"})
    html = response.content.decode()
    assert html.count('class="card site-search-hit"') == site_search.PER_PAGE
    assert "Graphite consultation" not in html and "Consultations (1)" in html
    assert "Page 1 of 2" in html
    html = client.get(SEARCH, {"q": "graphite", "kind": "case", "page": "2"}).content.decode()
    assert html.count('class="card site-search-hit"') == 3
    html = client.get(SEARCH, {"q": "graphite", "kind": "case", "page": "9"}).content.decode()
    assert "Page 2 of 2" in html


def test_the_page_reads_a_constant_number_of_queries(client: Client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SEARCH, {"q": "nickel"}).status_code == 200
        return len(captured)

    make_case(name="Nickel case")
    published_roadmap(title="Nickel roadmap", texts=sections(("A", "Nickel.")))
    make_consultation(title="Nickel consultation")
    few = queries()
    for n in range(6):
        make_case(name=f"Nickel case {n}")
        published_roadmap(title=f"Nickel roadmap {n}", texts=sections(("A", "Nickel.")))
        make_consultation(title=f"Nickel consultation {n}", sections=sections(("B", "Nickel.")))
    assert queries() == few
    # Per kind its page counted in the same query, the query's stems, the section texts.
    assert few == 5


def test_the_page_shows_the_readers_language(client: Client):
    make_case(name="Smelter audit", name_in_es="Auditoría de fundiciones", summary="Audit.")
    html = client.get(SEARCH, {"q": "auditoría"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Auditoría de fundiciones" in html
    html = client.get(SEARCH, {"q": "auditoría"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="en">Smelter audit</a>' in html


# --------------------------------------------------------------------------- SQLite


def test_the_simple_search_needs_every_word_in_some_text_in_any_language():
    # The embedded default (SQLite) searches so; called directly here.
    consultation = make_consultation(
        title="Battery draft", sections=sections(("Scope", "Artisanal COBALT mining."))
    )
    Consultation.objects.filter(pk=consultation.pk).update(summary_in_fr="Traçabilité")
    make_consultation(title="Cobalt only", sections=sections(("Scope", "Cobalt.")))
    make_consultation(title="Artisanal cobalt draft", status="draft")
    published_roadmap(title="Cobalt roadmap", texts=sections(("Vision", "Artisanal sites.")))
    make_case(name="Artisanal cobalt case")

    def simple(query: str, language: str = "en"):
        return search_site(query=query, language=language, user=ANONYMOUS, simple=True)

    found = simple("cobalt ARTISANAL")
    # The roadmap's consultation is closed, readable: found too (not the draft).
    assert titles(found, CONSULTATION) == ["Battery draft", "Cobalt roadmap"]
    assert titles(found, ROADMAP) == ["Cobalt roadmap"]
    assert titles(found, CASE) == ["Artisanal cobalt case"]
    assert all(hit.rank is None for group in found.groups for hit in group.hits)
    assert "<mark>COBALT</mark>" in found.group(CONSULTATION).hits[0].snippet
    assert titles(simple("traçabilité cobalt"), CONSULTATION) == ["Battery draft"]
    # No stemming there.
    assert simple("audits").total == 0
    assert [
        c.title
        for c in site_search.matching(
            kind=CONSULTATION, query="artisanal", language="en", user=ANONYMOUS, simple=True
        )
    ] == ["Battery draft", "Cobalt roadmap"]


def test_kinds_are_the_three():
    assert KINDS == ("case", "roadmap", "consultation")
