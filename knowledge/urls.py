"""Pages of the knowledge repository (namespace "knowledge"): the managers' pages and
proposals (``urls_manage``), the public repository and case pages (``urls_public``), the
mapping matrix (``urls_matrix``), the roadmaps (``urls_roadmaps``), a case's evidence
(``urls_evidence``), the action catalogue (``urls_actions``), the site search
(``urls_search``) and the translation pages of the vocabulary and the actions
(``urls_translations``). Every route needs rows in a permission matrix under tests/knowledge/."""

from __future__ import annotations

from . import (
    urls_actions,
    urls_evidence,
    urls_manage,
    urls_matrix,
    urls_public,
    urls_roadmaps,
    urls_search,
    urls_translations,
)

app_name = "knowledge"

urlpatterns = [
    *urls_manage.urlpatterns,
    *urls_public.urlpatterns,
    *urls_matrix.urlpatterns,
    *urls_roadmaps.urlpatterns,
    *urls_evidence.urlpatterns,
    *urls_actions.urlpatterns,
    *urls_search.urlpatterns,
    *urls_translations.urlpatterns,
]
