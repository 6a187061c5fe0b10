"""Searching and filtering the public cases (knowledge/search.py): full-text search on
PostgreSQL (the suite's database), and the embedded default's simpler search called
directly."""

from __future__ import annotations

import pytest
from django.db import connection

from knowledge import search
from knowledge.models import Case
from knowledge.search import CaseFilters, filter_cases, search_cases
from tests.knowledge.factories import make_case, make_issue

pytestmark = pytest.mark.django_db


def names(cases) -> list[str]:
    return [case.name for case in cases]


def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_finds_a_case_by_a_word_only_in_a_translation():
    case = make_case(
        name="Smelter audit programme",
        summary="Independent audits of smelters.",
        summary_in_es="Auditorías independientes y trazabilidad de las fundiciones.",
    )
    make_case(name="Recycling targets", summary="Collection targets for batteries.")
    assert names(search_cases(query="trazabilidad")) == [case.name]


def test_finds_words_in_the_good_practice_and_transfer_texts():
    case = make_case(
        name="Supplier code",
        good_practice="A **grievance mechanism** open to every worker.",
        transfer="Start with a pilot in one *refinery*.",
    )
    make_case(name="Other case")
    assert names(search_cases(query="grievance mechanism")) == [case.name]
    assert names(search_cases(query="refinery")) == [case.name]


def test_a_name_match_ranks_above_a_mention_in_the_texts():
    mention = make_case(
        name="Aaa responsible sourcing network",
        summary="Members share audits; some work on cobalt.",
    )
    named = make_case(name="Zzz cobalt refinery passport", summary="A digital product passport.")
    found = list(search_cases(query="cobalt"))
    assert names(found) == [named.name, mention.name]
    assert found[0].rank > found[1].rank


def test_non_accepted_cases_are_never_found():
    accepted = make_case(name="Cobalt traceability pilot")
    for status in (Case.Status.PROPOSED, Case.Status.CHANGES_REQUESTED, Case.Status.DECLINED):
        make_case(name=f"Cobalt traceability {status}", status=status)
    assert names(search_cases(query="cobalt traceability")) == [accepted.name]
    assert names(search_cases(query="")) == [accepted.name]


def test_english_words_are_stemmed_for_an_english_reader():
    case = make_case(name="Artisanal mining cooperative", summary="Safer mining for miners.")
    assert names(search_cases(query="mines", language="en")) == [case.name]
    # Chinese has no stemming configuration: the exact words only.
    assert names(search_cases(query="mines", language="zh-hans")) == []
    assert names(search_cases(query="mining", language="zh-hans")) == [case.name]


def test_a_spanish_translation_is_stemmed_for_a_spanish_reader():
    case = make_case(name="Due diligence guide", name_in_es="Guía de minerales responsables")
    assert names(search_cases(query="mineral responsable", language="es")) == [case.name]


def test_every_word_must_match_and_a_minus_excludes():
    both = make_case(name="Traceability with blockchain", summary="Ledger of cobalt lots.")
    paper = make_case(name="Traceability on paper", summary="Chain of custody forms.")
    assert names(search_cases(query="traceability blockchain")) == [both.name]
    assert names(search_cases(query="traceability -blockchain")) == [paper.name]
    assert names(search_cases(query='"chain of custody"')) == [paper.name]


def test_the_index_follows_changes_and_bulk_inserts():
    case = make_case(name="Battery passport")
    Case.objects.filter(pk=case.pk).update(summary="Now about lithium brine.")
    Case.objects.bulk_create(
        [
            Case(
                slug="bulk-1",
                name="Bulk graphite case",
                summary="x",
                status=Case.Status.ACCEPTED,
                case_type=case.case_type,
                maturity=case.maturity,
            )
        ]
    )
    assert names(search_cases(query="lithium")) == [case.name]
    assert names(search_cases(query="graphite")) == ["Bulk graphite case"]


def test_a_query_of_punctuation_alone_finds_nothing_and_does_not_fail():
    make_case(name="Cobalt")
    assert names(search_cases(query="&|!():*")) == []


def test_the_simple_fallback_needs_every_word_in_some_text_in_any_language():
    # The embedded default (SQLite) searches so; called directly here.
    translated = make_case(name="Audit", summary_in_fr="Traçabilité du cobalt artisanal")
    make_case(name="Cobalt only")
    make_case(name="Proposed cobalt artisanal", status=Case.Status.PROPOSED)
    found = search.search_simple(search.public_cases(), query="COBALT artisanal")
    assert names(found) == [translated.name]


def test_filters_narrow_the_cases():
    issue = make_issue()
    mining = make_case(name="Mining case", sectors=["mining"], minerals=["cobalt"],
                       regions=["sub_saharan_africa"], issues=(issue,))  # fmt: skip
    make_case(name="Mobility case", sectors=["mobility"], minerals=["lithium"], maturity="emerging")
    cases = search.public_cases()
    assert names(filter_cases(cases, CaseFilters(sector="mining"))) == [mining.name]
    assert names(filter_cases(cases, CaseFilters(mineral="cobalt"))) == [mining.name]
    assert names(filter_cases(cases, CaseFilters(region="sub_saharan_africa"))) == [mining.name]
    assert names(filter_cases(cases, CaseFilters(issue=issue.pk))) == [mining.name]
    assert names(filter_cases(cases, CaseFilters(maturity="emerging"))) == ["Mobility case"]
    assert names(filter_cases(cases, CaseFilters(sector="mining", mineral="lithium"))) == []


def test_list_filters_without_json_containment_as_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection.features, "supports_json_field_contains", False)
    mining = make_case(name="Mining case", sectors=["mining", "mobility"])
    make_case(name="Electronics case", sectors=["electronics"])
    found = filter_cases(search.public_cases(), CaseFilters(sector="mobility"))
    assert names(found) == [mining.name]
