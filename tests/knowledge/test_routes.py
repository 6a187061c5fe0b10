"""Every page of the knowledge repository has rows in one of the permission matrices of
its parts (managers' pages and proposals, the public repository, the mapping matrix,
roadmaps, evidence, the action catalogue, site search, translations),
and no row names a route that is gone."""

from __future__ import annotations

from knowledge import urls as knowledge_urls
from tests.knowledge.test_actions_matrix import MATRIX as ACTIONS
from tests.knowledge.test_evidence_matrix import MATRIX as EVIDENCE
from tests.knowledge.test_manage_matrix import MATRIX as MANAGE
from tests.knowledge.test_matrix_matrix import MATRIX as MAPPING
from tests.knowledge.test_public_matrix import MATRIX as PUBLIC
from tests.knowledge.test_roadmap_matrix import MATRIX as ROADMAPS
from tests.knowledge.test_search_matrix import MATRIX as SEARCH
from tests.knowledge.test_translation_matrix import MATRIX as TRANSLATIONS
from tests.matrix import assert_rows_for_every_route, route_names


def test_every_route_has_rows():
    names = route_names("knowledge", knowledge_urls.urlpatterns)
    rows = [
        case
        for case in [
            *MANAGE,
            *MAPPING,
            *PUBLIC,
            *ROADMAPS,
            *EVIDENCE,
            *ACTIONS,
            *SEARCH,
            *TRANSLATIONS,
        ]
        if case.route.startswith("knowledge:")
    ]
    assert_rows_for_every_route(names, rows)
