"""Routes of the knowledge repository; see knowledge/urls.py. Roadmaps: publishing a
consultation's version as a roadmap and citing cases (organisers), the public roadmaps
and a process's public page."""

from django.urls import path

from . import roadmap_views

urlpatterns: list = [
    path(
        "c/<slug:process>/<slug:slug>/roadmap/publish",
        roadmap_views.publish,
        name="roadmap_publish",
    ),
    path("roadmaps/", roadmap_views.roadmap_list, name="roadmaps"),
    path("roadmaps/<slug:slug>/", roadmap_views.roadmap_page, name="roadmap"),
    path("roadmaps/<slug:slug>/citations", roadmap_views.citations, name="roadmap_citations"),
    path("p/<slug:process>/", roadmap_views.process_page, name="process_public"),
]
