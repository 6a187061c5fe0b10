"""Pages of the knowledge repository (namespace "knowledge"): the managers' pages and
proposals (``urls_manage``), the public repository and case pages (``urls_public``), the
mapping matrix (``urls_matrix``) and the roadmaps (``urls_roadmaps``). Every route needs
rows in a permission matrix under tests/knowledge/."""

from __future__ import annotations

from . import urls_manage, urls_matrix, urls_public, urls_roadmaps

app_name = "knowledge"

urlpatterns = [
    *urls_manage.urlpatterns,
    *urls_public.urlpatterns,
    *urls_matrix.urlpatterns,
    *urls_roadmaps.urlpatterns,
]
