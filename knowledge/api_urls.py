"""The read-only API of the knowledge repository (under /api/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api, roadmap_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cases", api.CaseViewSet, basename="api-case")
router.register("roadmaps", roadmap_api.RoadmapViewSet, basename="api-roadmap")

urlpatterns: list = [
    path("", include(router.urls)),
    path("impact-areas/", api.ImpactAreaList.as_view(), name="api-impact-areas"),
    path("impact-matrix/", api.ImpactMatrix.as_view(), name="api-impact-matrix"),
]
