"""Routes of the knowledge repository; see knowledge/urls.py. The site's search page
(cases, roadmaps and consultations)."""

from django.urls import path

from . import search_views

urlpatterns: list = [
    path("search/", search_views.search, name="search"),
]
