"""The stakeholder directory's organiser pages, under /directory/ (namespace "people").

Every route here needs a row in tests/people/test_permission_matrix.py."""

from django.urls import path

from . import import_views, views

app_name = "people"

P = "<int:pk>/"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("exports/", views.export_log, name="export_log"),
    path("grid/", views.grid, name="grid"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("new/", views.person_create, name="person_create"),
    path(P, views.person_detail, name="person"),
    path(P + "edit/", views.person_edit, name="person_edit"),
    path(P + "emails/", views.add_email, name="add_email"),
    path(P + "affiliations/", views.add_affiliation, name="add_affiliation"),
    path(
        P + "affiliations/<int:affiliation_id>/remove/",
        views.remove_affiliation,
        name="remove_affiliation",
    ),
    path(P + "do-not-contact/", views.do_not_contact, name="do_not_contact"),
    path(P + "analysis/", views.set_analysis, name="set_analysis"),
    path(P + "merge/", views.merge, name="merge"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
]
